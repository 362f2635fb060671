"""SVG snapshots of the lead screens (dark theme, fixed size, the desk's fixed clock).

Review changes as pictures: `pytest tests/lead/test_snapshots_lead.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path

from lead_desk import NOW
from lead_helpers import until
from textual.pilot import Pilot

from agentdesk.config import Config
from agentdesk.store import Cache
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.distribution import DistributionScreen
from agentdesk.tui.screens.kpi import KpiScreen
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.workload import AgentQueueScreen, WorkloadScreen
from agentdesk.tui.widgets.agent_picker import AgentPicker
from agentdesk.tui.widgets.ticket_table import TicketTable

SIZE = (150, 40)


def make(desk: Cache, tmp_path: Path) -> AgentDeskApp:
    config = Config(path=tmp_path / "config.toml", theme="agentdesk-dark")
    return AgentDeskApp(desk, None, config=config, now=lambda: NOW)


async def ready(pilot: Pilot[object]) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.counts)


def test_workload_board(snap_compare, desk: Cache, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await ready(pilot)
        await pilot.press("W")
        await until(pilot, lambda: isinstance(pilot.app.screen, WorkloadScreen))

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_kpi_dashboard(snap_compare, desk: Cache, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await ready(pilot)
        await pilot.press("K")
        await until(pilot, lambda: isinstance(pilot.app.screen, KpiScreen))
        await until(pilot, lambda: pilot.app.screen.summary is not None)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_agent_picker(snap_compare, desk: Cache, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await ready(pilot)
        await pilot.press("W")
        await until(pilot, lambda: isinstance(pilot.app.screen, WorkloadScreen))
        await pilot.press("enter")  # Ada's tickets
        await until(pilot, lambda: isinstance(pilot.app.screen, AgentQueueScreen))
        await until(pilot, lambda: pilot.app.screen.query_one(TicketTable).row_count == 2)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(pilot.app.screen, AgentPicker))

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_distribution_plan(snap_compare, desk: Cache, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await ready(pilot)
        await pilot.press("D")
        await until(pilot, lambda: isinstance(pilot.app.screen, DistributionScreen))

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)
