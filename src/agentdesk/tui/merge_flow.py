"""`M`: merge tickets (the ticket screen's ticket, or the queue's marked tickets) into one.

Asks for the target (the queue offers the cursor row when it is among the marked ones);
tickets of another customer than the target's need a confirmed force (the server accepts
that from leads only, and says so otherwise). The merge is queued like any change and shows
once the server applied it; `u` undoes it (`ticket.unmerge`, see `agentdesk.store.undo`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from agentdesk.domain.text import one_line
from agentdesk.store import StoreError
from agentdesk.store.merge import queue_merge
from agentdesk.tui.screens.dialogs import ConfirmDialog, PromptDialog

if TYPE_CHECKING:
    from agentdesk.tui.app import AgentDeskApp


def ask_merge(
    app: AgentDeskApp,
    ticket_ids: list[int],
    suggested_target: int | None = None,
    after: Callable[[], None] | None = None,
) -> None:
    """Merge `ticket_ids` (less the chosen target) into a target the agent names."""
    if not ticket_ids:
        app.notify("No ticket selected", severity="warning")
        return
    listed = ", ".join(f"#{i}" for i in ticket_ids[:5]) + ("…" if len(ticket_ids) > 5 else "")

    def entered(text: str | None) -> None:
        if text is None or not text.strip():
            return
        try:
            target = int(text.strip().lstrip("#"))
        except ValueError:
            app.notify(f"Not a ticket number: {one_line(text, 40)}", severity="error", markup=False)
            return
        sources = [i for i in ticket_ids if i != target]
        if not sources:
            app.notify("Nothing to merge: pick another ticket as the target", severity="warning")
            return
        _confirm_customers(app, sources, target, after)

    app.push_screen(
        PromptDialog(
            f"Merge {listed} into ticket #",
            hint="the others are closed and their messages shown in the target's thread",
            value="" if suggested_target is None else str(suggested_target),
        ),
        entered,
    )


def _confirm_customers(
    app: AgentDeskApp, sources: list[int], target: int, after: Callable[[], None] | None
) -> None:
    cache = app.cache
    target_row = cache.ticket(target)
    if target_row is None:
        app.notify(f"Ticket {target} is not in the local cache", severity="error")
        return
    customer = target_row.get("customer_id")
    others = [s for s in sources if (cache.ticket(s) or {}).get("customer_id") != customer]
    if not others:
        _queue(app, sources, target, False, after)
        return

    def answered(yes: bool | None) -> None:
        if yes:
            _queue(app, sources, target, True, after)

    app.push_screen(
        ConfirmDialog(
            f"{', '.join(f'#{s}' for s in others)} "
            f"{'belongs' if len(others) == 1 else 'belong'} to another customer than #{target}. "
            "Merge anyway?",
            "Only a lead may force this; the server refuses it otherwise.",
        ),
        answered,
    )


def _queue(
    app: AgentDeskApp,
    sources: list[int],
    target: int,
    force: bool,
    after: Callable[[], None] | None,
) -> None:
    count = len(sources)
    label = f"Merge {count} ticket{'s' if count != 1 else ''} into #{target}"
    try:
        with app.recording(label, [*sources, target]):
            queue_merge(app.cache, sources, target, force=force)
    except (StoreError, ValueError) as exc:
        app.notify(one_line(str(exc), 200), severity="error", markup=False)
        return
    app.notify(f"Merge of {count} ticket{'s' if count != 1 else ''} into #{target} queued")
    app.after_write()
    if after is not None:
        after()
