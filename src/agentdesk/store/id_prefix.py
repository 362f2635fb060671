"""Rows named by an id or a unique prefix of one (as `agentdesk swarm list` / `draft list`
show them, like git's short hashes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from agentdesk.store.db import StoreError

T = TypeVar("T")


def by_id_prefix(rows: Iterable[T], id_of: Callable[[T], str], prefix: str, what: str) -> T:
    """The row whose id is `prefix`, else the one row whose id starts with it (any case).

    Raises `StoreError` naming `what` ("swarm", "shared draft") when none or several match.
    """
    wanted = prefix.strip().lower()
    rows = list(rows)
    matches = [r for r in rows if id_of(r).lower() == wanted]
    if not matches and wanted:
        matches = [r for r in rows if id_of(r).lower().startswith(wanted)]
    if not matches:
        raise StoreError(f"no {what} {prefix!r} in the local cache (sync first?)")
    if len(matches) > 1:
        raise StoreError(
            f"{what} id {prefix!r} is ambiguous ({len(matches)} of them): give more characters"
        )
    return matches[0]
