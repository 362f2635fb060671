"""The reference backend: a FastAPI server on SQLite or PostgreSQL. Depends on `domain` only."""
