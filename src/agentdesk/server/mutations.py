"""`POST /v1/mutations`: apply a client's batch of intents, in order, exactly once.

A batch is handled in chunks, ONE transaction each (the whole request on SQLite, 50
mutations on PostgreSQL): lock the client's row, then per mutation, inside its own savepoint:
skip it if already handled (duplicate: the stored result again), stop at a gap, otherwise run
the intent's rules (`agentdesk.domain.mutations` + `permissions`) and write its effects with a
fresh version. The chunk's results (one multi-row INSERT) and `last_mutation_id` are written
before the same transaction commits, so effects and results are never apart. A permanent
rejection is stored too (its savepoint rolled back), so one bad mutation never blocks the
queue; an unexpected error while applying one is rolled back and recorded as a rejection for
the same reason. A transient database error answers 503.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from agentdesk.domain.enums import Availability
from agentdesk.domain.models import (
    Agent,
    Customer,
    Group,
    Message,
    SatisfactionRating,
    SharedDraft,
    SlaPolicy,
    Swarm,
    SwarmMessage,
    Ticket,
)
from agentdesk.domain.mutations import (
    AvailabilityArgs,
    FieldConflict,
    FieldRule,
    MessageAddArgs,
    MutationError,
    TicketAssignArgs,
    TicketEffect,
    TicketTagsArgs,
    TicketUpdateArgs,
    VoidArgs,
    field_outcome,
    follow_up_changes,
    message_effect_on_ticket,
    parse_args,
    ticket_assign_effect,
    ticket_tags_effect,
    ticket_update_effect,
)
from agentdesk.domain.timeutil import utcnow
from agentdesk.server.auth import CurrentCaller
from agentdesk.server.db import next_version, write_transaction
from agentdesk.server.permissions import (
    Caller,
    assign_target_error,
    can_change_ticket,
    can_see_ticket,
    change_denied_reason,
    group_move_error,
)
from agentdesk.server.problems import Problem, responses
from agentdesk.server.state import ServerState, server_state
from agentdesk.server.tables import MutationRecord, SyncClient, TicketAccessLoss
from agentdesk.server.wire import json_response, plain, table_of

log = logging.getLogger("agentdesk.server")

MAX_BATCH = 500
# Mutations per database transaction. PostgreSQL: short enough not to hold row locks for long
# (other agents' pushes wait on them). SQLite has one writer anyway: a whole request in one
# transaction (one commit, one fsync) is what makes a large offline outbox push quickly.
CHUNK = 50
SQLITE_CHUNK = MAX_BATCH

TICKETS = table_of(Ticket)
MESSAGES = table_of(Message)
AGENTS = table_of(Agent)
GROUPS = table_of(Group)
CUSTOMERS = table_of(Customer)
RATINGS = table_of(SatisfactionRating)
SWARMS = table_of(Swarm)
DRAFTS = table_of(SharedDraft)
SWARM_MESSAGES = table_of(SwarmMessage)
POLICIES = table_of(SlaPolicy)
CLIENTS = table_of(SyncClient)
RECORDS = table_of(MutationRecord)
ACCESS_LOSSES = table_of(TicketAccessLoss)

# Hot statements built once: SQLAlchemy memoizes a statement's cache key on the object, so a
# prebuilt statement with bind parameters skips construction and cache-key generation on
# every execution (most of a mutation's server time was spent there).
_TICKET_BY_ID = select(TICKETS).where(TICKETS.c.id == bindparam("ticket_id"))
_TICKET_BY_ID_LOCKED = _TICKET_BY_ID.with_for_update()
_POLICY_TARGETS = select(POLICIES.c.targets).where(POLICIES.c.id == bindparam("policy_id"))
# SET columns come from the parameters' keys (besides `ticket_id`).
_UPDATE_TICKET = update(TICKETS).where(TICKETS.c.id == bindparam("ticket_id"))
_MESSAGE_BY_ID = select(MESSAGES.c.ticket_id, MESSAGES.c.author_id, MESSAGES.c.body).where(
    MESSAGES.c.id == bindparam("message_id")
)
_INSERT_MESSAGE = insert(MESSAGES)
_CLIENT_LAST = select(CLIENTS.c.last_mutation_id).where(CLIENTS.c.client_id == bindparam("cid"))
_CLIENT_LAST_LOCKED = _CLIENT_LAST.with_for_update()
_SET_CLIENT_LAST = (
    update(CLIENTS)
    .where(CLIENTS.c.client_id == bindparam("cid"))
    .values(last_mutation_id=bindparam("last"))
)
_INSERT_RECORDS = insert(RECORDS)
_SEQUENCE_VALUE = text("SELECT value FROM change_sequence WHERE id = 1")
# Never backwards: should a handler take a version straight from the sequence (db.next_version)
# inside the chunk, the higher value stays.
_SET_SEQUENCE = text("UPDATE change_sequence SET value = :top WHERE id = 1 AND value < :top")
_RECORD_RESULT = select(RECORDS.c.result).where(
    RECORDS.c.client_id == bindparam("cid"), RECORDS.c.mutation_id == bindparam("mid")
)

router = APIRouter(prefix="/v1", tags=["sync"])


# -- wire models -------------------------------------------------------------------------


class MutationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=64)
    args: dict[str, Any]


class PushRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(min_length=1, max_length=100)
    mutations: list[MutationIn]


class FieldConflictOut(BaseModel):
    base: Any = None
    mine: Any = None
    theirs: Any = None


class MutationResultOut(BaseModel):
    id: int
    outcome: Literal["applied", "duplicate", "conflict", "rejected"]
    reason: str | None = None
    conflicts: dict[str, FieldConflictOut] | None = None
    original_outcome: Literal["applied", "conflict", "rejected"] | None = Field(
        default=None, description="for a duplicate: the outcome stored when it was first handled"
    )


class PushResponse(BaseModel):
    last_mutation_id: int
    results: list[MutationResultOut]


# -- applying one mutation ---------------------------------------------------------------


class Rejected(Exception):
    """A permanent rejection with a one-line reason."""


@dataclass
class Applied:
    """The result of one mutation and the version its writes took (None: nothing written)."""

    result: dict[str, Any]
    version: int | None = None
    # Only these agents can see what this mutation wrote (None: anyone may): the change hint
    # of its version goes to their streams alone (a chat line must not make every client pull).
    hint_agents: frozenset[int] | None = None


class ChunkState:
    """What the mutations of one chunk (one transaction) share: versions handed out from
    memory and SLA policy targets read once.

    Versions: the transaction holds the writer lock (SQLite `BEGIN IMMEDIATE`) or the row
    lock of `change_sequence` (PostgreSQL, taken when the chunk starts), so nobody else can
    take one before it commits; the sequence is read at the first use and written once by
    `finish` (never moved backwards), instead of an UPDATE per mutation. A rejected
    mutation's version is simply not used (versions may have gaps)."""

    def __init__(self) -> None:
        self._next: int | None = None  # the next version to hand out
        self._top: int | None = None  # the highest handed out
        self.policies: dict[int, Any] = {}

    def take_version(self, conn: Connection) -> int:
        if self._next is None:
            self._next = int(conn.execute(_SEQUENCE_VALUE).scalar_one()) + 1
        version = self._next
        self._next += 1
        self._top = version
        return version

    def finish(self, conn: Connection) -> None:
        """Store the highest version handed out (before the transaction commits)."""
        if self._top is not None:
            conn.execute(_SET_SEQUENCE, {"top": self._top})


@dataclass
class Context:
    conn: Connection
    caller: Caller
    now: datetime
    mutation_id: int
    _version: int | None = None
    events: list[PendingEvent] = field(default_factory=list)
    chunk: ChunkState | None = None  # None: versions straight from the sequence

    def version(self) -> int:
        """The version of this mutation's writes, taken on first use."""
        if self._version is None:
            if self.chunk is None:
                self._version = next_version(self.conn)
            else:
                self._version = self.chunk.take_version(self.conn)
        return self._version

    def notify(
        self, kind: str, data: dict[str, Any], agent_ids: Iterable[int] | None = None
    ) -> None:
        """Send a realtime event once this mutation has committed (None: to every stream)."""
        audience = None if agent_ids is None else frozenset(agent_ids)
        self.events.append(PendingEvent(kind, data, audience))


@dataclass(frozen=True, slots=True)
class PendingEvent:
    kind: str
    data: dict[str, Any]
    agent_ids: frozenset[int] | None


@dataclass
class _Handled:
    result: dict[str, Any] | None  # None: stopped at a gap
    version: int | None
    last_mutation_id: int
    events: list[PendingEvent] = field(default_factory=list)
    hint_agents: frozenset[int] | None = None


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _load_ticket(ctx: Context, ticket_id: int) -> dict[str, Any]:
    query = _TICKET_BY_ID_LOCKED if ctx.conn.dialect.name == "postgresql" else _TICKET_BY_ID
    row = ctx.conn.execute(query, {"ticket_id": ticket_id}).first()
    if row is None or not can_see_ticket(ctx.caller, row._mapping):
        raise Rejected(f"ticket {ticket_id} not found")
    return dict(row._mapping)


def _policy_targets(ctx: Context, ticket: dict[str, Any]) -> dict[str, dict[str, int]] | None:
    policy_id = ticket.get("sla_policy_id")
    if policy_id is None:
        return None
    cached = ctx.chunk.policies if ctx.chunk is not None else {}
    if policy_id not in cached:  # no mutation changes SLA policies: one read per chunk
        cached[policy_id] = ctx.conn.execute(_POLICY_TARGETS, {"policy_id": policy_id}).scalar()
    return cached[policy_id]  # type: ignore[no-any-return]


def _conflicts_out(conflicts: list[FieldConflict]) -> dict[str, dict[str, Any]]:
    return {c.field: plain({"base": c.base, "mine": c.mine, "theirs": c.theirs}) for c in conflicts}


def _write_ticket(ctx: Context, ticket: dict[str, Any], effect: TicketEffect) -> int | None:
    """Apply `effect.changes` (plus derived fields) to the ticket; touch dependents if needed."""
    if not effect.changes:
        return None
    if not can_change_ticket(ctx.caller, ticket):
        raise Rejected(change_denied_reason(ctx.caller))
    changes = follow_up_changes(ticket, effect.changes, ctx.now, _policy_targets(ctx, ticket))
    version = ctx.version()
    ctx.conn.execute(_UPDATE_TICKET, {**changes, "version": version, "ticket_id": ticket["id"]})
    if "group_id" in changes or "assignee_id" in changes:
        _touch_dependents(ctx, ticket, version)
        _record_access_loss(ctx, ticket, changes, version)
    return version


def _record_access_loss(
    ctx: Context, ticket: dict[str, Any], changes: dict[str, Any], version: int
) -> None:
    """The ticket left a group or an assignee: their pulls may have to drop it."""
    old_group = ticket.get("group_id") if "group_id" in changes else None
    old_assignee = ticket.get("assignee_id") if "assignee_id" in changes else None
    if old_group is None and old_assignee is None:
        return
    ctx.conn.execute(
        insert(ACCESS_LOSSES).values(
            ticket_id=ticket["id"], group_id=old_group, agent_id=old_assignee, version=version
        )
    )


def _touch_dependents(ctx: Context, ticket: dict[str, Any], version: int) -> None:
    """Who may see the ticket changed: re-send its thread, ratings, swarms, shared drafts
    and customer."""
    conn, ticket_id = ctx.conn, ticket["id"]
    conn.execute(update(MESSAGES).where(MESSAGES.c.ticket_id == ticket_id).values(version=version))
    conn.execute(update(RATINGS).where(RATINGS.c.ticket_id == ticket_id).values(version=version))
    swarm_ids = select(SWARMS.c.id).where(SWARMS.c.ticket_id == ticket_id)
    conn.execute(
        update(SWARM_MESSAGES)
        .where(SWARM_MESSAGES.c.swarm_id.in_(swarm_ids))
        .values(version=version)
    )
    conn.execute(update(SWARMS).where(SWARMS.c.ticket_id == ticket_id).values(version=version))
    conn.execute(update(DRAFTS).where(DRAFTS.c.ticket_id == ticket_id).values(version=version))
    conn.execute(
        update(CUSTOMERS).where(CUSTOMERS.c.id == ticket["customer_id"]).values(version=version)
    )


def _outcome(conflicts: list[FieldConflict]) -> dict[str, Any]:
    """`conflict` (other fields may still have applied) or `applied`."""
    if conflicts:
        return {"outcome": "conflict", "conflicts": _conflicts_out(conflicts)}
    return {"outcome": "applied"}


def ticket_update(ctx: Context, args: TicketUpdateArgs) -> Applied:
    ticket = _load_ticket(ctx, args.ticket_id)
    group_change = args.fields.group_id
    if group_change is not None:
        target = group_change.to
        if target is not None and (isinstance(target, bool) or not isinstance(target, int)):
            raise Rejected("group_id must be a group id or null")
        reason = group_move_error(ctx.caller, target)
        if reason:
            raise Rejected(reason)
        if (
            target is not None
            and ctx.conn.execute(select(GROUPS.c.id).where(GROUPS.c.id == target)).first() is None
        ):
            raise Rejected(f"group {target} not found")
    effect = ticket_update_effect(ticket, args)
    version = _write_ticket(ctx, ticket, effect)
    return Applied(_outcome(effect.conflicts), version)


def ticket_assign(ctx: Context, args: TicketAssignArgs) -> Applied:
    ticket = _load_ticket(ctx, args.ticket_id)
    reason = assign_target_error(ctx.caller, args.to)
    if reason:
        raise Rejected(reason)
    if args.to is not None:
        active = ctx.conn.execute(select(AGENTS.c.active).where(AGENTS.c.id == args.to)).scalar()
        if not active:
            raise Rejected(f"agent {args.to} not found")
    effect = ticket_assign_effect(ticket, args)
    version = _write_ticket(ctx, ticket, effect)
    return Applied(_outcome(effect.conflicts), version)


def ticket_tags(ctx: Context, args: TicketTagsArgs) -> Applied:
    ticket = _load_ticket(ctx, args.ticket_id)
    effect = ticket_tags_effect(ticket, args)
    version = _write_ticket(ctx, ticket, effect)
    return Applied({"outcome": "applied"}, version)


def message_add(ctx: Context, args: MessageAddArgs) -> Applied:
    ticket = _load_ticket(ctx, args.ticket_id)
    if not can_change_ticket(ctx.caller, ticket):
        raise Rejected(change_denied_reason(ctx.caller))
    existing = ctx.conn.execute(_MESSAGE_BY_ID, {"message_id": args.id}).first()
    if existing is not None:
        same = (existing.ticket_id, existing.author_id, existing.body) == (
            args.ticket_id,
            ctx.caller.agent_id,
            args.body,
        )
        if same:  # a re-sent insert: already there
            return Applied({"outcome": "applied"})
        raise Rejected(f"message id {args.id} is already used")
    version = ctx.version()
    ctx.conn.execute(
        _INSERT_MESSAGE,
        {
            "id": args.id,
            "ticket_id": args.ticket_id,
            "public": args.public,
            "author_kind": "agent",
            "author_id": ctx.caller.agent_id,
            "body": args.body,
            "channel": ticket["channel"],
            "created_at": ctx.now,
            "version": version,
        },
    )
    changes = message_effect_on_ticket(ticket, args, ctx.now)
    ctx.conn.execute(_UPDATE_TICKET, {**changes, "version": version, "ticket_id": args.ticket_id})
    return Applied({"outcome": "applied"}, version)


def agent_availability(ctx: Context, args: AvailabilityArgs) -> Applied:
    current = ctx.conn.execute(
        select(AGENTS.c.availability).where(AGENTS.c.id == ctx.caller.agent_id)
    ).scalar()
    rule = field_outcome(current, args.from_, args.to)
    if rule is FieldRule.CONFLICT:
        conflict = FieldConflict("availability", args.from_, args.to, current)
        return Applied(_outcome([conflict]))
    if rule is FieldRule.NOOP:
        return Applied({"outcome": "applied"})
    version = ctx.version()
    ctx.conn.execute(
        update(AGENTS)
        .where(AGENTS.c.id == ctx.caller.agent_id)
        .values(availability=Availability(args.to), version=version)
    )
    return Applied({"outcome": "applied"}, version)


def mutation_void(ctx: Context, args: VoidArgs) -> Applied:
    """A mutation the client withdrew before sending it: nothing to do, the id is used up."""
    return Applied({"outcome": "applied"})


HANDLERS: dict[str, Callable[[Context, Any], Applied]] = {
    "mutation.void": mutation_void,
    "ticket.update": ticket_update,
    "ticket.assign": ticket_assign,
    "ticket.tags": ticket_tags,
    "message.add": message_add,
    "agent.availability": agent_availability,
}
"""Mutation name -> server rules. A name in domain ARGUMENTS without a handler is rejected."""

from agentdesk.server.macros import HANDLERS as CANNED_HANDLERS  # noqa: E402

HANDLERS.update(CANNED_HANDLERS)

from agentdesk.server.swarms import HANDLERS as SWARM_HANDLERS  # noqa: E402

HANDLERS.update(SWARM_HANDLERS)

from agentdesk.server.merge import HANDLERS as MERGE_HANDLERS  # noqa: E402

HANDLERS.update(MERGE_HANDLERS)

from agentdesk.server.drafts import HANDLERS as DRAFT_HANDLERS  # noqa: E402

HANDLERS.update(DRAFT_HANDLERS)


def apply_mutation(ctx: Context, name: str, raw_args: dict[str, Any]) -> Applied:
    """Run one mutation's rules inside the caller's transaction."""
    try:
        args = parse_args(name, raw_args)
        handler = HANDLERS.get(name)
        if handler is None:
            raise Rejected(f"this server does not support {name!r}")
        return handler(ctx, args)
    except (Rejected, MutationError) as exc:
        return Applied({"outcome": "rejected", "reason": _one_line(str(exc))})


# -- the batch ---------------------------------------------------------------------------


def claim_client(engine: Engine, client_id: str, caller: Caller) -> None:
    """Register the client id to the caller on first use; 403 if another agent owns it."""
    for _attempt in range(2):
        try:
            with write_transaction(engine) as conn:
                owner = conn.execute(
                    select(CLIENTS.c.agent_id).where(CLIENTS.c.client_id == client_id)
                ).scalar()
                if owner is None:
                    conn.execute(
                        insert(CLIENTS).values(
                            client_id=client_id, agent_id=caller.agent_id, last_mutation_id=0
                        )
                    )
                    return
        except IntegrityError:
            continue  # registered concurrently: read it again
        if owner != caller.agent_id:
            raise Problem(403, "this client id belongs to another agent")
        return
    raise Problem(409, "the client id could not be registered; retry")


def _lock_client(conn: Connection, client_id: str) -> int:
    query = _CLIENT_LAST_LOCKED if conn.dialect.name == "postgresql" else _CLIENT_LAST
    return int(conn.execute(query, {"cid": client_id}).scalar_one())


@dataclass
class _ChunkRecords:
    """The results of one chunk's mutations, written together before its transaction commits:
    one multi-row INSERT of the records and one UPDATE of `last_mutation_id` instead of two
    statements per mutation. They still commit with the effects (same transaction)."""

    client_id: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    by_id: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, mutation: MutationIn, result: dict[str, Any]) -> None:
        self.rows.append(
            {
                "client_id": self.client_id,
                "mutation_id": mutation.id,
                "name": mutation.name,
                "result": result,
                "created_at": utcnow(),
            }
        )
        self.by_id[mutation.id] = result

    def flush(self, conn: Connection) -> None:
        if not self.rows:
            return
        conn.execute(_INSERT_RECORDS, self.rows)
        last = self.rows[-1]["mutation_id"]
        conn.execute(_SET_CLIENT_LAST, {"cid": self.client_id, "last": last})
        self.rows = []


def _duplicate(
    conn: Connection, client_id: str, mutation_id: int, pending: _ChunkRecords | None = None
) -> dict[str, Any]:
    stored = pending.by_id.get(mutation_id) if pending is not None else None
    if stored is None:
        stored = conn.execute(_RECORD_RESULT, {"cid": client_id, "mid": mutation_id}).scalar()
    result: dict[str, Any] = {"id": mutation_id, "outcome": "duplicate"}
    if stored:
        result["original_outcome"] = stored.get("outcome")
        for key in ("reason", "conflicts"):
            if stored.get(key) is not None:
                result[key] = stored[key]
    return result


def chunk_size(engine: Engine) -> int:
    """Mutations per transaction on this database (see CHUNK and SQLITE_CHUNK)."""
    return SQLITE_CHUNK if engine.dialect.name == "sqlite" else CHUNK


def _handle_chunk(
    engine: Engine, client_id: str, caller: Caller, mutations: list[MutationIn]
) -> list[_Handled]:
    """Mutations in order in ONE transaction, each inside its own savepoint.

    Each mutation's effects, its stored result and `last_mutation_id` still commit together
    (all of the chunk or none of it), and a commit per chunk instead of per mutation is what
    makes a large offline outbox push quickly. Stops at a gap.
    """
    handled: list[_Handled] = []
    with write_transaction(engine) as conn:
        last = _lock_client(conn, client_id)
        if conn.dialect.name == "postgresql":
            # One lock order for every push (client row, change sequence, then the rows it
            # touches): without it, two pushes each holding a ticket lock and waiting for the
            # sequence (or the other way round) deadlock, and one of them answers 503.
            conn.execute(select(text("value")).select_from(text("change_sequence"))
                         .where(text("id = 1")).with_for_update())  # fmt: skip
        records = _ChunkRecords(client_id)
        state = ChunkState()
        for mutation in mutations:
            one = _handle_in(conn, client_id, caller, mutation, last, records, state)
            handled.append(one)
            last = one.last_mutation_id
            if one.result is None:
                break
        records.flush(conn)
        state.finish(conn)
    return handled


class _Savepoint:
    """A savepoint around one mutation, in plain SQL (the same on SQLite and PostgreSQL):
    SQLAlchemy's `begin_nested` compiles a fresh statement for each of its uniquely named
    savepoints, a noticeable share of a mutation's time in a large push."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        conn.exec_driver_sql("SAVEPOINT agentdesk_mutation")

    def commit(self) -> None:
        self.conn.exec_driver_sql("RELEASE SAVEPOINT agentdesk_mutation")

    def rollback(self) -> None:
        self.conn.exec_driver_sql("ROLLBACK TO SAVEPOINT agentdesk_mutation")
        self.conn.exec_driver_sql("RELEASE SAVEPOINT agentdesk_mutation")


def _handle_in(
    conn: Connection,
    client_id: str,
    caller: Caller,
    mutation: MutationIn,
    last: int,
    records: _ChunkRecords,
    state: ChunkState | None = None,
) -> _Handled:
    """One mutation inside the caller's transaction; `last` is the client's last mutation id.
    Its result goes to `records`, written before the transaction commits."""
    if mutation.id <= last:
        return _Handled(_duplicate(conn, client_id, mutation.id, records), None, last)
    if mutation.id > last + 1:
        return _Handled(None, None, last)
    ctx = Context(conn, caller, utcnow(), mutation.id, chunk=state)
    savepoint = _Savepoint(conn)
    try:
        applied = apply_mutation(ctx, mutation.name, mutation.args)
        if applied.result.get("outcome") == "rejected":
            savepoint.rollback()  # a handler may have written before it refused
            ctx.events.clear()
            applied = Applied(applied.result)
        else:
            savepoint.commit()
    except OperationalError:
        raise
    except Exception:
        savepoint.rollback()
        ctx.events.clear()
        log.exception("mutation %s %s of %s failed", mutation.id, mutation.name, client_id)
        applied = Applied(
            {"outcome": "rejected", "reason": "the server could not apply this mutation"}
        )
    result = {"id": mutation.id, **applied.result}
    records.add(mutation, result)
    return _Handled(result, applied.version, mutation.id, ctx.events, applied.hint_agents)


@router.post(
    "/mutations",
    response_model=PushResponse,
    responses=responses(409, 413, 503),
    summary="Push a batch of mutations (idempotent per client id and mutation id)",
)
def push(
    body: PushRequest, caller: CurrentCaller, state: ServerState = Depends(server_state)
) -> Response:
    if len(body.mutations) > MAX_BATCH:
        raise Problem(413, f"at most {MAX_BATCH} mutations per request")
    claim_client(state.engine, body.client_id, caller)
    results: list[dict[str, Any]] = []
    top_version: int | None = None
    hint_agents: set[int] | None = set()  # None once a write may concern every stream
    last = 0
    try:
        with state.engine.connect() as conn:
            last = int(conn.execute(_CLIENT_LAST, {"cid": body.client_id}).scalar_one())
        size = chunk_size(state.engine)
        for start in range(0, len(body.mutations), size):
            chunk = body.mutations[start : start + size]
            handled_chunk = _handle_chunk(state.engine, body.client_id, caller, chunk)
            for handled in handled_chunk:  # committed: now results and events are real
                last = handled.last_mutation_id
                if handled.result is None:
                    break
                results.append(handled.result)
                if handled.version is not None:
                    top_version = handled.version
                    if handled.hint_agents is None or hint_agents is None:
                        hint_agents = None
                    else:
                        hint_agents |= handled.hint_agents
                for event in handled.events:
                    if event.agent_ids is None:
                        state.broadcaster.publish(event.kind, event.data)
                    else:
                        state.broadcaster.publish_to_agents(event.kind, event.data, event.agent_ids)
            if handled_chunk and handled_chunk[-1].result is None:
                break  # a gap: nothing after it can be applied yet
    except OperationalError as exc:
        if not results:
            raise Problem(503, "the database is busy; retry", headers={"Retry-After": "1"}) from exc
        log.warning("push of %s stopped early: %s", body.client_id, exc)
    finally:
        if top_version is not None:
            state.broadcaster.publish_change(top_version, hint_agents)
    return json_response({"last_mutation_id": last, "results": results})
