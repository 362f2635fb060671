"""The stale-reply guard: public replies other agents sent since a ticket was opened.

Like the per-field conflict rule for fields, but for replies: before a reply goes out, the
ticket screen compares the thread with the one it showed when opened; a public agent reply
that is new and not ours means someone else answered the customer meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from agentdesk.store import MessageRow


def replies_since(
    thread: Sequence[MessageRow], seen: Iterable[str], me: int | None
) -> list[MessageRow]:
    """Public agent replies in `thread` not in `seen` and not written by `me`, in order."""
    known = set(seen)
    return [
        message
        for message in thread
        if message.id not in known
        and message.public
        and message.author_kind == "agent"
        and message.author_id != me
    ]
