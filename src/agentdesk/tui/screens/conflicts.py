"""Open conflicts, one per row: `m` keeps mine (re-queued), `t` keeps theirs (the server's)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from agentdesk.domain.text import one_line
from agentdesk.store import ConflictRow, StoreError
from agentdesk.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from agentdesk.tui.app import AgentDeskApp


def _value(field: str, value: Any, app: AgentDeskApp) -> str:
    if field == "assignee_id":
        return app.agent_name(value)
    if value is None:
        return "—"
    return one_line(str(value), 60)


class ConflictsScreen(Screen[None]):
    app: AgentDeskApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "resolve('mine')", "Keep mine", id="conflicts.mine"),
        Binding("t", "resolve('theirs')", "Keep theirs", id="conflicts.theirs"),
        Binding("escape", "back", "Back", id="conflicts.back"),
        Binding("j", "cursor(1)", "Down", show=False, id="conflicts.down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="conflicts.up"),
    ]
    DEFAULT_CSS = """
    ConflictsScreen #conflicts-title {
        padding: 0 1; background: $boost; text-style: bold; width: 1fr;
    }
    ConflictsScreen #conflicts-hint { padding: 0 1; color: $foreground 70%; }
    ConflictsScreen DataTable { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ConflictRow] = []

    def compose(self) -> ComposeResult:
        yield Label(id="conflicts-title")
        yield Label(
            "Your change and the server's disagree. m: keep mine (sent again) · "
            "t: keep theirs (server value) · esc: back",
            id="conflicts-hint",
        )
        yield DataTable(cursor_type="row", zebra_stripes=True, id="conflicts-table")
        yield StatusBar(self.app.now)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "Ticket", "Field", "Was", "Mine", "Theirs (server)")
        self.refresh_data()
        table.focus()

    async def on_screen_resume(self) -> None:
        await self.app.screen_resumed()

    def refresh_data(self) -> None:
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        self.rows = self.app.cache.conflicts()
        for row in self.rows:
            subject = self.app.ticket_subject(row.ticket_id)
            table.add_row(  # plain Text: DataTable would parse str cells as markup
                Text(str(row.id)),
                Text(f"#{row.ticket_id} {subject}"),
                Text(row.field),
                Text(_value(row.field, row.base, self.app)),
                Text(_value(row.field, row.mine, self.app)),
                Text(_value(row.field, row.theirs, self.app)),
            )
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))
        count = len(self.rows)
        title = f"Conflicts · {count} open" if count else "Conflicts · none open — all settled"
        self.query_one("#conflicts-title", Label).update(title)

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_resolve(self, keep: Literal["mine", "theirs"]) -> None:
        if not self.rows:
            self.notify("No open conflicts")
            return
        table = self.query_one(DataTable)
        row = self.rows[min(table.cursor_row, len(self.rows) - 1)]
        try:
            self.app.cache.resolve_conflict(row.id, keep)
        except StoreError as exc:
            self.notify(one_line(str(exc), 200), severity="error")
            return
        self.notify(f"Conflict {row.id}: kept {keep}")
        self.app.after_write()

    def action_back(self) -> None:
        self.dismiss(None)
