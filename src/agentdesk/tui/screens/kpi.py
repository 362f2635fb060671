"""`K`: the KPI dashboard, computed from the local cache (works offline).

First reply and resolution time (median, p90), SLA breach rate, CSAT (average, count),
backlog by age, volume by channel per day over the last 14 days: for the lead's groups, one
group (`g` cycles), and broken down per agent or per group (`d`). Charts: a stacked bar
chart (textual-plotext) and sparklines; every chart also shows its numbers, so nothing is
told by colour alone. Definitions: `agentdesk.domain.kpi`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Sparkline, Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from agentdesk.domain.kpi import (
    AGE_BUCKETS,
    CHANNELS,
    Dimension,
    KpiSummary,
    format_duration,
    format_rate,
)
from agentdesk.domain.text import one_line
from agentdesk.store.reports import default_range, kpi_inputs, lead_group_ids
from agentdesk.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from agentdesk.store import Cache
    from agentdesk.tui.app import AgentDeskApp


def figures_store(app: object) -> FiguresStore:
    """The app's figures store (made on first use)."""
    store: FiguresStore | None = getattr(app, "_kpi_figures", None)
    if store is None:
        store = FiguresStore()
        app._kpi_figures = store  # type: ignore[attr-defined]
    return store


AUTO_REFRESH_SECONDS = 30.0

BREAKDOWN_COLUMNS = (
    "Name",
    "Tickets",
    "1st reply med",
    "p90",
    "Resolution med",
    "p90",
    "SLA breached",
    "CSAT",
    "Backlog",
)


@dataclass(frozen=True, slots=True)
class Scope:
    """What the dashboard covers: the lead's groups (None: every group) or one group."""

    name: str
    group_ids: tuple[int, ...] | None


@dataclass(frozen=True, slots=True)
class KpiFigures:
    """Everything the dashboard draws for one scope and breakdown, and when it was read."""

    group_ids: tuple[int, ...] | None
    dimension: Dimension
    start: datetime
    end: datetime
    summary: KpiSummary
    breakdown: dict[int | None, KpiSummary]
    data_version: tuple[int, int]  # the cache's, read on the UI thread before computing
    computed_at: float  # time.monotonic()


def compute_figures(
    cache: Cache,
    group_ids: tuple[int, ...] | None,
    dimension: Dimension,
    now: datetime,
    data_version: tuple[int, int],
) -> KpiFigures:
    """Read and fold the KPIs (safe in a worker thread: the cache has a connection per thread)."""
    start, end = default_range(now)
    inputs = kpi_inputs(cache, start, end, group_ids=group_ids, now=now)
    overall, breakdown = inputs.overall_and_by(dimension)
    return KpiFigures(
        group_ids, dimension, start, end, overall, breakdown, data_version, time.monotonic()
    )


class FiguresStore:
    """The latest figures per (scope, breakdown): reused while the cache has not changed.

    Leads get them precomputed in the background after syncs (`LeadActionsMixin`), so `K`
    draws at once instead of reading 14 days of tickets first.
    """

    def __init__(self) -> None:
        self._figures: dict[tuple[tuple[int, ...] | None, str], KpiFigures] = {}

    def put(self, figures: KpiFigures) -> None:
        self._figures[(figures.group_ids, figures.dimension)] = figures

    def fresh(
        self,
        group_ids: tuple[int, ...] | None,
        dimension: Dimension,
        data_version: tuple[int, int],
        max_age: float = AUTO_REFRESH_SECONDS,
    ) -> KpiFigures | None:
        figures = self._figures.get((group_ids, dimension))
        if figures is None or figures.data_version != data_version:
            return None
        if time.monotonic() - figures.computed_at > max_age:
            return None
        return figures


def text_bar(value: int, largest: int, width: int = 24) -> str:
    filled = 0 if largest <= 0 else round(width * value / largest)
    if value and not filled:
        filled = 1
    return "█" * filled + "·" * (width - filled)


def stars(average: float | None) -> str:
    if average is None:
        return "—"
    full = round(average)
    return "★" * full + "☆" * (5 - full)


class KpiScreen(Screen[None]):
    """The team's figures over the last 14 days."""

    app: AgentDeskApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="kpi.back"),
        Binding("g", "next_scope", "Next group", id="kpi.scope"),
        Binding("d", "toggle_breakdown", "Per agent/group", id="kpi.breakdown"),
        Binding("r", "reload", "Refresh", id="kpi.refresh"),
    ]

    DEFAULT_CSS = """
    KpiScreen #kpi-title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    KpiScreen #kpi-cards { height: 5; }
    KpiScreen .kpi-card {
        width: 1fr; height: 5; border: round $primary; padding: 0 1;
    }
    KpiScreen #kpi-charts { height: 16; }
    KpiScreen #kpi-volume { width: 2fr; height: 16; }
    KpiScreen #kpi-side { width: 1fr; height: 16; padding: 0 1; }
    KpiScreen #kpi-backlog { height: auto; }
    KpiScreen .kpi-label { height: 1; text-style: bold; }
    KpiScreen Sparkline { height: 2; }
    KpiScreen #kpi-daily-numbers { height: auto; width: 100%; margin-bottom: 1; }
    KpiScreen #kpi-breakdown { height: 1fr; }
    """

    def __init__(self, now: datetime | None = None) -> None:
        super().__init__()
        self._now = now
        self.scopes: list[Scope] = []
        self.scope_index = 0
        self.dimension: Dimension = "agent"
        self.summary: KpiSummary | None = None
        self.breakdown: dict[int | None, KpiSummary] = {}
        self._computed_at = float("-inf")

    def compose(self) -> ComposeResult:
        yield Label(id="kpi-title")
        with Horizontal(id="kpi-cards"):
            for card in ("first-reply", "resolution", "sla", "csat"):
                yield Static(id=f"kpi-{card}", classes="kpi-card")
        with Horizontal(id="kpi-charts"):
            yield PlotextPlot(id="kpi-volume")
            with Vertical(id="kpi-side"):
                yield Label("Tickets per day", classes="kpi-label")
                yield Sparkline([], id="kpi-daily")
                yield Label(id="kpi-daily-numbers")
                yield Label("Backlog by age (unsolved now)", classes="kpi-label")
                yield Static(id="kpi-backlog")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="kpi-breakdown")
        yield StatusBar(self.app.now)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        """Shown (first time or again: the app keeps this screen installed): recompute."""
        self.scopes = self._scopes()
        self.scope_index = min(self.scope_index, len(self.scopes) - 1)
        self.reload()

    def _scopes(self) -> list[Scope]:
        mine = lead_group_ids(self.app.cache)
        groups = {int(g["id"]): str(g["name"]) for g in self.app.cache.groups()}
        first = Scope("my groups" if mine is not None else "every group", mine)
        shown = [g for g in groups if mine is None or g in mine]
        return [first, *(Scope(one_line(groups[g], 30), (g,)) for g in shown)]

    @property
    def scope(self) -> Scope:
        return self.scopes[self.scope_index]

    def reload(self, *, force: bool = False) -> None:
        """Draw the figures of the current scope: at once when fresh (precomputed, or the
        cache unchanged since), else read the cache in a thread (the screen stays live)."""
        store = figures_store(self.app)
        version = self.app.cache.data_version()
        figures = None if force else store.fresh(self.scope.group_ids, self.dimension, version)
        if figures is not None:
            self.show(figures)
            return
        self.query_one("#kpi-title", Label).update(
            Content(f"KPIs — {self.scope.name} · reading the last 14 days…")
        )
        now = self._now or self.app.now()
        self.compute_worker(self.scope.group_ids, self.dimension, now, version)

    @work(thread=True, exclusive=True, group="kpi", exit_on_error=False)
    def compute_worker(
        self,
        group_ids: tuple[int, ...] | None,
        dimension: Dimension,
        now: datetime,
        version: tuple[int, int],
    ) -> None:
        figures = compute_figures(self.app.cache, group_ids, dimension, now, version)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._computed, figures)

    def _computed(self, figures: KpiFigures) -> None:
        figures_store(self.app).put(figures)
        if (figures.group_ids, figures.dimension) == (self.scope.group_ids, self.dimension):
            self.show(figures)

    def show(self, figures: KpiFigures) -> None:
        self._computed_at = figures.computed_at
        self.summary = summary = figures.summary
        self.breakdown = figures.breakdown
        start, end = figures.start, figures.end
        last_day = (end - timedelta(days=1)).date()
        self.query_one("#kpi-title", Label).update(
            Content(
                f"KPIs — {self.scope.name} · {start.date().isoformat()} .. {last_day.isoformat()}"
                f" (last 14 days, tickets created in range) · {summary.tickets} tickets"
            )
        )
        self._cards(summary)
        self._volume(summary)
        self._side(summary)
        self._table()

    def _cards(self, s: KpiSummary) -> None:
        self.query_one("#kpi-first-reply", Static).update(
            Content(
                f"First reply ({s.first_reply.count})\n"
                f"median {format_duration(s.first_reply.median)}\n"
                f"p90    {format_duration(s.first_reply.p90)}"
            )
        )
        self.query_one("#kpi-resolution", Static).update(
            Content(
                f"Resolution ({s.resolution.count})\n"
                f"median {format_duration(s.resolution.median)}\n"
                f"p90    {format_duration(s.resolution.p90)}"
            )
        )
        rate = s.breach_rate
        self.query_one("#kpi-sla", Static).update(
            Content(
                f"SLA breached\n{format_rate(rate)}  ({s.breached} of {s.with_target})\n"
                + (text_bar(s.breached, s.with_target, 20) if s.with_target else "")
            )
        )
        average = "—" if s.csat_average is None else f"{s.csat_average:.2f} / 5"
        self.query_one("#kpi-csat", Static).update(
            Content(f"CSAT ({s.csat_count} ratings)\n{average}\n{stars(s.csat_average)}")
        )

    def _volume(self, s: KpiSummary) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        days = [day.strftime("%d/%m") for day in s.volume]
        series = [[s.volume[day].get(channel, 0) for day in s.volume] for channel in CHANNELS]
        if days:
            # numeric positions (days before the last one): plotext places text labels in
            # an order that changes from run to run
            positions = list(range(1 - len(days), 1))
            plt.stacked_bar(positions, series, labels=list(CHANNELS))
            plt.xlabel(f"days before {days[-1]} (0 = {days[-1]})")
        plt.title("Volume by channel per day")
        plot.refresh()

    def _side(self, s: KpiSummary) -> None:
        totals = s.daily_totals()
        daily = self.query_one("#kpi-daily", Sparkline)
        daily.data = [float(n) for n in totals] or [0.0]
        peak = max(totals, default=0)
        by_channel = {channel: 0 for channel in CHANNELS}
        for channels in s.volume.values():
            for channel, count in channels.items():
                by_channel[channel] = by_channel.get(channel, 0) + count
        channel_text = " · ".join(f"{channel} {count}" for channel, count in by_channel.items())
        self.query_one("#kpi-daily-numbers", Label).update(
            Content(
                f"Per day: {' '.join(str(n) for n in totals)} (peak {peak})\n"
                f"By channel: {channel_text}"
            )
        )
        largest = max(s.backlog, default=0)
        lines = [
            f"{label:>7} {text_bar(count, largest, 16)} {count}"
            for (label, _), count in zip(AGE_BUCKETS, s.backlog, strict=True)
        ]
        lines.append(f"{'total':>7} {s.backlog_total}")
        self.query_one("#kpi-backlog", Static).update(Content("\n".join(lines)))

    def _table(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        first = "Agent" if self.dimension == "agent" else "Group"
        table.add_columns(first, *BREAKDOWN_COLUMNS[1:])
        names = self._names()
        ordered = sorted(
            self.breakdown.items(),
            key=lambda item: (item[0] is None, names.get(item[0], "").casefold()),
        )
        for key, s in ordered:
            name = names.get(key, f"#{key}") if key is not None else "(unassigned)"
            if self.dimension == "group" and key is None:
                name = "(no group)"
            csat = "—" if s.csat_average is None else f"{s.csat_average:.2f} ({s.csat_count})"
            table.add_row(
                Text(one_line(name, 30)),
                Text(str(s.tickets)),
                Text(format_duration(s.first_reply.median)),
                Text(format_duration(s.first_reply.p90)),
                Text(format_duration(s.resolution.median)),
                Text(format_duration(s.resolution.p90)),
                Text(f"{format_rate(s.breach_rate)} ({s.breached}/{s.with_target})"),
                Text(csat),
                Text(str(s.backlog_total)),
                key=str(key),
            )

    def _names(self) -> dict[int | None, str]:
        cache = self.app.cache
        if self.dimension == "agent":
            return {int(a["id"]): str(a["name"]) for a in cache.agents()}
        return {int(g["id"]): str(g["name"]) for g in cache.groups()}

    def refresh_data(self) -> None:
        """The cache changed (a sync): 14-day figures barely move, so recompute at most every
        `AUTO_REFRESH_SECONDS` (`r` recomputes at once)."""
        if time.monotonic() - self._computed_at >= AUTO_REFRESH_SECONDS:
            self.reload(force=True)

    def action_next_scope(self) -> None:
        self.scope_index = (self.scope_index + 1) % len(self.scopes)
        self.reload()

    def action_toggle_breakdown(self) -> None:
        self.dimension = "group" if self.dimension == "agent" else "agent"
        self.reload()

    def action_reload(self) -> None:
        self.reload(force=True)
        self.notify("KPIs refreshed")

    def action_back(self) -> None:
        self.app.pop_screen()
