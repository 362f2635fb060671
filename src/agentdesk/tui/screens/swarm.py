"""Case swarms in the TUI: the swarms list (`w`) and the swarm room.

The room is a chat panel beside the ticket: messages with author and time (all text inert:
`Content`, never markup; controls shown as symbols), `@name` mentions highlighted, the
member list with presence (who has the room open now), the ticket summary (`ctrl+t`) and the
customer pane (`ctrl+o`) one key away, `ctrl+g` opens the ticket itself, `ctrl+l` closes the
swarm (asking for the resolution summary). `enter` in the input sends; messages are queued in
the outbox (shown as pending until confirmed) and arrive in realtime for the others.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from agentdesk.domain.ids import uuid7
from agentdesk.domain.mutations import MAX_BODY_CHARS
from agentdesk.domain.swarms import MENTION, mention_handle
from agentdesk.domain.text import one_line, visible
from agentdesk.store import StoreError, swarm_queries
from agentdesk.store.swarm_queries import SwarmMessageRow, SwarmRow
from agentdesk.tui.screens.dialogs import PromptDialog
from agentdesk.tui.widgets.customer_pane import CustomerPane
from agentdesk.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from agentdesk.tui.app import AgentDeskApp

MAX_SHOWN_MESSAGES = 500
MAX_MESSAGE_CHARS = 20_000


def message_content(message: SwarmMessageRow, my_handles: set[str], mention_style: str) -> Content:
    """One chat line: time, author, body (inert), mentions of me highlighted."""
    stamp = message.created_at.strftime("%H:%M")
    pending = " ⏳" if not message.confirmed else ""
    body = visible(message.body, multiline=True, max_chars=MAX_MESSAGE_CHARS)
    parts: list[tuple[str, str] | str] = [
        (f"{stamp} ", "dim"),
        (one_line(message.author_name, 40), "bold"),
        (f"{pending}: ", ""),
    ]
    position = 0
    for match in MENTION.finditer(body):
        parts.append(body[position : match.start()])
        handle = match.group(1).rstrip(".-").casefold()
        parts.append((match.group(0), mention_style if handle in my_handles else "underline"))
        position = match.end()
    parts.append(body[position:])
    return Content.assemble(*(p if isinstance(p, str) or p[1] else p[0] for p in parts))


def _handles(agent: dict[str, Any] | None) -> set[str]:
    if not agent:
        return set()
    name = str(agent.get("name") or "")
    handles = {mention_handle(agent).casefold(), name.casefold().replace(" ", "")}
    if name:
        handles.add(name.split()[0].casefold())
    return handles


class SwarmRoomScreen(Screen[None]):
    """One swarm: chat, members with presence, ticket summary and customer one key away."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="swarm.back"),
        Binding("ctrl+t", "toggle_ticket", "Ticket summary", id="swarm.ticket"),
        Binding("ctrl+o", "toggle_customer", "Customer", id="swarm.customer"),
        Binding("ctrl+g", "open_ticket", "Open ticket", id="swarm.open_ticket"),
        Binding("ctrl+l", "close_swarm", "Close swarm", id="swarm.close"),
    ]

    DEFAULT_CSS = """
    SwarmRoomScreen #swarm-main { height: 1fr; }
    SwarmRoomScreen #swarm-chat { width: 1fr; }
    SwarmRoomScreen #swarm-title { padding: 0 1; background: $boost; text-style: bold; }
    SwarmRoomScreen #swarm-ask { padding: 0 1; color: $foreground 85%; height: auto; }
    SwarmRoomScreen #swarm-log { height: 1fr; padding: 0 1; }
    SwarmRoomScreen #swarm-input { dock: bottom; }
    SwarmRoomScreen #swarm-side { width: 36; border-left: tall $primary; padding: 0 1; }
    SwarmRoomScreen #swarm-members { height: auto; }
    SwarmRoomScreen #swarm-ticket { height: auto; margin-top: 1; display: none; }
    SwarmRoomScreen #swarm-ticket.-open { display: block; }
    """

    def __init__(self, swarm_id: str) -> None:
        super().__init__()
        self.swarm_id = swarm_id
        self.swarm: SwarmRow | None = None
        self._shown: list[tuple[str, bool]] = []

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app = self.desk
        with Horizontal(id="swarm-main"):
            with Vertical(id="swarm-chat"):
                yield Static(id="swarm-title")
                yield Static(id="swarm-ask")
                yield VerticalScroll(id="swarm-log")
                yield Input(
                    placeholder="message (enter sends, @name mentions)",
                    id="swarm-input",
                    max_length=MAX_BODY_CHARS,
                )
            with Vertical(id="swarm-side"):
                yield Static(id="swarm-members")
                yield Static(id="swarm-ticket")
            pane = CustomerPane(app.now, id="customer-pane")
            pane.display = False
            yield pane
        yield StatusBar(app.now)
        yield Footer()

    async def on_mount(self) -> None:
        self._mounted = True
        await self.refresh_data()
        self.query_one("#swarm-input", Input).focus()
        self.desk.swarm_room_opened(self.swarm_id)

    def on_unmount(self) -> None:
        self._mounted = False
        self.desk.swarm_room_closed(self.swarm_id)

    async def on_screen_resume(self) -> None:
        await self.desk.screen_resumed()

    # -- showing ------------------------------------------------------------------------

    async def refresh_data(self) -> None:
        if not getattr(self, "_mounted", False):
            return  # on_mount shows everything
        # While the app shuts down, children go before the screen's unmount: nothing to show.
        with contextlib.suppress(NoMatches):
            await self._show_room()

    async def _show_room(self) -> None:
        cache = self.desk.cache
        self.swarm = swarm_queries.swarm(cache, self.swarm_id)
        if self.swarm is None:
            self.query_one("#swarm-title", Static).update(
                Content("This swarm is not in the local cache (any more).")
            )
            return
        swarm = self.swarm
        state = "open" if swarm.is_open else "closed"
        subject = one_line(swarm.ticket_subject or "(ticket not cached)", 80)
        self.query_one("#swarm-title", Static).update(
            Content(f"Swarm on #{swarm.ticket_id} {subject} · {state}")
        )
        ask = f"Ask: {visible(swarm.ask, multiline=True, max_chars=2000)}"
        if swarm.outcome:
            ask += f"\nOutcome: {visible(swarm.outcome, multiline=True, max_chars=2000)}"
        self.query_one("#swarm-ask", Static).update(Content(ask))
        self.query_one("#swarm-input", Input).disabled = not swarm.is_open
        self._show_members()
        self._show_ticket()
        await self._show_messages(swarm_queries.messages(cache, self.swarm_id))
        swarm_queries.mark_read(cache, self.swarm_id)

    def _show_members(self) -> None:
        assert self.swarm is not None
        present = self.desk.swarm_presence(self.swarm_id)
        lines = ["Members"]
        for agent_id in self.swarm.member_ids:
            mark = "●" if agent_id in present else "○"
            owner = " (owner)" if agent_id == self.swarm.owner_id else ""
            lines.append(f"{mark} {self.desk.agent_name(agent_id)}{owner}")
        lines.append("● in the room now")
        self.query_one("#swarm-members", Static).update(Content("\n".join(lines)))

    def _show_ticket(self) -> None:
        assert self.swarm is not None
        ticket = self.desk.cache.ticket(self.swarm.ticket_id)
        if ticket is None:
            text = f"#{self.swarm.ticket_id} is not in your cache (another group's ticket)."
        else:
            tags = ", ".join(one_line(str(t), 30) for t in ticket.get("tags") or []) or "—"
            text = (
                f"Ticket #{ticket['id']}\n{one_line(str(ticket.get('subject') or ''), 200)}\n"
                f"Status: {ticket.get('status')} · Priority: {ticket.get('priority')}\n"
                f"Assignee: {self.desk.agent_name(ticket.get('assignee_id'))}\n"
                f"Customer: {self.desk.customer_name(ticket.get('customer_id'))}\n"
                f"Tags: {tags}"
            )
        self.query_one("#swarm-ticket", Static).update(Content(text))

    async def _show_messages(self, messages: list[SwarmMessageRow]) -> None:
        """Append new messages; rebuild only if earlier ones changed (confirmed, reordered)."""
        messages = messages[-MAX_SHOWN_MESSAGES:]
        wanted = [(m.id, m.confirmed) for m in messages]
        if wanted == self._shown:
            return
        log = self.query_one("#swarm-log", VerticalScroll)
        me = self.desk.cache.me()
        handles = _handles(me)
        style = f"bold reverse {self.desk.theme_variables.get('warning', '')}".strip()
        at_end = log.scroll_y >= log.max_scroll_y - 1
        keep = len(self._shown)
        if wanted[:keep] != self._shown:
            await log.remove_children()
            keep = 0
        widgets = [
            Static(message_content(m, handles, style), classes="swarm-message")
            for m in messages[keep:]
        ]
        if widgets:
            await log.mount_all(widgets)
        self._shown = wanted
        if at_end or keep == 0:
            log.scroll_end(animate=False)

    def message_texts(self) -> list[str]:
        """What the chat shows, one plain string per message (for tests and benchmarks)."""
        return [str(static.render()) for static in self.query(".swarm-message").results(Static)]

    # -- actions ------------------------------------------------------------------------

    @on(Input.Submitted, "#swarm-input")
    async def send(self, event: Input.Submitted) -> None:
        body = event.value
        if not body.strip():
            return
        if self.swarm is None or not self.swarm.is_open:
            self.notify("This swarm is closed", severity="warning")
            return
        try:
            self.desk.cache.record_mutation(
                "swarm.message", {"id": uuid7(), "swarm_id": self.swarm_id, "body": body}
            )
        except (StoreError, ValueError) as exc:
            self.notify(one_line(str(exc), 200), title="Not sent", severity="error")
            return
        event.input.value = ""
        await self.refresh_data()
        self.desk.after_write()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_toggle_ticket(self) -> None:
        self.query_one("#swarm-ticket", Static).toggle_class("-open")

    def action_toggle_customer(self) -> None:
        pane = self.query_one(CustomerPane)
        pane.display = not pane.display
        if pane.display and self.swarm is not None:
            ticket = self.desk.cache.ticket(self.swarm.ticket_id)
            customer_id = ticket.get("customer_id") if ticket else None
            pane.show_history(self.desk.customer_history(customer_id))

    def action_open_ticket(self) -> None:
        if self.swarm is None:
            return
        if self.desk.cache.ticket(self.swarm.ticket_id) is None:
            self.notify(f"#{self.swarm.ticket_id} is not in your cache", severity="warning")
            return
        self.desk.open_ticket(self.swarm.ticket_id, None, None)

    def action_close_swarm(self) -> None:
        swarm = self.swarm
        if swarm is None or not swarm.is_open:
            self.notify("This swarm is already closed", severity="warning")
            return

        def entered(summary: str | None) -> None:
            if not summary or not summary.strip():
                return
            close = {"swarm_id": self.swarm_id, "summary": summary.strip(), "note_id": uuid7()}
            try:
                self.desk.cache.record_mutation("swarm.close", close)
            except (StoreError, ValueError) as exc:
                self.notify(one_line(str(exc), 200), title="Not closed", severity="error")
                return
            self.notify("Swarm closed; the outcome goes to the ticket as an internal note")
            self.desk.after_write()

        self.app.push_screen(
            PromptDialog(
                "Resolution summary",
                hint="posted to the ticket as an internal note crediting the members",
            ),
            entered,
        )


class SwarmListScreen(Screen[None]):
    """Open swarms I own or belong to, unread first; `enter` opens, `a` shows closed too."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="swarms.back"),
        Binding("a", "toggle_closed", "Closed too", id="swarms.closed"),
    ]

    DEFAULT_CSS = """
    SwarmListScreen #swarms-title { padding: 0 1; background: $boost; text-style: bold; }
    SwarmListScreen OptionList { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.include_closed = False
        self.rows: list[SwarmRow] = []

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="swarms-title")
        yield OptionList(id="swarms")
        yield StatusBar(self.desk.now)
        yield Footer()

    async def on_mount(self) -> None:
        self._mounted = True
        await self.refresh_data()
        self.query_one(OptionList).focus()

    def on_unmount(self) -> None:
        self._mounted = False

    async def on_screen_resume(self) -> None:
        await self.desk.screen_resumed()

    async def refresh_data(self) -> None:
        if not getattr(self, "_mounted", False):
            return  # on_mount shows everything
        with contextlib.suppress(NoMatches):  # children gone while the app shuts down
            await self._show_list()

    async def _show_list(self) -> None:
        rows = swarm_queries.swarms(self.desk.cache, include_closed=self.include_closed)
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        chosen = self.rows[highlighted].id if highlighted is not None and self.rows else None
        self.rows = rows
        options.clear_options()
        for row in rows:
            unread = f"[{row.unread} new] " if row.unread else ""
            state = "" if row.is_open else " (closed)"
            owner = self.desk.agent_name(row.owner_id)
            text = (
                f"{unread}#{row.ticket_id} {one_line(row.ticket_subject, 50)}{state}\n"
                f"   {owner}: {one_line(row.ask, 80)} · {row.message_count} messages"
            )
            options.add_option(Option(Content(text), id=row.id))
        which = "open and closed" if self.include_closed else "open"
        self.query_one("#swarms-title", Static).update(
            Content(f"Swarms ({which}): {len(rows)} · enter opens · a closed too")
        )
        if rows:
            ids = [r.id for r in rows]
            options.highlighted = ids.index(chosen) if chosen in ids else 0

    @on(OptionList.OptionSelected, "#swarms")
    def open_swarm(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.push_screen(SwarmRoomScreen(event.option.id))

    def action_back(self) -> None:
        self.app.pop_screen()

    async def action_toggle_closed(self) -> None:
        self.include_closed = not self.include_closed
        await self.refresh_data()


__all__ = ["SwarmListScreen", "SwarmRoomScreen", "message_content"]
