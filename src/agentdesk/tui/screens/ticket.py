"""The ticket screen: fields and SLA clock, the thread, the reply/note composer, the customer.

`r` replies, `n` writes an internal note; the composer saves a draft to the cache as you
type (so it survives leaving the screen and restarting), `ctrl+s` sends (queued in the
outbox, shown at once as pending), `ctrl+e` edits in `$EDITOR`. `]`/`[` step through the
queue the screen was opened from; `esc` goes back to it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Label, Static, TextArea

from agentdesk.domain.enums import SlaState
from agentdesk.domain.mutations import MAX_BODY_CHARS
from agentdesk.domain.text import one_line
from agentdesk.store import StoreError
from agentdesk.tui import drafts_flow, macro_flow, merge_flow
from agentdesk.tui.collision import replies_since
from agentdesk.tui.presence_app import UNKNOWN as UNKNOWN_PRESENCE
from agentdesk.tui.queue_model import QueueWindow
from agentdesk.tui.screens.dialogs import ConfirmDialog
from agentdesk.tui.widgets.customer_pane import CustomerPane
from agentdesk.tui.widgets.quiet_footer import QuietFooter
from agentdesk.tui.widgets.safe_text_area import SafeTextArea
from agentdesk.tui.widgets.status_bar import StatusBar
from agentdesk.tui.widgets.thread import ThreadView
from agentdesk.tui.widgets.ticket_table import PRIORITY_SYMBOL, sla_cell

if TYPE_CHECKING:
    from agentdesk.tui.app import AgentDeskApp

DraftKind = Literal["reply", "note"]
DRAFT_SAVE_DELAY = 0.3


def _without_keys(bindings: list[Binding], keys: set[str]) -> list[Binding]:
    kept = []
    for binding in bindings:
        remaining = [key for key in binding.key.split(",") if key.strip() not in keys]
        if remaining:
            kept.append(dataclasses.replace(binding, key=",".join(remaining)))
    return kept


class ComposerArea(SafeTextArea, inherit_bindings=False):
    """The composer's text area: TextArea's keys minus `ctrl+e` (end of line; `end` does it),
    which the composer uses to open `$EDITOR`; what enters it is made inert (`SafeTextArea`)."""

    BINDINGS: ClassVar[list[BindingType]] = _without_keys(
        [
            binding
            for bindings in TextArea._merged_bindings.key_to_bindings.values()
            for binding in bindings
        ],
        {"ctrl+e"},
    )


class Composer(Vertical):
    """A multi-line editor for a reply or a note, hidden until `r`/`n`."""

    DEFAULT_CSS = """
    Composer { display: none; height: 12; border: round $reply-border; padding: 0 1; }
    Composer.-note { border: heavy $note-border; background: $note-background; }
    Composer.-open { display: block; }
    Composer TextArea { height: 1fr; border: none; }
    Composer #composer-hint { color: $foreground 60%; height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # Not a priority binding: it must wait for the keys typed before it (a fast typist,
        # a paste) to reach the text area, or it would send a partial message.
        Binding("ctrl+s", "send", "Send", id="composer.send"),
        Binding("ctrl+e", "edit_external", "Edit in $EDITOR", id="composer.editor"),
        Binding("ctrl+t", "macro", "Canned response", id="composer.macro"),
        # Composer focus wins over the app's ctrl+r (sync now: palette, or ctrl+r elsewhere).
        Binding("ctrl+r", "share", "Share for review", id="composer.share"),
        Binding("escape", "close", "Close composer", id="composer.close"),
    ]

    kind: DraftKind = "reply"

    def compose(self) -> ComposeResult:
        yield self._text_area
        yield Label(
            "ctrl+s send · ctrl+r share for review · ctrl+e $EDITOR · esc close (draft kept)",
            id="composer-hint",
        )

    @property
    def text_area(self) -> TextArea:
        return self._text_area

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text_area = ComposerArea(id="composer-text", soft_wrap=True, show_line_numbers=False)

    def open(self, kind: DraftKind, text: str) -> None:
        self.kind = kind
        self.set_class(kind == "note", "-note")
        self.border_title = Content(
            "🔒 Internal note — not visible to the customer"
            if kind == "note"
            else "↩ Public reply to the customer"
        )
        area = self.text_area
        with area.prevent(TextArea.Changed):
            area.load_text(text)
        area.move_cursor(area.document.end)
        self.add_class("-open")
        area.focus()

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def action_send(self) -> None:
        screen = self.screen
        if isinstance(screen, TicketScreen):
            screen.send_composer()

    def action_close(self) -> None:
        screen = self.screen
        if isinstance(screen, TicketScreen):
            screen.close_composer()

    def action_edit_external(self) -> None:
        screen = self.screen
        if isinstance(screen, TicketScreen):
            screen.edit_in_editor()

    def action_macro(self) -> None:
        screen = self.screen
        if isinstance(screen, TicketScreen):
            screen.action_macro()

    def action_share(self) -> None:
        screen = self.screen
        if isinstance(screen, TicketScreen):
            drafts_flow.share_from_composer(screen)


class TicketScreen(Screen[None]):
    app: AgentDeskApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="ticket.back"),
        Binding("r", "compose('reply')", "Reply", id="ticket.reply"),
        Binding("n", "compose('note')", "Note", id="ticket.note"),
        Binding("s", "status", "Status", id="ticket.status"),
        Binding("p", "priority", "Priority", id="ticket.priority"),
        Binding("a", "assign", "Assign", id="ticket.assign"),
        Binding("t", "tags", "Tags", id="ticket.tags"),
        Binding("m", "macro", "Canned response", id="ticket.macro"),
        Binding("M", "merge", "Merge", show=False, id="ticket.merge"),
        Binding("right_square_bracket", "step(1)", "Next", id="ticket.next"),
        Binding("left_square_bracket", "step(-1)", "Previous", id="ticket.previous"),
        Binding("c", "toggle_customer", "Customer", id="ticket.customer"),
    ]

    DEFAULT_CSS = """
    TicketScreen #ticket-main { height: 1fr; }
    TicketScreen #ticket-center { width: 1fr; }
    TicketScreen #ticket-subject { padding: 0 1; background: $boost; text-style: bold; width: 1fr; }
    TicketScreen #ticket-fields { padding: 0 1; height: auto; color: $foreground 85%; }
    TicketScreen #ticket-sla { padding: 0 1; height: 1; }
    TicketScreen #ticket-presence { padding: 0 1; height: 1; color: $warning; }
    TicketScreen #ticket-presence.-unknown { color: $foreground 50%; text-style: italic; }
    TicketScreen #ticket-sla.-breached { color: $sla-breached; text-style: bold; }
    TicketScreen #ticket-sla.-at-risk { color: $sla-risk; text-style: bold; }
    TicketScreen #ticket-sla.-ok { color: $sla-ok; }
    """

    def __init__(self, ticket_id: int, window: QueueWindow | None, index: int | None) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.window = window
        self.index = index
        self.ticket: dict[str, Any] | None = None
        self._draft_timer: Timer | None = None
        self._composer = Composer(id="composer")
        self._seen_messages: set[str] = set()  # the thread as of opening (stale-reply guard)
        self.presence_line = ""  # who else is here, as the header shows it

    def compose(self) -> ComposeResult:
        app = self.app
        with Horizontal(id="ticket-main"):
            with Vertical(id="ticket-center"):
                yield Static(id="ticket-subject")
                yield Static(id="ticket-fields")
                yield Static(id="ticket-sla")
                yield Static(id="ticket-presence")
                yield ThreadView(id="thread")
                yield self._composer
            pane = CustomerPane(app.now, id="customer-pane")
            pane.display = app.show_customer
            yield pane
        yield StatusBar(app.now)
        yield QuietFooter()

    async def on_mount(self) -> None:
        await self.load(scroll_end=True)
        self.query_one(ThreadView).focus()
        self._opened()

    def _opened(self) -> None:
        """A ticket is now shown: remember its thread, tell others we are viewing it."""
        self._seen_messages = {m.id for m in self.app.cache.thread(self.ticket_id)}
        self.app.presence_set(self.ticket_id, "viewing")
        self.show_presence()

    def _leaving(self) -> None:
        self.app.presence_set(self.ticket_id, "left")

    def show_presence(self) -> None:
        """The header line naming who else views or replies to this ticket."""
        text = self.app.presence_text(self.ticket_id)
        self.presence_line = text
        lines = self.query("#ticket-presence").results(Static)
        line = next(lines, None)
        if line is None:  # not composed yet: shown when mounted
            return
        line.set_class(text == UNKNOWN_PRESENCE, "-unknown")
        line.update(Content(f"👥 {text}" if text else ""))

    async def on_screen_resume(self) -> None:
        await self.app.screen_resumed()

    @property
    def composer(self) -> Composer:
        return self._composer

    def on_unmount(self) -> None:
        self.save_draft_now()  # the app may be closing with the composer open
        self._leaving()

    # -- showing ------------------------------------------------------------------------

    async def load(self, *, scroll_end: bool) -> None:
        cache = self.app.cache
        ticket = cache.ticket(self.ticket_id)
        self.ticket = ticket
        if ticket is None:
            self.query_one("#ticket-subject", Static).update(
                Content(f"#{self.ticket_id} is no longer in the local cache")
            )
            return
        self._show_fields(ticket)
        await self.query_one(ThreadView).show_messages(
            cache.thread(self.ticket_id), scroll_end=scroll_end, ticket_id=self.ticket_id
        )
        pane = self.query_one(CustomerPane)
        if pane.display:
            pane.show_history(self.app.customer_history(ticket.get("customer_id")))

    def _show_fields(self, ticket: dict[str, Any]) -> None:
        app = self.app
        position = ""
        if self.window is not None and self.index is not None:
            position = f"  ({self.index + 1:,} of {self.window.count():,})"
        subject = f"#{ticket['id']} {one_line(str(ticket.get('subject') or ''), 300)}{position}"
        self.query_one("#ticket-subject", Static).update(Content(subject))
        priority = str(ticket.get("priority"))
        tags = ", ".join(one_line(str(tag), 40) for tag in ticket.get("tags") or []) or "—"
        customer = app.customer_name(ticket.get("customer_id"))
        pending = "  · ⏳ local changes pending sync" if ticket.get("pending") else ""
        fields = (
            f"Status: {ticket.get('status')}   "
            f"Priority: {PRIORITY_SYMBOL.get(priority, '')} {priority}   "
            f"Channel: {ticket.get('channel')}   "
            f"Assignee: {app.agent_name(ticket.get('assignee_id'))}   "
            f"Group: {one_line(str(ticket.get('group_name') or '—'), 40)}\n"
            f"Customer: {customer}   Tags: {tags}{pending}"
        )
        self.query_one("#ticket-fields", Static).update(Content(fields))
        sla_text, state = sla_cell(ticket.get("sla_due_at"), app.now())
        due = ticket.get("sla_due_at")
        label = {
            SlaState.BREACHED: "SLA breached",
            SlaState.AT_RISK: "SLA under 1 h",
            SlaState.OK: "SLA",
            SlaState.NONE: "SLA clock not running",
        }[state]
        due_text = f" (due {due:%Y-%m-%d %H:%M} UTC)" if due else ""
        sla = self.query_one("#ticket-sla", Static)
        sla.update(Content(f"{label}: {sla_text.strip()}{due_text}"))
        for name in ("-breached", "-at-risk", "-ok"):
            sla.remove_class(name)
        if state is not SlaState.NONE:
            sla.add_class(f"-{state.value}")

    async def refresh_data(self) -> None:
        await self.load(scroll_end=False)

    # -- navigation ---------------------------------------------------------------------

    def action_back(self) -> None:
        self.save_draft_now()
        self.app.close_ticket(self.index)

    async def action_step(self, step: int) -> None:
        if self.window is None or self.index is None:
            self.notify("This ticket is not in the current view", severity="warning")
            return
        target = self.index + step
        row = self.window.row(target) if 0 <= target < self.window.count() else None
        if row is None:
            self.notify("No next ticket" if step > 0 else "No previous ticket")
            return
        self.save_draft_now()
        self.close_composer(save=False)
        self._leaving()
        self.ticket_id, self.index = row.id, target
        self.query_one(ThreadView)._shown = []
        await self.load(scroll_end=True)
        self.query_one(ThreadView).focus()
        self._opened()

    def action_toggle_customer(self) -> None:
        self.app.show_customer = not self.app.show_customer
        pane = self.query_one(CustomerPane)
        pane.display = self.app.show_customer
        if pane.display and self.ticket:
            pane.show_history(self.app.customer_history(self.ticket.get("customer_id")))

    @on(CustomerPane.OpenTicket)
    async def _open_from_history(self, event: CustomerPane.OpenTicket) -> None:
        self.save_draft_now()
        self.close_composer(save=False)
        self._leaving()
        self.ticket_id = event.ticket_id
        self.index = self.window.index_of(event.ticket_id) if self.window else None
        self.query_one(ThreadView)._shown = []
        await self.load(scroll_end=True)
        self._opened()

    # -- field edits --------------------------------------------------------------------

    def action_status(self) -> None:
        self.app.ask_status([self.ticket_id])

    def action_priority(self) -> None:
        self.app.ask_priority([self.ticket_id])

    def action_assign(self) -> None:
        self.app.ask_assign([self.ticket_id])

    def action_tags(self) -> None:
        self.app.ask_tags([self.ticket_id])

    def action_macro(self) -> None:
        macro_flow.open_for_ticket(self)

    def action_merge(self) -> None:
        merge_flow.ask_merge(self.app, [self.ticket_id])

    # -- composer -----------------------------------------------------------------------

    def action_compose(self, kind: DraftKind) -> None:
        composer = self.composer
        if composer.is_open and composer.kind != kind:
            self.save_draft_now()
        draft = self.app.cache.draft(self.ticket_id, kind) or ""
        composer.open(kind, draft)
        self.app.presence_set(self.ticket_id, "replying")

    @on(TextArea.Changed, "#composer-text")
    def _text_changed(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_SAVE_DELAY, self.save_draft_now)

    def save_draft_now(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        composer = self.composer
        if not composer.is_open:
            return
        try:
            self.app.cache.save_draft(self.ticket_id, composer.kind, composer.text_area.text)
        except StoreError as exc:
            self.notify(str(exc), severity="error")

    def close_composer(self, *, save: bool = True) -> None:
        if save:
            self.save_draft_now()
        composer = self.composer
        composer.remove_class("-open")
        self.query_one(ThreadView).focus()
        self.app.presence_set(self.ticket_id, "viewing")

    def send_composer(self, *, confirmed: bool = False, stale_ok: bool = False) -> None:
        composer = self.composer
        body = composer.text_area.text
        if not body.strip():
            self.notify("Nothing to send: the message is empty", severity="warning")
            return
        if composer.kind == "reply" and not stale_ok and self._ask_if_stale(confirmed):
            return  # someone else replied since we opened the ticket: asked first
        if len(body) > MAX_BODY_CHARS:
            self.notify(
                f"Too long to send ({len(body):,} characters; the limit is {MAX_BODY_CHARS:,})",
                severity="error",
            )
            return
        if not confirmed and macro_flow.before_send(
            self, body, lambda: self.send_composer(confirmed=True)
        ):
            return  # placeholders without a value: asked first
        kind = composer.kind
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        try:
            macro_flow.send(self.app.cache, self.ticket_id, composer, body, kind == "reply")
            self.app.cache.delete_draft(self.ticket_id, kind)
        except (StoreError, ValueError) as exc:
            self.notify(one_line(str(exc), 200), severity="error")
            return
        with composer.text_area.prevent(TextArea.Changed):
            composer.text_area.load_text("")
        self.close_composer(save=False)
        self.notify("Reply queued" if kind == "reply" else "Note queued")
        self.app.after_write()

    def _ask_if_stale(self, confirmed: bool) -> bool:
        """Stale-reply guard: show replies others sent since we opened the ticket and ask."""
        cache = self.app.cache
        theirs = replies_since(cache.thread(self.ticket_id), self._seen_messages, cache.agent_id)
        if not theirs:
            return False
        self.run_worker(self.load(scroll_end=True), exclusive=False)  # their reply on screen
        latest = theirs[-1]
        who = one_line(latest.author_name or "Another agent", 40)
        more = f" (and {len(theirs) - 1} more)" if len(theirs) > 1 else ""

        def answered(yes: bool | None) -> None:
            self._seen_messages.update(m.id for m in theirs)
            if yes:
                self.send_composer(confirmed=confirmed, stale_ok=True)

        self.app.push_screen(
            ConfirmDialog(
                f"{who} replied since you opened this ticket{more}. Send yours anyway?",
                f"{who}: {one_line(latest.body, 400)}",
            ),
            answered,
        )
        return True

    def edit_in_editor(self) -> None:
        """Hand the composer text to `$EDITOR` (config `editor`), then take it back."""
        composer = self.composer
        command = shlex.split(self.app.editor_command())
        with tempfile.NamedTemporaryFile(
            "w", suffix=".md", prefix="agentdesk-", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(composer.text_area.text)
            path = Path(handle.name)
        try:
            try:
                with self.app.suspend():
                    result = subprocess.run([*command, str(path)], check=False)
            except Exception as exc:  # SuspendNotSupported, editor missing
                self.notify(f"Cannot open the editor: {one_line(str(exc), 120)}", severity="error")
                return
            if result.returncode != 0:
                self.notify(f"The editor exited with {result.returncode}; text unchanged")
                return
            text = path.read_text(encoding="utf-8", errors="replace")
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)
        composer.text_area.load_text(text)
        self.save_draft_now()
