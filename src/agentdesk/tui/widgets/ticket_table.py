"""The virtualised ticket table: a Line API ScrollView that renders only the rows on screen.

The widget never holds the ticket list. It asks a `RowSource` for the count (the virtual
height) and for the rows of the lines being painted; the source pages them out of SQLite
by key (see `agentdesk.tui.queue_model.QueueWindow`). Opening, scrolling and jumping cost
the same at a hundred or a million tickets.

Every cell is built from a sanitised plain string into `Segment`s: customer text is never
parsed as markup. SLA state and priority carry a symbol as well as a colour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from agentdesk.domain.enums import SlaState
from agentdesk.domain.sla import format_time_left, sla_state
from agentdesk.domain.text import one_line
from agentdesk.store import TicketRow


class RowSource(Protocol):
    """What the table needs from the data: a count and the rows at some positions."""

    def count(self) -> int: ...

    def row(self, index: int) -> TicketRow | None: ...


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # also the sort column name
    title: str
    width: int  # 0: takes the remaining width


COLUMNS: tuple[Column, ...] = (
    Column("sla", "SLA", 10),
    Column("priority", "Priority", 9),
    Column("status", "Status", 8),
    Column("channel", "Channel", 7),
    Column("subject", "Subject", 0),
    Column("customer", "Customer", 18),
    Column("assignee", "Assignee", 14),
    Column("updated", "Updated", 8),
)
SORT_KEYS: tuple[str, ...] = tuple(column.key for column in COLUMNS)
MARK_WIDTH = 2
STRIP_CACHE_SIZE = 512
MIN_SUBJECT = 12

SLA_SYMBOL = {
    SlaState.BREACHED: "!",
    SlaState.AT_RISK: "~",
    SlaState.OK: " ",
    SlaState.NONE: " ",
}
PRIORITY_SYMBOL = {"urgent": "‼", "high": "↑", "normal": "·", "low": "↓"}


def sla_cell(due: datetime | None, now: datetime) -> tuple[str, SlaState]:
    """The SLA column text (`! -40m`, `~ 35m`, `  2d 4h`, `  —`) and its state."""
    state = sla_state(due, now)
    left = None if due is None else due - now
    return f"{SLA_SYMBOL[state]} {format_time_left(left)}", state


def age_text(when: datetime, now: datetime) -> str:
    """How long ago: `now`, `12m`, `3h`, `5d`, `8w`."""
    seconds = int((now - when).total_seconds())
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    if seconds < 86400 * 14:
        return f"{seconds // 86400}d"
    return f"{seconds // (86400 * 7)}w"


class TicketTable(ScrollView, can_focus=True, inherit_bindings=False):
    """A keyboard-driven, virtualised table of tickets with a cursor and marks."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g,home", "cursor_top", "Top", show=False, id="table.top"),
        Binding("G,end", "cursor_bottom", "Bottom", show=False, id="table.bottom"),
        Binding("ctrl+d", "half_page_down", "Half page down", show=False, id="table.half_down"),
        Binding("ctrl+u", "half_page_up", "Half page up", show=False, id="table.half_up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("space,x", "toggle_mark", "Mark", id="table.mark"),
        Binding("enter", "open", "Open", id="table.open"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "ticket-table--header",
        "ticket-table--cursor",
        "ticket-table--marked",
        "ticket-table--breached",
        "ticket-table--at-risk",
        "ticket-table--ok",
        "ticket-table--urgent",
        "ticket-table--high",
        "ticket-table--normal",
        "ticket-table--low",
        "ticket-table--pending",
        "ticket-table--loading",
    }

    DEFAULT_CSS = """
    TicketTable {
        background: $surface;
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    TicketTable > .ticket-table--header {
        background: $panel; color: $foreground; text-style: bold;
    }
    TicketTable > .ticket-table--cursor { background: $primary 30%; }
    TicketTable:focus > .ticket-table--cursor { background: $primary 55%; text-style: bold; }
    TicketTable > .ticket-table--marked { color: $mark; text-style: bold; }
    TicketTable > .ticket-table--breached { color: $sla-breached; text-style: bold; }
    TicketTable > .ticket-table--at-risk { color: $sla-risk; text-style: bold; }
    TicketTable > .ticket-table--ok { color: $sla-ok; }
    TicketTable > .ticket-table--urgent { color: $priority-urgent; text-style: bold; }
    TicketTable > .ticket-table--high { color: $priority-high; }
    TicketTable > .ticket-table--normal { color: $priority-normal; }
    TicketTable > .ticket-table--low { color: $priority-low; }
    TicketTable > .ticket-table--pending { color: $warning; }
    TicketTable > .ticket-table--loading { color: $foreground 50%; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Opened(Message):
        """`enter` on a row."""

        def __init__(self, ticket_id: int, index: int) -> None:
            super().__init__()
            self.ticket_id = ticket_id
            self.index = index

    class CursorMoved(Message):
        def __init__(self, ticket_id: int | None, index: int) -> None:
            super().__init__()
            self.ticket_id = ticket_id
            self.index = index

    def __init__(
        self,
        source: RowSource,
        *,
        now: Callable[[], datetime],
        sort: str = "sla",
        descending: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.source = source
        self.now = now
        self.sort = sort
        self.descending = descending
        self.marks: set[int] = set()
        self._count = 0
        self._last_reported: int | None = None
        self._styles: dict[str, Style] | None = None
        self._base_style: Style | None = None
        self._style_key = 0
        # Rendered rows by what they show; a scroll mostly re-shows rows drawn a moment ago.
        self._strips: dict[tuple[object, ...], Strip] = {}

    # -- data ---------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self._count

    def set_source(self, source: RowSource, *, keep_cursor: bool = False) -> None:
        """Show another view or query; the cursor goes to the top unless `keep_cursor`."""
        self.source = source
        self.reload(keep_cursor=keep_cursor)
        if not keep_cursor:
            self.cursor = 0
            self.scroll_to(y=0, animate=False)

    def reload(self, *, keep_cursor: bool = True) -> None:
        """Re-read the count (rows are read again as they are painted); cursor and marks stay."""
        self._count = self.source.count()
        self.virtual_size = Size(self.size.width, self._count + 1)
        if self._count == 0:
            self.cursor = 0
        elif self.cursor >= self._count:
            self.cursor = self._count - 1
        elif keep_cursor:
            self.cursor = self.cursor  # re-announce (the row under it may have changed)
        self.refresh()

    def on_mount(self) -> None:
        self.reload()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self._count + 1)
        self._scroll_cursor_into_view()

    @property
    def cursor_row(self) -> TicketRow | None:
        if not self._count:
            return None
        return self.source.row(self.cursor)

    def target_ids(self) -> list[int]:
        """Marked tickets, or the cursor row's when none is marked (bulk actions act on these)."""
        if self.marks:
            return sorted(self.marks)
        row = self.cursor_row
        return [row.id] if row else []

    def clear_marks(self) -> None:
        self.marks.clear()
        self.refresh()

    # -- cursor -------------------------------------------------------------------------

    @property
    def page_rows(self) -> int:
        return max(1, self.size.height - 1)

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self._count - 1)) if self._count else 0

    def watch_cursor(self, old: int, new: int) -> None:
        if not self._scroll_cursor_into_view():
            # Only the two rows whose look changed are drawn again (header is line 0).
            self.refresh_line(old + 1)
            self.refresh_line(new + 1)
        row = self.source.row(new) if self._count else None
        ticket_id = row.id if row else None
        if ticket_id != self._last_reported or old != new:
            self._last_reported = ticket_id
            self.post_message(self.CursorMoved(ticket_id, new))

    def _scroll_cursor_into_view(self) -> bool:
        """Scroll so the cursor row is visible; True if the view scrolled."""
        top = round(self.scroll_y)
        visible = self.page_rows
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
            return True
        if self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False, immediate=True)
            return True
        return False

    def move_to(self, index: int) -> None:
        self.cursor = index

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_top(self) -> None:
        self.cursor = 0

    def action_cursor_bottom(self) -> None:
        self.cursor = self._count - 1

    def action_half_page_down(self) -> None:
        self.cursor += max(1, self.page_rows // 2)

    def action_half_page_up(self) -> None:
        self.cursor -= max(1, self.page_rows // 2)

    def action_page_down(self) -> None:
        self.cursor += self.page_rows

    def action_page_up(self) -> None:
        self.cursor -= self.page_rows

    def action_toggle_mark(self) -> None:
        row = self.cursor_row
        if row is None:
            return
        if row.id in self.marks:
            self.marks.discard(row.id)
        else:
            self.marks.add(row.id)
        self.cursor += 1

    def action_open(self) -> None:
        row = self.cursor_row
        if row is not None:
            self.post_message(self.Opened(row.id, self.cursor))

    # -- rendering ----------------------------------------------------------------------

    def _widths(self, width: int) -> list[int]:
        fixed = sum(column.width + 1 for column in COLUMNS if column.width) + MARK_WIDTH
        subject = max(MIN_SUBJECT, width - fixed - 1)
        return [column.width or subject for column in COLUMNS]

    def render_lines(self, crop: Region) -> list[Strip]:
        # Styles are looked up once per paint, not once per line (CSS lookups are costly).
        self._styles = {
            name: self.get_component_rich_style(name) for name in self.COMPONENT_CLASSES
        }
        self._base_style = self.rich_style
        return super().render_lines(crop)

    def _style(self, component: str) -> Style:
        if self._styles is None:
            return self.get_component_rich_style(component)
        return self._styles[component]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header_strip(width)
        index = round(self.scroll_y) + y - 1
        base = self._base_style or self.rich_style
        if index >= self._count:
            return Strip.blank(width, base)
        row = self.source.row(index)
        if row is None:
            loading = base + self._style("ticket-table--loading")
            return Strip([Segment(set_cell_size("  …", width), loading)], width)
        now = self.now()
        key = (
            row,
            index == self.cursor,
            row.id in self.marks,
            width,
            self.has_focus,
            self.app.theme,
            self._style_key,
            int(now.timestamp()) // 30,  # SLA and age text move with the clock
        )
        strip = self._strips.get(key)
        if strip is None:
            strip = self._row_strip(row, index, width)
            self._strips[key] = strip
            if len(self._strips) > STRIP_CACHE_SIZE:
                del self._strips[next(iter(self._strips))]
        return strip

    def _header_strip(self, width: int) -> Strip:
        base = self._base_style or self.rich_style
        style = base + self._style("ticket-table--header")
        arrow = "▼" if self.descending else "▲"
        parts = [" " * MARK_WIDTH]
        for column, size in zip(COLUMNS, self._widths(width), strict=True):
            title = f"{column.title}{arrow}" if column.key == self.sort else column.title
            parts.append(set_cell_size(title, size))
        text = " ".join(parts)
        return Strip([Segment(set_cell_size(text, width), style)], width)

    def _row_strip(self, row: TicketRow, index: int, width: int) -> Strip:
        now = self.now()
        base = self._base_style or self.rich_style
        if index == self.cursor:
            base = base + self._style("ticket-table--cursor")
        marked = row.id in self.marks
        sla_text, state = sla_cell(row.sla_due_at, now)
        sla_style = {
            SlaState.BREACHED: "ticket-table--breached",
            SlaState.AT_RISK: "ticket-table--at-risk",
            SlaState.OK: "ticket-table--ok",
        }.get(state)
        priority_class = f"ticket-table--{row.priority}"
        priority_text = f"{PRIORITY_SYMBOL.get(row.priority, ' ')} {row.priority}"
        status_text = f"{row.status}*" if row.pending else row.status
        values: Sequence[tuple[str, str | None]] = (
            (sla_text, sla_style),
            (priority_text, priority_class if priority_class in self.COMPONENT_CLASSES else None),
            (status_text, "ticket-table--pending" if row.pending else None),
            (row.channel, None),
            (one_line(row.subject, 300), None),
            (one_line(row.customer_name, 100), None),
            (one_line(row.assignee_name, 100) if row.assignee_name else "—", None),
            (age_text(row.updated_at, now) if row.updated_at else "—", None),
        )
        segments: list[Segment] = []
        if marked:
            mark_style = base + self._style("ticket-table--marked")
            segments.append(Segment("● ", mark_style))
        else:
            segments.append(Segment("  ", base))
        for (text, component), size in zip(values, self._widths(width), strict=True):
            style: Style = base
            if component:
                style = base + self._style(component)
            segments.append(Segment(set_cell_size(text, size), style))
            segments.append(Segment(" ", base))
        used = sum(cell_len(segment.text) for segment in segments)
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        return Strip(segments).crop(0, width)
