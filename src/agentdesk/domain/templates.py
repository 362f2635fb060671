"""Canned-response placeholders: sandboxed Liquid rendering that never hides a missing value.

    context = template_context(ticket=..., customer=..., organisation=..., agent=...)
    result = render(body, context)          # raises TemplateError (message + line)
    result.text, result.missing, result.segments

Rendering uses python-liquid (no file loader, no Python attribute access, bounded loops and
output). A placeholder with no value (unknown name, None or blank field) renders as a marker
that is recorded: `missing` lists the names in order, `segments` splits the output into plain
text and missing slots (for the preview), `text` leaves the slots empty. `| default: "..."`
supplies a value as usual. Field values are data: Liquid never evaluates them, and the two
private-use characters used for the markers are removed from them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from liquid import Environment
    from liquid.exceptions import LiquidError

_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_MAX_OUTPUT = 200_000  # characters a rendered reply may have
_MAX_LOOP = 10_000

_recorded: ContextVar[list[str] | None] = ContextVar("agentdesk_template_missing", default=None)


class TemplateError(ValueError):
    """A malformed template (or a failure while rendering it), with its 1-based line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


def _placeholder_name(root: str, hint: str | None) -> str:
    if hint and hint.endswith(" is undefined"):
        return hint[: -len(" is undefined")].strip("'")
    return root


@cache
def _liquid() -> tuple[Environment, type[LiquidError]]:
    """The sandboxed environment and Liquid's error class, imported on first use.

    python-liquid is imported lazily: it is not needed to start the TUI.
    """
    from liquid import Environment, Undefined
    from liquid.exceptions import LiquidError

    class _RecordingUndefined(Undefined):
        """Renders as a numbered marker and remembers which placeholder had no value."""

        __slots__ = ()

        def __str__(self) -> str:
            names = _recorded.get()
            if names is None:
                return ""
            names.append(_placeholder_name(self.name, self.hint))
            return f"{_OPEN}{len(names) - 1}{_CLOSE}"

    class _SandboxedEnvironment(Environment):
        loop_iteration_limit = _MAX_LOOP
        output_stream_limit = _MAX_OUTPUT
        local_namespace_limit = 10_000
        context_depth_limit = 10

    return _SandboxedEnvironment(undefined=_RecordingUndefined), LiquidError


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered template: the text to send and where values were missing."""

    text: str
    missing: list[str] = field(default_factory=list)
    segments: list[tuple[str, str | None]] = field(default_factory=list)
    """(text, None) for rendered text, ("", name) for a missing placeholder."""

    @property
    def complete(self) -> bool:
        return not self.missing


def check(body: str) -> None:
    """Raise `TemplateError` if `body` does not parse or uses a filter that does not exist."""
    template = _parse(body)
    env, liquid_error = _liquid()
    try:
        filters = template.analyze().filters
    except (liquid_error, RecursionError, ValueError):
        return  # analysis is best effort; rendering reports what remains
    for name, spans in filters.items():
        if name not in env.filters:
            index = min(span.index for span in spans) if spans else 0
            line = body.count("\n", 0, max(index, 0)) + 1
            raise TemplateError(f"unknown filter '{name}'", line)


def _parse(body: str) -> Any:
    """The parsed template (parsed bodies are kept: they are immutable and reused often)."""
    found = _PARSED.get(body)
    if found is not None:
        return found
    template = _parse_uncached(body)
    if len(_PARSED) >= _PARSED_KEEP:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[body] = template
    return template


_PARSED: dict[str, Any] = {}
_PARSED_KEEP = 512


def _parse_uncached(body: str) -> Any:
    env, liquid_error = _liquid()
    try:
        return env.from_string(body)
    except liquid_error as exc:
        raise _template_error(exc, body) from None
    except (RecursionError, ValueError) as exc:
        raise TemplateError(f"cannot parse the template: {exc}") from None


def render(body: str, context: Mapping[str, Any]) -> Rendered:
    """Render `body` with `context` (see `template_context`); raises `TemplateError`."""
    template = _parse(body)
    _env, liquid_error = _liquid()
    names: list[str] = []
    token = _recorded.set(names)
    try:
        raw = template.render(**context)
    except liquid_error as exc:
        raise _template_error(exc, body) from None
    except (RecursionError, ValueError, TypeError, ArithmeticError) as exc:
        raise TemplateError(f"cannot render the template: {exc}") from None
    finally:
        _recorded.reset(token)
    segments: list[tuple[str, str | None]] = []
    missing: list[str] = []
    position = 0
    for match in _MARKER.finditer(raw):
        if match.start() > position:
            segments.append((raw[position : match.start()], None))
        name = names[int(match.group(1))]
        segments.append(("", name))
        if name not in missing:
            missing.append(name)
        position = match.end()
    if position < len(raw):
        segments.append((raw[position:], None))
    text = "".join(part for part, _name in segments)
    return Rendered(text=text, missing=missing, segments=segments)


def _template_error(exc: LiquidError, body: str) -> TemplateError:
    message = " ".join(str(exc.message or type(exc).__name__).split())
    token = exc.token
    if token is not None and token.start_index >= 0 and token.source == body:
        return TemplateError(message, body.count("\n", 0, token.start_index) + 1)
    return TemplateError(message, _guess_line(body, message))


_MARKUP = re.compile(r"{{.*?(?:}}|$)|{%.*?(?:%}|$)", re.DOTALL)


def _guess_line(body: str, message: str) -> int:
    """The line of the first markup that fails on its own; else the template's last line."""
    env, liquid_error = _liquid()
    if "end of expression" in message or "found" in message:
        for match in _MARKUP.finditer(body):
            snippet = match.group(0)
            if snippet.startswith("{%"):
                continue  # block tags fail alone (no end tag): only test output statements
            try:
                env.from_string(snippet)
            except liquid_error:
                return body.count("\n", 0, match.start()) + 1
    return body.count("\n") + 1


# ---- the context ------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """Field values as plain data; blank text and None dropped so they count as missing."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        value = value.replace(_OPEN, "").replace(_CLOSE, "")
        return value if value.strip() else None
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [item for item in (_clean(v) for v in value) if item is not None]
    if value is None:
        return None
    return _clean(str(value))


def _section(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = {key: _clean(value) for key, value in values.items()}
    return {key: value for key, value in cleaned.items() if value is not None}


def first_name(name: str | None) -> str | None:
    if not name or not name.strip():
        return None
    return name.split()[0]


def template_context(
    *,
    ticket: Mapping[str, Any] | None = None,
    customer: Mapping[str, Any] | None = None,
    organisation: Mapping[str, Any] | None = None,
    agent: Mapping[str, Any] | None = None,
    group: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The variables a canned response can use, from plain entity rows (dicts).

    `customer.*`: name, first_name, last_name, email, phone, organisation, tier;
    `organisation.*`: name, domain, tier; `agent.*`: name, first_name, email, signature;
    `ticket.*`: id, subject, status, priority, channel, tags, group. Absent or blank
    values are left out so that using them is reported as missing.
    """
    context: dict[str, Any] = {}
    org_name = (organisation or {}).get("name")
    if customer is not None:
        name = customer.get("name")
        parts = (name or "").split()
        context["customer"] = _section(
            {
                "name": name,
                "first_name": first_name(name),
                "last_name": parts[-1] if len(parts) > 1 else None,
                "email": customer.get("email"),
                "phone": customer.get("phone"),
                "organisation": org_name,
                "tier": customer.get("tier"),
            }
        )
    if organisation is not None:
        context["organisation"] = _section(
            {
                "name": org_name,
                "domain": organisation.get("domain"),
                "tier": organisation.get("tier"),
            }
        )
    if agent is not None:
        context["agent"] = _section(
            {
                "name": agent.get("name"),
                "first_name": first_name(agent.get("name")),
                "email": agent.get("email"),
                "signature": agent.get("signature"),
            }
        )
    if ticket is not None:
        context["ticket"] = _section(
            {
                "id": ticket.get("id"),
                "subject": ticket.get("subject"),
                "status": ticket.get("status"),
                "priority": ticket.get("priority"),
                "channel": ticket.get("channel"),
                "tags": list(ticket.get("tags") or []),
                "group": (group or {}).get("name"),
            }
        )
    return context
