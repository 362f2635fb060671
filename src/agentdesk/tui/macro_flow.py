"""Canned responses in the TUI: from the picker into the composer, sending, bulk from the queue.

Ticket screen (`m`) and composer (`ctrl+t`): the picked response is rendered for the ticket
and inserted into the reply composer at the cursor, missing values as ⟦name⟧ markers the
agent can type over; its field actions are remembered for that composer. Sending
(`before_send`) is held while markers remain until the agent confirms (they are then sent
empty); the reply then goes out with the actions as one ordered batch (`send`).

Queue (`m` on marked rows): each ticket gets the response rendered for its own customer,
after a confirmation that says how many tickets and which changes; one batch per ticket.

The picker and `store.macros` are imported when first used (not needed for the first frame).
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agentdesk.domain.text import one_line
from agentdesk.store import Cache, StoreError
from agentdesk.tui.screens.dialogs import ConfirmDialog

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget

    from agentdesk.tui.screens.macro_picker import MacroChoice

MARKER = re.compile(r"⟦([^⟧\n]{1,120})⟧")

# Composer -> the canned response inserted last: its field actions (and one use) go out with
# the composer's next send.
# Kept with the ticket it was rendered for: the composer is reused when stepping to another.
_pending: weakref.WeakKeyDictionary[Widget, tuple[int, dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


def missing_markers(text: str) -> list[str]:
    """Names of the ⟦placeholder⟧ markers still in the text, in order, once each."""
    return list(dict.fromkeys(MARKER.findall(text)))


def strip_markers(text: str) -> str:
    return MARKER.sub("", text)


def pending_macro(composer: Widget, ticket_id: int) -> dict[str, Any] | None:
    found = _pending.get(composer)
    return found[1] if found is not None and found[0] == ticket_id else None


def forget(composer: Widget) -> None:
    _pending.pop(composer, None)


# ---- ticket screen and composer ------------------------------------------------------------


def open_for_ticket(screen: Any) -> None:
    """Push the picker for `screen.ticket_id`; insert the choice into its reply composer."""
    from agentdesk.tui.screens.macro_picker import MacroPicker, marked_text

    def chosen(choice: MacroChoice | None) -> None:
        if choice is None or not choice.plans:
            return
        composer = screen.composer
        if not composer.is_open:
            screen.action_compose("reply")
        area = composer.text_area
        text = marked_text(choice.plans[0])
        if area.text.strip() and not area.text.endswith("\n"):
            text = "\n" + text
        area.insert(text)
        area.focus()
        _pending[composer] = (screen.ticket_id, choice.canned)
        lines = choice.plans[0].action_lines
        note = f" · on send: {'; '.join(lines)}" if lines else ""
        screen.notify(f"Inserted {one_line(choice.canned['title'], 60)!r}{note}", markup=False)

    screen.app.push_screen(MacroPicker(screen.app.cache, [screen.ticket_id]), chosen)


def before_send(screen: Any, body: str, resend: Callable[[], None]) -> bool:
    """True when sending must wait: ⟦markers⟧ remain; asks, and calls `resend` on yes."""
    names = missing_markers(body)
    if not names:
        return False

    def answered(yes: bool | None) -> None:
        if yes:
            resend()

    screen.app.push_screen(
        ConfirmDialog(
            f"{len(names)} placeholder(s) have no value: {', '.join(names)}",
            "Send anyway with them left empty? (n: go back and fill them in)",
        ),
        answered,
    )
    return True


def send(cache: Cache, ticket_id: int, composer: Widget, body: str, public: bool) -> None:
    """Queue the composer's text, with the inserted response's field actions if any."""
    body = strip_markers(body)
    canned = pending_macro(composer, ticket_id)
    if canned is None:
        cache.add_message(ticket_id, body, public=public)
        return
    from agentdesk.store.macros import apply_macro

    recording = getattr(composer.app, "recording", None)  # `u` undoes it as one action
    label = f"Canned response {one_line(canned['title'], 60)!r} on #{ticket_id}"
    with recording(label, [ticket_id]) if recording is not None else contextlib.nullcontext():
        apply_macro(cache, ticket_id, canned, body, public=public)
    _pending.pop(composer, None)


# ---- bulk from the queue ------------------------------------------------------------------


def open_for_tickets(app: App[Any], ticket_ids: list[int], after: Callable[[], None]) -> None:
    """Pick a response for marked tickets, confirm, then queue one batch per ticket."""
    from agentdesk.tui.screens.macro_picker import MacroPicker

    if not ticket_ids:
        app.notify("No ticket selected", severity="warning", markup=False)
        return
    cache: Cache = app.cache  # type: ignore[attr-defined]

    def chosen(choice: MacroChoice | None) -> None:
        if choice is None:
            return
        app.push_screen(
            ConfirmDialog(bulk_question(choice), bulk_detail(choice)),
            lambda yes: _apply_bulk(app, cache, choice, after) if yes else None,
        )

    app.push_screen(MacroPicker(cache, ticket_ids), chosen)


def bulk_question(choice: MacroChoice) -> str:
    count = len(choice.plans)
    title = one_line(choice.canned["title"], 60)
    return f"Reply with {title!r} to {count} ticket{'s' if count != 1 else ''}?"


def bulk_detail(choice: MacroChoice) -> str:
    lines = choice.plans[0].action_lines if choice.plans else []
    parts = ["Each reply is rendered for its own customer."]
    parts.append("Changes: " + ("; ".join(lines) if lines else "none (reply only)") + ".")
    short = [p for p in choice.plans if p.rendered.missing]
    if short:
        parts.append(
            f"{len(short)} of them have no value for {', '.join(choice.missing)} "
            "(sent empty if you confirm)."
        )
    if choice.errors:
        parts.append(f"{len(choice.errors)} ticket(s) skipped: cannot render.")
    return " ".join(parts)


def _apply_bulk(
    app: App[Any], cache: Cache, choice: MacroChoice, after: Callable[[], None]
) -> None:
    from agentdesk.store.macros import apply_macro

    done, failed = 0, []
    # Undo (`u`) puts the response's field actions back and withdraws the replies no push
    # has picked up yet (a reply that has left stays, and the undo says so).
    recording = getattr(app, "recording", None)
    label = f"Canned response {one_line(choice.canned['title'], 60)!r}"
    ids = [plan.ticket_id for plan in choice.plans]
    with recording(label, ids) if recording is not None else contextlib.nullcontext():
        for plan in choice.plans:
            try:
                apply_macro(cache, plan.ticket_id, choice.canned, plan.rendered.text)
                done += 1
            except (StoreError, ValueError) as exc:
                failed.append(f"#{plan.ticket_id}: {one_line(str(exc), 100)}")
    if failed:
        app.notify("; ".join(failed[:3]), title="Not sent", severity="error", markup=False)
    app.notify(f"Queued {one_line(choice.canned['title'], 60)!r} for {done} tickets", markup=False)
    after()
    app.after_write()  # type: ignore[attr-defined]
