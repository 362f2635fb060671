"""The app's side of ticket presence: announce, listen, show.

While a ticket screen is open the app announces `viewing` (and `replying` while the reply or
note composer is open) through the sync engine (`SyncEngine.announce_presence`, never HTTP
here), renews it every `RENEW_SECONDS` and says `left` when the screen closes. `presence`
events from the engine feed a `PresenceBoard`; the queue marks rows others are on
(`✎ Dana` / `👁 Bo`) and the ticket screen header says "Dana is replying". Without a
connection, or on a backend without the PRESENCE capability, both say "presence unknown".

`AgentDeskApp` mixes `PresenceMixin` in and calls `setup_presence()` when mounted.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from textual import work

from agentdesk.store import TicketRow
from agentdesk.sync.presence import RENEW_SECONDS, Presence, PresenceBoard, describe, short_mark
from agentdesk.sync.state import SyncState, SyncStatus

if TYPE_CHECKING:
    from agentdesk.tui.app import AgentDeskApp

UNKNOWN = "presence unknown"


class PresenceMixin:
    """Ticket presence for `AgentDeskApp`."""

    presence_board: PresenceBoard
    _announced: dict[int, str]

    @property
    def _desk_app(self) -> AgentDeskApp:
        return self  # type: ignore[return-value]

    def setup_presence(self) -> None:
        app = self._desk_app
        me = app.cache.agent_id
        self.presence_board = PresenceBoard(int(me) if me is not None else None)
        self._announced = {}
        engine = app.engine
        if engine is None or not getattr(engine, "has_presence", False):
            return
        engine.on_event(self._ticket_presence_event)
        engine.subscribe(self._ticket_presence_sync_state)
        app.set_interval(RENEW_SECONDS, self._renew_ticket_presence)

    # -- reading ----------------------------------------------------------------------------

    def presence_on(self, ticket_id: int) -> list[Presence]:
        board = self.presence_board
        return board.on_ticket(ticket_id) if board.known else []

    def presence_text(self, ticket_id: int) -> str:
        """The ticket header line: "Dana is replying", "" (nobody else), or unknown."""
        if not self.presence_board.known:
            return UNKNOWN
        return describe(self.presence_on(ticket_id), self._desk_app.agent_name)

    def presence_row(self, row: TicketRow) -> TicketRow:
        """A queue row with who else is on it in front of the subject."""
        presences = self.presence_on(row.id)
        if not presences:
            return row
        mark = short_mark(presences, self._desk_app.agent_name)
        return dataclasses.replace(row, subject=f"{mark} · {row.subject}")

    # -- announcing -------------------------------------------------------------------------

    def presence_set(self, ticket_id: int, state: str) -> None:
        """This app is now `viewing`/`replying` to `ticket_id`, or has `left` it."""
        if state == "left":
            if self._announced.pop(ticket_id, None) is None:
                return
        elif self._announced.get(ticket_id) == state:
            return
        else:
            self._announced[ticket_id] = state
        self._announce_ticket(ticket_id, state)

    def _renew_ticket_presence(self) -> None:
        for ticket_id, state in list(self._announced.items()):
            self._announce_ticket(ticket_id, state)
        if self.presence_board.expire():
            self._ticket_presence_changed()

    def _announce_ticket(self, ticket_id: int, state: str) -> None:
        engine = self._desk_app.engine
        if engine is None or not getattr(engine, "has_presence", False):
            return
        self._send_ticket_presence(ticket_id, state)

    @work(group="ticket-presence", exit_on_error=False)
    async def _send_ticket_presence(self, ticket_id: int, state: str) -> None:
        engine = self._desk_app.engine
        if engine is not None:
            await engine.announce_presence(ticket_id, state)

    # -- listening --------------------------------------------------------------------------

    def _ticket_presence_event(self, event: Any) -> None:
        if event.kind != "presence":
            return
        if self.presence_board.handle(event.data or {}) is not None:
            self._ticket_presence_changed()

    def _ticket_presence_sync_state(self, state: SyncState) -> None:
        if state.status is SyncStatus.SYNCING:
            return
        if self.presence_board.set_known(state.status is SyncStatus.ONLINE):
            self._ticket_presence_changed()
            if state.status is SyncStatus.ONLINE:  # back online: say again where we are
                for ticket_id, mine in list(self._announced.items()):
                    self._announce_ticket(ticket_id, mine)

    def _ticket_presence_changed(self) -> None:
        app = self._desk_app
        if not app.is_running:
            return
        show = getattr(app.screen, "show_presence", None)
        if callable(show):
            show()
