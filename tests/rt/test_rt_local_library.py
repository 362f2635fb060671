"""On a Request Tracker profile, canned responses are a local library: kept, never rejected."""

from __future__ import annotations

from pathlib import Path

from rt_instance import RTInstance

from agentdesk.store import Cache
from agentdesk.store.macros import create_canned, update_canned
from agentdesk.sync.engine import SyncEngine
from agentdesk.sync.rt import RTBackend, RTSettings


async def test_canned_responses_stay_local_and_ticket_writes_still_reach_rt(
    rt: RTInstance, tmp_path: Path
) -> None:
    rt.start()
    with rt.api("alice") as api:
        ticket = api.create_ticket("Refund please", "rhea@customer.test", "Where is it?")
    cache = Cache.open(tmp_path / "cache.sqlite3")
    backend = RTBackend(
        rt.url, f"alice:{rt.tokens['alice']}", settings=RTSettings(max_requests_per_second=1000)
    )
    engine = SyncEngine(cache, backend)
    try:
        await engine.sync_once()
        canned_id, created = create_canned(cache, title="Refund sent", body="Hi {{ x }}")
        reply = cache.add_message(ticket, "Your refund is on its way.")
        edited = update_canned(cache, canned_id, body="Hello {{ customer.first_name }}")

        report = await engine.sync_once()
        await engine.sync_once()

        outcomes = {r.id: r.outcome for r in report.results}
        assert outcomes.get(created) == "applied" and outcomes.get(edited) == "applied"
        assert cache.pending_count() == 0 and cache.rejected_count() == 0
        [kept] = [c for c in cache.canned_responses() if c["id"] == canned_id]
        assert kept["body"] == "Hello {{ customer.first_name }}"
        assert reply in [m.id for m in cache.thread(ticket)]
    finally:
        await backend.aclose()
        cache.close()
