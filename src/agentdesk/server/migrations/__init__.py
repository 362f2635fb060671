"""Alembic migration scripts of the server database, shipped inside the package."""
