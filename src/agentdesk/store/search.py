"""The search syntax of the queue and `agentdesk search`, parsed into a `TicketQuery`.

    status:open prio:urgent assignee:me tag:refund channel:chat customer:acme "exact phrase" words

Field filters (values may be comma-separated, meaning "any of"; a leading `-` negates):
`status:` `prio:`/`priority:` `channel:` `assignee:` (`me`, `none`, an email or a name)
`group:` (a name or `mine`) `tag:` `customer:` (name, email or organisation) `sla:`
(`breached`; `at-risk`: due within the hour, not yet breached; `risk`: both; `ok`: more
than an hour left; `none`: no clock running) and `#123` for one ticket.
Other words and "quoted phrases" are full-text terms matched against ticket subjects,
message bodies and customer names/emails. An unknown `field:` raises `ParseError`, whose
message is one line the UI can show as it is.

User text never reaches FTS5 raw: every term becomes a quoted FTS5 string (see
`fts_expression`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from agentdesk.domain.enums import Channel, Priority, Status


class ParseError(ValueError):
    """The query text is not valid; the message says why in one line."""


FIELD_ALIASES: dict[str, str] = {
    "status": "status",
    "prio": "priority",
    "priority": "priority",
    "channel": "channel",
    "assignee": "assignee",
    "assigned": "assignee",
    "group": "group",
    "tag": "tag",
    "customer": "customer",
    "sla": "sla",
    "id": "id",
}

_CLOSED_VALUES: dict[str, tuple[str, ...]] = {
    "status": tuple(s.value for s in Status),
    "priority": tuple(p.value for p in Priority),
    "channel": tuple(c.value for c in Channel),
    "sla": ("breached", "at-risk", "risk", "ok", "none"),
}

_TOKEN = re.compile(
    r"""(?P<neg>-)?(?P<field>[A-Za-z_]+):(?:"(?P<qvalue>[^"]*)"?|(?P<value>\S*))"""
    r"""|"(?P<phrase>[^"]*)"?"""
    r"""|\#(?P<id>\d+)(?=\s|$)"""
    r"""|(?P<word>\S+)"""
)


@dataclass(frozen=True, slots=True)
class Filter:
    """One field filter: the row matches if the field has any of `values` (or none, negated)."""

    field: str
    values: tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True, slots=True)
class TicketQuery:
    """A parsed query: field filters (all must hold) and full-text terms (all must match)."""

    filters: tuple[Filter, ...] = ()
    terms: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    source: str = field(default="", compare=False)

    @property
    def has_text(self) -> bool:
        return bool(self.terms or self.phrases)

    def combined(self, other: TicketQuery | None) -> TicketQuery:
        """Both queries at once (a saved view narrowed by what the user typed)."""
        if other is None:
            return self
        return replace(
            self,
            filters=self.filters + other.filters,
            terms=self.terms + other.terms,
            phrases=self.phrases + other.phrases,
            source=f"{self.source} {other.source}".strip(),
        )


def parse_query(text: str) -> TicketQuery:
    """Parse the search syntax; raises ParseError with a one-line reason."""
    filters: list[Filter] = []
    terms: list[str] = []
    phrases: list[str] = []
    for match in _TOKEN.finditer(text):
        if match.group("field") is not None:
            name = match.group("field").lower()
            canonical = FIELD_ALIASES.get(name)
            if canonical is None:
                known = ", ".join(sorted({f"{k}:" for k in FIELD_ALIASES if k != "assigned"}))
                raise ParseError(f"unknown filter {name}: (use {known})")
            raw = match.group("qvalue")
            if raw is None:
                raw = match.group("value") or ""
            values = tuple(v.strip() for v in raw.split(",") if v.strip())
            if not values:
                raise ParseError(f"{name}: needs a value")
            filters.append(Filter(canonical, _checked(canonical, values), bool(match.group("neg"))))
        elif match.group("phrase") is not None:
            if match.group("phrase").strip():
                phrases.append(match.group("phrase"))
        elif match.group("id") is not None:
            filters.append(Filter("id", (match.group("id"),)))
        else:
            word = match.group("word")
            if _has_word_chars(word):
                terms.append(word)
    return TicketQuery(tuple(filters), tuple(terms), tuple(phrases), text.strip())


def _checked(name: str, values: tuple[str, ...]) -> tuple[str, ...]:
    allowed = _CLOSED_VALUES.get(name)
    if name in ("assignee", "group", "tag", "customer"):
        return values
    if name == "id":
        bad = [v for v in values if not v.lstrip("#").isdigit()]
        if bad:
            raise ParseError(f"id: needs a ticket number, not {bad[0]!r}")
        return tuple(v.lstrip("#") for v in values)
    assert allowed is not None
    out = []
    for value in values:
        lowered = value.lower()
        if lowered == "onhold":
            lowered = "on-hold"
        if lowered not in allowed:
            raise ParseError(f"unknown {name} {value!r} (use {', '.join(allowed)})")
        out.append(lowered)
    return tuple(out)


def _has_word_chars(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def fts_string(text: str) -> str:
    """One FTS5 string literal (a phrase of its tokens); quotes inside are doubled."""
    return '"' + text.replace('"', '""') + '"'


def fts_expression(terms: tuple[str, ...], phrases: tuple[str, ...], prefix: bool = False) -> str:
    """A safe FTS5 MATCH expression requiring every term and phrase. `prefix`: the last term
    also matches words it starts (search-as-you-type)."""
    parts = [fts_string(t) for t in terms if _has_word_chars(t)]
    if prefix and parts:
        parts[-1] += "*"
    parts += [fts_string(p) for p in phrases if _has_word_chars(p)]
    return " AND ".join(parts)
