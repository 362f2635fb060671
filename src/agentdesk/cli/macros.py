"""`agentdesk macros list|show|add|edit|rm|import|export` and `ticket reply --macro`.

Canned responses are read from the cache and changed through the outbox (then synced, unless
`--no-sync`), like every other write; the server decides who may change shared ones.
Import/export: a folder of Markdown files with front matter (`domain.canned_markdown`).
`ticket reply ID --macro TITLE_OR_ID` renders the response for the ticket exactly as the
picker does, refuses with the missing placeholder names unless `--allow-missing`, and queues
the reply with the response's field actions as one ordered batch. `--body TEXT` is what the
agent wrote first; the rendered response goes below it (as the picker inserts it).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from agentdesk.cli import account, render
from agentdesk.cli.errors import UserError
from agentdesk.cli.session import open_cache, sync_now, warn
from agentdesk.domain.enums import Priority, Status
from agentdesk.domain.text import visible
from agentdesk.profiles import Profile

QUEUED = "queued (pending sync)"


def register(subparsers: argparse._SubParsersAction) -> None:
    macros = subparsers.add_parser("macros", help="canned responses: list, show, add, edit, ...")
    actions = macros.add_subparsers(title="actions", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="canned responses (fuzzy filter optional)")
    listing.add_argument("query", nargs="?", default="", help="fuzzy filter, e.g. 'rfnd'")
    listing.add_argument("--category", help="only this category")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=run_list)

    show = actions.add_parser("show", help="one canned response (rendered for a ticket)")
    show.add_argument("macro", metavar="TITLE_OR_ID")
    show.add_argument("--ticket", type=_ticket_id, help="render for this ticket")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=run_show)

    add = actions.add_parser("add", help="create a canned response (personal unless --shared)")
    add.add_argument("--title", required=True)
    _content_options(add)
    add.add_argument("--shared", action="store_true", help="for everyone (leads and admins)")
    _no_sync(add)
    add.set_defaults(handler=run_add)

    edit = actions.add_parser("edit", help="change a canned response (no options: $EDITOR)")
    edit.add_argument("macro", metavar="TITLE_OR_ID")
    edit.add_argument("--title")
    _content_options(edit)
    _no_sync(edit)
    edit.set_defaults(handler=run_edit)

    remove = actions.add_parser("rm", help="delete a canned response")
    remove.add_argument("macro", metavar="TITLE_OR_ID")
    _no_sync(remove)
    remove.set_defaults(handler=run_rm)

    export = actions.add_parser("export", help="write every canned response to a folder")
    export.add_argument("folder", type=Path)
    export.add_argument("--mine", action="store_true", help="only personal ones")
    export.set_defaults(handler=run_export)

    importing = actions.add_parser("import", help="create or update from a folder of .md files")
    importing.add_argument("folder", type=Path)
    importing.add_argument("--dry-run", action="store_true", help="only check the files")
    _no_sync(importing)
    importing.set_defaults(handler=run_import)


def _content_options(parser: argparse.ArgumentParser) -> None:
    body = parser.add_mutually_exclusive_group()
    body.add_argument("--body", help="the Liquid template text")
    body.add_argument("--body-file", type=Path, help="read the body from a file ('-': stdin)")
    parser.add_argument("--category")
    parser.add_argument("--tag", action="append", dest="tags", metavar="TAG", help="repeatable")
    parser.add_argument("--set-status", choices=[s.value for s in Status], dest="status")
    parser.add_argument("--set-priority", choices=[p.value for p in Priority], dest="priority")
    parser.add_argument("--add-tag", action="append", default=[], metavar="TAG")
    parser.add_argument("--remove-tag", action="append", default=[], metavar="TAG")
    parser.add_argument("--assign", metavar="EMAIL|none", help="assign the ticket on use")


def _no_sync(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-sync", action="store_true", help="only queue the change")


def _ticket_id(value: str) -> int:
    try:
        number = int(value.lstrip("#"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a ticket number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a ticket number: {value!r}")
    return number


# ---- helpers ---------------------------------------------------------------------------------


def _guard(call: Any) -> Any:
    """Store, mutation and template errors become one line."""
    try:
        return call()
    except ValueError as exc:  # StoreError, MutationError, TemplateError, CannedFileError
        raise UserError(str(exc)) from exc


def _find(cache: Any, wanted: str) -> dict[str, Any]:
    from agentdesk.store.macros import find_canned

    return _guard(lambda: find_canned(cache, wanted))  # type: ignore[no-any-return]


def _read_text(path: Path) -> str:
    try:
        if str(path) == "-":
            return sys.stdin.read()
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from exc


def _actions_from(args: argparse.Namespace, cache: Any, base: dict[str, Any]) -> dict[str, Any]:
    actions = dict(base)
    if args.status:
        actions["status"] = args.status
    if args.priority:
        actions["priority"] = args.priority
    if args.add_tag:
        actions["add_tags"] = list(args.add_tag)
    if args.remove_tag:
        actions["remove_tags"] = list(args.remove_tag)
    if args.assign:
        target = args.assign.strip()
        if target.lower() in ("none", "nobody", "-"):
            actions["assignee_id"] = None
        else:
            agent = cache.agent_by_email(target)
            if agent is None:
                raise UserError(f"no agent with email {target!r} in the cache")
            actions["assignee_id"] = int(agent["id"])
    return actions


def _check_template(body: str, label: str) -> None:
    from agentdesk.domain.templates import TemplateError, check

    try:
        check(body)
    except TemplateError as exc:
        raise UserError(f"{label}: malformed template: {exc}") from None


def finish(profile: Profile, cache: Any, mutation_ids: list[int], no_sync: bool) -> int:
    """Sync (unless told not to) and report what became of the new mutations."""
    if not mutation_ids:
        return 0
    if no_sync:
        print(QUEUED)
        return 0
    outcome = sync_now(profile, cache)
    if not outcome.ok:
        print(QUEUED)
        warn(f"not synced: {outcome.error}")
        return 0
    results = {r.id: r for r in outcome.report.results} if outcome.report else {}
    failed = False
    reasons: list[str] = []
    for mutation_id in mutation_ids:
        result = results.get(mutation_id)
        if result is None or result.outcome in ("applied", "duplicate"):
            continue
        failed = True
        if result.outcome == "conflict":
            fields = ", ".join(sorted(result.conflicts)) or "a field"
            reasons.append(f"conflict on {fields}: see agentdesk conflicts")
        else:
            reasons.append(f"rejected by the server: {render.short(result.reason, 200)}")
    pending = [i for i in mutation_ids if i not in results]
    for reason in dict.fromkeys(reasons):
        print(reason)
    if not failed:
        print(QUEUED if pending else "done (synced)")
    return 1 if failed else 0


# ---- list / show -----------------------------------------------------------------------------


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "category": row.get("category") or "General",
        "tags": list(row.get("tags") or []),
        "actions": dict(row.get("actions") or {}),
        "shared": row.get("owner_id") is None,
        "usage_count": int(row.get("usage_count") or 0),
    }


def run_list(args: argparse.Namespace) -> int:
    from agentdesk.domain.fuzzy import prepare, rank
    from agentdesk.store.macros import usage_scores

    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        rows = cache.canned_responses()
        if args.category:
            rows = [r for r in rows if (r.get("category") or "").lower() == args.category.lower()]
        by_id = {r["id"]: r for r in rows}
        matches = rank(args.query, prepare(rows), usage_scores(cache))
        chosen = [by_id[m.candidate.id] for m in matches]
        if not args.query:
            chosen = rows  # unfiltered: by category and title
        if args.json:
            print(json.dumps({"canned_responses": [_summary(r) for r in chosen]}, indent=2))
            return 0
        if not chosen:
            print("no canned responses" + (f" match {args.query!r}" if args.query else ""))
            return 0
        for row in chosen:
            scope = "shared" if row.get("owner_id") is None else "mine"
            category = render.short(row.get("category") or "General", 20)
            print(f"{category:<20}  {render.short(row['title'], 60):<60}  {scope:<6}  {row['id']}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from agentdesk.domain.canned import describe_actions
    from agentdesk.store.macros import plan_macro

    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        row = _find(cache, args.macro)
        names = {a["id"]: a["name"] for a in cache.agents()}
        payload = _summary(row) | {"body": row["body"]}
        lines = _guard(lambda: describe_actions(row.get("actions"), names))
        plan = None
        if args.ticket is not None:
            plan = _guard(lambda: plan_macro(cache, args.ticket, row))
            payload["rendered"] = plan.rendered.text
            payload["missing"] = plan.rendered.missing
            payload["changes"] = plan.changes
        if args.json:
            print(json.dumps(payload, indent=2, default=str))
            return 0
        print(render.short(row["title"], 200))
        scope = "shared" if row.get("owner_id") is None else "personal"
        print(f"category: {render.short(row.get('category') or 'General', 100)} ({scope})")
        if row.get("tags"):
            print("tags: " + ", ".join(render.short(t, 64) for t in row["tags"]))
        for line in lines:
            print(f"action: {render.short(line, 200)}")
        print()
        if plan is None:
            print(visible(row["body"], multiline=True))
        else:
            print(_marked(plan.rendered.segments))
            if plan.rendered.missing:
                print()
                print("missing: " + ", ".join(plan.rendered.missing))
    return 0


def _marked(segments: list[tuple[str, str | None]]) -> str:
    """Rendered text with each missing placeholder shown as ⟦name⟧ (control chars visible)."""
    parts = []
    for text, missing in segments:
        parts.append(f"⟦{missing}⟧" if missing else visible(text, multiline=True))
    return "".join(parts)


# ---- add / edit / rm -------------------------------------------------------------------------


def run_add(args: argparse.Namespace) -> int:
    from agentdesk.store.macros import create_canned

    body = args.body if args.body is not None else None
    if args.body_file is not None:
        body = _read_text(args.body_file)
    if body is None or not body.strip():
        raise UserError("give the text with --body or --body-file")
    _check_template(body, args.title)
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        actions = _actions_from(args, cache, {})
        new_id, mutation_id = _guard(
            lambda: create_canned(
                cache,
                title=args.title,
                body=body,
                category=args.category or "General",
                tags=args.tags or [],
                actions=actions,
                shared=args.shared,
            )
        )
        print(f"created {new_id}")
        return finish(profile, cache, [mutation_id], args.no_sync)


def run_edit(args: argparse.Namespace) -> int:
    from agentdesk.store.macros import update_canned

    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        row = _find(cache, args.macro)
        body = args.body
        if args.body_file is not None:
            body = _read_text(args.body_file)
        given = any(
            v
            for v in (
                args.title,
                body,
                args.category,
                args.tags,
                args.status,
                args.priority,
                args.add_tag,
                args.remove_tag,
                args.assign,
            )
        )
        if not given:
            fields = _edit_in_editor(row)
        else:
            fields = {
                "title": args.title,
                "body": body,
                "category": args.category,
                "tags": args.tags,
            }
            actions = _actions_from(args, cache, dict(row.get("actions") or {}))
            if actions != (row.get("actions") or {}):
                fields["actions"] = actions
        if fields.get("body") is not None:
            _check_template(fields["body"], row["title"])
        mutation_id = _guard(lambda: update_canned(cache, row["id"], **fields))
        if mutation_id is None:
            print("nothing to change")
            return 0
        return finish(profile, cache, [mutation_id], args.no_sync)


def _edit_in_editor(row: dict[str, Any]) -> dict[str, Any]:
    from agentdesk.domain.canned_markdown import from_markdown, to_markdown

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise UserError("nothing to change: give options, or set $EDITOR to edit in an editor")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "canned-response.md"
        path.write_text(to_markdown(row), encoding="utf-8")
        try:
            code = subprocess.call([*shlex.split(editor), str(path)])
        except OSError as exc:
            raise UserError(f"cannot run the editor {editor!r}: {exc}") from None
        if code != 0:
            raise UserError(f"the editor exited with status {code}; nothing changed")
        doc = _guard(lambda: from_markdown(path.read_text(encoding="utf-8")))
    return {
        "title": doc.title,
        "body": doc.body,
        "category": doc.category,
        "tags": doc.tags,
        "actions": doc.actions,
    }


def run_rm(args: argparse.Namespace) -> int:
    from agentdesk.store.macros import delete_canned

    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        row = _find(cache, args.macro)
        mutation_id = _guard(lambda: delete_canned(cache, row["id"]))
        print(f"deleted {render.short(row['title'], 100)!r}")
        return finish(profile, cache, [mutation_id], args.no_sync)


# ---- export / import ------------------------------------------------------------------------


def run_export(args: argparse.Namespace) -> int:
    from agentdesk.domain.canned_markdown import file_name, to_markdown

    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        rows = cache.canned_responses()
    if args.mine:
        rows = [r for r in rows if r.get("owner_id") is not None]
    folder: Path = args.folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        taken = {p.name for p in folder.glob("*.md")}
        for row in rows:
            (folder / file_name(row["title"], taken)).write_text(to_markdown(row), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write to {folder}: {exc}") from None
    print(f"exported {len(rows)} canned responses to {folder}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from agentdesk.domain.canned_markdown import CannedDoc, from_markdown
    from agentdesk.store.macros import create_canned, update_canned

    folder: Path = args.folder
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder")
    docs: list[tuple[Path, CannedDoc]] = []
    errors: list[str] = []
    for path in sorted(folder.glob("*.md")):
        try:
            doc = from_markdown(path.read_text(encoding="utf-8"))
            _check_template(doc.body, path.name)
        except (OSError, UnicodeDecodeError, ValueError, UserError) as exc:
            errors.append(f"{path.name}: {exc}")
            continue
        docs.append((path, doc))
    if errors:
        for line in errors:
            warn(line)
        raise UserError(f"{len(errors)} file(s) cannot be imported; nothing was changed")
    if not docs:
        raise UserError(f"no .md files in {folder}")
    if args.dry_run:
        print(f"{len(docs)} canned responses are valid")
        return 0
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        rows = cache.canned_responses()
        by_id = {r["id"]: r for r in rows}
        by_title = {(r["title"].lower(), r.get("owner_id") is None): r for r in rows}
        ids: list[int] = []
        created = updated = unchanged = 0
        with cache.write():
            for _path, doc in docs:
                existing = by_id.get(doc.id or "") or by_title.get((doc.title.lower(), doc.shared))
                if existing is None:
                    _new_id, mutation_id = create_canned(
                        cache,
                        title=doc.title,
                        body=doc.body,
                        category=doc.category,
                        tags=doc.tags,
                        actions=doc.actions,
                        shared=doc.shared,
                        canned_id=doc.id,
                    )
                    ids.append(mutation_id)
                    created += 1
                    continue
                found = _guard(
                    lambda existing=existing, doc=doc: update_canned(
                        cache,
                        existing["id"],
                        title=doc.title,
                        body=doc.body,
                        category=doc.category,
                        tags=doc.tags,
                        actions=doc.actions,
                    )
                )
                if found is None:
                    unchanged += 1
                else:
                    ids.append(found)
                    updated += 1
        print(f"imported: {created} created, {updated} updated, {unchanged} unchanged")
        return finish(profile, cache, ids, args.no_sync)


# ---- ticket reply --macro -------------------------------------------------------------------


def run_macro_reply(args: argparse.Namespace) -> int:
    """`agentdesk ticket reply ID --macro TITLE_OR_ID [--body TEXT] [--allow-missing]`."""
    from agentdesk.store.macros import apply_macro, compose, plan_macro

    extra = args.body
    if getattr(args, "body_file", None) is not None:
        extra = _read_text(args.body_file)
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        row = _find(cache, args.macro)
        plan = _guard(lambda: plan_macro(cache, args.id, row))
        missing = plan.rendered.missing
        if missing and not args.allow_missing:
            raise UserError(
                f"{len(missing)} placeholder(s) of {row['title']!r} have no value for "
                f"#{args.id}: {', '.join(missing)} (edit the reply, or use --allow-missing)"
            )
        body = compose(extra, plan.rendered.text)
        ids = _guard(
            lambda: apply_macro(cache, args.id, row, body, public=not getattr(args, "internal", 0))
        )
        for line in plan.action_lines:
            print(f"#{args.id}: {line}")
        return finish(profile, cache, ids, args.no_sync)
