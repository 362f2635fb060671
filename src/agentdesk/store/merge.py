"""Queueing a `ticket.merge` (the server applies it; see `agentdesk.server.merge`).

The cache shows a merge once the server has applied it (the next pull brings the closed
sources with `merged_into_id`); `thread()` then gathers the sources' messages under the
target and `customer_history()` counts merged tickets once.
"""

from __future__ import annotations

from typing import Any

from agentdesk.store.db import StoreError


def queue_merge(cache: Any, source_ids: list[int], target_id: int, *, force: bool = False) -> int:
    """Queue merging `source_ids` into `target_id`; returns the mutation id.

    Raises StoreError (a ValueError) for a ticket that is not cached or a self-merge.
    """
    sources = list(dict.fromkeys(source_ids))
    if not sources:
        raise StoreError("nothing to merge: name at least one source ticket")
    if target_id in sources:
        raise StoreError(f"#{target_id} cannot be merged into itself")
    for ticket_id in (target_id, *sources):
        if cache.ticket(ticket_id) is None:
            raise StoreError(f"ticket {ticket_id} is not in the local cache")
    args = {"source_ids": sources, "target_id": target_id, "force": force}
    return int(cache.record_mutation("ticket.merge", args))


def queue_unmerge(
    cache: Any, source_ids: list[int], target_id: int, *, status: str | None = "open"
) -> list[int]:
    """Queue taking `source_ids` out of `target_id` (one `ticket.unmerge` each, one
    transaction); returns the mutation ids. Sources not merged into the target are refused."""
    sources = list(dict.fromkeys(source_ids))
    if not sources:
        raise StoreError("nothing to unmerge: name at least one source ticket")
    with cache.write():
        for ticket_id in sources:
            ticket = cache.ticket(ticket_id)
            if ticket is None:
                raise StoreError(f"ticket {ticket_id} is not in the local cache")
            if ticket.get("merged_into_id") != target_id:
                raise StoreError(f"#{ticket_id} is not merged into #{target_id}")
        return [
            int(
                cache.record_mutation(
                    "ticket.unmerge",
                    {"ticket_id": ticket_id, "target_id": target_id, "status": status},
                )
            )
            for ticket_id in sources
        ]
