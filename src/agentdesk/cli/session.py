"""What the client commands share: the profile's cache, its backend, and one sync pass."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from agentdesk import secrets
from agentdesk.cli.errors import UserError
from agentdesk.domain.text import one_line
from agentdesk.profiles import Profile

SYNC_TIMEOUT_HINT = "queued (pending sync)"


@contextlib.contextmanager
def open_cache(profile: Profile) -> Iterator[Any]:
    """The profile's SQLite cache (created on first use); store errors become one line."""
    from agentdesk.store import Cache, CacheError

    try:
        cache = Cache.open(profile.cache_path)
    except CacheError as exc:
        raise UserError(str(exc)) from exc
    try:
        if profile.agent_id is not None and cache.agent_id != profile.agent_id:
            cache.set_agent_id(profile.agent_id)
        yield cache
    finally:
        cache.close()


def token_for(profile: Profile) -> str | None:
    try:
        return secrets.get_token(profile.name)
    except secrets.SecretStoreError as exc:
        raise UserError(str(exc)) from exc


def not_logged_in(profile: Profile) -> str:
    flag = "" if profile.name == "default" else f" --profile {profile.name}"
    return f"not logged in: run agentdesk{flag} login --server {profile.server} --email ..."


PAGE_SIZE_ENV = "AGENTDESK_SYNC_PAGE_SIZE"
PUSH_BATCH_ENV = "AGENTDESK_SYNC_PUSH_BATCH"


def engine_options() -> dict[str, int]:
    """Tuning knobs from the environment (rows per pull page, mutations per push request)."""
    options: dict[str, int] = {}
    for env, key, top in ((PAGE_SIZE_ENV, "page_size", 5000), (PUSH_BATCH_ENV, "push_batch", 500)):
        value = os.environ.get(env, "").strip()
        if not value:
            continue
        try:
            number = int(value)
        except ValueError:
            raise UserError(f"{env} must be a whole number, not {value!r}") from None
        if not 1 <= number <= top:
            raise UserError(f"{env} must be between 1 and {top}")
        options[key] = number
    return options


@dataclass
class SyncOutcome:
    """One sync attempt from the CLI: ok, or why not (offline, auth, protocol)."""

    ok: bool
    error: str | None = None
    kind: str | None = None  # "offline" | "auth" | "error"
    report: Any = None


def sync_now(
    profile: Profile,
    cache: Any,
    *,
    progress: bool = False,
    require_login: bool = False,
) -> SyncOutcome:
    """One push + pull pass; failures come back as a SyncOutcome, never a traceback."""
    from agentdesk.sync import connect
    from agentdesk.sync.backend import AuthError, BackendError, TransientError
    from agentdesk.sync.engine import LOGIN_EXPIRED, SyncEngine

    token = token_for(profile)
    if token is None:
        if require_login:
            raise UserError(not_logged_in(profile))
        return SyncOutcome(ok=False, error=not_logged_in(profile), kind="auth")
    try:
        backend = connect.open_backend(profile, token, cache.client_id)
    except connect.UnknownBackendError as exc:
        raise UserError(str(exc)) from exc

    async def run() -> Any:
        engine = SyncEngine(cache, backend, **engine_options())
        try:
            if progress:
                return await _with_progress(engine)
            return await engine.sync_once()
        finally:
            await backend.aclose()

    try:
        report = asyncio.run(run())
    except AuthError:
        return SyncOutcome(ok=False, error=LOGIN_EXPIRED, kind="auth")
    except TransientError as exc:
        return SyncOutcome(ok=False, error=one_line(str(exc), 300), kind="offline")
    except BackendError as exc:
        return SyncOutcome(ok=False, error=one_line(str(exc), 300), kind="error")
    except (sqlite3.Error, OSError, ValueError) as exc:  # the local cache (locked, disk full)
        raise UserError(f"sync failed on the local cache: {exc}") from exc
    return SyncOutcome(ok=True, report=report)


async def _with_progress(engine: Any) -> Any:
    """A rich progress bar on stderr while the first sync pulls rows."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return await engine.initial_sync()
    columns = (
        TextColumn("first sync"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("sync", total=None)

        def advance(rows: int, total: int | None) -> None:
            bar.update(task, completed=rows, total=total)

        return await engine.initial_sync(advance)


def warn(message: str) -> None:
    print(f"agentdesk: {message}", file=sys.stderr)
