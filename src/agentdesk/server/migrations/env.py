"""Alembic environment: runs on the connection `agentdesk.server.db` hands over.

`alembic` on the command line is not needed: `open_database` runs the migrations on start.
For authoring a revision, pass `-x url=...` (see docs in `agentdesk.server.db`).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import agentdesk.domain.models  # registers the synced tables
import agentdesk.server.tables  # noqa: F401  (registers the server tables)

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("pass the database with -x url=...")
    with create_engine(url).connect() as conn:
        _migrate(conn)
        conn.commit()


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
