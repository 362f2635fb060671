"""`?`: every key of the screen with its remappable id, headed by where to remap it."""

from __future__ import annotations

from tui_helpers import screen_text, until

from agentdesk.tui.screens.help import HelpScreen
from agentdesk.tui.screens.queue import QueueScreen


async def test_help_lists_keys_with_their_keymap_ids(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(150, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = screen_text(pilot)
        assert "Id (for [keymap])" in text  # a label, not markup
        assert "queue.merge" in text and "app.undo" in text
