"""Canned responses as Markdown files with YAML front matter (import/export, `$EDITOR`).

    ---
    title: "Closing: solved"
    category: General
    tags: [closing]
    actions: {status: solved}
    shared: true
    id: 0192...            # optional; set on export so a re-import updates in place
    ---
    Hi {{ customer.first_name }}, ...

Pure text in and out; the caller reads and writes the files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from agentdesk.domain.canned import normal_actions
from agentdesk.domain.mutations import MutationError

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)


class CannedFileError(ValueError):
    """A canned-response file that cannot be read (one line)."""


@dataclass(frozen=True, slots=True)
class CannedDoc:
    title: str
    body: str
    category: str = "General"
    tags: list[str] = field(default_factory=list)
    actions: dict[str, Any] = field(default_factory=dict)
    shared: bool = False
    id: str | None = None


def to_markdown(row: Mapping[str, Any]) -> str:
    """One canned response (a cache row or a `CannedDoc`-like mapping) as a Markdown file."""
    meta: dict[str, Any] = {"title": row["title"], "category": row.get("category") or "General"}
    if row.get("tags"):
        meta["tags"] = list(row["tags"])
    if row.get("actions"):
        meta["actions"] = dict(row["actions"])
    shared = row.get("shared")
    meta["shared"] = bool(shared) if shared is not None else row.get("owner_id") is None
    if row.get("id"):
        meta["id"] = row["id"]
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=False)
    body = str(row.get("body") or "")
    return f"---\n{front}---\n{body}\n"  # from_markdown drops exactly this last newline


def from_markdown(text: str) -> CannedDoc:
    """Parse a file made by `to_markdown` (or by hand); raises `CannedFileError`."""
    found = _FRONT.match(text.lstrip("\ufeff"))
    if found is None:
        raise CannedFileError("no front matter: the file must start with a '---' block")
    try:
        meta = yaml.safe_load(found.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise CannedFileError(f"front matter is not valid YAML{where}") from None
    if not isinstance(meta, dict):
        raise CannedFileError("front matter must be a mapping (key: value lines)")
    unknown = sorted(set(meta) - {"title", "category", "tags", "actions", "shared", "id"})
    if unknown:
        raise CannedFileError(f"unknown front matter keys: {', '.join(map(str, unknown))}")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise CannedFileError("front matter needs a title")
    body = found.group(2)
    if body.endswith("\n"):
        body = body[:-1]
    if not body.strip():
        raise CannedFileError("the body is empty")
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    if not isinstance(tags, list) or not all(isinstance(t, str | int) for t in tags):
        raise CannedFileError("tags must be a list of names")
    actions = meta.get("actions") or {}
    if not isinstance(actions, dict):
        raise CannedFileError("actions must be a mapping")
    try:
        actions = normal_actions(actions)
    except MutationError as exc:
        raise CannedFileError(str(exc)) from None
    shared = meta.get("shared", False)
    if not isinstance(shared, bool):
        raise CannedFileError("shared must be true or false")
    category = meta.get("category") or "General"
    canned_id = meta.get("id")
    return CannedDoc(
        title=title.strip(),
        body=body,
        category=str(category).strip() or "General",
        tags=[str(t).strip() for t in tags],
        actions=actions,
        shared=shared,
        id=None if canned_id is None else str(canned_id),
    )


def file_name(title: str, taken: set[str]) -> str:
    """A safe, unique `slug.md` for a title."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "canned"
    name, n = f"{slug}.md", 2
    while name in taken:
        name, n = f"{slug}-{n}.md", n + 1
    taken.add(name)
    return name
