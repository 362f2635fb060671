"""KPI maths for the team-lead dashboard and `agentdesk report`. Pure functions, no I/O.

Definitions (the same for the dashboard, the CLI export and the tests):

- **Cohort**: the tickets *created* in the reporting range `[start, end)`.
- **First reply time**: `first_reply_at - created_at` of cohort tickets that have a first reply.
- **Resolution time**: `solved_at - created_at` of cohort tickets that are solved or closed.
- **Median / p90**: linear interpolation between closest ranks (numpy's default,
  Excel's PERCENTILE.INC): for sorted values `v[0..n-1]`, rank `r = q * (n - 1)`, value
  `v[floor r] + (v[ceil r] - v[floor r]) * (r - floor r)`. With no values: None.
- **SLA breach rate**: among cohort tickets with at least one SLA target, the share that broke
  one: first reply after its due time, solved after its resolution due time, or still running
  (`new`/`open`) with its current deadline already past.
- **CSAT**: average score (1..5) and count of satisfaction ratings *given* in the range.
- **Backlog by age**: tickets not yet solved/closed, by age now (not range-bound).
- **Volume**: cohort tickets per UTC day and channel.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal, NamedTuple

from agentdesk.domain.enums import Channel

# Backlog age buckets: (label, upper bound exclusive; None = open-ended).
AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("< 1 d", timedelta(days=1)),
    ("1-3 d", timedelta(days=3)),
    ("3-7 d", timedelta(days=7)),
    ("7-30 d", timedelta(days=30)),
    ("> 30 d", None),
)

DEFAULT_RANGE_DAYS = 14

Dimension = Literal["group", "agent"]

CHANNELS: tuple[str, ...] = tuple(channel.value for channel in Channel)


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """The `q` quantile (0..1) of ascending `sorted_values`, interpolated; None when empty."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be within 0..1, not {q}")
    n = len(sorted_values)
    if n == 0:
        return None
    rank = q * (n - 1)
    low = math.floor(rank)
    high = math.ceil(rank)
    base = float(sorted_values[low])
    return base + (float(sorted_values[high]) - base) * (rank - low)


def age_bucket(age: timedelta) -> int:
    """Index into `AGE_BUCKETS` for a ticket of this age (negative ages count as new)."""
    for index, (_, bound) in enumerate(AGE_BUCKETS):
        if bound is None or age < bound:
            return index
    return len(AGE_BUCKETS) - 1


def age_thresholds(now: datetime) -> list[datetime]:
    """Creation times separating the buckets: created after `[i]` means younger than bound i."""
    return [now - bound for _, bound in AGE_BUCKETS if bound is not None]


@dataclass(frozen=True, slots=True)
class DurationStats:
    """Count, median and p90 of durations, in seconds (None without data)."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, seconds: Iterable[float]) -> DurationStats:
        values = sorted(seconds)
        return cls(len(values), percentile(values, 0.5), percentile(values, 0.9))


class TicketFacts(NamedTuple):
    """What the KPIs need of one cohort ticket (a tuple: the store makes thousands at once)."""

    group_id: int | None
    assignee_id: int | None
    channel: str
    day: date  # UTC creation day
    first_reply_seconds: float | None  # None: no first reply yet
    resolution_seconds: float | None  # None: not solved
    has_target: bool  # at least one SLA due time
    breached: bool


@dataclass(frozen=True, slots=True)
class RatingFacts:
    """`count` ratings of `score` on tickets of this group and assignee."""

    group_id: int | None
    assignee_id: int | None
    score: int
    count: int = 1


@dataclass(frozen=True, slots=True)
class BacklogFacts:
    """`count` unsolved tickets of this group and assignee in age bucket `bucket`."""

    group_id: int | None
    assignee_id: int | None
    bucket: int  # index into AGE_BUCKETS
    count: int = 1


@dataclass(frozen=True, slots=True)
class KpiSummary:
    """Every figure of one scope (everything, a group or an agent) over one range."""

    tickets: int
    first_reply: DurationStats
    resolution: DurationStats
    with_target: int
    breached: int
    csat_count: int
    csat_average: float | None
    backlog: tuple[int, ...]  # per AGE_BUCKETS
    volume: dict[date, dict[str, int]] = field(default_factory=dict)  # day -> channel -> count

    @property
    def breach_rate(self) -> float | None:
        """Share (0..1) of tickets with a target that broke it; None without any target."""
        return None if self.with_target == 0 else self.breached / self.with_target

    @property
    def backlog_total(self) -> int:
        return sum(self.backlog)

    def daily_totals(self) -> list[int]:
        """Tickets per day, in day order (for a sparkline)."""
        return [sum(self.volume[day].values()) for day in sorted(self.volume)]


def days_between(start: date, end: date) -> list[date]:
    """Every day from `start` up to, not including, `end`."""
    return [start + timedelta(days=n) for n in range((end - start).days)]


class Tally:
    """Running totals of some facts; `finish` turns them into a `KpiSummary`. Tallies of
    disjoint facts `merge` into the tally of their union (so an overall summary can be
    made from per-agent tallies without reading the facts again)."""

    __slots__ = (
        "breached",
        "buckets",
        "count",
        "csat_count",
        "csat_sum",
        "first_reply",
        "resolution",
        "volume",
        "with_target",
    )

    def __init__(self, days: Sequence[date] = ()) -> None:
        self.first_reply: list[float] = []
        self.resolution: list[float] = []
        self.count = self.with_target = self.breached = 0
        self.csat_count = self.csat_sum = 0
        self.buckets = [0] * len(AGE_BUCKETS)
        self.volume: dict[date, dict[str, int]] = {day: dict.fromkeys(CHANNELS, 0) for day in days}

    def add_ticket(self, facts: TicketFacts) -> None:
        self.count += 1
        if facts.first_reply_seconds is not None:
            self.first_reply.append(facts.first_reply_seconds)
        if facts.resolution_seconds is not None:
            self.resolution.append(facts.resolution_seconds)
        if facts.has_target:
            self.with_target += 1
            self.breached += facts.breached
        per_channel = self.volume.get(facts.day)
        if per_channel is None:
            per_channel = self.volume[facts.day] = dict.fromkeys(CHANNELS, 0)
        per_channel[facts.channel] = per_channel.get(facts.channel, 0) + 1

    def add_rating(self, rating: RatingFacts) -> None:
        self.csat_count += rating.count
        self.csat_sum += rating.score * rating.count

    def add_backlog(self, item: BacklogFacts) -> None:
        self.buckets[item.bucket] += item.count

    def merge(self, other: Tally) -> None:
        self.first_reply.extend(other.first_reply)
        self.resolution.extend(other.resolution)
        self.count += other.count
        self.with_target += other.with_target
        self.breached += other.breached
        self.csat_count += other.csat_count
        self.csat_sum += other.csat_sum
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]
        for day, channels in other.volume.items():
            mine = self.volume.setdefault(day, dict.fromkeys(CHANNELS, 0))
            for channel, n in channels.items():
                mine[channel] = mine.get(channel, 0) + n

    def finish(self) -> KpiSummary:
        return KpiSummary(
            tickets=self.count,
            first_reply=DurationStats.of(self.first_reply),
            resolution=DurationStats.of(self.resolution),
            with_target=self.with_target,
            breached=self.breached,
            csat_count=self.csat_count,
            csat_average=self.csat_sum / self.csat_count if self.csat_count else None,
            backlog=tuple(self.buckets),
            volume=dict(sorted(self.volume.items())),
        )


def summarise(
    tickets: Iterable[TicketFacts],
    ratings: Iterable[RatingFacts],
    backlog: Iterable[BacklogFacts],
    days: Sequence[date] = (),
) -> KpiSummary:
    """Fold facts into figures. `days`: the range's days, so quiet days show as zeros."""
    tally = Tally(days)
    for facts in tickets:
        tally.add_ticket(facts)
    for rating in ratings:
        tally.add_rating(rating)
    for item in backlog:
        tally.add_backlog(item)
    return tally.finish()


@dataclass(frozen=True, slots=True)
class KpiInputs:
    """All facts of one range, for every scope; `summary_for` slices them."""

    start: datetime
    end: datetime
    days: tuple[date, ...]
    tickets: tuple[TicketFacts, ...]
    ratings: tuple[RatingFacts, ...]
    backlog: tuple[BacklogFacts, ...]

    def summary_for(
        self, *, group_id: int | None = None, assignee_id: int | None = None
    ) -> KpiSummary:
        """Figures for everything (no argument), one group, one agent, or both."""
        if group_id is None and assignee_id is None:
            return summarise(self.tickets, self.ratings, self.backlog, self.days)

        def keep(item: TicketFacts | RatingFacts | BacklogFacts) -> bool:
            if group_id is not None and item.group_id != group_id:
                return False
            return assignee_id is None or item.assignee_id == assignee_id

        return summarise(
            (t for t in self.tickets if keep(t)),
            (r for r in self.ratings if keep(r)),
            (b for b in self.backlog if keep(b)),
            self.days,
        )

    def summaries_by(self, dimension: Dimension) -> dict[int | None, KpiSummary]:
        """Figures per group (`"group"`) or per assignee (`"agent"`), in one pass.

        The key None holds unassigned (or groupless) tickets.
        """
        return self.overall_and_by(dimension)[1]

    def overall_and_by(
        self, dimension: Dimension
    ) -> tuple[KpiSummary, dict[int | None, KpiSummary]]:
        """`summary_for()` and `summaries_by(dimension)` together, reading the facts once."""
        position = 0 if dimension == "group" else 1  # group_id / assignee_id in every fact
        tallies: dict[int | None, Tally] = {}

        def tally_of(key: int | None) -> Tally:
            found = tallies.get(key)
            if found is None:
                found = tallies[key] = Tally(self.days)
            return found

        for facts in self.tickets:
            tally_of(facts[position]).add_ticket(facts)
        for rating in self.ratings:
            tally_of(rating.group_id if position == 0 else rating.assignee_id).add_rating(rating)
        for item in self.backlog:
            tally_of(item.group_id if position == 0 else item.assignee_id).add_backlog(item)
        overall = Tally(self.days)
        for tally in tallies.values():
            overall.merge(tally)
        ordered = sorted(tallies, key=lambda k: (k is None, k or 0))
        return overall.finish(), {key: tallies[key].finish() for key in ordered}


def format_duration(seconds: float | None) -> str:
    """Compact human duration: `45s`, `12m`, `3h 05m`, `2d 4h`, `—` for None."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total}s"
    days, rem = divmod(total, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


def format_rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"
