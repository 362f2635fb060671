"""`H`: the agent's recent actions with their state; `u` (or `enter`) undoes the highlighted one."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from agentdesk.domain.text import one_line
from agentdesk.store import undo

if TYPE_CHECKING:
    from agentdesk.tui.app import AgentDeskApp

STATE_TEXT = {
    "pending": "⏳ pending",
    "synced": "✓ synced",
    "conflict": "⚠ conflict",
    "rejected": "✖ rejected",
    "undone": "↶ undone",
}


class HistoryScreen(Screen[None]):
    app: AgentDeskApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="history.back"),
        Binding("u,enter", "undo_selected", "Undo", id="history.undo"),
    ]
    DEFAULT_CSS = """
    HistoryScreen #history-title { padding: 0 1; background: $boost; text-style: bold; }
    HistoryScreen OptionList { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Label("Your recent actions (undoable while pending or 10 min after sync)",
                    id="history-title")  # fmt: skip
        yield OptionList(id="history")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one(OptionList).focus()

    def refresh_data(self) -> None:
        view = self.query_one(OptionList)
        highlighted = view.highlighted
        view.clear_options()
        self.actions = undo.actions(self.app.cache, now=self.app.now())
        if not self.actions:
            view.add_option(Option(Content("Nothing yet"), disabled=True))
            return
        now = self.app.now()
        for action in self.actions:
            age = int((now - action.created_at).total_seconds() // 60)
            when = "just now" if age < 1 else f"{age} min ago"
            mark = "u: undo" if action.undoable else ""
            text = (
                f"{STATE_TEXT.get(action.state, action.state):<12} "
                f"{one_line(action.label, 60):<60} {action.ticket_count:>4} ticket(s)  "
                f"{when:<12} {mark}"
            )
            view.add_option(Option(Content(text), id=str(action.id)))
        view.highlighted = (
            highlighted if highlighted is not None and highlighted < len(self.actions) else 0
        )

    def action_undo_selected(self) -> None:
        view = self.query_one(OptionList)
        index = view.highlighted
        if index is None or not getattr(self, "actions", None) or index >= len(self.actions):
            return
        self.app.undo_action(self.actions[index].id)
        self.refresh_data()

    def action_back(self) -> None:
        self.app.pop_screen()
