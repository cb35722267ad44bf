"""Map builders (Folium) and static exports. They receive loaded data; they never open files or URLs."""
