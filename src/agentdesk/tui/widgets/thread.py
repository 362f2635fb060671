"""A ticket's thread: customer messages, public replies and internal notes, each unmistakable.

The kind of a message shows in its title text (`✉ Customer`, `↩ Public reply`,
`🔒 Internal note — not visible to the customer`) as well as in its border and background,
so colour is never the only signal. Bodies are sanitised plain text, cut at a size the
screen can take.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from agentdesk.domain.text import one_line, visible
from agentdesk.store import MessageRow

MAX_BODY_SHOWN = 20_000


def message_kind(message: MessageRow) -> str:
    if not message.public:
        return "note"
    return "customer" if message.author_kind == "customer" else "reply"


_TITLES = {
    "customer": "✉ Customer",
    "reply": "↩ Public reply",
    "note": "🔒 Internal note — not visible to the customer",
}


def message_title(message: MessageRow, shown_ticket_id: int | None = None) -> str:
    """Kind, author, channel, time; `from #N` for a message of a ticket merged into this one."""
    when = message.created_at.strftime("%Y-%m-%d %H:%M") if message.created_at else "—"
    author = one_line(message.author_name or message.author_kind, 60)
    title = f"{_TITLES[message_kind(message)]} · {author} · {message.channel} · {when}"
    if shown_ticket_id is not None and message.ticket_id != shown_ticket_id:
        title += f" · from #{message.ticket_id}"
    if message.local_state == "pending":
        title += " · ⏳ pending sync"
    elif message.local_state == "rejected":
        title += " · ✖ rejected by the server"
    return title


class MessageView(Static):
    """One message: border title = kind, author, channel, time; body as plain text."""

    def __init__(self, message: MessageRow, shown_ticket_id: int | None = None) -> None:
        body = visible(message.body, multiline=True, max_chars=MAX_BODY_SHOWN)
        kind = message_kind(message)
        super().__init__(Content(body), classes=f"message message--{kind}")
        self.message = message
        self.border_title = Content(message_title(message, shown_ticket_id))
        if message.local_state:
            self.add_class(f"message--{message.local_state}")


class ThreadView(VerticalScroll, can_focus=True):
    """The scrollable thread; vim keys scroll it."""

    DEFAULT_CSS = """
    ThreadView { height: 1fr; padding: 0 1; }
    ThreadView > .message {
        margin: 0 0 1 0;
        padding: 0 1;
        height: auto;
        border: round $customer-border;
    }
    ThreadView > .message--reply { border: round $reply-border; }
    ThreadView > .message--note {
        border: heavy $note-border;
        background: $note-background;
    }
    ThreadView > .message--pending { border-title-color: $warning; }
    ThreadView > .message--rejected { border-title-color: $error; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Scroll down", show=False, id="thread.down"),
        Binding("k,up", "scroll_up", "Scroll up", show=False, id="thread.up"),
        Binding("g,home", "scroll_home", "Top", show=False, id="thread.top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="thread.bottom"),
        Binding("ctrl+d,pagedown", "page_down", "Page down", show=False, id="thread.page_down"),
        Binding("ctrl+u,pageup", "page_up", "Page up", show=False, id="thread.page_up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: list[tuple[str, str | None]] = []

    def compose(self) -> ComposeResult:
        return iter(())

    async def show_messages(
        self, messages: list[MessageRow], *, scroll_end: bool, ticket_id: int | None = None
    ) -> None:
        """Replace the thread (only when something changed), keeping the scroll otherwise.

        `ticket_id`: the ticket shown; messages of other (merged) tickets say where from."""
        signature = [(m.id, m.local_state) for m in messages]
        if signature == self._shown:
            return
        self._shown = signature
        await self.remove_children()
        await self.mount_all([MessageView(message, ticket_id) for message in messages])
        if scroll_end:
            self.scroll_end(animate=False, immediate=True)
