"""SVG snapshots of every screen in the dark and light themes (fixed size, fixed clock).

Review changes as pictures: `pytest tests/tui/test_snapshots.py --snapshot-update` rewrites
them, and the report on failure shows old and new side by side.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_desk import NOW
from tui_helpers import until

from agentdesk.config import Config
from agentdesk.store import Cache
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.conflicts import ConflictsScreen
from agentdesk.tui.screens.dialogs import ChoiceDialog
from agentdesk.tui.screens.help import HelpScreen
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.ticket import TicketScreen

SIZE = (150, 40)
THEMES = ["agentdesk-dark", "agentdesk-light"]


def make(desk: Cache, tmp_path: Path, theme: str) -> AgentDeskApp:
    config = Config(path=tmp_path / "config.toml", theme=theme)
    return AgentDeskApp(desk, None, config=config, now=lambda: NOW)


async def queue_ready(pilot: Pilot[object]) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.counts)


@pytest.mark.parametrize("theme", THEMES)
def test_queue(snap_compare, desk: Cache, tmp_path: Path, theme: str) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await queue_ready(pilot)
        await pilot.press("5", "space", "j", "j")

    assert snap_compare(make(desk, tmp_path, theme), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_queue_with_customer_and_search_error(
    snap_compare, desk: Cache, tmp_path: Path, theme: str
) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await queue_ready(pilot)
        await pilot.press("c", "slash", *"prio:now")
        await until(pilot, lambda: pilot.app.screen.query_one("#search-error").display)

    assert snap_compare(make(desk, tmp_path, theme), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_ticket(snap_compare, desk: Cache, tmp_path: Path, theme: str) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await queue_ready(pilot)
        await pilot.press("5", "slash", *"#9", "enter")
        await until(pilot, lambda: pilot.app.screen.query_one("TicketTable").row_count == 1)
        await pilot.press("enter", "c")
        await until(pilot, lambda: isinstance(pilot.app.screen, TicketScreen))
        await pilot.press("g")

    assert snap_compare(make(desk, tmp_path, theme), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_help(snap_compare, desk: Cache, tmp_path: Path, theme: str) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await queue_ready(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))

    assert snap_compare(make(desk, tmp_path, theme), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_conflicts(snap_compare, desk: Cache, tmp_path: Path, theme: str) -> None:
    mutation = desk.update_ticket(2, status="pending")
    assert mutation is not None

    class Result:
        id = mutation
        outcome = "conflict"
        reason = None
        conflicts = {"status": {"base": "open", "mine": "pending", "theirs": "solved"}}

    desk.record_results([Result()])

    async def run_before(pilot: Pilot[object]) -> None:
        await queue_ready(pilot)
        await pilot.press("C")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConflictsScreen))

    assert snap_compare(make(desk, tmp_path, theme), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_assign_dialog(snap_compare, desk: Cache, tmp_path: Path, theme: str) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await queue_ready(pilot)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(pilot.app.screen, ChoiceDialog))

    assert snap_compare(make(desk, tmp_path, theme), terminal_size=SIZE, run_before=run_before)


def test_high_contrast_queue(snap_compare, desk: Cache, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await queue_ready(pilot)

    app = make(desk, tmp_path, "agentdesk-high-contrast")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
