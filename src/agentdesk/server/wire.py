"""JSON answers of single rows and small bodies: no ORM objects, no per-row pydantic;
datetimes as ISO 8601 `Z`. (Pulls build their JSON in the database: see `rowjson`.)

Rows come from SQLAlchemy Core selects on `Model.__table__`, so the column types have already
turned values into aware datetimes, enum members (plain `str` subclasses) and lists/dicts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi.responses import Response
from sqlalchemy import Table
from sqlmodel import SQLModel

from agentdesk.domain.models import SYNCED_MODELS
from agentdesk.domain.timeutil import to_iso

TABLES: dict[str, Table] = {
    entity: model.__table__  # type: ignore[attr-defined]
    for entity, model in SYNCED_MODELS.items()
}


def table_of(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


_encoder = json.JSONEncoder(default=_default, separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> bytes:
    return _encoder.encode(value).encode()


def plain(value: Any) -> Any:
    """A JSON-ready copy of `value` (datetimes as wire strings, enums as their values)."""
    return json.loads(_encoder.encode(value))


def json_response(value: Any, status_code: int = 200) -> Response:
    """A JSON answer encoded here (bypassing FastAPI's slower generic encoder)."""
    return Response(content=dumps(value), status_code=status_code, media_type="application/json")


def row_data(row: Any) -> dict[str, Any]:
    """A Core row as a plain dict (values still Python objects; `dumps` encodes them)."""
    mapping: Mapping[str, Any] = row._mapping
    return dict(mapping)
