"""The sync engine: push the outbox, pull changes, keep going in the background.

`sync_once()` pushes pending mutations in order and in batches, then pulls pages until the
backend has no more; each page is applied by the store in one transaction together with its
cursor. `run()` repeats that on realtime hints, on `nudge()` (a local write) and every
`poll_interval` seconds, with exponential backoff and full jitter on transient failures.

The engine knows backends only through `agentdesk.sync.backend.Backend` and its
capabilities: there is no backend-specific branch here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from agentdesk.crashpoints import crash_point
from agentdesk.domain.text import one_line
from agentdesk.domain.timeutil import utcnow
from agentdesk.sync.backend import (
    AuthError,
    Backend,
    BackendError,
    Capability,
    Change,
    Event,
    ForbiddenError,
    MutationResult,
    OutgoingMutation,
    ProtocolError,
    PullPage,
    TransientError,
)
from agentdesk.sync.state import StateHolder, SyncState, SyncStatus

log = logging.getLogger(__name__)

LOGIN_EXPIRED = "login expired: run agentdesk login"
DEFAULT_POLL_INTERVAL = 30.0  # seconds, unless the backend or the caller says otherwise
MAX_REFETCHES = 3  # in one pass; more means the backend keeps expiring our fresh cursor
PUSH_LOOKAHEAD = 8  # batches read from the outbox at once (pipelined push)
# Mutation families the cache keeps locally when the backend lacks the capability.
LOCAL_LIBRARY_FEATURES: dict[str, Capability] = {"canned_response": Capability.SERVER_MACROS}

ProgressCallback = Callable[[int, int | None], None]  # (rows so far, total if known)
EventListener = Callable[[Event], None]


class SyncStore(Protocol):
    """What the engine needs from the local cache (`agentdesk.store.Cache` fits)."""

    @property
    def cursor(self) -> str | None: ...

    def pending_mutations(self, limit: int = 500) -> Sequence[Any]:
        """Outbox rows with no definite result yet, oldest first (`.id`, `.name`, `.args`)."""
        ...

    def record_results(self, results: Sequence[MutationResult], *, ack_by_pull: bool) -> None: ...

    def note_delivered(self, through: int) -> None:
        """Mutations up to `through` may have reached the backend: never withdraw them."""
        ...

    def release_claims(self, after: int) -> None:
        """A push that certainly sent nothing gives back the rows it claimed above `after`."""
        ...

    def apply_changes(
        self,
        changes: Sequence[Change],
        cursor: str | None,
        last_mutation_id: int | None = None,
        *,
        has_more: bool = False,
    ) -> Any:
        """Upsert/delete the rows, store the cursor, drop acknowledged outbox rows, replay the
        rest: all in one transaction."""
        ...

    def reset_synced_data(self, keep: Collection[str] = ()) -> None:
        """Forget every synced row and the cursor (must-refetch); never the outbox."""
        ...

    def pending_count(self) -> int: ...

    def conflict_count(self) -> int: ...

    def rejected_count(self) -> int: ...


@dataclass
class SyncReport:
    pushed: int = 0
    pulled: int = 0
    pages: int = 0
    refetched: bool = False
    results: list[MutationResult] = field(default_factory=list)  # definite push outcomes


def backoff_delay(attempt: int, *, base: float, cap: float, rng: Callable[[], float]) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    ceiling = min(cap, base * (2 ** min(attempt, 32)))
    return rng() * ceiling


class SyncEngine:
    def __init__(
        self,
        cache: SyncStore,
        backend: Backend,
        *,
        page_size: int = 1000,
        push_batch: int = 500,
        poll_interval: float | None = None,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        rng: Callable[[], float] = random.random,
        realtime: bool = True,
    ) -> None:
        self.cache = cache
        self.backend = backend
        self.page_size = page_size
        self.push_batch = push_batch
        # A backend may say how often it wants polling (Request Tracker: its rt.toml, 15 s).
        self.poll_interval = (
            poll_interval
            if poll_interval is not None
            else float(getattr(backend, "poll_interval", DEFAULT_POLL_INTERVAL))
        )
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._rng = rng
        self.realtime = realtime  # follow the backend's event stream when it has one
        self.state = StateHolder()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._event_listeners: list[EventListener] = []
        self._lock = asyncio.Lock()
        self.refresh_counts()

    # -- observation ---------------------------------------------------------------------
    def subscribe(self, listener: Callable[[SyncState], None]) -> Callable[[], None]:
        return self.state.subscribe(listener)

    def on_event(self, listener: EventListener) -> Callable[[], None]:
        """Realtime events other than change hints (presence, swarm messages...)."""
        self._event_listeners.append(listener)
        return lambda: self._event_listeners.remove(listener)

    def refresh_counts(self) -> None:
        self.state.update(
            pending=self.cache.pending_count(),
            conflicts=self.cache.conflict_count(),
            rejected=self.cache.rejected_count(),
        )

    @property
    def has_presence(self) -> bool:
        """The backend announces who views or replies to a ticket (`announce_presence`)."""
        return Capability.PRESENCE in self.backend.capabilities and hasattr(
            self.backend, "announce_presence"
        )

    async def announce_presence(self, ticket_id: int, state: str) -> bool:
        """Tell the backend this agent is `viewing`/`replying` to a ticket, or has `left`.

        Best effort: False when the backend has no presence or the announcement failed.
        """
        if not self.has_presence:
            return False
        try:
            await self.backend.announce_presence(ticket_id, state)  # type: ignore[attr-defined]
        except BackendError as exc:
            log.info("presence not announced: %s", exc)
            return False
        return True

    # -- one pass --------------------------------------------------------------------------
    async def sync_once(self, progress: ProgressCallback | None = None) -> SyncReport:
        """Push everything pending, then pull until up to date. Raises BackendError."""
        async with self._lock:
            previous = self.state.current.status
            self.state.update(status=SyncStatus.SYNCING, retry_in=None)
            try:
                report = SyncReport()
                await self._push_pending(report)
                await self._pull_all(report, progress, first=self.cache.cursor is None)
            except BackendError as exc:
                self._record_failure(exc)
                raise
            except BaseException:
                self.state.update(status=previous, progress=None)
                raise
            self.refresh_counts()
            self.state.update(
                status=SyncStatus.ONLINE,
                reason=None,
                retry_in=None,
                progress=None,
                last_success_at=utcnow(),
            )
            return report

    async def initial_sync(self, progress: ProgressCallback | None = None) -> SyncReport:
        """The first pass of a fresh cache, reporting rows as they arrive."""
        return await self.sync_once(progress)

    async def _push_pending(self, report: SyncReport) -> None:
        """Push pending mutations in order, `push_batch` per request.

        Pipelined like the pull: batch n's results are recorded in a worker thread while
        batch n+1 is on the wire. That is safe because the backend answered batch n before
        n+1 is sent (order on the server is kept), and results are recorded in order; a
        crash before a result is recorded only means that mutation is sent again and the
        backend answers `duplicate`.
        """
        ack_by_pull = Capability.ACK_BY_PULL in self.backend.capabilities
        while True:
            rows = self.cache.pending_mutations(self.push_batch * PUSH_LOOKAHEAD)
            if not rows:
                return
            recording: asyncio.Future[None] | None = None
            try:
                for start in range(0, len(rows), self.push_batch):
                    chunk = rows[start : start + self.push_batch]
                    local_families = self._local_entities()
                    local = [r for r in chunk if r.name.partition(".")[0] in local_families]
                    if local:
                        # Kept in this cache only: the backend has nowhere to put them.
                        kept = [MutationResult(r.id, "applied") for r in local]
                        await asyncio.to_thread(self.cache.record_results, kept, ack_by_pull=False)
                        report.results.extend(kept)
                        chunk = [r for r in chunk if r not in local]
                        if not chunk:
                            continue
                    batch = [OutgoingMutation(id=r.id, name=r.name, args=r.args) for r in chunk]
                    crash_point("push.before_send")
                    results = await self._send(batch)
                    crash_point("push.after_send")
                    if recording is not None:
                        await self._finish_recording(recording)
                        recording = None
                    if results:
                        recording = asyncio.ensure_future(
                            asyncio.to_thread(
                                self.cache.record_results, results, ack_by_pull=ack_by_pull
                            )
                        )
                    report.pushed += len(results)
                    report.results.extend(results)
                    if len(results) < len(batch):
                        # The backend stopped early; the rest goes next pass (after a pull).
                        return
            finally:
                if recording is not None:
                    await self._finish_recording(recording)

    async def _send(self, batch: list[OutgoingMutation]) -> Sequence[MutationResult]:
        """Push one batch; keep the outbox's account of what may have left (see
        `withdraw_mutation`): a request that could not even connect gives its rows back."""
        try:
            results = await self.backend.push(batch)
        except TransientError as exc:
            if exc.delivered:
                await asyncio.to_thread(self.cache.note_delivered, batch[-1].id)
            else:
                await asyncio.to_thread(self.cache.release_claims, batch[0].id - 1)
            raise
        except BaseException:
            await asyncio.to_thread(self.cache.note_delivered, batch[-1].id)
            raise
        if len(results) < len(batch):  # the rest stay pending, but they did go out
            await asyncio.to_thread(self.cache.note_delivered, batch[-1].id)
        return results

    def _local_entities(self) -> set[str]:
        """Entities this cache keeps as a local library: their mutations are never pushed and
        a re-bootstrap does not wipe them. Canned responses are such a library on backends
        without SERVER_MACROS (Request Tracker)."""
        return {
            family
            for family, needed in LOCAL_LIBRARY_FEATURES.items()
            if needed not in self.backend.capabilities
        }

    async def _finish_recording(self, recording: asyncio.Future[None]) -> None:
        await recording
        crash_point("push.after_record")
        self.refresh_counts()

    async def _pull_all(
        self, report: SyncReport, progress: ProgressCallback | None, *, first: bool = False
    ) -> None:
        """Pull pages until the backend has no more.

        Pipelined: while page n is applied (in a worker thread, so the event loop stays
        free), page n+1 is already being fetched with page n's cursor. Page n's rows and
        cursor commit together, so a crash at any point resumes after the last applied page.
        """
        refetches = 0
        ack = Capability.ACK_BY_PULL in self.backend.capabilities
        page = await self._fetch(self.cache.cursor)
        while True:
            if page.refetch:
                refetches += 1
                if refetches > MAX_REFETCHES:
                    raise ProtocolError("pull: the backend keeps asking for a full refetch")
                log.info("cursor expired: re-bootstrapping (the outbox is kept)")
                await asyncio.to_thread(self.cache.reset_synced_data, self._local_entities())
                report.refetched = True
                page = await self._fetch(None)
                continue
            prefetch = asyncio.ensure_future(self._fetch(page.cursor)) if page.has_more else None
            try:
                await asyncio.to_thread(
                    self.cache.apply_changes,
                    page.changes,
                    page.cursor,
                    page.last_mutation_id if ack else None,
                    has_more=page.has_more,
                )
            except BaseException:
                if prefetch is not None:
                    prefetch.cancel()
                    with contextlib.suppress(BaseException):
                        await prefetch
                raise
            crash_point("pull.after_apply")
            report.pages += 1
            report.pulled += len(page.changes)
            if progress is not None:
                progress(report.pulled, None)
            if first:  # observers (the status bar) see a first sync advance
                self.state.update(progress=(report.pulled, None))
            if prefetch is None:
                return
            page = await prefetch

    async def _fetch(self, cursor: str | None) -> PullPage:
        crash_point("pull.before_fetch")
        page = await self.backend.pull(cursor, self.page_size)
        crash_point("pull.after_fetch")
        return page

    def _record_failure(self, exc: BackendError) -> None:
        self.refresh_counts()
        self.state.update(progress=None)
        if isinstance(exc, AuthError):
            self.state.update(status=SyncStatus.ERROR, reason=LOGIN_EXPIRED)
        elif isinstance(exc, ForbiddenError | ProtocolError):
            self.state.update(status=SyncStatus.ERROR, reason=one_line(str(exc), 300))
        else:
            self.state.update(status=SyncStatus.OFFLINE, reason=one_line(str(exc), 300))

    # -- background loop -------------------------------------------------------------------
    def nudge(self) -> None:
        """Sync soon (a local write happened, or a realtime hint arrived)."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        """Sync until `stop()`: on hints, nudges and every `poll_interval`; back off on errors.

        AuthError parks the loop (status error, outbox kept) until `nudge()` after a new
        login; ProtocolError and ForbiddenError retry at the backoff cap.
        """
        self._stop.clear()
        events = None
        if self.realtime and Capability.REALTIME in self.backend.capabilities:
            events = asyncio.create_task(self._listen(), name="agentdesk-sync-events")
        attempt = 0
        try:
            while not self._stop.is_set():
                self._wake.clear()
                delay: float | None
                try:
                    await self.sync_once()
                    attempt = 0
                    delay = self.poll_interval
                except AuthError:
                    delay = None  # wait for a nudge
                except (ProtocolError, ForbiddenError):
                    delay = self.backoff_cap
                except TransientError as exc:
                    attempt += 1
                    delay = backoff_delay(
                        attempt, base=self.backoff_base, cap=self.backoff_cap, rng=self._rng
                    )
                    if exc.retry_after is not None:
                        delay = max(delay, exc.retry_after)
                    self.state.update(retry_in=delay)
                except Exception as exc:  # a local failure (disk full, cache locked...)
                    log.exception("sync pass failed")
                    reason = one_line(str(exc), 200) or type(exc).__name__
                    self.state.update(status=SyncStatus.ERROR, reason=f"sync failed: {reason}")
                    delay = self.backoff_cap
                await self._sleep(delay)
        finally:
            if events is not None:
                events.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await events

    async def _sleep(self, delay: float | None) -> None:
        """Wait for a nudge, stop() or `delay` seconds (None: no timeout)."""
        if self._stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _listen(self) -> None:
        """Follow the realtime stream; reconnect with backoff. Losing it only delays."""
        attempt = 0
        while not self._stop.is_set():
            try:
                async for event in self.backend.events():
                    attempt = 0
                    if event.kind == "change":
                        self.nudge()
                    else:
                        for listener in list(self._event_listeners):
                            try:
                                listener(event)
                            except Exception:
                                log.exception("event listener failed")
            except AuthError:
                await self._wait_stop(None)
                return
            except BackendError as exc:
                log.info("event stream lost: %s", exc)
            self.nudge()  # hints may have been missed while the stream was down: pull once
            attempt += 1
            await self._wait_stop(
                backoff_delay(attempt, base=self.backoff_base, cap=self.backoff_cap, rng=self._rng)
            )

    async def _wait_stop(self, delay: float | None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=delay)
