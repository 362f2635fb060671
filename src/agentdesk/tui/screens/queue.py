"""The queue screen (home): saved views with live counts, the virtual ticket table, search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from agentdesk.domain.text import one_line
from agentdesk.store import ParseError, TicketQuery, View, parse_query
from agentdesk.tui import merge_flow
from agentdesk.tui.presence_app import UNKNOWN as PRESENCE_UNKNOWN
from agentdesk.tui.queue_model import QueueSpec, QueueWindow
from agentdesk.tui.widgets.customer_pane import CustomerPane
from agentdesk.tui.widgets.quiet_footer import QuietFooter
from agentdesk.tui.widgets.status_bar import StatusBar
from agentdesk.tui.widgets.ticket_table import SORT_KEYS, TicketTable

if TYPE_CHECKING:
    from agentdesk.tui.app import AgentDeskApp

SEARCH_DEBOUNCE = 0.15  # seconds of quiet typing before the queue narrows


@dataclass(frozen=True, slots=True)
class SearchResult:
    text: str
    window: QueueWindow | None
    error: str | None


class ViewList(OptionList):
    """The sidebar: one line per view, `name  count`."""

    DEFAULT_CSS = """
    ViewList { width: 30; height: 1fr; border: none; background: $panel; }
    ViewList:focus { background: $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="views.down"),
        Binding("k", "cursor_up", "Up", show=False, id="views.up"),
    ]


class QueueScreen(Screen[None]):
    """Views on the left, tickets in the middle, the customer on the right (toggle `c`)."""

    app: AgentDeskApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="queue.search"),
        Binding("escape", "clear_search", "Clear search", show=False, id="queue.clear_search"),
        Binding("a", "assign", "Assign", id="queue.assign"),
        Binding("s", "status", "Status", id="queue.status"),
        Binding("p", "priority", "Priority", id="queue.priority"),
        Binding("t", "tags", "Tags", id="queue.tags"),
        Binding("m", "macro", "Canned response", id="queue.macro"),
        Binding("M", "merge", "Merge", show=False, id="queue.merge"),
        Binding("o", "cycle_sort", "Sort column", id="queue.sort"),
        Binding("O", "reverse_sort", "Reverse sort", show=False, id="queue.sort_order"),
        Binding("c", "toggle_customer", "Customer", id="queue.customer"),
        Binding("U", "clear_marks", "Unmark all", show=False, id="queue.unmark"),
        Binding("v", "focus_views", "Views", show=False, id="queue.views"),
        *[
            Binding(str(n), f"select_view({n - 1})", f"View {n}", show=False, id=f"queue.view{n}")
            for n in range(1, 10)
        ],
    ]

    DEFAULT_CSS = """
    QueueScreen #queue-main { height: 1fr; }
    QueueScreen #queue-center { width: 1fr; }
    QueueScreen #queue-title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    QueueScreen #search { display: none; height: 3; }
    QueueScreen #search.-active { display: block; }
    QueueScreen #search-error { display: none; color: $error; padding: 0 1; height: 1; }
    QueueScreen #search-error.-shown { display: block; }
    QueueScreen TicketTable { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.views: list[View] = []
        self.counts: dict[str, int] = {}
        self.view_index = 0
        self.search_text = ""
        self._search_timer: Timer | None = None
        self._title_marks = 0
        self.stale = False  # the cache changed while another screen was on top

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = self.app
        self.views = app.all_views()
        view = self.views[0]
        window = QueueWindow(app.cache, self._spec(view, None), annotate=app.presence_row)
        with Horizontal(id="queue-main"):
            yield ViewList(id="views")
            with Vertical(id="queue-center"):
                yield Label(id="queue-title")
                yield Input(placeholder="search: words, status:open prio:urgent tag:…", id="search")
                yield Label(id="search-error")
                yield TicketTable(window, now=app.now, sort=view.sort, descending=view.descending)
            pane = CustomerPane(app.now, id="customer-pane")
            pane.display = app.show_customer
            yield pane
        yield StatusBar(app.now)
        yield QuietFooter()

    def on_mount(self) -> None:
        self._fill_views()
        self._update_title()
        self.table.focus()
        # Counts and the next breach can wait for the first frame: the queue comes first.
        self.call_after_refresh(self.refresh_counts)
        self.call_after_refresh(self.app.update_next_breach, self.window.spec.query)

    async def on_screen_resume(self) -> None:
        if self.stale:
            self.refresh_data()
        await self.app.screen_resumed()

    def show_presence(self) -> None:
        """Who is on which ticket changed: repaint the rows (marks come from the window)."""
        for table in self.query(TicketTable):
            table.refresh()
        if self.is_mounted:
            self._update_title()

    @property
    def table(self) -> TicketTable:
        return self.query_one(TicketTable)

    @property
    def view(self) -> View:
        return self.views[self.view_index]

    @property
    def window(self) -> QueueWindow:
        source = self.table.source
        assert isinstance(source, QueueWindow)
        return source

    def _spec(self, view: View, search: TicketQuery | None) -> QueueSpec:
        query = self.app.parse_view_query(view)
        return QueueSpec(query.combined(search), view.sort, view.descending)

    # -- views --------------------------------------------------------------------------

    def _fill_views(self) -> None:
        views = self.query_one(ViewList)
        highlighted = views.highlighted
        views.clear_options()
        width = 26
        options = []
        for number, view in enumerate(self.views, start=1):
            count = self.counts.get(view.id)
            count_text = "…" if count is None else f"{count:,}"
            key = f"{number} " if number <= 9 else "  "
            name = one_line(view.name, 40)
            room = width - len(key) - len(count_text) - 1
            name = name if len(name) <= room else name[: max(1, room - 1)] + "…"
            options.append(Option(Content(f"{key}{name:<{room}} {count_text}")))
        views.add_options(options)
        views.highlighted = highlighted if highlighted is not None else self.view_index

    @work(thread=True, exclusive=True, group="view-counts", exit_on_error=False)
    def refresh_counts(self) -> None:
        """Count every view in a thread (a count can take a while at a million tickets)."""
        counts = self.app.view_counts(self.views)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_counts, counts)

    def _show_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self._fill_views()

    def _update_title(self) -> None:
        table = self.table
        self._title_marks = len(table.marks)
        marked = f" · {len(table.marks)} marked" if table.marks else ""
        search = f" · search: {one_line(self.search_text, 60)}" if self.search_text else ""
        order = "descending" if table.descending else "ascending"
        presence = "" if self.app.presence_board.known else f" · {PRESENCE_UNKNOWN}"
        title = (
            f"{one_line(self.view.name, 40)} · {table.row_count:,} tickets"
            f" · sort {table.sort} {order}{search}{marked}{presence}"
        )
        self.query_one("#queue-title", Label).update(Content(title))

    def action_select_view(self, index: int) -> None:
        if 0 <= index < len(self.views):
            self.switch_view(index)

    def switch_view(self, index: int) -> None:
        self.view_index = index
        view = self.view
        table = self.table
        table.sort, table.descending = view.sort, view.descending
        self._apply_search(self.search_text, focus_table=True)
        self.query_one(ViewList).highlighted = index

    @on(OptionList.OptionSelected, "#views")
    def _view_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.switch_view(event.option_index)
        self.table.focus()

    def action_focus_views(self) -> None:
        self.query_one(ViewList).focus()

    # -- search -------------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("-active")
        search.focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        if self.focused is search and search.value == self.search_text:
            self.table.focus()  # leave the box, keep the narrowed list
            if not search.value:
                search.remove_class("-active")
        elif search.has_class("-active") or self.search_text:
            if self._search_timer is not None:
                self._search_timer.stop()
            with search.prevent(Input.Changed):  # cleared here, not again by the debounce
                search.value = ""
            search.remove_class("-active")
            self._apply_search("", focus_table=True)
        elif self.table.marks:
            self.action_clear_marks()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        text = event.value
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE, lambda: self._run_search(text))

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._run_search(event.value)
        self.table.focus()

    def _run_search(self, text: str) -> None:
        self.search_worker(text, self.view_index, self.table.sort, self.table.descending)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def search_worker(self, text: str, view_index: int, sort: str, descending: bool) -> None:
        """Parse and count in a thread; the newest keystroke cancels older searches."""
        result = self._search_result(text, view_index, sort, descending)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_search, result)

    def _search_result(
        self, text: str, view_index: int, sort: str, descending: bool
    ) -> SearchResult:
        try:
            search = parse_query(text) if text.strip() else None
        except ParseError as exc:
            return SearchResult(text, None, str(exc))
        view = self.views[view_index]
        base = self._spec(view, search)
        window = QueueWindow(
            self.app.cache,
            QueueSpec(base.query, sort, descending),
            annotate=self.app.presence_row,
        )
        window.count()
        window.row(0)
        return SearchResult(text, window, None)

    def _show_search(self, result: SearchResult) -> None:
        error = self.query_one("#search-error", Label)
        if result.error is not None:
            error.update(Content(f"✖ {one_line(result.error, 200)}"))
            error.add_class("-shown")
            return
        error.remove_class("-shown")
        self.search_text = result.text
        assert result.window is not None
        self.table.set_source(result.window)
        self._after_source_change()

    def _apply_search(self, text: str, *, focus_table: bool) -> None:
        table = self.table
        result = self._search_result(text, self.view_index, table.sort, table.descending)
        if result.window is None:
            result = self._search_result("", self.view_index, table.sort, table.descending)
        self._show_search(result)
        if focus_table:
            table.focus()

    def _after_source_change(self) -> None:
        self._update_title()
        self.app.update_next_breach(self.window.spec.query)
        self._show_customer()

    # -- sorting ------------------------------------------------------------------------

    def action_cycle_sort(self) -> None:
        table = self.table
        keys = list(SORT_KEYS)
        table.sort = keys[(keys.index(table.sort) + 1) % len(keys)] if table.sort in keys else "sla"
        self._apply_search(self.search_text, focus_table=False)

    def action_reverse_sort(self) -> None:
        table = self.table
        table.descending = not table.descending
        self._apply_search(self.search_text, focus_table=False)

    # -- rows ---------------------------------------------------------------------------

    @on(TicketTable.Opened)
    def _open(self, event: TicketTable.Opened) -> None:
        self.app.open_ticket(event.ticket_id, self.window, event.index)

    @on(TicketTable.CursorMoved)
    def _cursor_moved(self, event: TicketTable.CursorMoved) -> None:
        if len(self.table.marks) != self._title_marks:
            self._update_title()
        self._show_customer()

    @on(CustomerPane.OpenTicket)
    def _open_from_history(self, event: CustomerPane.OpenTicket) -> None:
        index = self.window.index_of(event.ticket_id)
        self.app.open_ticket(event.ticket_id, self.window, index)

    def action_toggle_customer(self) -> None:
        self.app.show_customer = not self.app.show_customer
        self.query_one(CustomerPane).display = self.app.show_customer
        self._show_customer()

    def _show_customer(self) -> None:
        pane = self.query_one(CustomerPane)
        if not pane.display:
            return
        row = self.table.cursor_row
        customer_id = row.customer_id if row else None
        if customer_id == pane.customer_id and customer_id is not None:
            return
        pane.show_history(self.app.customer_history(customer_id))

    def action_clear_marks(self) -> None:
        self.table.clear_marks()
        self._update_title()

    def action_assign(self) -> None:
        self.app.ask_assign(self.table.target_ids(), after=self._after_bulk)

    def action_status(self) -> None:
        self.app.ask_status(self.table.target_ids(), after=self._after_bulk)

    def action_priority(self) -> None:
        self.app.ask_priority(self.table.target_ids(), after=self._after_bulk)

    def action_tags(self) -> None:
        self.app.ask_tags(self.table.target_ids(), after=self._after_bulk)

    def action_macro(self) -> None:
        from agentdesk.tui import macro_flow

        macro_flow.open_for_tickets(self.app, self.table.target_ids(), self._after_bulk)

    def action_merge(self) -> None:
        table = self.table
        ids = table.target_ids()
        cursor = table.cursor_row
        suggested = cursor.id if cursor is not None and cursor.id in ids and len(ids) > 1 else None
        merge_flow.ask_merge(self.app, ids, suggested, self._after_bulk)

    def _after_bulk(self) -> None:
        self.table.clear_marks()
        self._update_title()

    # -- refresh from the app (sync, writes) ---------------------------------------------

    def refresh_data(self) -> None:
        """The cache changed: re-read counts and visible rows, keep cursor and marks."""
        self.stale = False
        self.window.invalidate()
        self.table.reload(keep_cursor=True)
        self._update_title()
        self.refresh_counts()
        pane = self.query_one(CustomerPane)
        if pane.display:
            pane.customer_id = None
            self._show_customer()
        self.app.update_next_breach(self.window.spec.query)

    def refresh_views(self) -> None:
        """The list of views may have changed (server saved views arrived)."""
        current = self.view.id
        self.views = self.app.all_views()
        ids = [view.id for view in self.views]
        self.view_index = ids.index(current) if current in ids else 0
        self._fill_views()
