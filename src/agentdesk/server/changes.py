"""`GET /v1/changes`: cursor paging through every synced table and the tombstones by version.

Each table is read in keyset chunks ordered by (version, primary key), the streams are merged
by version, and a page stops at `limit` rows but never inside a version (rows written by one
transaction share a version, so a page boundary between them could hide half a write). The
read runs in one snapshot (SQLite read transaction, PostgreSQL REPEATABLE READ), and versions
are handed out under a row lock, so a later pull can never find a committed row behind its
cursor.

Cursor: `<version>.<scope>`: the last version fully delivered and a fingerprint of what the
caller may see (role, groups). A cursor whose scope no longer matches, or that is ahead of the
database (a different or reset server), answers 410 `must-refetch`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Connection, Table, and_, exists, func, or_, select, text

from agentdesk.domain.models import (
    Message,
    SatisfactionRating,
    SharedDraft,
    Swarm,
    SwarmMessage,
    Ticket,
)
from agentdesk.server.auth import CurrentCaller
from agentdesk.server.permissions import Caller
from agentdesk.server.problems import Problem, responses
from agentdesk.server.rowjson import data_expression, encode_str, id_encoder
from agentdesk.server.state import ServerState, server_state
from agentdesk.server.tables import SyncClient, TicketAccessLoss, Tombstone
from agentdesk.server.visibility import (
    row_filter,
    visible_drafts,
    visible_swarms,
    visible_tickets,
)
from agentdesk.server.wire import TABLES, table_of

DEFAULT_LIMIT = 1000
MAX_LIMIT = 5000
FIRST_CHUNK = 256
CURSOR_PATTERN = r"^([0-9]{1,19}\.[0-9a-f]{12})?$"  # what encode_cursor makes (or empty)

TOMBSTONES = table_of(Tombstone)
SYNC_CLIENTS = table_of(SyncClient)
LOSSES = table_of(TicketAccessLoss)
TICKETS = table_of(Ticket)
MESSAGES = table_of(Message)
RATINGS = table_of(SatisfactionRating)
DRAFTS = table_of(SharedDraft)
SWARMS = table_of(Swarm)
SWARM_MESSAGES = table_of(SwarmMessage)

router = APIRouter(prefix="/v1", tags=["sync"])


class ChangeItem(BaseModel):
    entity: str
    id: int | str
    op: Literal["upsert", "delete"]
    version: int
    data: dict[str, Any] | None = None


class ChangesPage(BaseModel):
    changes: list[ChangeItem]
    cursor: str
    has_more: bool
    last_mutation_id: int | None = None


def _pk(table: Table) -> Any:
    return next(iter(table.primary_key.columns))


def _int_pk(table: Table) -> bool:
    return _pk(table).type.python_type is int


INT_ID_ENTITIES = frozenset(entity for entity, table in TABLES.items() if _int_pk(table))

# (version, table order, primary key, the change as JSON text)
_Item = tuple[int, int, Any, str]


@dataclass(frozen=True, slots=True)
class _TableQuery:
    table: Table
    data: Any  # the JSON-text expression of a row
    encode_id: Callable[[Any], str]


@cache
def table_query(entity: str, dialect: str) -> _TableQuery:
    table = TABLES[entity]
    return _TableQuery(table, data_expression(table, dialect), id_encoder(table))


def _table_stream(
    conn: Connection, order: int, entity: str, where: Any, after: int, limit: int
) -> Iterator[_Item]:
    spec = table_query(entity, conn.dialect.name)
    table = spec.table
    pk = _pk(table)
    version = table.c.version
    head = f'{{"entity":"{entity}","id":'
    size = min(limit + 1, FIRST_CHUNK)
    last: tuple[int, Any] | None = None
    while True:
        query = select(pk, version, spec.data)
        if last is None:
            query = query.where(version > after)
        else:
            query = query.where(version >= last[0], or_(version > last[0], pk > last[1]))
        if where is not None:
            query = query.where(where)
        rows = conn.execute(query.order_by(version, pk).limit(size)).all()
        for row_id, row_version, data in rows:
            text_ = (
                f"{head}{spec.encode_id(row_id)},"
                f'"op":"upsert","version":{row_version},"data":{data}}}'
            )
            yield (row_version, order, row_id, text_)
        if len(rows) < size:
            return
        last = (rows[-1][1], rows[-1][0])
        size = min(size * 4, limit + 1)


def _tombstone_stream(conn: Connection, order: int, after: int, limit: int) -> Iterator[_Item]:
    version = TOMBSTONES.c.version
    pk = TOMBSTONES.c.id
    size = min(limit + 1, FIRST_CHUNK)
    last: tuple[int, int] | None = None
    while True:
        query = select(TOMBSTONES)
        if last is None:
            query = query.where(version > after)
        else:
            query = query.where(and_(version >= last[0], or_(version > last[0], pk > last[1])))
        rows = conn.execute(query.order_by(version, pk).limit(size)).all()
        for row in rows:
            if row.entity not in TABLES:
                continue
            row_id = row.entity_id if row.entity not in INT_ID_ENTITIES else int(row.entity_id)
            id_json = str(row_id) if isinstance(row_id, int) else encode_str(row_id)
            text_ = (
                f'{{"entity":"{row.entity}","id":{id_json},'
                f'"op":"delete","version":{int(row.version)},"data":null}}'
            )
            yield (int(row.version), order, row.id, text_)
        if len(rows) < size:
            return
        last = (rows[-1].version, rows[-1].id)
        size = min(size * 4, limit + 1)


def _access_loss_stream(
    conn: Connection, caller: Caller, order: int, after: int, limit: int
) -> Iterator[_Item]:
    """Deletions of what the caller can no longer see after a ticket left them: the ticket
    with its messages and ratings, and (for a lead who saw them through the ticket's group)
    its shared drafts, swarms and swarm messages they are not owner, reviewer or member of."""
    if caller.is_admin or after == 0:  # admins see everything; a first sync has nothing to drop
        return
    lost_by = LOSSES.c.agent_id == caller.agent_id
    group_ids = sorted(caller.group_ids)
    if group_ids:
        lost_by = or_(lost_by, LOSSES.c.group_id.in_(group_ids))
    visible = visible_tickets(caller)
    still_visible = exists().where(TICKETS.c.id == LOSSES.c.ticket_id, visible)
    # a lead saw the ticket's drafts and swarms through its group: losing the group loses
    # them even while the ticket itself stays visible (assigned to the lead)
    group_sight = caller.is_lead and bool(group_ids)
    wanted = ~still_visible
    if group_sight:
        wanted = or_(wanted, LOSSES.c.group_id.in_(group_ids))
    version, pk = LOSSES.c.version, LOSSES.c.id
    size = min(limit + 1, FIRST_CHUNK)
    last: tuple[int, int] | None = None
    dropped: set[tuple[str, int]] = set()  # a ticket lost twice within one page: once
    while True:
        query = select(
            pk, version, LOSSES.c.ticket_id, LOSSES.c.group_id, still_visible.label("seen")
        ).where(lost_by, wanted)
        if last is None:
            query = query.where(version > after)
        else:
            query = query.where(version >= last[0], or_(version > last[0], pk > last[1]))
        rows = conn.execute(query.order_by(version, pk).limit(size)).all()
        for loss_id, loss_version, ticket_id, group_id, seen in rows:
            deletions: list[tuple[str, str]] = []
            if not seen and ("ticket", ticket_id) not in dropped:
                dropped.add(("ticket", ticket_id))
                deletions += _lost_ticket_rows(conn, ticket_id)
            if group_sight and group_id in caller.group_ids and ("side", ticket_id) not in dropped:
                dropped.add(("side", ticket_id))
                deletions += _lost_side_rows(conn, caller, ticket_id)
            for position, (entity, id_json) in enumerate(deletions):
                text_ = (
                    f'{{"entity":"{entity}","id":{id_json},'
                    f'"op":"delete","version":{loss_version},"data":null}}'
                )
                yield (loss_version, order, (loss_id, position), text_)
        if len(rows) < size:
            return
        last = (rows[-1][1], rows[-1][0])
        size = min(size * 4, limit + 1)


def _lost_ticket_rows(conn: Connection, ticket_id: int) -> list[tuple[str, str]]:
    """The ticket, its messages and ratings, as (entity, JSON id) deletions."""
    deletions = [("ticket", str(ticket_id))]
    for entity, table in (("message", MESSAGES), ("satisfaction_rating", RATINGS)):
        ids = conn.execute(select(table.c.id).where(table.c.ticket_id == ticket_id))
        deletions += [(entity, _json_id(row_id)) for row_id in ids.scalars()]
    return deletions


def _lost_side_rows(conn: Connection, caller: Caller, ticket_id: int) -> list[tuple[str, str]]:
    """The ticket's shared drafts and swarms (with their messages) the caller cannot see now."""
    dialect = conn.dialect.name
    deletions: list[tuple[str, str]] = []
    drafts = select(DRAFTS.c.id).where(DRAFTS.c.ticket_id == ticket_id)
    draft_rule = visible_drafts(caller, dialect)
    if draft_rule is not None:
        drafts = drafts.where(~draft_rule)
    deletions += [("shared_draft", _json_id(row_id)) for row_id in conn.execute(drafts).scalars()]
    swarms = select(SWARMS.c.id).where(SWARMS.c.ticket_id == ticket_id)
    swarm_rule = visible_swarms(caller, dialect)
    if swarm_rule is not None:
        swarms = swarms.where(~swarm_rule)
    swarm_ids = list(conn.execute(swarms.order_by(SWARMS.c.id)).scalars())
    deletions += [("swarm", _json_id(row_id)) for row_id in swarm_ids]
    if swarm_ids:
        chat = select(SWARM_MESSAGES.c.id).where(SWARM_MESSAGES.c.swarm_id.in_(swarm_ids))
        deletions += [
            ("swarm_message", _json_id(row_id)) for row_id in conn.execute(chat).scalars()
        ]
    return deletions


def _json_id(value: Any) -> str:
    return str(value) if isinstance(value, int) else encode_str(str(value))


def encode_cursor(version: int, caller: Caller) -> str:
    return f"{version}.{caller.scope_key()}"


def decode_cursor(cursor: str | None, caller: Caller) -> int:
    """The version after which to read; 400 if malformed, 410 if it no longer fits."""
    if not cursor:
        return 0
    version_text, _, scope = cursor.partition(".")
    try:
        version = int(version_text)
    except ValueError:
        raise Problem(400, "malformed cursor", kind="malformed-cursor") from None
    if version < 0 or not scope:
        raise Problem(400, "malformed cursor", kind="malformed-cursor")
    if scope != caller.scope_key():
        raise Problem(
            410, "what you may see has changed: sync again from the start", kind="must-refetch"
        )
    return version


def _next_versions(conn: Connection, after: int) -> list[int | None]:
    """Per source (synced tables, tombstones, access losses): the lowest version above
    `after`, unfiltered (a lower bound for a caller's filtered rows). One round trip of
    index probes; a source whose bound lies beyond the page is never queried."""
    sources = [*TABLES.values(), TOMBSTONES, LOSSES]
    probes = [
        select(func.min(table.c.version)).where(table.c.version > after).scalar_subquery()
        for table in sources
    ]
    return list(conn.execute(select(*probes)).one())


def read_page(
    conn: Connection, caller: Caller, after: int, limit: int
) -> tuple[list[str], int, bool]:
    """The changes after version `after` as JSON texts: (changes, last version, has_more).

    A lazy k-way merge: each source enters the heap as a placeholder at its lower bound and
    is only queried when that placeholder reaches the top.
    """
    dialect = conn.dialect.name
    factories: list[Callable[[], Iterator[_Item]]] = [
        partial(
            _table_stream, conn, order, entity, row_filter(entity, caller, dialect), after, limit
        )
        for order, entity in enumerate(TABLES)
    ]
    factories.append(partial(_tombstone_stream, conn, len(factories), after, limit))
    factories.append(partial(_access_loss_stream, conn, caller, len(factories), after, limit))
    # heap entries: (version, source order, change text or None for a placeholder, source);
    # one entry per source at a time, so (version, order) never ties
    heap: list[tuple[int, int, str | None, Any]] = [
        (bound, order, None, factory)
        for order, (bound, factory) in enumerate(
            zip(_next_versions(conn, after), factories, strict=True)
        )
        if bound is not None
    ]
    heapq.heapify(heap)
    changes: list[str] = []
    covered = after
    has_more = False
    while heap:
        version, order, change, source = heap[0]
        if change is None:  # a placeholder: start reading that source now
            stream = source()
            first = next(stream, None)
            if first is None:
                heapq.heappop(heap)
            else:
                heapq.heapreplace(heap, (first[0], order, first[3], stream))
            continue
        if len(changes) >= limit and version != covered:
            has_more = True
            break
        changes.append(change)
        covered = version
        following = next(source, None)
        if following is None:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (following[0], order, following[3], source))
    return changes, covered, has_more


def last_mutation_id(conn: Connection, caller: Caller, client_id: str | None) -> int | None:
    if not client_id:
        return None
    row = conn.execute(
        select(SYNC_CLIENTS.c.agent_id, SYNC_CLIENTS.c.last_mutation_id).where(
            SYNC_CLIENTS.c.client_id == client_id
        )
    ).first()
    if row is None:
        return None
    if row.agent_id != caller.agent_id:
        raise Problem(403, "this client id belongs to another agent")
    return int(row.last_mutation_id)


@router.get(
    "/changes",
    response_model=ChangesPage,
    responses=responses(410),
    summary="Pull the rows changed after a cursor (an empty cursor: full sync)",
)
def changes(
    caller: CurrentCaller,
    cursor: str | None = Query(
        default=None,
        pattern=CURSOR_PATTERN,
        description="the `cursor` of the previous page; empty or absent: a full sync",
    ),
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    client_id: str | None = Query(default=None, min_length=1, max_length=100),
    state: ServerState = Depends(server_state),
) -> Response:
    after = decode_cursor(cursor, caller)
    with state.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            head = conn.execute(text("SELECT value FROM change_sequence WHERE id = 1")).scalar()
            if after > int(head or 0):
                raise Problem(
                    410, "this cursor is from another server: sync again", kind="must-refetch"
                )
            last_id = last_mutation_id(conn, caller, client_id)
            rows, covered, has_more = read_page(conn, caller, after, limit)
    body = (
        '{"changes":['
        + ",".join(rows)
        + f'],"cursor":{encode_str(encode_cursor(covered, caller))},'
        + f'"has_more":{"true" if has_more else "false"},'
        + f'"last_mutation_id":{"null" if last_id is None else last_id}}}'
    )
    return Response(content=body.encode(), media_type="application/json")
