"""The composer and the shared-draft editor show pasted or loaded hostile text inert, and what
is saved and sent is what was shown (symbols, not escape sequences)."""

from __future__ import annotations

from textual import events
from tui_helpers import screen_text, until

from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.ticket import TicketScreen
from reliability.corpus import FORBIDDEN, HOSTILE, assert_inert

PASTED = "\n".join(HOSTILE[k] for k in ("osc52_clipboard", "csi_clear", "bidi", "zero_width"))


async def test_a_hostile_paste_into_the_composer_is_shown_and_sent_inert(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        app.open_ticket(9, None, None)
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        await pilot.press("r")
        area = screen.composer.text_area
        await until(pilot, lambda: area.has_focus)
        app.post_message(events.Paste(PASTED))  # as the terminal delivers a paste
        await until(pilot, lambda: "clip ␛]52;c;ZXZpbA==␇ board" in area.text)
        assert not FORBIDDEN & set(area.text)
        assert_inert(screen_text(pilot), "composer")
        assert area.text.count("\n") == PASTED.count("\n")  # lines kept

        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.cache.pending_count() == 1)
    [sent] = [m for m in app.cache.thread(9) if m.local_state == "pending"]
    assert "␛[2J" in sent.body and not FORBIDDEN & set(sent.body)
