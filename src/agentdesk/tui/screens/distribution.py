"""`D`: distribute unassigned tickets. Shows the planner's proposal as a table; `y`/`enter`
applies it as one batch (one local transaction, pushed together), `esc`/`n` cancels.

The plan comes from `agentdesk.domain.routing.plan_distribution` (skills first, then least
loaded among available agents, capacity respected, never an unavailable agent).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from agentdesk.domain.routing import Plan
from agentdesk.domain.text import one_line


def fit(text: str, width: int) -> str:
    """One visible line of at most `width` characters, cut with `…`."""
    line = one_line(text, width * 2)
    return line if len(line) <= width else line[: width - 1] + "…"


class DistributionScreen(ModalScreen[bool]):
    """The proposed plan; dismisses True to apply it, False to cancel."""

    DEFAULT_CSS = """
    DistributionScreen { align: center middle; background: $background 60%; }
    DistributionScreen > Vertical {
        width: 120; max-width: 98%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    DistributionScreen .plan--title { text-style: bold; margin-bottom: 1; }
    DistributionScreen .plan--hint { color: $foreground 60%; }
    DistributionScreen DataTable { height: auto; max-height: 30; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Apply plan", id="distribution.apply"),
        Binding("n,escape", "answer(False)", "Cancel", id="distribution.cancel"),
        Binding("j", "cursor_down", "Down", show=False, id="distribution.down"),
        Binding("k", "cursor_up", "Up", show=False, id="distribution.up"),
    ]

    def __init__(self, plan: Plan, subjects: dict[int, str]) -> None:
        super().__init__()
        self.plan = plan
        self.subjects = subjects

    def compose(self) -> ComposeResult:
        placed, left = len(self.plan.assignments), len(self.plan.unplaced)
        title = f"Distribute: {placed} ticket{'s' if placed != 1 else ''} to assign"
        if left:
            title += f", {left} left unassigned"
        with Vertical():
            yield Label(Content(title), classes="plan--title", id="plan-title")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="plan-table")
            hint = "y/enter: apply as one batch · esc: cancel" if placed else "esc: close"
            yield Label(hint, classes="plan--hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Ticket", "Subject", "To", "Load after", "Skills / why not")
        for item in self.plan.assignments:
            table.add_row(
                Text(f"#{item.ticket_id}"),
                Text(fit(self.subjects.get(item.ticket_id, ""), 36)),
                Text(fit(item.agent_name, 22)),
                Text(f"{item.load_after}/{item.capacity}"),
                Text(", ".join(item.matched_skills) or "—"),
                key=str(item.ticket_id),
            )
        for unplaced in self.plan.unplaced:
            table.add_row(
                Text(f"#{unplaced.ticket_id}"),
                Text(fit(self.subjects.get(unplaced.ticket_id, ""), 36)),
                Text("— stays unassigned"),
                Text(""),
                Text(unplaced.reason),
                key=str(unplaced.ticket_id),
            )
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_answer(True)  # `enter` on the table applies, like everywhere else here

    def action_answer(self, apply: bool) -> None:
        self.dismiss(apply and bool(self.plan.assignments))

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()
