"""`u` after a canned response sent from the ticket screen: an unsent reply is withdrawn with
its field actions; once the reply has left, the fields go back and the app says it stays."""

from __future__ import annotations

from pathlib import Path

from test_macro_tui import desk, make_app, until
from textual.pilot import Pilot

from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.dialogs import ConfirmDialog
from agentdesk.tui.screens.macro_picker import MacroPicker
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.ticket import TicketScreen


def notified(app: AgentDeskApp, text: str) -> bool:
    return any(text in note.message for note in app._notifications)


async def send_thanks(pilot: Pilot[object], app: AgentDeskApp, ticket_id: int) -> None:
    """Open the ticket, insert "Thanks and pending" with `m`, and send it (ctrl+s, y)."""
    app.open_ticket(ticket_id, None, None)
    await until(pilot, lambda: isinstance(app.screen, TicketScreen))
    await pilot.press("m")
    await until(pilot, lambda: isinstance(app.screen, MacroPicker))
    await pilot.press("t", "h", "n", "k")
    picker = app.screen
    assert isinstance(picker, MacroPicker)
    await until(pilot, lambda: picker.shown and picker.shown[0].candidate.title.startswith("Th"))
    await pilot.press("enter")
    screen = app.screen
    assert isinstance(screen, TicketScreen)
    await until(pilot, lambda: "thanks for ticket" in screen.composer.text_area.text)
    await pilot.press("ctrl+s")
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))  # a placeholder is empty
    await pilot.press("y")
    await until(pilot, lambda: isinstance(app.screen, TicketScreen))


async def test_u_withdraws_an_unsent_canned_reply(tmp_path: Path) -> None:
    world, alice = await desk(tmp_path)
    ticket_id = world.ticket_ids[0]
    status = alice.cache.ticket(ticket_id)["status"]
    sent_before = len(world.server_messages(ticket_id))
    app = make_app(alice)  # no server: nothing leaves until the next sync
    async with app.run_test(size=(140, 44)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await send_thanks(pilot, app, ticket_id)
        await until(pilot, lambda: alice.cache.ticket(ticket_id)["status"] == "pending")
        assert any("thanks for ticket" in m.body for m in alice.cache.thread(ticket_id))

        await pilot.press("escape", "u")
        await until(pilot, lambda: notified(app, "Undone: Canned response 'Thanks and pending'"))
        assert alice.cache.ticket(ticket_id)["status"] == status
        assert not any("thanks for ticket" in m.body for m in alice.cache.thread(ticket_id))
    await alice.sync()
    await alice.sync()
    assert len(world.server_messages(ticket_id)) == sent_before  # the reply never left
    assert world.server_ticket(ticket_id)["status"] == status
    assert alice.cache.pending_count() == 0
    await alice.close()


async def test_u_after_the_reply_left_says_it_stays(tmp_path: Path) -> None:
    world, alice = await desk(tmp_path)
    ticket_id = world.ticket_ids[0]
    status = alice.cache.ticket(ticket_id)["status"]
    app = make_app(alice)
    async with app.run_test(size=(140, 44)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await send_thanks(pilot, app, ticket_id)
        await until(pilot, lambda: alice.cache.pending_count() == 4)
        await alice.sync()  # pushed meanwhile (as the app's own sync would)
        await pilot.press("escape", "u")
        await until(pilot, lambda: notified(app, "had already been sent: it stays"))
        assert alice.cache.ticket(ticket_id)["status"] == status
    await alice.sync()
    assert world.server_ticket(ticket_id)["status"] == status
    bodies = [m["body"] for m in world.server_messages(ticket_id)]
    assert sum("thanks for ticket" in body for body in bodies) == 1
    await alice.close()
