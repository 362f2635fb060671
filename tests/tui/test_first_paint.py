"""What the first frame needs, and nothing more: lazy imports, and a footer that stays right."""

from __future__ import annotations

import subprocess
import sys

from textual.widgets import Footer
from tui_helpers import screen_text, until

from agentdesk.tui.screens.dialogs import ChoiceDialog
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.ticket import TicketScreen

SIZE = (150, 40)
NOT_AT_START = (
    "pydantic",
    "liquid",
    "agentdesk.domain.mutations",
    "agentdesk.tui.screens.ticket",
    "agentdesk.tui.screens.macro_picker",
    "agentdesk.store.macros",
    "agentdesk.tui.screens.conflicts",
    "agentdesk.tui.screens.help",
    "textual.widgets._text_area",
    "fastapi",
    "httpx",
    "uvicorn",
    "faker",
)


def test_the_app_module_imports_only_what_the_queue_needs() -> None:
    code = (
        "import sys, agentdesk.tui.app, agentdesk.tui.screens.queue\n"
        f"print(' '.join(m for m in {NOT_AT_START!r} if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert found == []


def footer_text(pilot) -> str:
    return screen_text(pilot).splitlines()[-1]


async def test_queue_footer_follows_focus_and_dialogs(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await until(pilot, lambda: "Mark" in footer_text(pilot))
        assert "Open" in footer_text(pilot) and "Search" in footer_text(pilot)
        await pilot.press("v")  # the views list: the table's keys leave the footer
        await until(pilot, lambda: "Mark" not in footer_text(pilot))
        assert "Search" in footer_text(pilot)
        await pilot.press("enter")  # a view chosen: the table has the focus again
        await until(pilot, lambda: "Mark" in footer_text(pilot))
        await pilot.press("s")  # a dialog over the queue, then back
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await until(pilot, lambda: "Mark" in footer_text(pilot))
        assert "Status" in footer_text(pilot) and "Open" in footer_text(pilot)
        await pilot.press("enter")  # the ticket screen is imported on first use
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        await until(pilot, lambda: app.screen.query(Footer) and "Reply" in footer_text(pilot))
