"""The local SQLite cache: schema and migrations, queries, full-text search, the outbox."""
