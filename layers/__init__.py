"""The layer catalogue, data files, schemas, providers and the store. The only package that reads data."""
