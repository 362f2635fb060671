"""Managing canned responses from the picker: new, edit, duplicate, delete.

New and edit open the response as a Markdown file with front matter in `$EDITOR` (the
same format as `agentdesk macros export`); duplicate makes a personal copy; delete asks
first. What the agent may change mirrors the server (`domain.canned.may_manage`): their own
personal responses, and shared ones for leads and admins. Every change goes through the
outbox like any other edit.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App, SuspendNotSupported

from agentdesk.domain.canned import may_manage
from agentdesk.domain.canned_markdown import CannedDoc, CannedFileError, from_markdown, to_markdown
from agentdesk.domain.templates import TemplateError, check
from agentdesk.domain.text import one_line
from agentdesk.store import Cache, StoreError
from agentdesk.store.macros import create_canned, delete_canned, update_canned
from agentdesk.tui.screens.dialogs import ConfirmDialog

NEW_TEMPLATE: dict[str, Any] = {
    "title": "New canned response",
    "category": "Personal",
    "body": "Hi {{ customer.first_name }},\n\n\n\nBest regards,\n{{ agent.signature }}",
    "owner_id": 0,
}


def can_manage(cache: Cache, canned: dict[str, Any]) -> bool:
    me = cache.me()
    if me is None:
        return False
    return may_manage(str(me.get("role") or "agent"), int(me["id"]), canned.get("owner_id"))


def run_editor(app: App[Any], text: str) -> str | None:
    """Edit `text` in the configured editor; None if it failed or exited non-zero."""
    command = shlex.split(app.editor_command())  # type: ignore[attr-defined]
    with tempfile.NamedTemporaryFile(
        "w", suffix=".md", prefix="agentdesk-canned-", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(text)
        path = Path(handle.name)
    try:
        try:
            with app.suspend():
                result = subprocess.run([*command, str(path)], check=False)
        except SuspendNotSupported:  # headless (tests, pipes): run without the terminal
            result = subprocess.run(
                [*command, str(path)], check=False, stdin=subprocess.DEVNULL, capture_output=True
            )
        except OSError as exc:
            app.notify(
                f"Cannot open the editor: {one_line(str(exc), 120)}", severity="error", markup=False
            )
            return None
        if result.returncode != 0:
            app.notify(f"The editor exited with {result.returncode}; nothing changed", markup=False)
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _read_doc(app: App[Any], text: str) -> CannedDoc | None:
    try:
        doc = from_markdown(text)
        check(doc.body)
    except (CannedFileError, TemplateError) as exc:
        app.notify(one_line(str(exc), 200), title="Not saved", severity="error", markup=False)
        return None
    return doc


def new(app: App[Any], cache: Cache, done: Callable[[], None]) -> None:
    text = run_editor(app, to_markdown(NEW_TEMPLATE))
    doc = None if text is None else _read_doc(app, text)
    if doc is None:
        return
    try:
        create_canned(
            cache,
            title=doc.title,
            body=doc.body,
            category=doc.category,
            tags=doc.tags,
            actions=doc.actions,
            shared=doc.shared,
        )
    except (StoreError, ValueError) as exc:
        app.notify(one_line(str(exc), 200), title="Not saved", severity="error", markup=False)
        return
    app.notify(f"Created {one_line(doc.title, 60)!r}", markup=False)
    done()


def edit(app: App[Any], cache: Cache, canned: dict[str, Any], done: Callable[[], None]) -> None:
    if not can_manage(cache, canned):
        app.notify(_denied(canned), severity="warning", markup=False)
        return
    text = run_editor(app, to_markdown({**canned, "id": None}))
    doc = None if text is None else _read_doc(app, text)
    if doc is None:
        return
    try:
        changed = update_canned(
            cache,
            canned["id"],
            title=doc.title,
            body=doc.body,
            category=doc.category,
            tags=doc.tags,
            actions=doc.actions,
        )
    except (StoreError, ValueError) as exc:
        app.notify(one_line(str(exc), 200), title="Not saved", severity="error", markup=False)
        return
    app.notify("Saved" if changed is not None else "Nothing changed", markup=False)
    done()


def duplicate(
    app: App[Any], cache: Cache, canned: dict[str, Any], done: Callable[[], None]
) -> None:
    """A personal copy anyone may make (of a shared response, or of their own)."""
    title = f"{canned['title']} (copy)"[:200]
    try:
        create_canned(
            cache,
            title=title,
            body=canned["body"],
            category=canned.get("category") or "General",
            tags=list(canned.get("tags") or []),
            actions=dict(canned.get("actions") or {}),
            shared=False,
        )
    except (StoreError, ValueError) as exc:
        app.notify(one_line(str(exc), 200), title="Not copied", severity="error", markup=False)
        return
    app.notify(f"Copied as {one_line(title, 60)!r}", markup=False)
    done()


def delete(app: App[Any], cache: Cache, canned: dict[str, Any], done: Callable[[], None]) -> None:
    if not can_manage(cache, canned):
        app.notify(_denied(canned), severity="warning", markup=False)
        return

    def answered(yes: bool | None) -> None:
        if not yes:
            return
        try:
            delete_canned(cache, canned["id"])
        except (StoreError, ValueError) as exc:
            app.notify(one_line(str(exc), 200), title="Not deleted", severity="error", markup=False)
            return
        app.notify(f"Deleted {one_line(canned['title'], 60)!r}", markup=False)
        done()

    scope = "shared (everyone's)" if canned.get("owner_id") is None else "personal"
    app.push_screen(
        ConfirmDialog(f"Delete {one_line(canned['title'], 60)!r}?", f"A {scope} canned response."),
        answered,
    )


def _denied(canned: dict[str, Any]) -> str:
    if canned.get("owner_id") is None:
        return "Only leads and admins may change shared canned responses (ctrl+d makes a copy)"
    return "Only its owner may change a personal canned response"
