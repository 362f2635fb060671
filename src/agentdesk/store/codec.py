"""Conversions between domain values and the cache's column values.

Timestamps are stored as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always 27 characters), so text order
is time order; lists and dicts as compact JSON; enums as their values; booleans as 0/1.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from agentdesk.domain.timeutil import as_utc
from agentdesk.store.schema import ENTITY_TABLES, ColumnKind

TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def ts_text(value: Any) -> str | None:
    """The stored form of a timestamp (datetime or ISO-8601 text); None stays None."""
    if value is None:
        return None
    if type(value) is str:
        if len(value) == 27 and value[-1] == "Z" and value[19] == ".":
            return value  # already canonical (the usual case on the bulk path)
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        return as_utc(value).strftime(TS_FORMAT)
    raise ValueError(f"not a timestamp: {value!r}")


def ts_value(text: str | None) -> datetime | None:
    """An aware UTC datetime from the stored text."""
    if text is None:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def json_text(value: Any) -> str:
    if not value:
        return "[]" if value is None or value == [] else _JSON(value)
    if isinstance(value, str):
        return value  # already JSON text
    return _JSON(value)


def db_value(kind: ColumnKind, value: Any) -> Any:
    """One domain value in its stored form."""
    if kind == "ts":
        return ts_text(value)
    if kind == "json":
        return json_text(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool):
        return int(value)
    return value


def _compile_encoder(entity: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A fast `dict -> row tuple` function for one entity (generated once, no per-row loop)."""
    info = ENTITY_TABLES[entity]
    parts = []
    for n, (column, kind) in enumerate(zip(info.columns, info.kinds, strict=True)):
        get = f"d.get({column!r})"
        if kind == "ts":
            # ts_text's first test inlined: wire timestamps are already canonical
            v = f"v{n}"
            parts.append(
                f"({v} if type({v} := {get}) is str and len({v}) == 27 and {v}[26] == 'Z' "
                f"and {v}[19] == '.' else _ts({v}))"
            )
        elif kind == "json":
            parts.append(f"_js({get})")
        else:
            parts.append(get)
    source = f"def encode(d, _ts=_ts, _js=_js):\n    return ({', '.join(parts)},)\n"
    namespace: dict[str, Any] = {"_ts": ts_text, "_js": json_text}
    exec(source, namespace)
    return namespace["encode"]  # type: ignore[no-any-return]


ENCODERS: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
    entity: _compile_encoder(entity) for entity in ENTITY_TABLES
}


def decode_row(entity: str, row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    """A stored row as domain values: datetimes aware, JSON decoded, booleans as bool."""
    info = ENTITY_TABLES[entity]
    keys = row.keys()
    out: dict[str, Any] = {key: row[key] for key in keys}
    for column, kind in zip(info.columns, info.kinds, strict=True):
        if column not in out:
            continue
        if kind == "ts":
            out[column] = ts_value(out[column])
        elif kind == "json":
            raw = out[column]
            out[column] = json.loads(raw) if raw else ([] if raw is None else raw)
    for column in _BOOL_COLUMNS.get(entity, ()):
        if out.get(column) is not None:
            out[column] = bool(out[column])
    return out


_BOOL_COLUMNS: dict[str, tuple[str, ...]] = {"agent": ("active",), "message": ("public",)}


def encode_values(entity: str, values: dict[str, Any]) -> dict[str, Any]:
    """Domain values of some columns in their stored form (unknown columns kept as they are)."""
    info = ENTITY_TABLES[entity]
    kinds = dict(zip(info.columns, info.kinds, strict=True))
    return {key: db_value(kinds.get(key, "plain"), value) for key, value in values.items()}
