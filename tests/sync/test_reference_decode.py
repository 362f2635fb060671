"""The reference adapter decodes answers with orjson; `json` judges what orjson refuses."""

from __future__ import annotations

import json

import pytest

from agentdesk.sync.backend import Change, ProtocolError
from agentdesk.sync.reference import loads, parse_pull_page


@pytest.mark.parametrize(
    "text",
    [
        b'{"changes": [], "cursor": "1.abc", "has_more": false}',
        b'{"a": NaN, "b": Infinity}',  # orjson refuses these; json does not
        b'["\\ud800 lone surrogate"]',
        '{"text": "caf\u00e9 \u202e"}'.encode(),
    ],
)
def test_loads_accepts_what_json_accepts(text: bytes) -> None:
    assert repr(loads(text)) == repr(json.loads(text))


@pytest.mark.parametrize("text", [b"{", b'{"a": 1,}', b"\xff\xfe\xfd", b"", b"nul"])
def test_loads_refuses_what_json_refuses(text: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        loads(text)


def test_a_page_decodes_to_changes() -> None:
    body = loads(
        b'{"changes": [{"entity": "group", "id": 1, "op": "upsert", "version": 3,'
        b' "data": {"id": 1, "name": "support"}},'
        b' {"entity": "ticket", "id": 9, "op": "delete", "version": 4, "data": null}],'
        b' "cursor": "4.abc", "has_more": false, "last_mutation_id": null}'
    )
    page = parse_pull_page(body, None)
    assert page.changes == [
        Change("group", 1, "upsert", {"id": 1, "name": "support"}, 3),
        Change("ticket", 9, "delete", None, 4),
    ]
    assert page.changes[0].entity == "group" and page.changes[1].version == 4
    assert (page.cursor, page.has_more, page.last_mutation_id) == ("4.abc", False, None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"entity": "group", "id": 1, "op": "upsert", "version": 3, "data": {"id": 2}}, "lacks"),
        ({"entity": "group", "id": 1, "op": "upsert", "version": True, "data": {}}, "version"),
        ({"entity": "nope", "id": 1, "op": "delete", "version": 3}, "unknown entity"),
        ({"entity": "group", "id": 1, "op": "merge", "version": 3}, "unknown op"),
        (["group", 1], "not an object"),
    ],
)
def test_a_bad_row_is_one_line(change: object, message: str) -> None:
    body = {"changes": [change], "cursor": "4.abc", "has_more": False}
    with pytest.raises(ProtocolError) as raised:
        parse_pull_page(body, None)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_an_integer_beyond_64_bits_is_refused_in_one_line() -> None:
    """orjson reads it as a float; ids and versions must be integers."""
    body = loads(
        b'{"changes": [{"entity": "group", "id": 1, "op": "delete",'
        b' "version": 123456789012345678901234567890}], "cursor": "4.abc", "has_more": false}'
    )
    with pytest.raises(ProtocolError, match="version"):
        parse_pull_page(body, None)
