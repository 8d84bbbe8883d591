"""Web adapter: the FastAPI app factory, REST routers under /api/v1, and the web UI."""
