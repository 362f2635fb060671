"""The real sync engine and cache on top of a real RT: offline work, and SIGKILL during push.

The second test runs the real `python -m agentdesk sync` in a subprocess and kills it with
SIGKILL at 20 points of the push (right after RT applied a reply but before the result was
recorded, after the engine got results, around the cache's commits...). At the end every
reply and note is in RT's history exactly once, and the cache agrees.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rt_instance import RTApi, RTInstance

from agentdesk import paths, profiles
from agentdesk.profiles import Profile
from agentdesk.store import Cache
from agentdesk.sync.backend import BackendError
from agentdesk.sync.engine import SyncEngine
from agentdesk.sync.rt import RTBackend, RTSettings, marker


def markers_in_rt(api: RTApi, ticket_ids: list[int]) -> Counter[str]:
    """How many times each agentdesk message id appears in RT's histories."""
    found: Counter[str] = Counter()
    for ticket_id in ticket_ids:
        for _, text in api.message_contents(ticket_id):
            message_id = marker.find(text)
            if message_id:
                found[message_id] += 1
    return found


async def test_replies_written_while_rt_is_down_arrive_once_after_it_starts(
    rt: RTInstance, tmp_path: Path
) -> None:
    rt.start()
    with rt.api("alice") as api:
        ticket = api.create_ticket("Train wifi", "rita@customer.test", "Offline again?")
    cache = Cache.open(tmp_path / "cache.sqlite3")
    settings = RTSettings(max_requests_per_second=1000)
    backend = RTBackend(rt.url, f"alice:{rt.tokens['alice']}", settings=settings)
    engine = SyncEngine(cache, backend)
    try:
        await engine.sync_once()
        assert cache.ticket(ticket) is not None

        rt.stop()
        written = [
            cache.add_message(ticket, "Written on the train."),
            cache.add_message(ticket, "Customer sounded calm.", public=False),
        ]
        assert cache.update_ticket(ticket, status="pending") is not None
        try:
            with pytest.raises(BackendError):
                await engine.sync_once()
            assert cache.pending_count() == 3  # nothing lost, nothing decided
        finally:
            rt.start()

        await engine.sync_once()
        await engine.sync_once()  # a second pass sends nothing again
        assert cache.pending_count() == 0
        with rt.api("alice") as api:
            assert markers_in_rt(api, [ticket]) == Counter({written[0]: 1, written[1]: 1})
            assert api.ticket(ticket)["Status"] == "stalled"
        thread = cache.thread(ticket)
        assert [m.id for m in thread].count(written[0]) == 1
        assert [m.id for m in thread].count(written[1]) == 1
        assert [m.body for m in thread if m.id in written] == [
            "Written on the train.",
            "Customer sounded calm.",
        ]
        assert cache.ticket(ticket)["status"] == "pending"
    finally:
        await backend.aclose()
        cache.close()


async def test_stale_edit_is_a_conflict_and_a_refused_owner_a_rejection_in_the_cache(
    rt: RTInstance, tmp_path: Path
) -> None:
    rt.start()
    with rt.api("alice") as api:
        stale = api.create_ticket("Stale edit", "vera@customer.test", "Status race")
        refused = api.create_ticket("Refused owner", "walt@customer.test", "Dave, please")
        dave_id = int(api.user("dave")["id"])
    cache = Cache.open(tmp_path / "cache.sqlite3")
    settings = RTSettings(max_requests_per_second=1000)
    backend = RTBackend(rt.url, f"alice:{rt.tokens['alice']}", settings=settings)
    engine = SyncEngine(cache, backend)
    try:
        await engine.sync_once()
        with rt.api("bob") as bob:
            bob.update(stale, Status="resolved")  # someone else, while we were not looking
        assert cache.update_ticket(stale, status="pending") is not None
        assert cache.assign_ticket(refused, dave_id) is not None
        await engine.sync_once()

        (conflict,) = [c for c in cache.conflicts() if c.ticket_id == stale]
        assert (conflict.field, conflict.base, conflict.mine, conflict.theirs) == (
            "status",
            "new",
            "pending",
            "solved",
        )
        (rejected,) = [row for row in cache.outbox_rows() if row.state == "rejected"]
        assert rejected.args["ticket_id"] == refused
        assert "That user may not own tickets in that queue" in (rejected.reason or "")
        assert cache.ticket(refused)["assignee_id"] is None  # the local change rolled back
        with rt.api("alice") as api:
            assert api.ticket(stale)["Status"] == "resolved"
            assert api.ticket(refused)["Owner"]["id"] == "Nobody"
    finally:
        await backend.aclose()
        cache.close()


# 20 points: RT's own steps in the adapter, the engine's, and the cache's commits.
CRASH_POINTS = (
    [("rt.push.after_post", n) for n in (1, 2, 1, 2, 1, 2, 3)]
    + [("rt.push.before_post", n) for n in (1, 2, 1)]
    + [("rt.push.after_put", 1)] * 2
    + [("push.after_send", n) for n in (1, 2, 3)]
    + [("push.after_record", n) for n in (1, 2)]
    + [("store.after_commit", n) for n in (1, 3)]
    + [("store.before_commit", 2)]
)


def run_sync(rt: RTInstance, home: Path, crash: str | None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AGENTDESK_HOME": str(home),
        "AGENTDESK_TOKEN": f"alice:{rt.tokens['alice']}",
        "AGENTDESK_SYNC_PUSH_BATCH": "1",
    }
    env.pop("AGENTDESK_CRASH_AT", None)
    if crash:
        env["AGENTDESK_CRASH_AT"] = crash
    return subprocess.run(
        [sys.executable, "-m", "agentdesk", "sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


_INTEGRITY = (
    "import sqlite3, sys\n"
    "conn = sqlite3.connect(sys.argv[1])\n"
    "print(conn.execute('PRAGMA integrity_check').fetchone()[0])\n"
    "conn.close()\n"
)


def integrity(path: Path) -> str:
    """`PRAGMA integrity_check` from a separate process, like any other reader of the file."""
    done = subprocess.run(
        [sys.executable, "-c", _INTEGRITY, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout.strip() or done.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_sigkill_at_20_points_during_push_every_reply_once_in_rt(
    rt: RTInstance, agentdesk_home: Path
) -> None:
    assert len(CRASH_POINTS) == 20
    rt.start()
    with rt.api("alice") as api:
        tickets = [
            api.create_ticket(f"Crash test {n}", f"crash{n}@customer.test", "Hello") for n in (1, 2)
        ]
        alice_id = int(api.user("alice")["id"])
    (paths.config_dir()).mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / "rt.toml").write_text("max_requests_per_second = 200\n")
    profiles.upsert(Profile("default", rt.url, "alice", backend="rt", agent_id=alice_id))
    cache_path = paths.cache_file("default")
    first = run_sync(rt, agentdesk_home, None)
    assert first.returncode == 0, first.stderr

    written: list[str] = []
    missed: list[str] = []
    statuses = ["open", "pending"]
    for round_no, (label, n) in enumerate(CRASH_POINTS):
        cache = Cache.open(cache_path)
        try:
            ticket = tickets[round_no % 2]
            written.append(cache.add_message(ticket, f"Reply {round_no}"))
            written.append(cache.add_message(ticket, f"Note {round_no}", public=False))
            cache.update_ticket(ticket, status=statuses[(round_no // 2) % 2])
        finally:
            cache.close()
        assert integrity(cache_path) == "ok", f"after queueing round {round_no}"
        result = run_sync(rt, agentdesk_home, f"{label}:{n}")
        assert result.returncode in (0, -signal.SIGKILL), result.stderr
        if result.returncode == 0:
            missed.append(f"{label}:{n}")
        assert integrity(cache_path) == "ok", f"after a kill at {label}:{n}"

    for _ in range(2):
        final = run_sync(rt, agentdesk_home, None)
        assert final.returncode == 0, final.stderr

    with rt.api("alice") as api:
        found = markers_in_rt(api, tickets)
    assert {message_id: found[message_id] for message_id in written} == dict.fromkeys(written, 1)
    cache = Cache.open(cache_path)
    try:
        assert cache.outbox_rows() == []
        local = Counter(m.id for ticket in tickets for m in cache.thread(ticket))
        assert all(local[message_id] == 1 for message_id in written)
    finally:
        cache.close()
    assert len(missed) <= 2, f"crash points never reached: {missed}"
