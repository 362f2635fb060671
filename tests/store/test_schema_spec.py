"""`agentdesk.store.schema_spec` must match the SQLModel tables of `SYNCED_MODELS` exactly.

The store reads the synced tables' shape from that small generated module so that opening the
TUI does not import SQLModel/SQLAlchemy. If a model changes, this test fails and prints the
module to paste (then run `ruff format` on it).
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Integer

from agentdesk.domain.models import SYNCED_MODELS, UTCDateTime
from agentdesk.store import schema_spec
from agentdesk.store.schema import ENTITY_TABLES, _create_synced_table

Spec = dict[str, tuple[str, bool, tuple[tuple[str, str, str], ...]]]


def spec_from_models() -> Spec:
    """The synced tables as the models define them: (table, int id, ((column, kind, SQL type)))."""
    spec: Spec = {}
    for entity, model in SYNCED_MODELS.items():
        table = model.__table__  # type: ignore[attr-defined]
        columns: list[tuple[str, str, str]] = []
        for column in table.columns:
            if isinstance(column.type, UTCDateTime):
                kind = "ts"
            elif isinstance(column.type, JSON):
                kind = "json"
            else:
                kind = "plain"
            sql_type = "INTEGER" if isinstance(column.type, Integer | Boolean) else "TEXT"
            columns.append((column.name, kind, sql_type))
        int_id = isinstance(table.columns["id"].type, Integer)
        spec[entity] = (table.name, int_id, tuple(columns))
    return spec


def module_source(spec: Spec) -> str:
    lines = [
        '"""Generated from `agentdesk.domain.models.SYNCED_MODELS`: do not edit by hand.',
        "",
        "entity: (table, integer id, ((column, kind, SQLite type), ...)); kept in step by",
        "tests/store/test_schema_spec.py (which prints this module when the models change).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Literal",
        "",
        'ColumnKind = Literal["plain", "ts", "json"]',
        "",
        "SYNCED_TABLES: dict[str, tuple[str, bool, tuple[tuple[str, ColumnKind, str], ...]]] = {",
    ]
    for entity, (table, int_id, columns) in spec.items():
        lines.append(f"    {entity!r}: ({table!r}, {int_id}, (")
        lines.extend(f"        {column!r}," for column in columns)
        lines.append("    )),")
    lines.append("}")
    return "\n".join(lines).replace("'", '"') + "\n"


def test_spec_matches_the_models_exactly() -> None:
    expected = spec_from_models()
    assert expected == schema_spec.SYNCED_TABLES, (
        "src/agentdesk/store/schema_spec.py is stale; replace it with:\n\n"
        + module_source(expected)
    )


def test_entity_tables_follow_the_spec() -> None:
    assert list(ENTITY_TABLES) == list(SYNCED_MODELS)
    ticket = ENTITY_TABLES["ticket"]
    assert ticket.table == "tickets" and ticket.int_id
    assert "sla_due_at" in ticket.ts_columns
    assert ENTITY_TABLES["message"].int_id is False
    ddl = _create_synced_table("message")
    assert "seq INTEGER PRIMARY KEY" in ddl and "id TEXT NOT NULL UNIQUE" in ddl
