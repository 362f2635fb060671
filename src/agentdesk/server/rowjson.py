"""Rows to JSON inside the database: the hot path of `GET /v1/changes`.

Selecting through the models' column types would parse every timestamp and JSON column into
Python objects only to print them again, at tens of microseconds per value. Instead the
query asks the database for each row as JSON text (SQLite `json_object`, PostgreSQL
`json_build_object`), in C, and Python only glues the texts together. The output matches
`wire.dumps` of the typed row: keys in column order, timestamps as ISO 8601 UTC with `Z`
(always with microseconds), JSON columns embedded, booleans as true/false.

SQLite stores timestamps as naive UTC text `YYYY-MM-DD HH:MM:SS.ffffff` (what
`domain.models.UTCDateTime` writes, and what bulk writers must write too).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Integer,
    String,
    Table,
    Text,
    case,
    cast,
    func,
    literal_column,
    type_coerce,
)
from sqlalchemy.types import NullType

from agentdesk.domain.models import UTCDateTime

encode_str: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]

PG_TIMESTAMP_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'


def _raw(column: Any) -> ColumnElement[Any]:
    return type_coerce(column, NullType())


def _sqlite_value(column: Any) -> ColumnElement[Any]:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        text = type_coerce(column, String())
        return func.replace(text, " ", "T").concat("Z")  # NULL stays NULL
    if isinstance(kind, JSON):
        return func.json(_raw(column))
    if isinstance(kind, Boolean):
        return case((_raw(column) != 0, func.json("true")), else_=func.json("false"))
    return _raw(column)


def _postgres_value(column: Any) -> ColumnElement[Any]:
    if isinstance(column.type, UTCDateTime):
        return func.to_char(func.timezone("UTC", _raw(column)), PG_TIMESTAMP_FORMAT)
    return _raw(column)


def data_expression(table: Table, dialect: str) -> ColumnElement[str]:
    """An expression giving each row of `table` as a JSON object (text)."""
    pairs: list[Any] = []
    value = _sqlite_value if dialect == "sqlite" else _postgres_value
    for column in table.columns:
        pairs.append(literal_column(f"'{column.name}'"))
        pairs.append(value(column))
    if dialect == "sqlite":
        return type_coerce(func.json_object(*pairs), NullType())
    return cast(func.json_build_object(*pairs), Text)


def id_encoder(table: Table) -> Callable[[Any], str]:
    """How a primary key value of `table` is written in JSON."""
    if isinstance(table.c.id.type, Integer):
        return lambda value: str(int(value))
    return lambda value: encode_str(str(value))
