"""What the screens read: queue pages (keyset), counts, views, ticket, thread, customer.

Queue order is `(sort column, id)`, ascending or descending; every sort column has an index
`(column, id)`. A page starts after (or before) a key from `sort_key(row, sort)` of the last
row shown. How a filtered page is read (walking the sort index for broad filters, sorting
the few matches of narrow ones): see `QueriesMixin._walk` and docs/store.md.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agentdesk.domain.enums import Priority, Status
from agentdesk.domain.sla import AT_RISK_WINDOW
from agentdesk.domain.timeutil import utcnow
from agentdesk.store.codec import decode_row, ts_text, ts_value
from agentdesk.store.db import CacheCore, StoreError
from agentdesk.store.schema import ACTIVE_SLA_INDEX_NAME, SORT_INDEX_NAMES
from agentdesk.store.search import Filter, TicketQuery, fts_expression, fts_string, parse_query

# Sort name -> indexed column of `tickets`.
SORT_COLUMNS: dict[str, str] = {
    "sla": "sla_key",
    "priority": "priority_rank",
    "status": "status_rank",
    "channel": "channel",
    "subject": "subject",
    "customer": "customer_name",
    "assignee": "assignee_name",
    "updated": "updated_at",
    "created": "created_at",
    "id": "id",
}

# Full-text matches considered per source (subjects, message bodies), newest first, and
# customers whose tickets are considered: a search shows the newest matches, never a scan.
SEARCH_CANDIDATES = 1000
CUSTOMER_CANDIDATES = 200

_STATUS_RANK = {status.value: rank for rank, status in enumerate(Status)}
_CLOSED_SETS: dict[str, tuple[str, ...]] = {
    "status": tuple(s.value for s in Status),
    "priority": tuple(p.value for p in Priority),
}

_ROW_COLUMNS = (
    "id, subject, status, priority, channel, customer_id, customer_name, assignee_id, "
    "assignee_name, group_id, sla_due_at, updated_at, tags, local_pending, created_at"
)


@dataclass(frozen=True, slots=True)
class TicketRow:
    """What one queue row shows."""

    id: int
    subject: str
    status: str
    priority: str
    channel: str
    customer_id: int | None
    customer_name: str
    assignee_id: int | None
    assignee_name: str
    group_id: int | None
    sla_due_at: datetime | None
    updated_at: datetime | None
    tags: tuple[str, ...]
    pending: bool  # a local change is not yet confirmed by the server
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: str
    ticket_id: int
    public: bool
    author_kind: str
    author_id: int | None
    author_name: str
    body: str
    channel: str
    created_at: datetime | None
    local_state: str | None  # None (confirmed), "pending" or "rejected"


@dataclass(frozen=True, slots=True)
class View:
    """A queue: built-in or a server SavedView."""

    id: str
    name: str
    query: str
    sort: str = "sla"
    descending: bool = False
    builtin: bool = False


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    customer: dict[str, Any]
    organisation: dict[str, Any] | None
    total_tickets: int
    open_tickets: int
    avg_satisfaction: float | None
    last_contact: datetime | None
    tickets: list[TicketRow]  # newest first, all channels


BUILTIN_VIEWS: tuple[View, ...] = (
    View("my-open", "My open", "assignee:me status:new,open", builtin=True),
    View(
        "unassigned",
        "Unassigned in my groups",
        "assignee:none group:mine status:new,open,pending,on-hold",
        builtin=True,
    ),
    View("breaching", "Breaching within 1 h", "sla:risk", builtin=True),
    View("pending", "Pending", "status:pending", builtin=True),
    View("all-open", "All open", "status:new,open", builtin=True),
)

VIEW_COUNTS_MAX_AGE = 30.0  # seconds: SLA views change with the clock alone


def _ticket_row(row: sqlite3.Row) -> TicketRow:
    tags = row["tags"]
    return TicketRow(
        id=row["id"],
        subject=row["subject"] or "",
        status=row["status"],
        priority=row["priority"],
        channel=row["channel"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"] or "",
        assignee_id=row["assignee_id"],
        assignee_name=row["assignee_name"] or "",
        group_id=row["group_id"],
        sla_due_at=ts_value(row["sla_due_at"]),
        updated_at=ts_value(row["updated_at"]),
        tags=tuple(json.loads(tags)) if tags else (),
        pending=bool(row["local_pending"]),
        created_at=ts_value(row["created_at"]),
    )


def sort_key(row: TicketRow, sort: str) -> tuple[Any, int]:
    """The keyset position of `row` in `sort` order (pass it as `after_key`/`before_key`)."""
    if sort == "sla":
        value: Any = ts_text(row.sla_due_at) or "9999"
    elif sort == "priority":
        value = Priority(row.priority).rank
    elif sort == "status":
        value = _STATUS_RANK.get(row.status, 5)
    elif sort == "channel":
        value = row.channel
    elif sort == "subject":
        value = row.subject
    elif sort == "customer":
        value = row.customer_name
    elif sort == "assignee":
        value = row.assignee_name
    elif sort == "updated":
        value = ts_text(row.updated_at)
    elif sort == "created":
        value = ts_text(row.created_at)
    elif sort == "id":
        value = row.id
    else:
        raise StoreError(f"unknown sort {sort!r} (use {', '.join(SORT_COLUMNS)})")
    return (value, row.id)


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# Sort column -> its index (walked in order, so a page never sorts).
_SORT_INDEX: dict[str, str] = {
    **{column: f"INDEXED BY {name}" for column, name in SORT_INDEX_NAMES.items()},
    "created_at": "INDEXED BY tickets_by_created",  # (created_at) + the implicit rowid
    "id": "NOT INDEXED",  # the rowid order itself
}

# A filter matching at least this many tickets is paged by walking the sort index.
WALK_THRESHOLD = 5000
WALK_THRESHOLD_COVERED = 2000  # when every filter is on a column the sort indexes carry
_COVERED_FIELDS = frozenset({"status", "assignee", "group", "priority", "sla"})
# Work allowed for that walk before falling back to the planner's plan (matches that all sit
# far down the sort order), in SQLite virtual-machine steps (a few milliseconds).
WALK_BUDGET_STEPS = 300_000
_STEPS_PER_CALL = 10_000


def _page_sql(
    where: list[str],
    params: list[Any],
    column: str,
    key: tuple[Any, int] | None,
    limit: int,
    backwards: bool,
    sort: bool = False,
    offset: int = 0,
) -> tuple[str, list[Any]]:
    """A page query in `(column, id)` order after `key`; `{index}` marks the index hint.

    `sort`: order with `+column` so SQLite sorts the (few) matches instead of walking an
    index in order and testing every row."""
    where, params = list(where), list(params)
    plus = "+" if sort else ""  # `+x` is no index term: the filters' index drives
    if key is not None:
        op = "<" if backwards else ">"
        if column == "id":
            where.append(f"{plus}tickets.id {op} ?")
            params.append(key[1])
        else:
            where.append(f"({plus}tickets.{column}, {plus}tickets.id) {op} (?, ?)")
            params.extend(key)
    direction = "DESC" if backwards else "ASC"
    order = (
        f"{plus}tickets.id {direction}"
        if column == "id"
        else f"{plus}tickets.{column} {direction}, {plus}tickets.id {direction}"
    )
    sql = f"SELECT {_ROW_COLUMNS} FROM tickets{{index}}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql + f" ORDER BY {order} LIMIT ? OFFSET ?", [*params, max(0, limit), max(0, offset)]


def _sla_sql(values: list[str], now: datetime) -> tuple[str, list[Any]]:
    """SLA states as ranges of `sla_key`; a running deadline means a new or open ticket
    (domain.sla.next_due), which lets SQLite use the active queue's index."""
    soon = ts_text(now + AT_RISK_WINDOW)
    ranges = {
        "breached": ("tickets.sla_key <= ?", [ts_text(now)]),
        "at-risk": ("tickets.sla_key > ? AND tickets.sla_key <= ?", [ts_text(now), soon]),
        "risk": ("tickets.sla_key <= ?", [soon]),
        "ok": ("tickets.sla_key > ? AND tickets.sla_key < '9999'", [soon]),
    }
    parts: list[str] = []
    params: list[Any] = []
    for value in dict.fromkeys(values):
        if value == "none":
            parts.append("tickets.sla_key = '9999'")
        else:
            clause, args = ranges[value]
            parts.append(f"tickets.status_rank <= 1 AND {clause}")
            params.extend(args)
    if len(parts) == 1:
        return parts[0], params
    return "(" + " OR ".join(f"({part})" for part in parts) + ")", params


def _count_with_hint(conn: sqlite3.Connection, sql: str, params: list[Any], hint: str) -> int:
    """Run a count with an index hint, or without it while the index is missing (bulk load)."""
    try:
        return int(conn.execute(sql.format(index=hint), params).fetchone()[0])
    except sqlite3.OperationalError:
        if not hint:
            raise
        return int(conn.execute(sql.format(index=""), params).fetchone()[0])


def _covered(query: TicketQuery) -> bool:
    """Every filter is on a column the sort indexes carry."""
    return all(flt.field in _COVERED_FIELDS for flt in query.filters)


# Filter field -> the sort index whose first column it is (a range scan for a count).
_COUNT_INDEX = {"status": "status_rank", "priority": "priority_rank", "sla": "sla_key"}


def _no_clock(query: TicketQuery) -> bool:
    """The query keeps only statuses whose SLA clock never runs (domain.sla.next_due)."""
    return any(
        flt.field == "status"
        and not flt.negate
        and all(not Status(value).is_active for value in flt.values)
        for flt in query.filters
    )


def _pinned_sort_term(query: TicketQuery, column: str) -> tuple[str, list[Any]] | None:
    """`column = value` when the filters leave the sort column one possible value.

    Added to the query, it turns the walk of the sort index into one contiguous range (the
    matches, in id order), first page or last."""
    for flt in query.filters:
        if flt.negate:
            continue
        values = set(flt.values)
        if column == "sla_key" and flt.field == "sla" and values == {"none"}:
            return "tickets.sla_key = '9999'", []
        if len(values) == 1:
            (value,) = values
            if column == "status_rank" and flt.field == "status":
                return "tickets.status_rank = ?", [_STATUS_RANK[value]]
            if column == "priority_rank" and flt.field == "priority":
                return "tickets.priority_rank = ?", [Priority(value).rank]
            if column == "channel" and flt.field == "channel":
                return "tickets.channel = ?", [value]
            if column == "assignee_name" and flt.field == "assignee" and value == "none":
                return "tickets.assignee_name = ''", []
    return None


def _active_only(query: TicketQuery) -> bool:
    """True when the query keeps only new and open tickets (the partial SLA index)."""
    for flt in query.filters:
        if flt.negate:
            continue
        if (flt.field == "sla" and "none" not in flt.values) or (
            flt.field == "status" and {_STATUS_RANK[v] for v in flt.values} <= {0, 1}
        ):
            return True
    return False


def _has_tag(query: TicketQuery) -> bool:
    return any(flt.field == "tag" for flt in query.filters)


def _walk_sort_index(
    conn: sqlite3.Connection, hint: str, sql: str, args: list[Any]
) -> list[sqlite3.Row] | None:
    """A filtered page by walking the sort index, or None if that reads too far.

    Walking in order finds a page of a broad filter at once (open tickets by SLA) but would
    read the whole index for a narrow one (my 12 tickets); the planner's plan (filter index,
    then sort) is the opposite. Try the walk with a step budget, then fall back.
    """
    calls = 0

    def over_budget() -> bool:
        nonlocal calls
        calls += 1
        return calls * _STEPS_PER_CALL > WALK_BUDGET_STEPS

    conn.set_progress_handler(over_budget, _STEPS_PER_CALL)
    try:
        return conn.execute(sql.format(index=f" {hint}"), args).fetchall()
    except sqlite3.OperationalError:  # interrupted, or the index is being rebuilt (bulk)
        return None
    finally:
        conn.set_progress_handler(None, 0)


def _as_query(query: TicketQuery | str | None) -> TicketQuery:
    if query is None:
        return TicketQuery()
    if isinstance(query, str):
        return parse_query(query)
    return query


class QueriesMixin(CacheCore):
    _view_counts_cache: tuple[tuple[int, int], float, dict[str, int]] | None = None
    # The clock of SLA filters (`sla:breached`, "Breaching within 1 h"); an app that shows
    # times from an injected clock sets the same one here, so counts and rows agree with it.
    clock: Callable[[], datetime] = staticmethod(utcnow)

    # ---- compiling a query -----------------------------------------------------------------

    def _me(self, conn: sqlite3.Connection) -> dict[str, Any] | None:
        agent_id = self._get_meta(conn, "agent_id")
        if agent_id is None:
            return None
        row = conn.execute(
            "SELECT id, group_ids FROM agents WHERE id = ?", (int(agent_id),)
        ).fetchone()
        if row is None:
            return {"id": int(agent_id), "group_ids": []}
        return {"id": row["id"], "group_ids": json.loads(row["group_ids"] or "[]")}

    def _compile(
        self,
        conn: sqlite3.Connection,
        query: TicketQuery,
        now: datetime | None = None,
        walk: bool = False,
        pinned: tuple[str, list[Any]] | None = None,
    ) -> tuple[list[str], list[Any]]:
        """WHERE clauses and parameters. `walk`: written for checking row by row while an
        index is walked (tags as EXISTS), instead of for driving the search. `pinned`: an
        extra term (see `_pinned_sort_term`)."""
        where: list[str] = [pinned[0]] if pinned else []
        params: list[Any] = list(pinned[1]) if pinned else []
        for flt in query.filters:
            if flt.negate and flt.field in _CLOSED_SETS:  # the complement: an index range
                rest = tuple(v for v in _CLOSED_SETS[flt.field] if v not in flt.values)
                flt = Filter(flt.field, rest) if rest else Filter("id", ("-1",))
            clause, args = self._filter_sql(conn, flt, now, walk)
            where.append(f"NOT ({clause})" if flt.negate else clause)
            params.extend(args)
        if query.has_text:
            match = fts_expression(query.terms, query.phrases)
            if match:
                where.append(
                    "tickets.id IN ("
                    "SELECT rowid FROM (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ? "
                    "ORDER BY rowid DESC LIMIT ?) "
                    "UNION SELECT m.ticket_id FROM messages m WHERE m.seq IN ("
                    "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? "
                    "ORDER BY rowid DESC LIMIT ?) "
                    "UNION SELECT t2.id FROM tickets t2 WHERE t2.customer_id IN ("
                    "SELECT rowid FROM customers_fts WHERE customers_fts MATCH ? "
                    "ORDER BY rowid DESC LIMIT ?))"
                )
                params.extend(
                    [match, SEARCH_CANDIDATES, match, SEARCH_CANDIDATES, match, CUSTOMER_CANDIDATES]
                )
        return where, params

    def _filter_sql(
        self, conn: sqlite3.Connection, flt: Filter, now: datetime | None, walk: bool = False
    ) -> tuple[str, list[Any]]:
        values = list(flt.values)
        marks = ", ".join("?" for _ in values)
        if flt.field == "status":  # through the indexed rank
            ranks = sorted({_STATUS_RANK[v] for v in values})
            clause = f"tickets.status_rank IN ({', '.join(map(str, ranks))})"
            if ranks[-1] <= 1:  # only the working queue: lets SQLite use its partial index
                clause = f"tickets.status_rank <= 1 AND {clause}"
            return clause, []
        if flt.field == "priority":  # through the indexed rank
            ranks = sorted({Priority(v).rank for v in values})
            return f"tickets.priority_rank IN ({', '.join(map(str, ranks))})", []
        if flt.field == "channel":
            return f"tickets.channel IN ({marks})", values
        if flt.field == "id":
            return f"tickets.id IN ({marks})", [int(v) for v in values]
        if flt.field == "tag" and walk:
            return (
                "EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = tickets.id "
                f"AND tt.tag IN ({marks}))",
                values,
            )
        if flt.field == "tag":
            return (
                f"tickets.id IN (SELECT ticket_id FROM ticket_tags WHERE tag IN ({marks}))",
                values,
            )
        if flt.field == "sla":
            return _sla_sql(values, now or self.clock())
        if flt.field == "assignee":
            return self._assignee_sql(conn, values)
        if flt.field == "group":
            return self._group_sql(conn, values)
        if flt.field == "customer":
            parts, args = [], []
            for value in values:
                if _EMAIL.fullmatch(value):  # a whole address: straight through the email index
                    parts.append(
                        "tickets.customer_id IN (SELECT id FROM customers WHERE email IN (?, ?))"
                    )
                    args.extend([value, value.lower()])
                    continue
                parts.append(
                    "tickets.customer_id IN (SELECT rowid FROM (SELECT rowid FROM customers_fts "
                    "WHERE customers_fts MATCH ? LIMIT ?) UNION SELECT c.id FROM customers c "
                    "JOIN organisations o ON o.id = c.organisation_id WHERE o.name LIKE ? "
                    "ESCAPE '\\')"
                )
                words = [w for w in value.split() if any(ch.isalnum() for ch in w)]
                match = " AND ".join(fts_string(w) + "*" for w in words) or fts_string(value)
                like = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                args.extend([match, SEARCH_CANDIDATES, f"%{like}%"])
            return "(" + " OR ".join(parts) + ")", args
        raise StoreError(f"unsupported filter {flt.field}")

    def _assignee_sql(self, conn: sqlite3.Connection, values: list[str]) -> tuple[str, list[Any]]:
        ids: list[int] = []
        none = False
        for value in values:
            lowered = value.lower()
            if lowered == "none":
                none = True
            elif lowered == "me":
                me = self._me(conn)
                ids.append(me["id"] if me else -1)
            elif value.isdigit():
                ids.append(int(value))
            else:
                like = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                rows = conn.execute(
                    "SELECT id FROM agents WHERE email = ? COLLATE NOCASE "
                    "OR name LIKE ? ESCAPE '\\'",
                    (value, f"%{like}%"),
                ).fetchall()
                ids.extend(r[0] for r in rows)
        parts = []
        if ids:
            parts.append(f"tickets.assignee_id IN ({', '.join(str(int(i)) for i in ids)})")
        if none:
            parts.append("tickets.assignee_id IS NULL")
        return ("(" + " OR ".join(parts) + ")" if parts else "0"), []

    def _group_sql(self, conn: sqlite3.Connection, values: list[str]) -> tuple[str, list[Any]]:
        ids: list[int] = []
        for value in values:
            if value.lower() == "mine":
                me = self._me(conn)
                ids.extend(int(g) for g in (me["group_ids"] if me else []))
            elif value.isdigit():
                ids.append(int(value))
            else:
                rows = conn.execute(
                    "SELECT id FROM groups WHERE name = ? COLLATE NOCASE", (value,)
                ).fetchall()
                ids.extend(r[0] for r in rows)
        if not ids:
            return "0", []
        return f"tickets.group_id IN ({', '.join(str(int(i)) for i in ids)})", []

    # ---- the queue ---------------------------------------------------------------------

    def page(
        self,
        query: TicketQuery | str | None = None,
        sort: str = "sla",
        after_key: tuple[Any, int] | None = None,
        limit: int = 50,
        descending: bool = False,
    ) -> list[TicketRow]:
        """Up to `limit` rows after `after_key` (None: from the top), in display order."""
        return self._walk(_as_query(query), sort, after_key, limit, descending, reverse=False)

    def page_before(
        self,
        query: TicketQuery | str | None = None,
        sort: str = "sla",
        before_key: tuple[Any, int] | None = None,
        limit: int = 50,
        descending: bool = False,
    ) -> list[TicketRow]:
        """Up to `limit` rows just before `before_key` (None: the last rows), in display order."""
        rows = self._walk(_as_query(query), sort, before_key, limit, descending, reverse=True)
        rows.reverse()
        return rows

    def _walk(
        self,
        query: TicketQuery,
        sort: str,
        key: tuple[Any, int] | None,
        limit: int,
        descending: bool,
        reverse: bool,
        offset: int = 0,
    ) -> list[TicketRow]:
        column = SORT_COLUMNS.get(sort)
        if column is None:
            raise StoreError(f"unknown sort {sort!r} (use {', '.join(SORT_COLUMNS)})")
        backwards = descending != reverse
        if column == "sla_key" and _no_clock(query):
            column = "id"  # no SLA clock runs for these statuses: SLA order is id order
        pinned = _pinned_sort_term(query, column)
        with self.read() as conn:
            if query.has_text:
                # Driven by the (bounded) full-text candidates; other filters check each one.
                where, params = self._compile(conn, query, walk=True, pinned=pinned)
                sql, args = _page_sql(where, params, column, key, limit, backwards, True, offset)
                rows = conn.execute(sql.format(index=""), args).fetchall()
                return [_ticket_row(r) for r in rows]
            if not query.filters:
                where, params = self._compile(conn, query, pinned=pinned)
                sql, args = _page_sql(where, params, column, key, limit, backwards, False, offset)
                rows = conn.execute(sql.format(index=""), args).fetchall()
                return [_ticket_row(r) for r in rows]
            small = not _has_tag(query) and not self._matches_many(conn, query)
            if not small and not self.in_write:  # an interrupted read must not end a write
                # A broad filter: walk the sort index and stop after one page.
                where, params = self._compile(conn, query, walk=True, pinned=pinned)
                sql, args = _page_sql(where, params, column, key, limit, backwards, False, offset)
                hint = _SORT_INDEX[column]
                if column == "sla_key" and _active_only(query):
                    hint = f"INDEXED BY {ACTIVE_SLA_INDEX_NAME}"
                rows = _walk_sort_index(conn, hint, sql, args)
                if rows is not None:
                    return [_ticket_row(r) for r in rows]
            # A few matches: start from the most selective filter's index, then sort them.
            where, params = self._compile(conn, query, pinned=pinned)
            sql, args = _page_sql(where, params, column, key, limit, backwards, small, offset)
            rows = conn.execute(sql.format(index=""), args).fetchall()
        return [_ticket_row(r) for r in rows]

    def _matches_many(self, conn: sqlite3.Connection, query: TicketQuery) -> bool:
        """Whether enough tickets match for walking the sort index (counted no further).

        Filters on the columns the sort indexes carry are checked inside the index, so a
        sparser match is still worth walking for."""
        threshold = WALK_THRESHOLD_COVERED if _covered(query) else WALK_THRESHOLD
        where, params = self._compile(conn, query)
        sql = (
            "SELECT count(*) FROM (SELECT 1 FROM tickets WHERE " + " AND ".join(where) + " LIMIT ?)"
        )
        return int(conn.execute(sql, [*params, threshold]).fetchone()[0]) >= threshold

    def count(self, query: TicketQuery | str | None = None) -> int:
        """How many tickets match (text matches are capped per source: SEARCH_CANDIDATES).

        Remembered until the data changes (or 30 s pass: SLA filters move with the clock)."""
        parsed = _as_query(query)
        version = self.data_version()
        cache = self.__dict__.setdefault("_count_cache", {})
        hit = cache.get((parsed, version))
        if hit is not None and time.monotonic() - hit[1] < VIEW_COUNTS_MAX_AGE:
            return int(hit[0])
        with self.read() as conn:
            total = self._tag_count(conn, parsed)
            if total is not None:
                return total
            where, params = self._compile(conn, parsed)
            sql = "SELECT count(*) FROM tickets{index}"
            if where:
                sql += " WHERE " + " AND ".join(where)
            hint = ""
            if where and not parsed.has_text and _covered(parsed):
                plan = conn.execute("EXPLAIN QUERY PLAN " + sql.format(index=""), params)
                if any(row[3] == "SCAN tickets" for row in plan):
                    # SQLite would read every row; a sort index carries all these columns.
                    hint = (
                        " " + _SORT_INDEX[_COUNT_INDEX.get(parsed.filters[0].field, "status_rank")]
                    )
            total = _count_with_hint(conn, sql, params, hint)
        if self.in_write:
            return total  # uncommitted: may yet be rolled back
        if len(cache) > 256:
            cache.clear()
        cache[(parsed, version)] = (total, time.monotonic())
        return total

    def _tag_count(self, conn: sqlite3.Connection, query: TicketQuery) -> int | None:
        """A lone `tag:` filter counts straight from the tag index (not while bulk loading)."""
        if len(query.filters) != 1 or query.has_text:
            return None
        (flt,) = query.filters
        if flt.field != "tag" or flt.negate or self._get_meta(conn, "bulk_loading"):
            return None
        marks = ", ".join("?" for _ in flt.values)
        sql = f"SELECT count(DISTINCT ticket_id) FROM ticket_tags WHERE tag IN ({marks})"
        return int(conn.execute(sql, list(flt.values)).fetchone()[0])

    def position(
        self,
        query: TicketQuery | str | None,
        sort: str,
        ticket_id: int,
        descending: bool = False,
    ) -> int | None:
        """The 0-based index of a ticket in the ordered queue (None if it does not match)."""
        parsed = _as_query(query)
        found = self.page(parsed.combined(TicketQuery((Filter("id", (str(ticket_id),)),))), sort)
        if not found:
            return None
        key = sort_key(found[0], sort)
        column = SORT_COLUMNS[sort]
        if column == "sla_key" and _no_clock(parsed):
            column = "id"  # as `page` orders them
        op = ">" if descending else "<"
        with self.read() as conn:
            where, params = self._compile(conn, parsed)
            if column == "id":
                where.append(f"tickets.id {op} ?")
                params.append(ticket_id)
            else:
                where.append(f"(tickets.{column}, tickets.id) {op} (?, ?)")
                params.extend(key)
            sql = "SELECT count(*) FROM tickets{index} WHERE " + " AND ".join(where)
            hint = ""
            if column != "id" and not parsed.has_text and _covered(parsed):
                plan = conn.execute("EXPLAIN QUERY PLAN " + sql.format(index=""), params)
                if any(row[3] == "SCAN tickets" for row in plan):
                    hint = " " + _SORT_INDEX[column]  # count inside the covering sort index
            return _count_with_hint(conn, sql, params, hint)

    def nth(
        self,
        query: TicketQuery | str | None,
        sort: str,
        n: int,
        descending: bool = False,
    ) -> TicketRow | None:
        """The row at 0-based index `n` (negative: from the end, -1 is the last)."""
        parsed = _as_query(query)
        if n < 0:
            rows = self.page_before(parsed, sort, None, -n, descending)
            return rows[0] if len(rows) == -n else None
        rows = self._walk(parsed, sort, None, 1, descending, reverse=False, offset=n)
        return rows[0] if rows else None

    def search(self, text: str, sort: str = "sla", limit: int = 50) -> list[TicketRow]:
        """Tickets matching the search syntax (raises `ParseError` on bad syntax)."""
        return self.page(parse_query(text), sort, None, limit)

    def next_breach(self, query: TicketQuery | str | None = None) -> TicketRow | None:
        """The matching ticket whose SLA deadline comes first (None if no clock runs)."""
        rows = self.page(_as_query(query), "sla", None, 1)
        if rows and rows[0].sla_due_at is not None:
            return rows[0]
        return None

    # ---- views -------------------------------------------------------------------------

    def views(self) -> list[View]:
        """Built-in views, then the server's saved views (shared and mine) by position."""
        me = self.meta("agent_id")
        rows = self.conn.execute(
            "SELECT id, name, query, sort FROM saved_views "
            "WHERE owner_id IS NULL OR owner_id = ? ORDER BY position, name",
            (None if me is None else int(me),),
        ).fetchall()
        saved = []
        for row in rows:
            sort = row["sort"] or "sla"
            descending = sort.startswith("-")
            sort = sort.lstrip("-")
            if sort not in SORT_COLUMNS:
                sort = "sla"
            saved.append(View(row["id"], row["name"], row["query"] or "", sort, descending))
        return [*BUILTIN_VIEWS, *saved]

    def view(self, view_id: str) -> View:
        for candidate in self.views():
            if candidate.id == view_id or candidate.name.lower() == view_id.lower():
                return candidate
        raise StoreError(f"no view {view_id!r}")

    def view_counts(self) -> dict[str, int]:
        """Tickets per view, recomputed only after a change or every 30 s (SLA views)."""
        version = self.data_version()
        cached = self._view_counts_cache
        if (
            cached is not None
            and cached[0] == version
            and time.monotonic() - cached[1] < VIEW_COUNTS_MAX_AGE
        ):
            return dict(cached[2])
        counts: dict[str, int] = {}
        for candidate in self.views():
            try:
                counts[candidate.id] = self.count(candidate.query)
            except ValueError:
                counts[candidate.id] = 0  # a saved view whose query this version cannot parse
        if not self.in_write:  # uncommitted counts may yet be rolled back
            self._view_counts_cache = (version, time.monotonic(), counts)
        return dict(counts)

    # ---- single records ----------------------------------------------------------------

    def ticket(self, ticket_id: int) -> dict[str, Any] | None:
        """The full cached ticket (domain values) plus names and `pending`."""
        row = self.conn.execute(
            "SELECT t.*, g.name AS group_name FROM tickets t "
            "LEFT JOIN groups g ON g.id = t.group_id WHERE t.id = ?",
            (ticket_id,),
        ).fetchone()
        if row is None:
            return None
        out = decode_row("ticket", row)
        out["pending"] = bool(out.pop("local_pending"))
        for local in ("sla_key", "priority_rank", "status_rank"):
            out.pop(local, None)
        return out

    def thread(self, ticket_id: int) -> list[MessageRow]:
        """The ticket's messages in order, with author names; local ones marked.

        Messages of tickets merged into this one (at any depth) are included: their
        `ticket_id` says where each came from.
        """
        rows = self.conn.execute(
            "WITH RECURSIVE folded(id) AS (SELECT ? UNION "
            "SELECT t.id FROM tickets t JOIN folded f ON t.merged_into_id = f.id) "
            "SELECT m.*, CASE m.author_kind WHEN 'agent' THEN a.name "
            "WHEN 'customer' THEN c.name ELSE 'System' END AS author_name "
            "FROM messages m "
            "LEFT JOIN agents a ON m.author_kind = 'agent' AND a.id = m.author_id "
            "LEFT JOIN customers c ON m.author_kind = 'customer' AND c.id = m.author_id "
            "WHERE m.ticket_id IN (SELECT id FROM folded) ORDER BY m.created_at, m.seq",
            (ticket_id,),
        ).fetchall()
        return [
            MessageRow(
                id=r["id"],
                ticket_id=r["ticket_id"],
                public=bool(r["public"]),
                author_kind=r["author_kind"],
                author_id=r["author_id"],
                author_name=r["author_name"] or "",
                body=r["body"] or "",
                channel=r["channel"],
                created_at=ts_value(r["created_at"]),
                local_state=r["local_state"],
            )
            for r in rows
        ]

    def customer(self, customer_id: int) -> dict[str, Any] | None:
        return self._one("customer", customer_id)

    def organisation(self, organisation_id: int) -> dict[str, Any] | None:
        return self._one("organisation", organisation_id)

    def _one(self, entity: str, entity_id: int | str) -> dict[str, Any] | None:
        from agentdesk.store.schema import ENTITY_TABLES

        info = ENTITY_TABLES[entity]
        row = self.conn.execute(
            f"SELECT {', '.join(info.columns)} FROM {info.table} WHERE id = ?", (entity_id,)
        ).fetchone()
        return None if row is None else decode_row(entity, row)

    def customer_history(self, customer_id: int, limit: int = 50) -> CustomerHistory:
        """Profile, organisation, totals and past tickets (newest first) of one customer."""
        with self.read() as conn:
            customer = self.customer(customer_id)
            if customer is None:
                raise StoreError(f"customer {customer_id} is not in the local cache")
            org_id = customer.get("organisation_id")
            organisation = None if org_id is None else self.organisation(org_id)
            total, open_now, last = conn.execute(
                "SELECT count(*), sum(status IN ('new', 'open', 'pending', 'on-hold')), "
                "max(updated_at) FROM tickets WHERE customer_id = ? AND merged_into_id IS NULL",
                (customer_id,),
            ).fetchone()
            last_message = conn.execute(
                "SELECT max(m.created_at) FROM messages m JOIN tickets t ON t.id = m.ticket_id "
                "WHERE t.customer_id = ?",
                (customer_id,),
            ).fetchone()[0]
            avg = conn.execute(
                "SELECT avg(score) FROM satisfaction_ratings WHERE customer_id = ?",
                (customer_id,),
            ).fetchone()[0]
            rows = conn.execute(
                f"SELECT {_ROW_COLUMNS} FROM tickets "
                "WHERE customer_id = ? AND merged_into_id IS NULL "
                "ORDER BY created_at DESC, id DESC LIMIT ?",
                (customer_id, limit),
            ).fetchall()
        last_contact = max((v for v in (last, last_message) if v), default=None)
        return CustomerHistory(
            customer=customer,
            organisation=organisation,
            total_tickets=int(total or 0),
            open_tickets=int(open_now or 0),
            avg_satisfaction=None if avg is None else float(avg),
            last_contact=ts_value(last_contact),
            tickets=[_ticket_row(r) for r in rows],
        )

    def _all(
        self, entity: str, order: str, where: str = "", params: tuple[Any, ...] = ()
    ) -> list[dict[str, Any]]:
        from agentdesk.store.schema import ENTITY_TABLES

        info = ENTITY_TABLES[entity]
        sql = f"SELECT {', '.join(info.columns)} FROM {info.table}"
        if where:
            sql += f" WHERE {where}"
        rows = self.conn.execute(f"{sql} ORDER BY {order}", params).fetchall()
        return [decode_row(entity, r) for r in rows]

    def agents(self) -> list[dict[str, Any]]:
        return self._all("agent", "name COLLATE NOCASE, id")

    def agent_by_email(self, email: str) -> dict[str, Any] | None:
        found = self._all("agent", "id", "email = ? COLLATE NOCASE", (email,))
        return found[0] if found else None

    def groups(self) -> list[dict[str, Any]]:
        return self._all("group", "name COLLATE NOCASE, id")

    def canned_responses(self) -> list[dict[str, Any]]:
        """Shared canned responses and mine, by category and title."""
        me = self.meta("agent_id")
        return self._all(
            "canned_response",
            "category COLLATE NOCASE, title COLLATE NOCASE",
            "owner_id IS NULL OR owner_id = ?",
            (None if me is None else int(me),),
        )

    def sla_policies(self) -> list[dict[str, Any]]:
        return self._all("sla_policy", "id")

    def me(self) -> dict[str, Any] | None:
        """The profile's own agent row (meta `agent_id`), or None before login/sync."""
        agent_id = self.meta("agent_id")
        return None if agent_id is None else self._one("agent", int(agent_id))
