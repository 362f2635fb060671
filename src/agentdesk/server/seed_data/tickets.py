"""Ticket, message and rating rows, generated in deterministic chunks.

The timeline (`plan_timeline`) fixes every ticket's creation time first: a long history of
solved and closed tickets, plus a backlog of active ones whose creation time is worked back
from the SLA state they should be in now (breached, at risk within the hour, or fine). Ticket
ids follow creation time. `generate_chunk` then writes the rows of a slice of that timeline
with its own `random.Random`, so a chunk's rows depend only on the seed and the chunk.

A chunk holds tickets, messages, satisfaction ratings, swarms and swarm messages. Rows are
tuples in the order of the `*_COLUMNS` constants below, with values the bulk writers pass
through unchanged: timestamps as `YYYY-MM-DD HH:MM:SS.ffffff` UTC text, JSON as text, enums
as their values.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from agentdesk.domain.enums import AuthorKind, Channel, Priority, Status, Tier
from agentdesk.domain.sla import due_times
from agentdesk.server.seed_data.people import (
    BROWSERS,
    COURIERS,
    ERRORS,
    FEATURES,
    OPERATING_SYSTEMS,
    PLANS,
    PRODUCTS,
    REGIONS,
    Pools,
)
from agentdesk.server.seed_data.scenarios import BRAND, SCENARIOS, Scenario
from agentdesk.server.seed_data.swarms import (
    CLOSING_LINE,
    GENERIC_LINES,
    OWNER_LINES,
    SWARMS,
    SwarmScript,
)

TICKET_COLUMNS: tuple[str, ...] = (
    "id",
    "subject",
    "status",
    "priority",
    "channel",
    "customer_id",
    "assignee_id",
    "group_id",
    "tags",
    "sla_policy_id",
    "created_at",
    "updated_at",
    "first_reply_at",
    "solved_at",
    "first_reply_due",
    "resolution_due",
    "sla_due_at",
    "merged_into_id",
    "version",
)
MESSAGE_COLUMNS: tuple[str, ...] = (
    "id",
    "ticket_id",
    "public",
    "author_kind",
    "author_id",
    "body",
    "channel",
    "created_at",
    "version",
)
SWARM_COLUMNS: tuple[str, ...] = (
    "id",
    "ticket_id",
    "owner_id",
    "member_ids",
    "ask",
    "status",
    "outcome",
    "created_at",
    "closed_at",
    "version",
)
SWARM_MESSAGE_COLUMNS: tuple[str, ...] = (
    "id",
    "swarm_id",
    "author_id",
    "body",
    "created_at",
    "version",
)
RATING_COLUMNS: tuple[str, ...] = (
    "id",
    "ticket_id",
    "customer_id",
    "score",
    "comment",
    "created_at",
    "version",
)

T = TypeVar("T")
MINUTE, HOUR, DAY = 60, 3600, 86400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BACKLOG_STATUS = (
    (Status.NEW, 0.3),
    (Status.OPEN, 0.4),
    (Status.PENDING, 0.2),
    (Status.ON_HOLD, 0.1),
)
SLA_SPREAD = (("breached", 0.15), ("at-risk", 0.08), ("ok", 0.77))
RATING_SHARE = 0.3  # of solved and closed tickets
SCORES = ((5, 0.52), (4, 0.22), (3, 0.1), (2, 0.07), (1, 0.09))
RATING_COMMENTS: dict[int, tuple[str, ...]] = {
    5: ("", "", "Fast and friendly, thank you!", "Problem solved in minutes.", "Great service."),
    4: ("", "Good, but it took a while.", "Helpful agent.", "Sorted, thanks."),
    3: ("", "OK in the end.", "Had to explain everything twice."),
    2: ("", "Slow answers.", "The first reply did not help."),
    1: ("", "Took far too long.", "Nobody read what I wrote.", "Still not fixed."),
}
GREETINGS = ("Hello,", "Hi there,", "Hi,", "Good morning,", "Dear support team,", "Hey,")
SIGN_OFFS = ("Thanks", "Best regards", "Kind regards", "Cheers", "Many thanks", "Thank you")
EXTRA_TAGS = (("repeat-customer", 0.04), ("escalated", 0.03), ("vip", 0.0))


_TIMES_OF_DAY: list[str] = []  # "HH:MM:SS.000000" for each second of a day, built on first use
_DAY_PREFIXES: dict[int, str] = {}


def format_ts(ts: int) -> str:
    """Epoch seconds as the stored UTC text (`2026-11-24 10:00:00.000000`), fast."""
    if not _TIMES_OF_DAY:
        _TIMES_OF_DAY.extend(
            f"{h:02d}:{m:02d}:{s:02d}.000000"
            for h in range(24)
            for m in range(60)
            for s in range(60)
        )
    day, seconds = divmod(ts, DAY)
    prefix = _DAY_PREFIXES.get(day)
    if prefix is None:
        prefix = _DAY_PREFIXES[day] = time.strftime("%Y-%m-%d ", time.gmtime(day * DAY))
    return prefix + _TIMES_OF_DAY[seconds]


def _randrange(rng: random.Random, start: int, stop: int | None = None) -> int:
    """`rng.randrange` for the hot loop: one `random()` (several times faster)."""
    if stop is None:
        return int(rng.random() * start)
    return start + int(rng.random() * (stop - start))


def _choice(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


def uuid7_at(ms: int, rand: int) -> str:
    """A UUIDv7 for a given millisecond with 74 given random bits (deterministic ids)."""
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Picker:
    """Weighted choice by one `random()` and a bisect (faster than `random.choices`)."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, weighted: Sequence[tuple[Any, float]]) -> None:
        self.items = [item for item, _ in weighted]
        self.cumulative = list(itertools.accumulate(weight for _, weight in weighted))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """What a ticket needs of its requester."""

    id: int
    first_name: str
    tier: Tier
    organisation: str | None


@dataclass(frozen=True, slots=True)
class AgentRef:
    id: int
    first_name: str
    signature: str


@dataclass(slots=True)
class TicketWorld:
    """Everything chunk generation reads: the same for every chunk of one seeding."""

    stream: str  # names the random streams (the seed, plus where an append starts)
    now: int  # epoch seconds
    customers: list[CustomerRef]
    pools: Pools
    group_ids: dict[str, int]
    agents_by_group: dict[int, list[AgentRef]]
    policies: dict[Tier, tuple[int, dict[str, dict[str, int]]]]  # tier -> (policy id, targets)
    scenario_picker: Picker = field(init=False)
    priority_pickers: list[Picker] = field(init=False)
    channel_pickers: list[Picker] = field(init=False)
    tag_json: dict[tuple[str, ...], str] = field(default_factory=dict)
    _due_offsets: dict[tuple[Tier, Priority], tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.scenario_picker = Picker([(i, s.weight) for i, s in enumerate(SCENARIOS)])
        self.priority_pickers = [Picker(list(s.priorities.items())) for s in SCENARIOS]
        self.channel_pickers = [Picker(list(s.channels.items())) for s in SCENARIOS]

    def pick_customer(self, rng: random.Random) -> int:
        """An index into `customers`, skewed: some customers write often, most rarely."""
        return int(len(self.customers) * rng.random() ** 1.7)

    def due_offsets(self, tier: Tier, priority: Priority) -> tuple[int, int]:
        """Seconds from creation to (first reply due, resolution due), by `domain.sla`."""
        key = (tier, priority)
        offsets = self._due_offsets.get(key)
        if offsets is None:
            dues = due_times(_EPOCH, priority, self.policies[tier][1])
            assert dues.first_reply_due is not None and dues.resolution_due is not None
            offsets = self._due_offsets[key] = (
                int((dues.first_reply_due - _EPOCH).total_seconds()),
                int((dues.resolution_due - _EPOCH).total_seconds()),
            )
        return offsets

    def targets(self, tier: Tier, priority: Priority) -> tuple[int, int]:
        """(first reply, resolution) minutes for a customer tier and priority."""
        target = self.policies[tier][1][priority.value]
        return target["first_reply"], target["resolution"]


@dataclass(frozen=True, slots=True)
class BacklogSpec:
    """An active ticket decided up front, so its creation time gives the wanted SLA state."""

    scenario: int
    customer: int
    priority: Priority
    status: Status
    replied: bool


@dataclass(slots=True)
class Timeline:
    created: array  # epoch seconds per ticket, ascending  # type: ignore[type-arg]
    backlog: array  # index into specs, or -1 for a history ticket  # type: ignore[type-arg]
    specs: list[BacklogSpec]


def backlog_size(tickets: int) -> int:
    """Active tickets: a quarter of a small desk, a few percent of a big history."""
    return int(min(0.25 * tickets, 1250 + 0.04 * tickets))


def history_days(tickets: int) -> int:
    return max(30, min(1100, tickets // 600))


def plan_timeline(world: TicketWorld, tickets: int) -> Timeline:
    """Creation times of every ticket (ascending), with the backlog's specs."""
    rng = random.Random(f"{world.stream}/timeline")
    now = world.now
    backlog: list[tuple[int, BacklogSpec]] = []
    status_picker = Picker(BACKLOG_STATUS)
    state_picker = Picker(SLA_SPREAD)
    for _ in range(backlog_size(tickets)):
        scenario = world.scenario_picker.pick(rng)
        customer = world.pick_customer(rng)
        priority = world.priority_pickers[scenario].pick(rng)
        status = status_picker.pick(rng)
        replied = status is not Status.NEW and (status is not Status.OPEN or rng.random() < 0.7)
        if status.is_active:
            first_reply, resolution = world.targets(world.customers[customer].tier, priority)
            target = (resolution if replied else first_reply) * MINUTE
            state = state_picker.pick(rng)
            if state == "breached":
                due = now - rng.randint(2 * MINUTE, 3 * DAY)
            elif state == "at-risk" or target <= HOUR + 6 * MINUTE:
                due = now + rng.randint(2 * MINUTE, min(58 * MINUTE, target - MINUTE))
            else:
                due = now + rng.randint(HOUR + MINUTE, target - 5 * MINUTE)
            created = due - target
        else:
            created = now - rng.randint(2 * HOUR, 10 * DAY)
        backlog.append((created, BacklogSpec(scenario, customer, priority, status, replied)))
    backlog.sort(key=lambda item: item[0])

    start = now - history_days(tickets) * DAY
    end = now - 2 * HOUR
    hour_picker = Picker([(h, _hour_weight(h)) for h in range(24)])
    span_days = (end - start) // DAY
    history: list[int] = []
    for _ in range(tickets - len(backlog)):
        day = _randrange(rng, span_days)
        if (start // DAY + day + 3) % 7 >= 5 and rng.random() < 0.5:  # weekends are quieter
            day = _randrange(rng, span_days)
        ts = start + day * DAY + hour_picker.pick(rng) * HOUR + _randrange(rng, HOUR)
        history.append(min(ts, end))
    history.sort()

    created = array("q")
    index = array("i")
    specs: list[BacklogSpec] = []
    h = b = 0
    while h < len(history) or b < len(backlog):
        if b >= len(backlog) or (h < len(history) and history[h] <= backlog[b][0]):
            created.append(history[h])
            index.append(-1)
            h += 1
        else:
            created.append(backlog[b][0])
            index.append(len(specs))
            specs.append(backlog[b][1])
            b += 1
    return Timeline(created, index, specs)


def _hour_weight(hour: int) -> float:
    """Tickets per UTC hour (Europe and the Americas): quiet at night, busy in office hours."""
    return (0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.7, 0.9, 1.0, 1.0, 0.95, 0.9, 0.95, 1.0, 1.0,
            0.95, 0.85, 0.7, 0.55, 0.45, 0.35, 0.25, 0.2)[hour]  # fmt: skip


class Placeholders(dict[str, str]):
    """Template values of one ticket, drawn on first use and then stable for the ticket."""

    __slots__ = ("_created", "_pools", "_rng")

    def __init__(self, rng: random.Random, pools: Pools, created: int, **known: str) -> None:
        super().__init__(known)
        self._rng = rng
        self._pools = pools
        self._created = created

    def __missing__(self, key: str) -> str:
        value = self._draw(key)
        self[key] = value
        return value

    def _draw(self, key: str) -> str:
        rng = self._rng
        if key == "order":
            return f"NW-{_randrange(rng, 1_000_000, 9_999_999)}"
        if key == "product":
            return _choice(rng, PRODUCTS)
        if key == "amount":
            symbol = "$€£"[int(rng.random() ** 1.5 * 3)]
            return f"{symbol}{_randrange(rng, 900, 89_900) / 100:.2f}"
        if key == "date":
            when = self._created - _randrange(rng, DAY, 20 * DAY)
            return time.strftime("%d %B", time.gmtime(when)).lstrip("0")
        if key == "invoice":
            year = time.gmtime(self._created).tm_year
            return f"INV-{year}-{_randrange(rng, 1, 99_999):05d}"
        if key == "plan":
            return _choice(rng, PLANS[1:])
        if key == "other_plan":
            return _choice(rng, PLANS[:3])
        if key == "courier":
            return _choice(rng, COURIERS)
        if key == "tracking":
            return f"{_choice(rng, ('1Z', 'JD', 'CP', 'LX', ''))}{_randrange(rng, 10**9, 10**10)}"
        if key == "last4":
            return f"{_randrange(rng, 10_000):04d}"
        if key == "error":
            return _choice(rng, ERRORS)
        if key == "browser":
            return _choice(rng, BROWSERS)
        if key == "os":
            return _choice(rng, OPERATING_SYSTEMS)
        if key == "feature":
            return _choice(rng, FEATURES)
        if key == "city":
            return _choice(rng, self._pools.cities)
        if key == "street":
            return _choice(rng, self._pools.streets)
        if key == "days":
            return str(_randrange(rng, 3, 21))
        if key == "count":
            return str(_randrange(rng, 12, 4800))
        if key == "app_version":
            return f"{_randrange(rng, 3, 6)}.{_randrange(rng, 20)}.{_randrange(rng, 10)}"
        if key == "region":
            return _choice(rng, REGIONS)
        if key == "hours":
            when = self._created - _randrange(rng, 10 * MINUTE, 3 * HOUR)
            return time.strftime("%H:%M UTC", time.gmtime(when))
        raise KeyError(key)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def customer_text(
    rng: random.Random, text: str, channel: Channel, first: str, topic: str, opening: bool
) -> str:
    """Frame a customer's words the way the channel delivers them."""
    if channel is Channel.EMAIL:
        if not opening:
            return f"{text}\n\n{first}"
        return f"{_choice(rng, GREETINGS)}\n\n{text}\n\n{_choice(rng, SIGN_OFFS)},\n{first}"
    if channel is Channel.SOCIAL:
        framed = f"@{BRAND}Help {text}"
        return framed if len(framed) <= 280 else framed[:279] + "…"
    if channel is Channel.PHONE and opening:
        return f"(Phone call, summary) {text}"
    if channel is Channel.WEB and opening:
        return f"Topic: {topic}\n\n{text}"
    return text


def agent_text(text: str, channel: Channel, first: str, agent: AgentRef) -> str:
    if channel in (Channel.CHAT, Channel.SOCIAL):
        return f"Hi {first}! {_cap(text)} – {agent.first_name}"
    return f"Hi {first},\n\n{_cap(text)}\n\nBest regards,\n{agent.signature}"


@dataclass(slots=True)
class ChunkRows:
    tickets: list[tuple[Any, ...]] = field(default_factory=list)
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    ratings: list[tuple[Any, ...]] = field(default_factory=list)
    swarms: list[tuple[Any, ...]] = field(default_factory=list)
    swarm_messages: list[tuple[Any, ...]] = field(default_factory=list)
    next_version: int = 0
    next_rating_id: int = 0

    @property
    def row_count(self) -> int:
        return sum(
            len(rows)
            for rows in (
                self.tickets,
                self.messages,
                self.ratings,
                self.swarms,
                self.swarm_messages,
            )
        )


def _add_swarm(
    out: ChunkRows,
    world: TicketWorld,
    rng: random.Random,
    ph: Placeholders,
    ticket_id: int,
    owner: AgentRef,
    script: SwarmScript,
    window: tuple[int, int],
    closed: bool,
) -> tuple[int, str] | None:
    """A swarm on the ticket, opened and talking within `window`; for a closed one, returns
    (closed at, the internal note that records its outcome on the ticket)."""
    experts = [a for a in world.agents_by_group[0] if a.id != owner.id]
    if not experts:
        return None
    members = rng.sample(experts, k=min(len(experts), 1 + int(rng.random() * 2)))
    begin, end = window
    opened = begin + int((end - begin) * rng.uniform(0.1, 0.5))
    finished = opened + int((end - opened) * rng.uniform(0.6, 0.95)) if closed else end
    swarm_id = uuid7_at(opened * 1000 + _randrange(rng, 1000), rng.getrandbits(74))
    outcome = _choice(rng, script.outcomes).format_map(ph) if closed else None
    out.swarms.append(
        (swarm_id, ticket_id, owner.id, json.dumps([owner.id] + [m.id for m in members]),
         _cap(_choice(rng, script.asks).format_map(ph)), "closed" if closed else "open", outcome,
         format_ts(opened), format_ts(finished) if closed else None, 0)
    )  # fmt: skip
    lines = 2 + int(rng.random() * 3)
    for index in range(lines):
        at = opened + (finished - opened) * (index + 1) // (lines + 1)
        if index % 2 == 0:
            author = _choice(rng, members)
            said = script.lines if rng.random() < 0.7 else GENERIC_LINES
            text = _cap(_choice(rng, said).format_map(ph))
        else:
            author, text = owner, _choice(rng, OWNER_LINES).format_map(ph)
            if rng.random() < 0.4:
                text = f"@{_choice(rng, members).first_name} {text}"
        out.swarm_messages.append(
            (uuid7_at(at * 1000 + _randrange(rng, 1000), rng.getrandbits(74)), swarm_id,
             author.id, text, format_ts(at), 0)
        )  # fmt: skip
    if not closed:
        return None
    out.swarm_messages.append(
        (uuid7_at(finished * 1000, rng.getrandbits(74)), swarm_id, owner.id, CLOSING_LINE,
         format_ts(finished), 0)
    )  # fmt: skip
    names = ", ".join(m.first_name for m in members)
    return finished, f"Swarm outcome (with {names}): {outcome}"


def generate_chunk(
    world: TicketWorld,
    timeline: Timeline,
    chunk: int,
    start: int,
    stop: int,
    first_ticket_id: int,
    first_version: int,
    first_rating_id: int,
) -> ChunkRows:
    """Rows of timeline positions [start, stop): ticket ids from `first_ticket_id + start`."""
    rng = random.Random(f"{world.stream}/tickets/{chunk}")
    out = ChunkRows()
    message_version = first_version + (stop - start)
    rating_id = first_rating_id
    now = world.now
    customers = world.customers
    pools = world.pools
    tickets_append = out.tickets.append
    messages_append = out.messages.append
    ratings_append = out.ratings.append
    score_picker = Picker(SCORES)

    for position in range(start, stop):
        ticket_id = first_ticket_id + position
        created = timeline.created[position]
        spec_index = timeline.backlog[position]
        spec = timeline.specs[spec_index] if spec_index >= 0 else None
        if spec is None:
            scenario_index = world.scenario_picker.pick(rng)
            customer = customers[world.pick_customer(rng)]
            priority: Priority = world.priority_pickers[scenario_index].pick(rng)
        else:
            scenario_index = spec.scenario
            customer = customers[spec.customer]
            priority = spec.priority
        scenario: Scenario = SCENARIOS[scenario_index]
        channel: Channel = world.channel_pickers[scenario_index].pick(rng)
        group_id = world.group_ids[scenario.group]
        team = world.agents_by_group.get(group_id) or world.agents_by_group[0]
        agent = team[int(len(team) * rng.random())]
        policy_id, _ = world.policies[customer.tier]
        fr_target, res_target = world.targets(customer.tier, priority)
        first = customer.first_name
        ph = Placeholders(
            rng,
            pools,
            created,
            first=first,
            brand=BRAND,
            company=customer.organisation or "my company",
            account=customer.organisation or "your account",
        )

        # Times: first public reply, solved, and the status they lead to.
        fr_due_ts = created + fr_target * MINUTE
        if spec is None:
            if rng.random() < 0.88:
                first_reply = created + int(fr_target * MINUTE * rng.uniform(0.03, 0.95))
            else:
                first_reply = created + int(fr_target * MINUTE * rng.uniform(1.0, 3.0))
            solved = first_reply + int(res_target * MINUTE * rng.uniform(0.05, 0.9))
            solved = min(solved, now - _randrange(rng, MINUTE, HOUR))
            first_reply = min(first_reply, solved - MINUTE)
            status = Status.CLOSED if solved < now - 4 * DAY else Status.SOLVED
            first_reply_at: int | None = first_reply
            solved_at: int | None = solved
            assignee: AgentRef | None = agent
        else:
            status = spec.status
            solved_at = None
            if spec.replied:
                latest = min(now - MINUTE, max(fr_due_ts, created + 2 * MINUTE))
                first_reply_at = created + int((latest - created) * rng.uniform(0.1, 0.95))
            else:
                first_reply_at = None
            if status is Status.NEW or (status is Status.OPEN and rng.random() < 0.1):
                assignee = None
            else:
                assignee = agent

        # The thread.
        thread: list[tuple[int, bool, str, int, str]] = []  # (ts, public, author, id, body)
        topic = _cap(scenario.key.replace("-", " "))
        opening = _choice(rng, scenario.openings).format_map(ph)
        body = customer_text(rng, opening, channel, first, topic, opening=True)
        thread.append((created, True, AuthorKind.CUSTOMER.value, customer.id, body))
        end = solved_at if solved_at is not None else now
        if first_reply_at is not None:
            reply = _choice(rng, scenario.replies).format_map(ph)
            thread.append(
                (first_reply_at, True, AuthorKind.AGENT.value, agent.id,
                 agent_text(reply, channel, first, agent))
            )  # fmt: skip
            if rng.random() < (0.45 if spec is None else 0.5):
                follow_ts = first_reply_at + int((end - first_reply_at) * rng.uniform(0.1, 0.5))
                text = _choice(rng, scenario.follow_ups).format_map(ph)
                body = customer_text(rng, text, channel, first, topic, opening=False)
                thread.append((follow_ts, True, AuthorKind.CUSTOMER.value, customer.id, body))
                if spec is None or status is Status.PENDING:
                    answer_ts = follow_ts + int((end - follow_ts) * rng.uniform(0.2, 0.7))
                    reply = _choice(rng, scenario.replies).format_map(ph)
                    thread.append(
                        (answer_ts, True, AuthorKind.AGENT.value, agent.id,
                         agent_text(reply, channel, first, agent))
                    )  # fmt: skip
        elif rng.random() < 0.3:
            follow_ts = created + int((now - created) * rng.uniform(0.3, 0.9))
            text = _choice(rng, scenario.follow_ups).format_map(ph)
            body = customer_text(rng, text, channel, first, topic, opening=False)
            thread.append((follow_ts, True, AuthorKind.CUSTOMER.value, customer.id, body))
        if status is Status.ON_HOLD or rng.random() < 0.3:
            note_ts = created + int((end - created) * rng.uniform(0.2, 0.8))
            note = _choice(rng, scenario.notes).format_map(ph)
            thread.append((note_ts, False, AuthorKind.AGENT.value, agent.id, note))
        if solved_at is not None:
            text = _choice(rng, scenario.resolutions).format_map(ph)
            thread.append(
                (solved_at, True, AuthorKind.AGENT.value, agent.id,
                 agent_text(text, channel, first, agent))
            )  # fmt: skip
        script = SWARMS.get(scenario.key)
        if script is not None and assignee is not None:
            if spec is not None and status in (Status.OPEN, Status.ON_HOLD):
                if rng.random() < 0.25:
                    window = (created, now)
                    _add_swarm(
                        out, world, rng, ph, ticket_id, agent, script, window,
                        closed=False,
                    )  # fmt: skip
            elif spec is None and solved_at is not None and rng.random() < 0.03:
                window = (created, solved_at)
                note = _add_swarm(
                    out, world, rng, ph, ticket_id, agent, script, window,
                    closed=True,
                )  # fmt: skip
                if note is not None:
                    thread.append((note[0], False, AuthorKind.AGENT.value, agent.id, note[1]))
        thread.sort(key=lambda entry: entry[0])

        channel_value = channel.value
        for ts, public, author_kind, author_id, text in thread:
            message_id = uuid7_at(ts * 1000 + _randrange(rng, 1000), rng.getrandbits(74))
            messages_append(
                (message_id, ticket_id, public, author_kind, author_id, text, channel_value,
                 format_ts(ts), message_version)
            )  # fmt: skip
            message_version += 1

        # SLA fields through the domain's maths.
        fr_offset, res_offset = world.due_offsets(customer.tier, priority)
        fr_due = created + fr_offset
        res_due = created + res_offset
        sla_due = next_due_ts(status, first_reply_at, fr_due, res_due)

        tags = scenario.tags
        if customer.tier is Tier.ENTERPRISE:
            tags = (*tags, "vip")
        roll = rng.random()
        if roll < 0.04:
            tags = (*tags, "repeat-customer")
        elif roll < 0.07 and priority.rank >= Priority.HIGH.rank:
            tags = (*tags, "escalated")
        tags_json = world.tag_json.get(tags)
        if tags_json is None:
            tags_json = world.tag_json[tags] = json.dumps(list(tags))

        tickets_append(
            (
                ticket_id,
                _cap(_choice(rng, scenario.subjects).format_map(ph)),
                status.value,
                priority.value,
                channel_value,
                customer.id,
                assignee.id if assignee is not None else None,
                group_id,
                tags_json,
                policy_id,
                format_ts(created),
                format_ts(thread[-1][0] if solved_at is None else max(solved_at, thread[-1][0])),
                format_ts(first_reply_at) if first_reply_at is not None else None,
                format_ts(solved_at) if solved_at is not None else None,
                format_ts(fr_due),
                format_ts(res_due),
                format_ts(sla_due) if sla_due is not None else None,
                None,
                first_version + position - start,
            )
        )

        if solved_at is not None and rng.random() < RATING_SHARE:
            score = score_picker.pick(rng)
            rated = min(now - MINUTE, solved_at + _randrange(rng, HOUR, 2 * DAY))
            ratings_append(
                (rating_id, ticket_id, customer.id, score, _choice(rng, RATING_COMMENTS[score]),
                 format_ts(rated), 0)
            )  # fmt: skip
            rating_id += 1

    # Versions in insertion order: a chunk's tickets, their messages, then ratings and swarms.
    version = message_version
    for rows in (out.ratings, out.swarms, out.swarm_messages):
        for i, row in enumerate(rows):
            rows[i] = (*row[:-1], version)
            version += 1
    out.next_version = version
    out.next_rating_id = rating_id
    return out


def next_due_ts(
    status: Status, first_reply_at: int | None, first_reply_due: int, resolution_due: int
) -> int | None:
    """`domain.sla.next_due` on epoch seconds (checked against it by tests/seed)."""
    if not status.is_active:
        return None
    if first_reply_at is None:
        return min(first_reply_due, resolution_due)
    return resolution_due
