"""The hostile corpus through every TUI surface: queue rows, the ticket thread (with a 10 MB
body), the customer pane, the canned-response preview, the lead's workload board and KPI
labels, the swarm list and chat. Each surface must show the text inert (no escape or
invisible character reaches the screen, markup is shown as typed, `[@click=...]` does
nothing) and the app must not crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Static

from agentdesk.config import load_config
from agentdesk.domain.timeutil import to_iso
from agentdesk.store import Cache
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.kpi import KpiScreen
from agentdesk.tui.screens.macro_picker import MacroPicker
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.swarm import SwarmListScreen, SwarmRoomScreen
from agentdesk.tui.screens.ticket import TicketScreen
from agentdesk.tui.screens.workload import WorkloadScreen
from tui.tui_desk import NOW, desk_changes
from tui.tui_helpers import screen_text, until

from .corpus import BIG_BODY, HOSTILE, assert_inert

SIZE = (160, 48)
EVERYTHING = " | ".join(value for key, value in HOSTILE.items() if key != "long_line")
HOSTILE_TICKETS = range(1, len(HOSTILE) + 1)


def hostile_changes() -> list[tuple[str, Any, str, dict[str, Any]]]:
    """The TUI desk with the corpus in every field a person reads."""
    rows = desk_changes(tickets=len(HOSTILE) + 4)
    subjects = list(HOSTILE.values())
    for entity, row_id, _op, data in rows:
        if entity == "ticket" and row_id in HOSTILE_TICKETS:
            data["subject"] = subjects[row_id - 1]
            data["customer_id"] = 4
            data["assignee_id"] = 2
        elif entity == "customer" and row_id == 4:
            data["name"] = HOSTILE["markup"] + HOSTILE["osc52_clipboard"]
            data["notes"] = EVERYTHING
            data["organisation_id"] = 1
        elif entity == "organisation":
            data["name"] = HOSTILE["osc0_title"] + HOSTILE["bidi"]
        elif entity == "agent" and row_id == 2:
            data["name"] = HOSTILE["click_action"] + HOSTILE["sgr_colour"]
        elif entity == "group" and row_id == 2:
            data["name"] = HOSTILE["zero_width"] + HOSTILE["c1_csi"]

    def message(message_id: str, ticket_id: int, body: str) -> None:
        data = {
            "id": message_id,
            "ticket_id": ticket_id,
            "public": True,
            "author_kind": "customer",
            "author_id": 4,
            "body": body,
            "channel": "email",
            "created_at": to_iso(NOW),
            "version": 2,
        }
        rows.append(("message", message_id, "upsert", data))

    message("m-big", 1, BIG_BODY)
    message("m-corpus", 2, "\n".join(HOSTILE.values()))
    canned = {
        "id": "cr-hostile",
        "title": "Hostile " + HOSTILE["osc52_clipboard"],
        "body": "Dear {{ customer.name }}, " + EVERYTHING,
        "category": HOSTILE["markup"],
        "tags": [],
        "actions": {},
        "owner_id": None,
        "usage_count": 1,
        "updated_at": to_iso(NOW),
        "version": 2,
    }
    rows.append(("canned_response", canned["id"], "upsert", canned))
    swarm = {
        "id": "sw-hostile",
        "ticket_id": 2,
        "owner_id": 2,
        "member_ids": [1, 2],
        "ask": HOSTILE["osc0_title"] + HOSTILE["click_action"],
        "status": "open",
        "outcome": None,
        "created_at": to_iso(NOW),
        "closed_at": None,
        "version": 2,
    }
    rows.append(("swarm", swarm["id"], "upsert", swarm))
    for n, text in enumerate(HOSTILE.values()):
        said = {"id": f"sm-{n:02d}", "swarm_id": swarm["id"], "author_id": 2, "body": text,
                "created_at": to_iso(NOW), "version": 2}  # fmt: skip
        rows.append(("swarm_message", said["id"], "upsert", said))
    return rows


async def test_every_surface_shows_the_corpus_inert(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "hostile.sqlite3")
    cache.set_agent_id(1)  # Dana, a lead: the dashboards are reachable
    cache.apply_changes(hostile_changes(), "cursor-1")
    app = AgentDeskApp(cache, None, config=load_config(), now=lambda: NOW)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, QueueScreen))
            await pilot.press("5")  # every ticket
            await until(pilot, lambda: "[@click=app.quit]" in screen_text(pilot))
            assert_inert(screen_text(pilot), "queue rows")
            await pilot.press("c")
            assert_inert(screen_text(pilot), "queue with customer pane")
            await pilot.press("c")
            for ticket_id in HOSTILE_TICKETS:
                app.open_ticket(ticket_id, None, None)
                await until(pilot, lambda: isinstance(app.screen, TicketScreen))
                assert_inert(screen_text(pilot), f"ticket #{ticket_id} thread")
                await pilot.press("c")
                await pilot.pause()
                assert_inert(screen_text(pilot), f"ticket #{ticket_id} customer pane")
                await pilot.press("escape")
                await until(pilot, lambda: isinstance(app.screen, QueueScreen))
            app.open_ticket(2, None, None)
            await until(pilot, lambda: isinstance(app.screen, TicketScreen))
            assert "␛]52;c;ZXZpbA==␇" in screen_text(pilot), "escapes are shown, not dropped"
            await pilot.press("m")
            await until(pilot, lambda: isinstance(app.screen, MacroPicker))
            await pilot.press(*"hostile")
            preview = app.screen.query_one("#macro-preview", Static)
            await until(pilot, lambda: "Dear" in str(preview.render()))
            assert_inert(str(preview.render()), "canned-response preview")
            assert_inert(screen_text(pilot), "canned-response picker")
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, TicketScreen))
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, QueueScreen))
            await pilot.press("W")
            await until(pilot, lambda: isinstance(app.screen, WorkloadScreen))
            await until(pilot, lambda: app.screen.board is not None)
            assert_inert(screen_text(pilot), "workload board")
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, QueueScreen))
            await pilot.press("K")
            await until(pilot, lambda: isinstance(app.screen, KpiScreen))
            await until(pilot, lambda: "reading the last" not in screen_text(pilot))
            assert_inert(screen_text(pilot), "KPI dashboard")
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, QueueScreen))
            await pilot.press("w")
            await until(pilot, lambda: isinstance(app.screen, SwarmListScreen))
            await until(pilot, lambda: bool(app.screen.rows))
            assert_inert(screen_text(pilot), "swarm list")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SwarmRoomScreen))
            room = app.screen
            assert isinstance(room, SwarmRoomScreen)
            await until(pilot, lambda: len(room.message_texts()) >= len(HOSTILE))
            assert any("␛]52;c;ZXZpbA==␇" in text for text in room.message_texts())
            assert_inert("\n".join(room.message_texts()), "swarm chat messages")
            assert_inert(screen_text(pilot), "swarm chat")
            assert app.is_running, "no [@click=...] text acted"
    finally:
        cache.close()
