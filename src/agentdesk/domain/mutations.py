"""Mutations: every write a client makes, as a named intent with arguments.

The same definitions serve the server (which re-runs the rules) and the client (which applies
them optimistically to its cache and replays pending ones after each pull).

Field edits carry the value the client saw (`from`) and the one it wants (`to`); the rule per
field is `field_outcome`. Appends (messages, swarm messages) and tag set-operations never
conflict. Wire shape: see docs/protocol.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from agentdesk.domain.enums import Availability, Priority, Status
from agentdesk.domain.sla import due_times, next_due

MAX_BODY_CHARS = 1_000_000  # 1 MB of text per message; larger bodies are rejected (422)

TagName = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]


class FieldChange(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Any = Field(default=None, alias="from")
    to: Any


class TicketFields(BaseModel):
    """Editable ticket fields of `ticket.update`; each present one is a {from, to} pair."""

    model_config = ConfigDict(extra="forbid")

    status: FieldChange | None = None
    priority: FieldChange | None = None
    subject: FieldChange | None = None
    group_id: FieldChange | None = None


class TicketUpdateArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket_id: int
    fields: TicketFields


class TicketAssignArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    ticket_id: int
    from_: int | None = Field(default=None, alias="from")
    to: int | None


class TicketTagsArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket_id: int
    add: list[TagName] = []
    remove: list[TagName] = []


class MessageAddArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]  # UUIDv7 made by the client
    ticket_id: int
    body: Annotated[str, StringConstraints(min_length=1, max_length=MAX_BODY_CHARS)]
    public: bool = True


class AvailabilityArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: Availability | None = Field(default=None, alias="from")
    to: Availability


# -- canned responses (macros); rules in agentdesk.domain.canned and server.macros ----------

MAX_TEMPLATE_CHARS = 100_000


class CannedActions(BaseModel):
    """Field changes a canned response makes with its reply; an absent key changes nothing."""

    model_config = ConfigDict(extra="forbid")
    status: Status | None = None
    priority: Priority | None = None
    assignee_id: int | None = None  # present and None: unassign
    add_tags: list[TagName] = []
    remove_tags: list[TagName] = []


CannedTitle = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
CannedBody = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEMPLATE_CHARS)]
CannedCategory = Annotated[str, StringConstraints(max_length=100, strip_whitespace=True)]


class CannedCreateArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]  # UUIDv7 by the client
    title: CannedTitle
    body: CannedBody
    category: CannedCategory = "General"
    tags: list[TagName] = []
    actions: CannedActions = CannedActions()
    shared: bool = False  # shared (owner None): leads and admins only


class CannedFields(BaseModel):
    """Editable fields of `canned_response.update`; each present one is a {from, to} pair."""

    model_config = ConfigDict(extra="forbid")
    title: FieldChange | None = None
    body: FieldChange | None = None
    category: FieldChange | None = None
    tags: FieldChange | None = None
    actions: FieldChange | None = None


class CannedUpdateArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    fields: CannedFields


class CannedDeleteArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class CannedUseArgs(BaseModel):
    """One use of a canned response (its usage count goes up by one)."""

    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    ticket_id: int | None = None


# -- case swarms; server rules in agentdesk.server.swarms -----------------------------------

ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
SwarmText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_BODY_CHARS)]


class SwarmStartArgs(BaseModel):
    """Open a swarm on a ticket (the caller owns it) and invite `member_ids`."""

    model_config = ConfigDict(extra="forbid")
    id: ClientId  # UUIDv7 made by the client
    ticket_id: int
    member_ids: list[int] = Field(min_length=1, max_length=50)
    ask: SwarmText


class SwarmMessageArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: ClientId  # UUIDv7 made by the client
    swarm_id: ClientId
    body: SwarmText


class SwarmInviteArgs(BaseModel):
    """Add members to an open swarm (owner, leads/admins of the ticket's group)."""

    model_config = ConfigDict(extra="forbid")
    swarm_id: ClientId
    member_ids: list[int] = Field(min_length=1, max_length=50)


class SwarmLeaveArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    swarm_id: ClientId


class SwarmCloseArgs(BaseModel):
    """Close a swarm; the summary goes to the ticket as an internal note crediting members."""

    model_config = ConfigDict(extra="forbid")
    swarm_id: ClientId
    summary: SwarmText
    note_id: ClientId | None = None  # UUIDv7 of the ticket note (the server makes one if absent)


MAX_MERGE_SOURCES = 50


class TicketMergeArgs(BaseModel):
    """Merge `source_ids` into `target_id`; `force` (leads only) for different customers."""

    model_config = ConfigDict(extra="forbid")
    source_ids: Annotated[list[int], Field(min_length=1, max_length=MAX_MERGE_SOURCES)]
    target_id: int
    force: bool = False


class TicketUnmergeArgs(BaseModel):
    """Undo a merge for one source: it leaves `target_id` and gets `status` back (from closed).

    Not merged any more is a no-op; merged into another ticket since, or a status someone
    changed since, is a conflict on that field (nothing is undone blindly).
    """

    model_config = ConfigDict(extra="forbid")
    ticket_id: int  # the source ticket
    target_id: int  # the ticket it was merged into
    status: Status | None = None  # the status it had before the merge (None: leave it)


class VoidArgs(BaseModel):
    """A withdrawn mutation: it keeps its place in the client's sequence and does nothing.

    The client turns a still-unsent mutation into this (undo of a reply that has not left),
    so mutation ids stay gap-free; `withdrawn` names what it was, for the record.
    """

    model_config = ConfigDict(extra="forbid")
    withdrawn: Annotated[str, StringConstraints(max_length=64)] = ""


# -- shared drafts (review before sending); server rules in agentdesk.server.drafts ---------

DraftText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_BODY_CHARS)]


class DraftShareArgs(BaseModel):
    """Share (or re-share with more reviewers) the caller's draft on a ticket."""

    model_config = ConfigDict(extra="forbid")
    id: ClientId  # UUIDv7 made by the client
    ticket_id: int
    body: DraftText
    public: bool = True
    reviewer_ids: list[int] = Field(min_length=1, max_length=20)


class DraftEditArgs(BaseModel):
    """Replace the text of an open shared draft (owner or reviewer; the last edit wins)."""

    model_config = ConfigDict(extra="forbid")
    draft_id: ClientId
    body: DraftText


class DraftCommentArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: ClientId  # UUIDv7 made by the client
    draft_id: ClientId
    body: DraftText


class DraftSendArgs(BaseModel):
    """The owner sends the shared draft's current text as a message on its ticket."""

    model_config = ConfigDict(extra="forbid")
    draft_id: ClientId
    message_id: ClientId  # UUIDv7 of the message made by the client


# Mutation name -> argument model. Later features add their names here.
ARGUMENTS: dict[str, type[BaseModel]] = {
    "ticket.update": TicketUpdateArgs,
    "ticket.assign": TicketAssignArgs,
    "ticket.tags": TicketTagsArgs,
    "message.add": MessageAddArgs,
    "agent.availability": AvailabilityArgs,
    "canned_response.create": CannedCreateArgs,
    "canned_response.update": CannedUpdateArgs,
    "canned_response.delete": CannedDeleteArgs,
    "canned_response.use": CannedUseArgs,
    "swarm.start": SwarmStartArgs,
    "swarm.message": SwarmMessageArgs,
    "swarm.invite": SwarmInviteArgs,
    "swarm.leave": SwarmLeaveArgs,
    "swarm.close": SwarmCloseArgs,
    "ticket.merge": TicketMergeArgs,
    "ticket.unmerge": TicketUnmergeArgs,
    "mutation.void": VoidArgs,
    "draft.share": DraftShareArgs,
    "draft.edit": DraftEditArgs,
    "draft.comment": DraftCommentArgs,
    "draft.send": DraftSendArgs,
}


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class FieldRule(StrEnum):
    APPLY = "apply"
    NOOP = "noop"  # already at the wanted value
    CONFLICT = "conflict"


def field_outcome(current: Any, seen: Any, wanted: Any) -> FieldRule:
    """The per-field rule: apply if unchanged since seen, no-op if already wanted, else conflict."""
    if _same(current, wanted):
        return FieldRule.NOOP
    if _same(current, seen):
        return FieldRule.APPLY
    return FieldRule.CONFLICT


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, StrEnum):
        a = a.value
    if isinstance(b, StrEnum):
        b = b.value
    return a == b


class MutationError(ValueError):
    """The mutation is malformed or names an unknown intent (a permanent rejection)."""


def parse_args(name: str, args: dict[str, Any]) -> BaseModel:
    model = ARGUMENTS.get(name)
    if model is None:
        raise MutationError(f"unknown mutation {name!r}")
    try:
        return model.model_validate(args)
    except Exception as exc:  # pydantic.ValidationError
        raise MutationError(f"invalid arguments for {name}: {exc}") from exc


@dataclass
class FieldConflict:
    field: str
    base: Any  # what the client saw
    mine: Any  # what the client wanted
    theirs: Any  # what the server has


@dataclass
class TicketEffect:
    """What applying a mutation to one ticket row does: new values and conflicting fields."""

    changes: dict[str, Any] = field(default_factory=dict)
    conflicts: list[FieldConflict] = field(default_factory=list)


def ticket_update_effect(ticket: dict[str, Any], args: TicketUpdateArgs) -> TicketEffect:
    """Per-field outcome of `ticket.update` against the ticket's current values."""
    effect = TicketEffect()
    for name, change in args.fields:
        if change is None:
            continue
        wanted = _validated_field(name, change.to)
        seen = change.from_
        rule = field_outcome(ticket.get(name), seen, wanted)
        if rule is FieldRule.APPLY:
            effect.changes[name] = wanted
        elif rule is FieldRule.CONFLICT:
            effect.conflicts.append(FieldConflict(name, seen, wanted, ticket.get(name)))
    return effect


def _validated_field(name: str, value: Any) -> Any:
    try:
        if name == "status":
            return Status(value)
        if name == "priority":
            return Priority(value)
    except ValueError as exc:
        raise MutationError(f"invalid {name}: {value!r}") from exc
    if name == "subject" and (not isinstance(value, str) or not value.strip()):
        raise MutationError("subject must be a non-empty string")
    return value


def ticket_assign_effect(ticket: dict[str, Any], args: TicketAssignArgs) -> TicketEffect:
    effect = TicketEffect()
    rule = field_outcome(ticket.get("assignee_id"), args.from_, args.to)
    if rule is FieldRule.APPLY:
        effect.changes["assignee_id"] = args.to
    elif rule is FieldRule.CONFLICT:
        effect.conflicts.append(
            FieldConflict("assignee_id", args.from_, args.to, ticket.get("assignee_id"))
        )
    return effect


def ticket_tags_effect(ticket: dict[str, Any], args: TicketTagsArgs) -> TicketEffect:
    """Tag set-operations commute: never a conflict."""
    tags = list(ticket.get("tags") or [])
    for tag in args.add:
        if tag not in tags:
            tags.append(tag)
    tags = [tag for tag in tags if tag not in set(args.remove)]
    effect = TicketEffect()
    if tags != list(ticket.get("tags") or []):
        effect.changes["tags"] = tags
    return effect


def follow_up_changes(
    ticket: dict[str, Any],
    changes: dict[str, Any],
    now: datetime,
    targets: dict[str, dict[str, int]] | None = None,
) -> dict[str, Any]:
    """Derived fields after `changes`: solved_at, SLA due times and `sla_due_at`, updated_at."""
    merged = {**ticket, **changes}
    derived: dict[str, Any] = {"updated_at": now}
    if "status" in changes:
        done = Status(merged["status"]).is_done
        derived["solved_at"] = (merged.get("solved_at") or now) if done else None
    if "priority" in changes and merged.get("created_at") is not None:
        due = due_times(merged["created_at"], merged["priority"], targets)
        derived["first_reply_due"] = due.first_reply_due
        derived["resolution_due"] = due.resolution_due
    merged.update(derived)
    derived["sla_due_at"] = next_due(
        merged["status"],
        merged.get("first_reply_at"),
        merged.get("first_reply_due"),
        merged.get("resolution_due"),
    )
    return {**changes, **derived}


def message_effect_on_ticket(
    ticket: dict[str, Any], args: MessageAddArgs, now: datetime
) -> dict[str, Any]:
    """A public reply by an agent stamps the first reply (stopping that SLA clock)."""
    changes: dict[str, Any] = {}
    if args.public and ticket.get("first_reply_at") is None:
        changes["first_reply_at"] = now
    return follow_up_changes(ticket, changes, now)


MutationName = Literal[
    "ticket.update",
    "ticket.assign",
    "ticket.tags",
    "message.add",
    "agent.availability",
    "canned_response.create",
    "canned_response.update",
    "canned_response.delete",
    "canned_response.use",
    "swarm.start",
    "swarm.message",
    "swarm.invite",
    "swarm.leave",
    "swarm.close",
    "ticket.merge",
    "ticket.unmerge",
    "mutation.void",
    "draft.share",
    "draft.edit",
    "draft.comment",
    "draft.send",
]
