"""The app's side of case swarms: keys `S` (start a swarm on the open ticket) and `w` (the
swarms list), realtime events, room presence, toasts and the status-bar badge.

Events from the sync engine (`engine.on_event`): `swarm.message` and `swarm` rows are stored
in the cache at once (`swarm_queries.remember_event_row`; the pull that follows brings the
same rows: pull stays the truth) and the screen refreshes; `invite` and `mention` raise a
toast wherever the agent is; `swarm.presence` updates who is in which room. On a backend
without the SWARMS capability (RT) `S` and `w` say so in one line.

`AgentDeskApp` mixes `SwarmActionsMixin` in, lists `SWARM_BINDINGS` in its BINDINGS and
calls `setup_swarms()` when mounted. The swarm screens are imported when first needed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding, BindingType

from agentdesk.domain.text import one_line
from agentdesk.store import StoreError, swarm_queries
from agentdesk.sync.backend import Capability

if TYPE_CHECKING:
    from agentdesk.tui.app import AgentDeskApp

SWARM_BINDINGS: list[BindingType] = [
    Binding("S", "start_swarm", "Start swarm", show=False, id="app.swarm_start"),
    Binding("w", "swarms", "Swarms", show=False, id="app.swarms"),
    Binding("R", "reviews", "Shared drafts", show=False, id="app.reviews"),
]


def swarm_keymap_screens() -> tuple[tuple[str, list[BindingType], list[BindingType]], ...]:
    """Screens whose bindings the keymap checker should know (imported only when called)."""
    from agentdesk.tui.screens.swarm import SwarmListScreen, SwarmRoomScreen

    return (
        ("swarm room", SwarmRoomScreen.BINDINGS, []),
        ("swarms list", SwarmListScreen.BINDINGS, []),
    )


PRESENCE_TTL = 75.0  # seconds without renewal before a member counts as gone
PRESENCE_RENEW = 30.0
NOT_SUPPORTED = "Case swarms are not available on this backend"


class SwarmActionsMixin:
    """Swarm keys, events and presence for `AgentDeskApp`."""

    _swarm_presence: dict[str, dict[int, float]]
    _swarm_unsubscribe: Callable[[], None] | None
    _rooms_open: dict[str, int]

    @property
    def _desk(self) -> AgentDeskApp:
        return self  # type: ignore[return-value]

    def setup_swarms(self) -> None:
        self._swarm_presence = {}
        self._rooms_open = {}
        self._swarm_unsubscribe = None
        engine = self._desk.engine
        if engine is not None and hasattr(engine, "on_event"):
            self._swarm_unsubscribe = engine.on_event(self._swarm_event)
        self._desk.set_interval(PRESENCE_RENEW, self._renew_presence)

    @property
    def swarms_supported(self) -> bool:
        engine = self._desk.engine
        if engine is None:
            return True  # offline mode: writes queue for whatever profile this cache has
        return Capability.SWARMS in getattr(engine.backend, "capabilities", frozenset())

    def swarm_badge_count(self) -> int:
        """Unread messages in my open swarms (the status bar shows it when above 0)."""
        try:
            return swarm_queries.unread_total(self._desk.cache)
        except Exception:  # a cache error must not break the status bar
            return 0

    # -- keys -----------------------------------------------------------------------------

    def action_start_swarm(self) -> None:
        app = self._desk
        if not self.swarms_supported:
            app.notify(NOT_SUPPORTED, severity="warning")
            return
        ticket_id = getattr(app.screen, "ticket_id", None)
        if not isinstance(ticket_id, int):
            app.notify("Open a ticket, then press S to start a swarm on it", severity="warning")
            return
        from agentdesk.tui.screens.swarm import SwarmRoomScreen
        from agentdesk.tui.screens.swarm_start import StartSwarmScreen, suggested_experts

        try:
            experts = suggested_experts(app, ticket_id)
        except StoreError as exc:
            app.notify(one_line(str(exc), 200), severity="error", markup=False)
            return
        if not experts:
            app.notify("No other agents to invite", severity="warning")
            return

        def started(swarm_id: str | None) -> None:
            if swarm_id is None:
                return
            app.notify("Swarm started; invitations go out with the next sync")
            app.after_write()
            app.push_screen(SwarmRoomScreen(swarm_id))

        app.push_screen(StartSwarmScreen(ticket_id, experts), started)

    def action_swarms(self) -> None:
        app = self._desk
        if not self.swarms_supported:
            app.notify(NOT_SUPPORTED, severity="warning")
            return
        from agentdesk.tui.screens.swarm import SwarmListScreen

        if not isinstance(app.screen, SwarmListScreen):
            app.push_screen(SwarmListScreen())

    def action_reviews(self) -> None:
        from agentdesk.tui import drafts_flow

        drafts_flow.open_reviews(self._desk)

    # -- realtime -------------------------------------------------------------------------

    def _swarm_event(self, event: Any) -> None:
        """Called by the engine (on the app's loop) for every non-`change` event."""
        kind, data = event.kind, event.data or {}
        app = self._desk
        if kind == "swarm.message":
            if swarm_queries.remember_event_row(app.cache, "swarm_message", data):
                app.call_later(app.refresh_data)
        elif kind == "swarm":
            if swarm_queries.remember_event_row(app.cache, "swarm", data):
                app.call_later(app.refresh_data)
        elif kind == "invite":
            owner = app.agent_name(data.get("owner_id"))
            ask = one_line(str(data.get("ask") or ""), 120)
            app.notify(
                f"{owner} invites you to a swarm on #{data.get('ticket_id')}: {ask} (w: swarms)",
                title="Swarm invitation",
                timeout=15,
                markup=False,
            )
        elif kind == "mention":
            from agentdesk.tui.screens.swarm import SwarmRoomScreen

            room = app.screen
            if isinstance(room, SwarmRoomScreen) and room.swarm_id == data.get("swarm_id"):
                return  # already reading it
            author = app.agent_name(data.get("author_id"))
            app.notify(
                f"{author} mentioned you in the swarm on #{data.get('ticket_id')} (w: swarms)",
                title="Mention",
                timeout=10,
                markup=False,
            )
        elif kind == "swarm.presence":
            self._presence_event(data)

    def _presence_event(self, data: dict[str, Any]) -> None:
        swarm_id = str(data.get("swarm_id") or "")
        agent_id = data.get("agent_id")
        if not swarm_id or not isinstance(agent_id, int):
            return
        room = self._swarm_presence.setdefault(swarm_id, {})
        if data.get("state") == "left":
            room.pop(agent_id, None)
        else:
            room[agent_id] = time.monotonic()
        from agentdesk.tui.screens.swarm import SwarmRoomScreen

        screen = self._desk.screen
        if isinstance(screen, SwarmRoomScreen) and screen.swarm_id == swarm_id:
            self._desk.call_later(screen.refresh_data)

    def swarm_presence(self, swarm_id: str) -> set[int]:
        """Who has the room open now (me included while I do)."""
        now = time.monotonic()
        room = getattr(self, "_swarm_presence", {}).get(swarm_id, {})
        present = {agent for agent, seen in room.items() if now - seen < PRESENCE_TTL}
        me = self._desk.cache.agent_id
        if me is not None and self._rooms_open.get(swarm_id):
            present.add(int(me))
        return present

    def swarm_room_opened(self, swarm_id: str) -> None:
        self._rooms_open[swarm_id] = self._rooms_open.get(swarm_id, 0) + 1
        self._announce(swarm_id, "in")

    def swarm_room_closed(self, swarm_id: str) -> None:
        left = self._rooms_open.get(swarm_id, 0) - 1
        if left > 0:
            self._rooms_open[swarm_id] = left
            return
        self._rooms_open.pop(swarm_id, None)
        self._announce(swarm_id, "left")

    def _renew_presence(self) -> None:
        for swarm_id in list(self._rooms_open):
            self._announce(swarm_id, "in")

    def _announce(self, swarm_id: str, state: str) -> None:
        engine = self._desk.engine
        if engine is None or not hasattr(engine.backend, "announce_swarm_presence"):
            return
        self._send_presence(swarm_id, state)

    @work(group="swarm-presence", exit_on_error=False)
    async def _send_presence(self, swarm_id: str, state: str) -> None:
        engine = self._desk.engine
        try:
            await engine.backend.announce_swarm_presence(swarm_id, state)
        except Exception:  # offline or refused: presence is best effort
            return
