"""FastAPI app, routers, settings, error mapping and the ``planmap`` CLI. Thin: parse, call, format."""
