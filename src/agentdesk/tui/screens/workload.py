"""`W`: the workload board of a lead's groups (admins: every group), from the local cache.

One row per agent: availability, open (new/open), pending (pending/on-hold), due within the
hour (breached included), oldest open ticket's age, and a capacity bar (open vs capacity,
with the numbers: never colour alone). Below, the totals per group with their unassigned
backlog. `enter` opens the agent's tickets as a queue (mark and `a` to reassign there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from agentdesk.domain.sla import format_time_left
from agentdesk.domain.text import one_line
from agentdesk.store import View
from agentdesk.store.reports import AgentLoad, Workload, workload
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.widgets.agent_picker import AVAILABILITY_SYMBOL, capacity_bar
from agentdesk.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from agentdesk.tui.app import AgentDeskApp

AGENT_COLUMNS = ("Agent", "Availability", "Open", "Pending", "Due < 1 h", "Oldest open", "Capacity")
GROUP_COLUMNS = ("Group", "Agents", "Open", "Pending", "Due < 1 h", "Unassigned", "Capacity")


def agent_view(agent: AgentLoad) -> View:
    """The queue of one agent's unsolved tickets, most urgent first."""
    return View(
        id=f"agent:{agent.agent_id}",
        name=f"{one_line(agent.name, 40)}'s tickets",
        query=f"assignee:{agent.agent_id} status:new,open,pending,on-hold",
    )


def due_cell(count: int) -> Text:
    """Tickets due within the hour: a symbol and bold when any (never colour alone)."""
    return Text(f"⚠ {count}", style="bold") if count else Text("0")


def capacity_text(used: int, capacity: int) -> str:
    return f"{capacity_bar(used, capacity)} {used}/{capacity}"


class AgentQueueScreen(QueueScreen):
    """The queue screen, showing one agent's tickets (the board's `enter`)."""

    def __init__(self, view: View) -> None:
        super().__init__()
        self.agent_view = view

    def on_mount(self) -> None:
        self.views = [self.agent_view]
        self.view_index = 0
        self._fill_views()
        self._apply_search("", focus_table=True)

    def action_clear_search(self) -> None:
        """`esc`: clear the search or marks first; with nothing to clear, back to the board."""
        if self.search_text or self.table.marks or self.focused is not self.table:
            super().action_clear_search()
            if self.focused is not self.table:
                self.table.focus()
            return
        self.app.pop_screen()

    def refresh_views(self) -> None:
        self.views = [self.agent_view]
        self.view_index = 0
        self._fill_views()


class WorkloadScreen(Screen[None]):
    """Who holds what, and who is about to breach."""

    app: AgentDeskApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="workload.back"),
        Binding("r", "reload", "Refresh", id="workload.refresh"),
        Binding("j", "cursor(1)", "Down", show=False, id="workload.down"),
        Binding("k", "cursor(-1)", "Up", show=False, id="workload.up"),
        Binding("tab", "switch_table", "Agents/groups", show=False, id="workload.switch"),
    ]

    DEFAULT_CSS = """
    WorkloadScreen #workload-title {
        height: 1; padding: 0 1; background: $boost; text-style: bold;
    }
    WorkloadScreen #workload-agents { height: 1fr; }
    WorkloadScreen #workload-groups-title { height: 1; padding: 0 1; text-style: bold; }
    WorkloadScreen #workload-groups { height: auto; max-height: 12; }
    WorkloadScreen #workload-hint { height: 1; padding: 0 1; color: $foreground 60%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.board: Workload | None = None

    def compose(self) -> ComposeResult:
        yield Label(id="workload-title")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="workload-agents")
        yield Label("Groups", id="workload-groups-title")
        yield DataTable(cursor_type="row", id="workload-groups")
        yield Label(
            "enter: the agent's tickets (mark, then a to reassign) · D: distribute unassigned",
            id="workload-hint",
        )
        yield StatusBar(self.app.now)
        yield Footer()

    def on_mount(self) -> None:
        agents = self.query_one("#workload-agents", DataTable)
        agents.add_columns(*AGENT_COLUMNS)
        self.query_one("#workload-groups", DataTable).add_columns(*GROUP_COLUMNS)
        agents.focus()

    def on_screen_resume(self) -> None:
        """Shown (first time or again: the app keeps this screen installed): re-read."""
        self.reload()

    @property
    def agents_table(self) -> DataTable[object]:
        return self.query_one("#workload-agents", DataTable)

    def reload(self) -> None:
        """Read the board again (keeps the cursor on the same agent)."""
        now = self.app.now()
        self.board = board = workload(self.app.cache, now=now)
        agents = self.agents_table
        selected = self.selected_agent()
        agents.clear()
        for agent in board.agents:
            age = agent.oldest_age(now)
            agents.add_row(
                Text(one_line(agent.name, 30)),
                Text(AVAILABILITY_SYMBOL.get(agent.availability, agent.availability)),
                Text(str(agent.open)),
                Text(str(agent.pending)),
                due_cell(agent.breaching),
                Text(format_time_left(age) if age is not None else "—"),
                Text(
                    capacity_text(agent.open, agent.capacity),
                    style="bold" if agent.open > agent.capacity else "",
                ),
                key=str(agent.agent_id),
            )
        if selected is not None:
            index = next(
                (i for i, a in enumerate(board.agents) if a.agent_id == selected.agent_id), 0
            )
            agents.move_cursor(row=index)
        groups = self.query_one("#workload-groups", DataTable)
        groups.clear()
        for group in board.groups:
            groups.add_row(
                Text(one_line(group.name, 30)),
                Text(str(group.agents)),
                Text(str(group.open)),
                Text(str(group.pending)),
                due_cell(group.breaching),
                Text(str(group.unassigned)),
                Text(f"{group.open}/{group.capacity}"),
                key=str(group.group_id),
            )
        names = ", ".join(one_line(g.name, 20) for g in board.groups) or "no groups"
        open_total = sum(g.open for g in board.groups)
        due_total = sum(g.breaching for g in board.groups)
        self.query_one("#workload-title", Label).update(
            Content(
                f"Workload — {names} · {len(board.agents)} agents · {open_total} open · "
                f"{due_total} due within 1 h"
            )
        )

    def refresh_data(self) -> None:
        """The cache changed (sync, a local write): redraw."""
        self.reload()

    def selected_agent(self) -> AgentLoad | None:
        if self.board is None or not self.board.agents:
            return None
        row = self.agents_table.cursor_row
        if row is None or not 0 <= row < len(self.board.agents):
            return None
        return self.board.agents[row]

    @on(DataTable.RowSelected, "#workload-agents")
    def _open_agent(self, event: DataTable.RowSelected) -> None:
        event.stop()
        agent = self.selected_agent()
        if agent is not None:
            self.app.push_screen(AgentQueueScreen(agent_view(agent)))

    @on(DataTable.RowSelected, "#workload-groups")
    def _group_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()

    def action_cursor(self, step: int) -> None:
        table = self.focused if isinstance(self.focused, DataTable) else self.agents_table
        if step > 0:
            table.action_cursor_down()
        else:
            table.action_cursor_up()

    def action_switch_table(self) -> None:
        groups = self.query_one("#workload-groups", DataTable)
        (self.agents_table if self.focused is groups else groups).focus()

    def action_reload(self) -> None:
        self.reload()
        self.notify("Workload refreshed")

    def action_back(self) -> None:
        self.app.pop_screen()
