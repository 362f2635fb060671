"""The canned-response picker's keys come from `[keymap]`; the palette opens the picker."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Input, OptionList
from tui_helpers import screen_text, until

from agentdesk.config import load_config
from agentdesk.store import Cache
from agentdesk.store.macros import create_canned
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.macro_picker import MacroPicker
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.ticket import TicketScreen
from agentdesk.tui.widgets.ticket_table import TicketTable

SIZE = (150, 40)


def add_responses(desk: Cache) -> None:
    create_canned(desk, title="Alpha greeting", body="Hello {{ customer.first_name }}")
    create_canned(desk, title="Beta refund", body="Refund is on its way.")
    create_canned(desk, title="Gamma closing", body="Closing this one.")


def write_keymap(home: Path, lines: str) -> Path:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("[keymap]\n" + lines, encoding="utf-8")
    return path


async def open_ticket_screen(app: AgentDeskApp, pilot) -> TicketScreen:
    await until(pilot, lambda: isinstance(app.screen, QueueScreen))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, TicketScreen))
    screen = app.screen
    assert isinstance(screen, TicketScreen)
    return screen


async def picker_ready(app: AgentDeskApp, pilot) -> MacroPicker:
    await until(pilot, lambda: isinstance(app.screen, MacroPicker) and bool(app.screen.shown))
    picker = app.screen
    assert isinstance(picker, MacroPicker)
    await until(pilot, lambda: isinstance(app.focused, Input))
    return picker


def highlighted(picker: MacroPicker) -> int | None:
    return picker.query_one(OptionList).highlighted


async def test_picker_keys_follow_the_keymap(make_app, desk: Cache, agentdesk_home: Path) -> None:
    add_responses(desk)
    path = write_keymap(
        agentdesk_home,
        '"macros.next" = "f6"\n'  # line 2
        '"macros.previous" = "f5"\n'
        '"macros.cancel" = "ctrl+g"\n'
        '"macros.new" = "j"\n'  # line 5: typed into the filter, refused
        '"macros.edit" = "ctrl+o"\n',  # line 6: clashes with macros.new
    )
    app = make_app(load_config())
    async with app.run_test(size=SIZE) as pilot:
        ticket = await open_ticket_screen(app, pilot)
        notices = "\n".join(app.notices)
        assert f"{path}:5: keymap: 'macros.new' = 'j': the canned-response picker types" in notices
        assert (
            f"{path}:6: keymap: 'macros.edit' = 'ctrl+o' clashes with 'macros.new' on key"
            " 'ctrl+o' (canned-response picker)" in notices
        )
        assert "macros.next" not in notices and "macros.cancel" not in notices

        await pilot.press("m")
        picker = await picker_ready(app, pilot)
        hint = screen_text(pilot)
        assert "f5/f6 choose" in hint and "ctrl+g cancel" in hint
        assert "ctrl+o new" in hint and "ctrl+e edit" in hint  # refused remaps keep defaults
        assert highlighted(picker) == 0
        await pilot.press("f6", "f6")
        await until(pilot, lambda: highlighted(picker) == 2)
        await pilot.press("f5")
        await until(pilot, lambda: highlighted(picker) == 1)
        await until(pilot, lambda: "Refund is on its way." in screen_text(pilot))
        await pilot.press("down")  # no longer bound: the highlight stays
        await pilot.pause()
        assert highlighted(picker) == 1
        await pilot.press("j")  # a printable key is typing, as the refusal said
        await until(pilot, lambda: picker.query_one(Input).value == "j")
        await pilot.press("escape")  # remapped away: the picker stays open
        await pilot.pause()
        assert app.screen is picker
        await pilot.press("ctrl+g")
        await until(pilot, lambda: app.screen is ticket)
        assert not ticket.composer.is_open  # cancelled: nothing inserted


async def test_palette_inserts_a_canned_response_on_the_ticket(make_app, desk: Cache) -> None:
    add_responses(desk)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        ticket = await open_ticket_screen(app, pilot)
        await pilot.press("colon")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Insert canned")
        await until(pilot, lambda: "Insert canned response" in screen_text(pilot))
        assert "key: m" in screen_text(pilot)
        await pilot.press("enter")
        picker = await picker_ready(app, pilot)
        assert f"Canned response for #{ticket.ticket_id}" in screen_text(pilot)
        await pilot.press(*"beta")
        await until(pilot, lambda: picker.shown[0].candidate.title == "Beta refund")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is ticket)
        area = ticket.composer.text_area
        await until(pilot, lambda: "Refund is on its way." in area.text)


async def test_palette_picker_from_the_queue_targets_the_marked_tickets(
    make_app, desk: Cache
) -> None:
    add_responses(desk)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        table = app.screen.query_one(TicketTable)
        await pilot.press("space", "space")
        await until(pilot, lambda: len(table.marks) == 2)
        await pilot.press("colon")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Insert canned")
        await until(pilot, lambda: "Insert canned response" in screen_text(pilot))
        await pilot.press("enter")
        await picker_ready(app, pilot)
        assert "Canned response for 2 marked tickets" in screen_text(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert len(table.marks) == 2  # cancelled: nothing sent, marks kept


async def test_typing_then_enter_at_once_inserts_the_best_match_for_all_typed(
    make_app, desk: Cache
) -> None:
    add_responses(desk)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        ticket = await open_ticket_screen(app, pilot)
        await pilot.press("m")
        picker = await picker_ready(app, pilot)
        assert picker.shown[0].candidate.title == "Alpha greeting"
        # Ranking runs in a thread; enter before it is done must not pick from the old list.
        field = picker.query_one(Input)
        field.value = "gamma"
        await field.action_submit()
        await until(pilot, lambda: app.screen is ticket)
        area = ticket.composer.text_area
        await until(pilot, lambda: "Closing this one." in area.text)
        assert "Hello" not in area.text and "Refund" not in area.text
