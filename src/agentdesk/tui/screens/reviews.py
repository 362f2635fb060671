"""Shared drafts: the reviews list (`R`) and one draft under review.

The list shows the open drafts shared by or with me (newest change first); `enter` opens one.
On a draft, the text is editable (`ctrl+s` saves it: `draft.edit`, the last edit wins), a
comment goes in below (`enter`: `draft.comment`), and its owner sends it (`ctrl+o`:
`draft.send`, the text becomes a message on the ticket). Customer text is shown as plain
`Content`, never markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from agentdesk.domain.ids import uuid7
from agentdesk.domain.text import one_line
from agentdesk.store import StoreError, draft_queries
from agentdesk.tui.widgets.safe_text_area import SafeTextArea, editable
from agentdesk.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from agentdesk.tui.app import AgentDeskApp


class ReviewsScreen(Screen[None]):
    """Open drafts shared by or with me; `enter` opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="reviews.back"),
    ]
    DEFAULT_CSS = """
    ReviewsScreen #reviews-title { padding: 0 1; background: $boost; text-style: bold; }
    ReviewsScreen OptionList { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self._mounted = False

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="reviews-title")
        yield OptionList(id="reviews")
        yield StatusBar(self.desk.now)
        yield Footer()

    async def on_mount(self) -> None:
        self._mounted = True
        await self.refresh_data()
        self.query_one(OptionList).focus()

    async def on_screen_resume(self) -> None:
        await self.desk.screen_resumed()

    async def refresh_data(self) -> None:
        if not self._mounted:
            return
        self.rows = draft_queries.shared_drafts(self.desk.cache)
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        me = self.desk.cache.agent_id
        for row in self.rows:
            owner = "me" if row["owner_id"] == me else self.desk.agent_name(row["owner_id"])
            reviewers = ", ".join(self.desk.agent_name(r) for r in row["reviewer_ids"])
            text = (
                f"#{row['ticket_id']} by {owner} · reviewers: {reviewers} · "
                f"{len(row['comments'])} comments\n   {one_line(row['body'], 100)}"
            )
            options.add_option(Option(Content(text), id=row["id"]))
        self.query_one("#reviews-title", Static).update(
            Content(f"Shared drafts (open): {len(self.rows)} · enter opens")
        )
        if self.rows:
            top = len(self.rows) - 1
            options.highlighted = min(highlighted, top) if highlighted is not None else 0

    @on(OptionList.OptionSelected, "#reviews")
    def open_draft(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.push_screen(ReviewDraftScreen(event.option.id))

    def action_back(self) -> None:
        self.app.pop_screen()


class ReviewDraftScreen(Screen[None]):
    """One shared draft: edit its text, comment, and (owner) send it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="review.back"),
        Binding("ctrl+s", "save", "Save edit", id="review.save"),
        Binding("ctrl+o", "send", "Send (owner)", id="review.send"),
    ]
    DEFAULT_CSS = """
    ReviewDraftScreen #review-title { padding: 0 1; background: $boost; text-style: bold; }
    ReviewDraftScreen TextArea { height: 1fr; }
    ReviewDraftScreen #review-comments { height: auto; max-height: 10; padding: 0 1; }
    """

    def __init__(self, draft_id: str) -> None:
        super().__init__()
        self.draft_id = draft_id
        self._mounted = False

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    @property
    def draft(self) -> dict[str, Any] | None:
        return draft_queries.shared_draft(self.desk.cache, self.draft_id)

    def compose(self) -> ComposeResult:
        yield Static(id="review-title")
        yield SafeTextArea(id="review-text", soft_wrap=True)
        yield Static(id="review-comments")
        yield Input(placeholder="comment, enter to post", id="review-comment")
        yield StatusBar(self.desk.now)
        yield Footer()

    async def on_mount(self) -> None:
        self._mounted = True
        draft = self.draft
        if draft is not None:
            self.query_one(TextArea).load_text(draft["body"])
        await self.refresh_data()
        self.query_one(TextArea).focus()

    async def on_screen_resume(self) -> None:
        await self.desk.screen_resumed()

    async def refresh_data(self) -> None:
        """Title and comments follow the cache; the text only when I have not edited it."""
        if not self._mounted:
            return
        draft = self.draft
        if draft is None:
            self.query_one("#review-title", Static).update(Content("This draft is gone"))
            return
        area = self.query_one(TextArea)
        if not area.has_focus and area.text != editable(draft["body"]):
            area.load_text(draft["body"])
        owner = self.desk.agent_name(draft["owner_id"])
        edited = self.desk.agent_name(draft["edited_by"]) if draft["edited_by"] else owner
        state = "sent" if draft["status"] == "sent" else "open"
        self.query_one("#review-title", Static).update(
            Content(
                f"Draft on #{draft['ticket_id']} by {owner} · last edit {edited} · {state}"
                " · ctrl+s save · ctrl+o send (owner)"
            )
        )
        lines = [
            f"{self.desk.agent_name(c.get('author_id'))}: {one_line(str(c.get('body')), 200)}"
            for c in draft["comments"]
        ]
        self.query_one("#review-comments", Static).update(
            Content("\n".join(lines) if lines else "no comments yet")
        )

    def _record(self, name: str, args: dict[str, Any], done: str) -> bool:
        try:
            self.desk.cache.record_mutation(name, args)
        except (StoreError, ValueError) as exc:
            self.notify(one_line(str(exc), 200), severity="error", markup=False)
            return False
        self.notify(done)
        self.desk.after_write()
        return True

    def action_save(self) -> None:
        body = self.query_one(TextArea).text
        if not body.strip():
            self.notify("The draft cannot be empty", severity="warning")
            return
        self._record("draft.edit", {"draft_id": self.draft_id, "body": body}, "Edit saved")

    @on(Input.Submitted, "#review-comment")
    def post_comment(self, event: Input.Submitted) -> None:
        body = event.value.strip()
        if not body:
            return
        args = {"draft_id": self.draft_id, "id": uuid7(), "body": body}
        if self._record("draft.comment", args, "Comment posted"):
            event.input.value = ""

    def action_send(self) -> None:
        draft = self.draft
        if draft is None:
            return
        if draft["owner_id"] != self.desk.cache.agent_id:
            self.notify("Only the draft's owner sends it", severity="warning")
            return
        body = self.query_one(TextArea).text
        if body.strip() and body != draft["body"]:  # my unsaved edit goes out with it
            self.action_save()
        args = {"draft_id": self.draft_id, "message_id": uuid7()}
        if self._record("draft.send", args, "Draft sent to the ticket"):
            self.app.pop_screen()

    def action_back(self) -> None:
        self.app.pop_screen()
