"""Human and JSON output of the client commands.

Customer text is untrusted: human output passes it through `domain.text.visible`/`one_line`
(controls and escape sequences shown as symbols) and prints plain strings, never Rich markup.
JSON output is stable (docs/cli-json.md): `json.dumps` escapes every control character.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from agentdesk.domain.text import one_line, visible


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=_default, ensure_ascii=True) + "\n")


def short(value: Any, width: int) -> str:
    """`value` as one inert line, cut to `width` characters."""
    text = one_line("" if value is None else str(value))
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def ts(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        value = value.isoformat()
    return str(value).replace("T", " ")[:16]


def print_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """A plain aligned table (no colours, no markup)."""
    materialised = [list(headers), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in materialised) for i in range(len(headers))]
    for row in materialised:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        sys.stdout.write(line.rstrip() + "\n")


def ticket_rows(tickets: Iterable[Mapping[str, Any]]) -> list[list[str]]:
    rows = []
    for t in tickets:
        pending = "*" if t.get("local_pending") else ""
        rows.append(
            [
                f"#{t['id']}{pending}",
                short(t.get("status"), 8),
                short(t.get("priority"), 7),
                short(t.get("assignee_name") or "-", 18),
                ts(t.get("sla_due_at")),
                short(t.get("subject"), 60),
            ]
        )
    return rows


TICKET_HEADERS = ("ID", "STATUS", "PRIO", "ASSIGNEE", "SLA DUE", "SUBJECT")


def print_ticket(detail: Mapping[str, Any]) -> None:
    t = detail["ticket"]
    out = sys.stdout
    out.write(f"#{t['id']}  {short(t.get('subject'), 200)}\n")
    customer = detail.get("customer") or {}
    fields = [
        ("status", t.get("status")),
        ("priority", t.get("priority")),
        ("channel", t.get("channel")),
        ("assignee", detail.get("assignee_name") or t.get("assignee_name") or "-"),
        ("customer", f"{customer.get('name', '-')} <{customer.get('email', '-')}>"),
        ("tags", ", ".join(t.get("tags") or []) or "-"),
        ("sla due", ts(t.get("sla_due_at"))),
        ("updated", ts(t.get("updated_at"))),
    ]
    for name, value in fields:
        out.write(f"  {name:<9} {short(value, 200)}\n")
    if detail.get("pending"):
        out.write("  (local changes pending sync)\n")
    for message in detail.get("messages", []):
        kind = "note" if not message.get("public", True) else "reply"
        if message.get("author_kind") == "customer":
            kind = "customer"
        who = short(message.get("author_name") or message.get("author_kind") or "", 40)
        state = message.get("local_state")
        flag = f" [{state}]" if state else ""
        out.write(f"\n--- {kind} · {who} · {ts(message.get('created_at'))}{flag}\n")
        out.write(visible(str(message.get("body") or ""), multiline=True, max_chars=20_000))
        out.write("\n")
