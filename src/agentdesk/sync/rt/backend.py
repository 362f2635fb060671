"""`RTBackend`: agentdesk's `Backend` interface over Request Tracker 5's REST 2 API.

Pull (the cursor is `rt1:` + JSON, opaque to the engine):
1. `tickets` phase: every ticket the user can see, keyset-paged by id (`id > N`, 100 a page),
   with requestors, owner and queue expanded in the same request (customers, organisations,
   agents and groups come from there). The newest transaction id `W` is taken first.
2. `messages` phase: every Create/Correspond/Comment transaction up to `W`, 100 a page, with
   their text from one attachments search per page (not one request per ticket).
3. `feed` phase (incremental, every poll): transactions with `id > W` on tickets, paged until
   a page is empty; only the tickets they touch are refetched, in one `id = a OR id = b`
   search per 50; message transactions become messages; `W` moves to the newest id seen.
   A quiet poll is one request. Tickets that no longer come back (deleted, merged away, or
   no longer visible) are deleted from the cache.

Push, one mutation at a time, each with a definite result:
- field changes (`ticket.update`, `ticket.assign`, `ticket.tags`): fetch the ticket and its
  ETag, apply the per-field rule of `domain.mutations` against RT's current values (conflicts
  are reported per field, the rest still applies), `PUT` with `If-Match` (412: fetch again and
  recompute), then verify every wanted field on a fresh fetch: RT answers 200 even when a
  change failed, so a field left unchanged makes the mutation `rejected` with RT's words.
- `message.add`: the text carries an invisible marker with the message's UUID
  (`marker.py`). Before posting, the ticket's history is searched for that marker, so a
  message whose earlier attempt timed out, lost its answer or died with the process reaches
  RT exactly once (found: `duplicate`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from html import unescape
from typing import Any

import httpx

from agentdesk.crashpoints import crash_point
from agentdesk.domain.mutations import (
    MessageAddArgs,
    MutationError,
    TicketAssignArgs,
    TicketTagsArgs,
    TicketUpdateArgs,
    VoidArgs,
    parse_args,
    ticket_assign_effect,
    ticket_tags_effect,
    ticket_update_effect,
)
from agentdesk.sync.backend import (
    BackendError,
    Capability,
    Change,
    Event,
    MutationResult,
    OutgoingMutation,
    ProtocolError,
    PullPage,
    TransientError,
)
from agentdesk.sync.rt import mapping, marker
from agentdesk.sync.rt.client import RTClient, RTRequestError, one_line
from agentdesk.sync.rt.settings import RTSettings, decode_secret, load_settings

log = logging.getLogger(__name__)

CURSOR_PREFIX = "rt1:"
REFETCH_CHUNK = 50  # ticket ids per `id = a OR id = b ...` search
STALE_RETRIES = 3  # fetch-compare-PUT rounds when RT keeps answering 412
NO_REQUESTOR = 0  # the customer of tickets without a requestor (RT user ids start at 1)
UNSUPPORTED = {"agent.availability": "Request Tracker has no agent availability"}
_SUCCESS_HINTS = (
    " changed from ",
    " changed to ",
    "added as a value for",
    "is no longer a value for",
    "That is already the current value",
    " set to ",
    "Ticket created",
)


@dataclass
class RTCursor:
    """Where a pull stands: the transaction watermark and the bootstrap phase."""

    watermark: int
    phase: str = "feed"  # "tickets" -> "messages" -> "feed"
    after: int = 0  # the last ticket id / transaction id done in the current phase

    def encode(self) -> str:
        return CURSOR_PREFIX + json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> RTCursor:
        if not text.startswith(CURSOR_PREFIX):
            raise ValueError("not an RT cursor")
        raw = json.loads(text[len(CURSOR_PREFIX) :])
        cursor = cls(int(raw["watermark"]), str(raw["phase"]), int(raw["after"]))
        if cursor.phase not in ("tickets", "messages", "feed"):
            raise ValueError(f"unknown phase {cursor.phase!r}")
        return cursor


class RTBackend:
    """The Request Tracker 5 adapter (built by `agentdesk.sync.connect` for `rt` profiles)."""

    kind = "rt"
    capabilities = frozenset({Capability.STALE_CHECK})

    def __init__(
        self,
        server: str,
        token: str,
        client_id: str | None = None,
        *,
        verify: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float | None = None,
        settings: RTSettings | None = None,
    ) -> None:
        """`token` is the stored secret (`settings.decode_secret`); `client_id` is unused:
        RT has no idempotency key (the delivery marker stands in for it)."""
        user, authorization = decode_secret(token)
        settings = settings or load_settings(server)
        self.poll_interval = settings.poll_interval
        kwargs: dict[str, Any] = {"verify": verify, "transport": transport}
        if timeout is not None:
            kwargs["timeout"] = timeout
        self.client = RTClient(
            server, authorization, max_rps=settings.max_requests_per_second, **kwargs
        )
        self.user = user
        self.mapping = settings.mapping
        # What this process has already sent to the cache (re-sent after a restart: upserts).
        self._known_agents: set[int] = set()
        self._me_id: int | None = None  # the signed-in user, known after the first pull
        self._my_groups: list[int] = []  # the queues they can see
        self._known_groups: set[int] = set()
        self._users: dict[int, dict[str, Any]] = {}  # RT user id -> GET /user answer
        self._requestor_of: dict[int, int] = {}  # ticket id -> first requestor id
        self._delivered: dict[str, int] = {}  # message UUID -> transaction id (this process)

    # -- pull -------------------------------------------------------------------------------
    async def pull(self, cursor: str | None, limit: int) -> PullPage:
        limit = max(limit, 1)
        if cursor:
            try:
                state = RTCursor.decode(cursor)
            except (ValueError, KeyError, TypeError):
                return PullPage(changes=[], cursor="", has_more=True, refetch=True)
        changes: list[Change] = []
        if not cursor:
            state = RTCursor(await self._newest_transaction(), "tickets", 0)
        if self._me_id is None:
            changes += await self._session_rows(state.watermark)
        while len(changes) < limit:
            if state.phase == "tickets":
                done = await self._pull_tickets(state, changes)
                if done:
                    state = RTCursor(state.watermark, "messages", 0)
            elif state.phase == "messages":
                done = await self._pull_messages(state, changes)
                if done:
                    state = RTCursor(state.watermark, "feed", 0)
            else:
                more = await self._pull_feed(state, changes, limit)
                return PullPage(changes=_ordered(changes), cursor=state.encode(), has_more=more)
        return PullPage(changes=_ordered(changes), cursor=state.encode(), has_more=True)

    async def _newest_transaction(self) -> int:
        body = await self.client.get_json(
            "/transactions",
            {
                "query": "ObjectType = 'RT::Ticket'",
                "orderby": "id",
                "order": "DESC",
                "per_page": 1,
            },
        )
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ProtocolError("Request Tracker: /transactions answered without an item list")
        return int(items[0]["id"]) if items else 0

    async def _session_rows(self, version: int) -> list[Change]:
        """Once per process: every queue the user can see, and the signed-in agent, whose
        groups are those queues (so "unassigned in my groups" means something on RT)."""
        changes: list[Change | None] = []
        queues: list[int] = []
        async for items in self.client.search_pages("/queues/all", {"fields": "Name,Description"}):
            for queue in items:
                changes.append(self._group_change(queue, version, force=True))
                if _int(queue.get("id")) is not None:
                    queues.append(int(queue["id"]))
        me = await self.client.user(self.user)
        if me.get("id") is None:
            raise ProtocolError(f"Request Tracker: no user {self.user!r}")
        self._me_id, self._my_groups = int(me["id"]), sorted(queues)
        self._users[self._me_id] = me
        changes.append(self._agent_change(me, version, force=True))
        return [change for change in changes if change is not None]

    async def _pull_tickets(self, state: RTCursor, out: list[Change]) -> bool:
        """One page of tickets after `state.after`; True when there are no more."""
        items = await self.client.search_tickets(
            f"id > {state.after}", mapping.TICKET_FIELDS, mapping.TICKET_EXPAND
        )
        if not items:
            return True
        out += self._ticket_changes(items, state.watermark)
        state.after = max(int(item["id"]) for item in items)
        return False

    async def _pull_messages(self, state: RTCursor, out: list[Change]) -> bool:
        """One page of message transactions up to the watermark; True when done."""
        types = " OR ".join(f"Type = '{kind}'" for kind in mapping.MESSAGE_TYPES)
        query = (
            f"ObjectType = 'RT::Ticket' AND ({types}) "
            f"AND id > {state.after} AND id <= {state.watermark}"
        )
        async for items in self.client.search_pages(
            "/transactions", self._transaction_params(query), max_pages=1
        ):
            out += await self._message_changes(items, state.watermark)
            state.after = max(int(item["id"]) for item in items)
            return False
        return True

    async def _pull_feed(self, state: RTCursor, out: list[Change], limit: int) -> bool:
        """Transactions after the watermark; True when stopped early (more to come)."""
        # Outgoing-mail records change nothing agentdesk shows, and RT filters them by right
        # after paging (a page of them could come back empty): never ask for them.
        query = (
            "ObjectType = 'RT::Ticket' AND Type != 'EmailRecord' "
            f"AND Type != 'CommentEmailRecord' AND id > {state.watermark}"
        )
        transactions: list[dict[str, Any]] = []
        more = False
        async for items in self.client.search_pages(
            "/transactions", self._transaction_params(query)
        ):
            transactions += items
            if len(transactions) >= limit:
                more = True
                break
        if not transactions:
            return False
        newest = max(int(item["id"]) for item in transactions)
        touched = sorted({int(item["ObjectId"]) for item in transactions})
        out += await self._refetch_tickets(touched, newest)
        messages = [item for item in transactions if item.get("Type") in mapping.MESSAGE_TYPES]
        if messages:
            out += await self._message_changes(messages, newest)
        state.watermark = newest
        return more

    @staticmethod
    def _transaction_params(query: str) -> dict[str, Any]:
        return {
            "query": query,
            "orderby": "id",
            "order": "ASC",
            "fields": mapping.TRANSACTION_FIELDS,
            "fields[Creator]": mapping.USER_FIELDS,
        }

    async def _refetch_tickets(self, ticket_ids: list[int], version: int) -> list[Change]:
        changes: list[Change] = []
        for start in range(0, len(ticket_ids), REFETCH_CHUNK):
            chunk = ticket_ids[start : start + REFETCH_CHUNK]
            query = " OR ".join(f"id = {ticket_id}" for ticket_id in chunk)
            items = await self.client.search_tickets(
                query, mapping.TICKET_FIELDS, mapping.TICKET_EXPAND
            )
            changes += self._ticket_changes(items, version)
            seen = {int(item["id"]) for item in items}
            for ticket_id in chunk:
                if ticket_id not in seen:
                    # Deleted, merged into another, or out of the user's sight now.
                    changes.append(Change("ticket", ticket_id, "delete", None, version))
        return changes

    def _ticket_changes(self, items: list[dict[str, Any]], version: int) -> list[Change]:
        changes: list[Change] = []
        for item in items:
            ticket_id = int(item["id"])
            people = mapping.requestors(item)
            for person in people:
                changes += self._customer_changes(person, version)
            owner = item.get("Owner")
            if mapping.user_id(owner) is not None:
                agent = self._agent_change(owner, version)
                if agent is not None:
                    changes.append(agent)
            queue = item.get("Queue")
            if isinstance(queue, dict) and queue.get("id") is not None:
                group = self._group_change(queue, version)
                if group is not None:
                    changes.append(group)
            if people:
                self._requestor_of[ticket_id] = int(people[0]["id"])
            else:
                changes.append(self._placeholder_customer(version))
            row = mapping.ticket_from_rt(item, self.mapping, version, NO_REQUESTOR)
            if row is None:
                changes.append(Change("ticket", ticket_id, "delete", None, version))
            else:
                changes.append(Change("ticket", ticket_id, "upsert", row, version))
        return changes

    @staticmethod
    def _placeholder_customer(version: int) -> Change:
        """RT allows tickets without requestors; agentdesk needs a customer: `(no requestor)`."""
        data = mapping.customer_from_rt(
            {"id": NO_REQUESTOR, "Name": "no-requestor", "RealName": "(no requestor)"}, version
        )
        return Change("customer", NO_REQUESTOR, "upsert", data, version)

    def _customer_changes(self, person: dict[str, Any], version: int) -> list[Change]:
        changes: list[Change] = []
        organisation = str(person.get("Organization") or "").strip()
        if organisation:
            data = mapping.organisation_from_rt(organisation, version)
            changes.append(Change("organisation", data["id"], "upsert", data, version))
        data = mapping.customer_from_rt(person, version)
        changes.append(Change("customer", data["id"], "upsert", data, version))
        return changes

    def _agent_change(
        self, user: dict[str, Any], version: int, *, force: bool = False
    ) -> Change | None:
        agent_id = _int(user.get("id"))
        if agent_id is None or (agent_id in self._known_agents and not force):
            return None
        self._known_agents.add(agent_id)
        data = mapping.agent_from_rt(user, version)
        if agent_id == self._me_id:
            data["group_ids"] = list(self._my_groups)
        return Change("agent", agent_id, "upsert", data, version)

    def _group_change(
        self, queue: dict[str, Any], version: int, *, force: bool = False
    ) -> Change | None:
        group_id = _int(queue.get("id"))
        if group_id is None or (group_id in self._known_groups and not force):
            return None
        self._known_groups.add(group_id)
        data = mapping.group_from_rt(queue, version)
        return Change("group", group_id, "upsert", data, version)

    async def _message_changes(
        self, transactions: list[dict[str, Any]], version: int
    ) -> list[Change]:
        """Messages (and their authors) for Create/Correspond/Comment transactions."""
        texts = await self._texts({int(item["id"]) for item in transactions})
        missing = {
            int(item["ObjectId"])
            for item in transactions
            if item.get("Type") == "Create" and int(item["ObjectId"]) not in self._requestor_of
        }
        if missing:
            await self._load_requestors(sorted(missing))
        changes: list[Change] = []
        for item in transactions:
            creator = item.get("Creator") if isinstance(item.get("Creator"), dict) else {}
            creator_id = _int(creator.get("id"))
            is_agent = False
            if item.get("Type") != "Create" and creator_id not in (None, mapping.SYSTEM_USER_ID):
                user = await self._user(creator_id)
                is_agent = bool(_int(user.get("Privileged")))
                if is_agent:
                    agent = self._agent_change(user, version)
                    if agent is not None:
                        changes.append(agent)
                else:
                    changes += self._customer_changes(user, version)
            ticket_id = int(item["ObjectId"])
            data = mapping.message_from_rt(
                item,
                texts.get(int(item["id"]), ""),
                requestor_id=self._requestor_of.get(ticket_id),
                author_is_agent=is_agent,
                version=version,
            )
            changes.append(Change("message", data["id"], "upsert", data, version))
        return changes

    async def _user(self, user_id: int | None) -> dict[str, Any]:
        if user_id is None:
            return {}
        if user_id not in self._users:
            try:
                self._users[user_id] = await self.client.user(user_id)
            except RTRequestError:
                self._users[user_id] = {"id": user_id, "Name": f"user {user_id}"}
        return self._users[user_id]

    async def _load_requestors(self, ticket_ids: list[int]) -> None:
        for start in range(0, len(ticket_ids), REFETCH_CHUNK):
            chunk = ticket_ids[start : start + REFETCH_CHUNK]
            query = " OR ".join(f"id = {ticket_id}" for ticket_id in chunk)
            items = await self.client.search_tickets(query, "Requestor", {"Requestor": "id"})
            for item in items:
                people = mapping.requestors(item)
                if people:
                    self._requestor_of[int(item["id"])] = int(people[0]["id"])

    async def _texts(self, transaction_ids: set[int]) -> dict[int, str]:
        """The text of each transaction: its first text/plain part (else text/html)."""
        if not transaction_ids:
            return {}
        # Two limits on one field are OR-ed by RT unless told otherwise.
        conditions = [
            {"field": "TransactionId", "operator": ">=", "value": min(transaction_ids)},
            {
                "field": "TransactionId",
                "operator": "<=",
                "value": max(transaction_ids),
                "entry_aggregator": "AND",
            },
        ]
        plain: dict[int, str] = {}
        html: dict[int, str] = {}
        async for items in self.client.search_pages(
            "/attachments",
            {"fields": "TransactionId,ContentType,Content", "orderby": "id", "order": "ASC"},
            json_query=conditions,
        ):
            for item in items:
                transaction_id = _int(item.get("TransactionId"))
                if transaction_id not in transaction_ids:
                    continue
                kind = str(item.get("ContentType") or "").lower()
                content = item.get("Content")
                if not isinstance(content, str):
                    continue
                if kind == "text/plain":
                    plain.setdefault(transaction_id, content)
                elif kind == "text/html":
                    html.setdefault(transaction_id, _html_to_text(content))
            if len(plain) == len(transaction_ids):
                break  # every text found: no need to ask for an empty page
        return {**html, **plain}

    # -- push -------------------------------------------------------------------------------
    async def push(self, mutations: Sequence[OutgoingMutation]) -> list[MutationResult]:
        results: list[MutationResult] = []
        for mutation in mutations:
            try:
                results.append(await self._push_one(mutation))
            except BackendError:
                if results:
                    return results  # definite results for a prefix; the rest goes later
                raise
        return results

    async def _push_one(self, mutation: OutgoingMutation) -> MutationResult:
        try:
            args = parse_args(mutation.name, mutation.args)
        except MutationError as exc:
            return MutationResult(mutation.id, "rejected", str(exc))
        if isinstance(args, VoidArgs):  # withdrawn before it was sent: nothing to do
            return MutationResult(mutation.id, "applied")
        try:
            if isinstance(args, MessageAddArgs):
                return await self._push_message(mutation.id, args)
            if isinstance(args, TicketUpdateArgs | TicketAssignArgs | TicketTagsArgs):
                return await self._push_fields(mutation.id, args)
        except RTRequestError as exc:
            return MutationResult(mutation.id, "rejected", f"Request Tracker: {exc.message}")
        reason = UNSUPPORTED.get(mutation.name, f"Request Tracker cannot do {mutation.name}")
        return MutationResult(mutation.id, "rejected", reason)

    async def _fetch_ticket(self, ticket_id: int) -> tuple[dict[str, Any], dict[str, Any], str]:
        """(RT's ticket, its agentdesk row, ETag). RTRequestError 404 when it is gone."""
        params = {f"fields[{name}]": sub for name, sub in mapping.TICKET_EXPAND.items()}
        response = await self.client.request("GET", f"/ticket/{ticket_id}", params=params)
        try:
            raw = response.json()
        except ValueError as exc:
            raise ProtocolError("Request Tracker: a ticket answer is not JSON") from exc
        row = mapping.ticket_from_rt(raw, self.mapping, 0, 0)
        if row is None:
            raise RTRequestError(404, f"ticket {ticket_id} is deleted")
        return raw, row, response.headers.get("ETag", "")

    async def _push_fields(
        self, mutation_id: int, args: TicketUpdateArgs | TicketAssignArgs | TicketTagsArgs
    ) -> MutationResult:
        if isinstance(args, TicketTagsArgs) and not self.mapping.tags_field:
            return MutationResult(
                mutation_id,
                "rejected",
                "tags are unavailable on this Request Tracker profile (no tags custom field)",
            )
        for _ in range(STALE_RETRIES):
            _, current, etag = await self._fetch_ticket(args.ticket_id)
            try:
                if isinstance(args, TicketUpdateArgs):
                    effect = ticket_update_effect(_as_seen(current, args), args)
                elif isinstance(args, TicketAssignArgs):
                    effect = ticket_assign_effect(current, args)
                else:
                    effect = ticket_tags_effect(current, args)
            except MutationError as exc:
                return MutationResult(mutation_id, "rejected", str(exc))
            conflicts = {
                c.field: {
                    "base": _plain(c.base),
                    "mine": _plain(c.mine),
                    "theirs": _plain(c.theirs),
                }
                for c in effect.conflicts
            }
            if not effect.changes:
                return _field_result(mutation_id, conflicts)
            body = mapping.ticket_fields_to_rt(effect.changes, self.mapping)
            crash_point("rt.push.before_put")
            status, messages = await self.client.update_ticket(args.ticket_id, body, etag)
            if status == 412:
                continue  # changed since we looked: look again
            crash_point("rt.push.after_put")
            _, after, _ = await self._fetch_ticket(args.ticket_id)
            unchanged = [
                name
                for name, wanted in effect.changes.items()
                if not self._took(name, wanted, after)
            ]
            if unchanged:
                words = _failures(messages) or messages or [f"{', '.join(unchanged)} unchanged"]
                return MutationResult(
                    mutation_id, "rejected", "Request Tracker: " + one_line("; ".join(words))
                )
            return _field_result(mutation_id, conflicts)
        raise TransientError(f"ticket {args.ticket_id} keeps changing in Request Tracker; retrying")

    def _took(self, name: str, wanted: Any, after: dict[str, Any]) -> bool:
        """Whether RT now holds `wanted` for the field (compared in RT's own terms)."""
        if name == "status":
            return mapping.status_to_rt(after["status"]) == mapping.status_to_rt(wanted)
        if name == "tags":
            return sorted(after.get("tags") or []) == sorted(wanted)
        return _plain(after.get(name)) == _plain(wanted)

    async def _push_message(self, mutation_id: int, args: MessageAddArgs) -> MutationResult:
        existing = self._delivered.get(args.id) or await self._find_delivered(
            args.ticket_id, args.id
        )
        if existing is not None:
            # No reason on purpose: a duplicate with a reason reads as a rejection.
            log.info("message %s already in RT (transaction %s)", args.id, existing)
            return MutationResult(mutation_id, "duplicate")
        kind = "correspond" if args.public else "comment"
        crash_point("rt.push.before_post")
        transaction_id, _ = await self.client.add_message(
            args.ticket_id, kind, marker.with_marker(args.body, args.id)
        )
        crash_point("rt.push.after_post")
        self._delivered[args.id] = transaction_id
        return MutationResult(mutation_id, "applied")

    async def _find_delivered(self, ticket_id: int, message_id: str) -> int | None:
        """The transaction carrying the message's marker, newest first; None if absent."""
        async for items in self.client.search_pages(
            f"/ticket/{ticket_id}/attachments",
            {"fields": "TransactionId,ContentType,Content", "orderby": "id", "order": "DESC"},
        ):
            for item in items:
                content = item.get("Content")
                if isinstance(content, str) and marker.find(content) == message_id:
                    return _int(item.get("TransactionId"))
        return None

    # -- the rest of the interface ------------------------------------------------------------
    async def events(self) -> AsyncIterator[Event]:  # type: ignore[override]
        """RT pushes nothing: no events (the engine polls)."""
        return
        yield  # pragma: no cover

    async def me(self) -> dict[str, Any]:
        """The signed-in user as an Agent row."""
        user = await self.client.user(self.user)
        return mapping.agent_from_rt(user, 0)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> RTBackend:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


_ENTITY_ORDER = {
    name: index
    for index, name in enumerate(
        ("organisation", "customer", "group", "agent", "ticket", "message")
    )
}


def _ordered(changes: list[Change]) -> list[Change]:
    """Parents before children; the last change of a row wins, duplicates dropped."""
    latest: dict[tuple[str, Any], Change] = {}
    for change in changes:
        key = (change.entity, change.id)
        latest.pop(key, None)
        latest[key] = change
    return sorted(latest.values(), key=lambda change: _ENTITY_ORDER.get(change.entity, 99))


def _as_seen(current: dict[str, Any], args: TicketUpdateArgs) -> dict[str, Any]:
    """RT opens a new ticket by itself on any reply (its "Open Inactive Tickets" scrip): a
    status edit made while the ticket was new does not conflict with that automatic open."""
    change = args.fields.status
    if change is not None and change.from_ == "new" and current.get("status") == "open":
        return {**current, "status": "new"}
    return current


def _field_result(mutation_id: int, conflicts: dict[str, dict[str, Any]]) -> MutationResult:
    if conflicts:
        return MutationResult(mutation_id, "conflict", None, conflicts)
    return MutationResult(mutation_id, "applied")


def _failures(messages: list[str]) -> list[str]:
    return [m for m in messages if not any(hint in m for hint in _SUCCESS_HINTS)]


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _html_to_text(html: str) -> str:
    """Text of an HTML part (only used when a transaction has no text/plain part)."""
    text = re.sub(r"(?is)<(script|style).*?</\1>", "", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>", "\n", text)
    return unescape(re.sub(r"<[^>]+>", "", text)).strip()
