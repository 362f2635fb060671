"""The app's side of undo: actions recorded as they are made, `u` undoes the newest one, `H`
lists them (`agentdesk.store.undo` keeps them and builds the inverse mutations).

`AgentDeskApp` mixes `UndoMixin` in, lists `UNDO_BINDINGS` and wraps each field change in
`recording(label, ids)`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType

from agentdesk.domain.text import one_line
from agentdesk.store import StoreError, undo
from agentdesk.tui.screens.history import HistoryScreen

if TYPE_CHECKING:
    from agentdesk.tui.app import AgentDeskApp

UNDO_BINDINGS: list[BindingType] = [
    Binding("u", "undo", "Undo", show=False, id="app.undo"),
    Binding("H", "history", "History", show=False, id="app.history"),
]


class UndoMixin:
    @property
    def _undo_app(self) -> AgentDeskApp:
        return self  # type: ignore[return-value]

    @contextlib.contextmanager
    def recording(self, label: str, ticket_ids: list[int]) -> Iterator[None]:
        """Record what the changes queued inside the block do, as one undoable action."""
        cache = self._undo_app.cache
        before, floor = undo.snapshot(cache, ticket_ids), undo.outbox_floor(cache)
        yield
        try:
            undo.record_action(cache, label, before, floor)
        except StoreError as exc:  # the change itself is queued; only its undo is lost
            self._undo_app.notify(f"Undo not recorded: {one_line(str(exc), 120)}")

    def undo_action(self, action_id: int | None = None) -> None:
        app = self._undo_app
        try:
            action = undo.undo(app.cache, action_id, now=app.now())
        except StoreError as exc:
            app.notify(one_line(str(exc), 200), severity="warning", markup=False)
            return
        if action.kept:
            message = f"Undone: {one_line(action.label, 80)}, but {'; '.join(action.kept)}"
            app.notify(one_line(message, 240), severity="warning", markup=False)
        else:
            app.notify(f"Undone: {one_line(action.label, 80)}", markup=False)
        app.after_write()

    def action_undo(self) -> None:
        self.undo_action()

    def action_history(self) -> None:
        app = self._undo_app
        if not isinstance(app.screen, HistoryScreen):
            app.push_screen(HistoryScreen())
