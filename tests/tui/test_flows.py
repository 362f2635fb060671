"""Pilot tests of every TUI flow, offline on a real cache file (no mocks)."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Input
from tui_desk import ME
from tui_helpers import screen_text, until

from agentdesk.config import load_config
from agentdesk.store import Cache
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.conflicts import ConflictsScreen
from agentdesk.tui.screens.dialogs import ChoiceDialog, ConfirmDialog, PromptDialog
from agentdesk.tui.screens.help import HelpScreen
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.ticket import TicketScreen
from agentdesk.tui.widgets.ticket_table import TicketTable

SIZE = (150, 40)


async def dialog_ready(pilot, kind: type) -> None:
    """Wait for a dialog whose filter/prompt box has the focus (typing goes there)."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, kind) and isinstance(app.focused, Input))


def table_of(app: AgentDeskApp) -> TicketTable:
    return app.screen.query_one(TicketTable)


async def test_triage_queue_to_reply_to_next(make_app, desk: Cache) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        table = table_of(app)
        first = table.source.row(0)
        second = table.source.row(1)
        assert first is not None and second is not None
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        assert screen.ticket_id == first.id
        await pilot.press("r")
        await pilot.press(*"Thanks, refunded.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not screen.composer.is_open)
        thread = desk.thread(first.id)
        mine = [m for m in thread if m.body == "Thanks, refunded."]
        assert len(mine) == 1 and mine[0].public and mine[0].local_state == "pending"
        assert desk.draft(first.id, "reply") is None
        assert desk.pending_count() == 1
        await until(pilot, lambda: "pending sync" in screen_text(pilot))
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: screen.ticket_id == second.id)
        assert f"#{second.id}" in screen_text(pilot)
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: screen.ticket_id == first.id)
        await pilot.press("right_square_bracket", "escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert table_of(app).cursor == 1


async def test_internal_note_is_visibly_different_from_a_reply(make_app, desk: Cache) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        ticket_id = table_of(app).source.row(0).id
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        await pilot.press("n", *"checked the logs", "ctrl+s")
        await until(pilot, lambda: "Internal note — not visible" in screen_text(pilot))
        notes = [m for m in desk.thread(ticket_id) if m.body == "checked the logs"]
        assert len(notes) == 1 and notes[0].public is False
        views = app.screen.query(".message--note")
        assert views, "notes carry their own style class"


async def test_bulk_assign_marked_rows(make_app, desk: Cache) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        table = table_of(app)
        ids = [table.source.row(0).id, table.source.row(1).id]
        await pilot.press("space", "space")
        assert table.marks == set(ids)
        assert "●" in screen_text(pilot)
        await pilot.press("a")
        await dialog_ready(pilot, ChoiceDialog)
        await pilot.press(*"Fox", "enter")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        for ticket_id in ids:
            assert desk.ticket(ticket_id)["assignee_id"] == 2
        assert desk.pending_count() == 2
        assert table.marks == set()


async def test_bulk_status_priority_and_tags_on_the_cursor_row(make_app, desk: Cache) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        ticket_id = table_of(app).source.row(0).id
        await pilot.press("s")
        await dialog_ready(pilot, ChoiceDialog)
        await pilot.press(*"pending", "enter")
        await until(pilot, lambda: desk.ticket(ticket_id)["status"] == "pending")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("home")  # the ticket left "My open"; act on the new top row
        other = table_of(app).source.row(0).id
        await pilot.press("p")
        await dialog_ready(pilot, ChoiceDialog)
        await pilot.press(*"low", "enter")
        await until(pilot, lambda: desk.ticket(other)["priority"] == "low")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.pause()
        table = table_of(app)
        tagged = table.source.row(table.cursor).id
        await pilot.press("t")
        await dialog_ready(pilot, PromptDialog)
        await pilot.press(*"vip +callback", "enter")
        await until(pilot, lambda: {"vip", "callback"} <= set(desk.ticket(tagged)["tags"]))


async def test_search_narrows_as_you_type_and_shows_parse_errors(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("5")  # All open
        table = table_of(app)
        await until(pilot, lambda: table.row_count > 10)
        before = table.row_count
        await pilot.press("slash", *"refund")
        await until(pilot, lambda: 0 < table.row_count < before)
        for index in range(table.row_count):
            assert "Refund" in table.source.row(index).subject
        await pilot.press("ctrl+u")  # Input: delete to start
        await pilot.press(*"status:bogus")
        await until(pilot, lambda: "✖" in screen_text(pilot))
        assert "status" in screen_text(pilot)
        await pilot.press("ctrl+u", "escape")
        await until(pilot, lambda: table.row_count == before)


async def test_offline_reply_is_shown_as_pending(make_app, desk: Cache) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert "offline" in screen_text(pilot)
        await pilot.press("enter", "r", *"on it", "ctrl+s")
        await until(pilot, lambda: "outbox 1" in screen_text(pilot))
        assert "⏳ pending sync" in screen_text(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        row = table_of(app).source.row(0)
        assert row.pending
        assert f"{row.status}*" in screen_text(pilot)


async def test_drafts_survive_leaving_the_screen_and_restarting(make_app, desk: Cache) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        ticket_id = table_of(app).source.row(0).id
        await pilot.press("enter", "r", *"half written")
        await pilot.press("escape", "escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert desk.draft(ticket_id, "reply") == "half written"
        await pilot.press("enter", "r")
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        assert screen.composer.text_area.text == "half written"
        await pilot.press("q")  # typed into the composer, not a quit
        assert screen.composer.text_area.text == "half writtenq"
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(again.screen, QueueScreen))
        await pilot.press("enter", "r")
        screen = again.screen
        assert isinstance(screen, TicketScreen)
        await until(pilot, lambda: screen.composer.text_area.text == "half writtenq")


async def test_quit_asks_only_when_a_draft_is_unsent(make_app, desk: Cache) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("enter", "r", *"unsent", "escape")
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        assert app.is_running
        await pilot.press("q", "y")
        await until(pilot, lambda: not app.is_running)
    desk.delete_draft(table_first_id(desk), "reply")
    clean = make_app()
    async with clean.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(clean.screen, QueueScreen))
        await pilot.press("q")
        await until(pilot, lambda: not clean.is_running)


def table_first_id(desk: Cache) -> int:
    rows = desk.page("assignee:me status:new,open", "sla", None, 1)
    return rows[0].id


async def test_keymap_from_config_remaps_and_reports_problems(
    make_app, agentdesk_home: Path
) -> None:
    path = agentdesk_home / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(
        'theme = "agentdesk-dark"\n'
        "\n"
        "[keymap]\n"
        '"queue.search" = "f"\n'
        '"queue.nonsense" = "z"\n'
        '"queue.assign" = "j"\n'
        '"table.top" = "???"\n',
        encoding="utf-8",
    )
    config = load_config()
    app = make_app(config)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        notices = "\n".join(app.notices)
        assert f"{path}:5: keymap: unknown action 'queue.nonsense'" in notices
        assert f"{path}:6: keymap: 'queue.assign' = 'j' clashes with 'table.down'" in notices
        assert f"{path}:7: keymap 'table.top'" in notices
        await pilot.press("f")
        await until(pilot, lambda: app.screen.query_one("#search").has_focus)
        await pilot.press("escape")
        table = table_of(app)
        table.focus()
        await pilot.press("j")
        assert table.cursor == 1, "j still moves down: the clashing remap was refused"


async def test_help_lists_live_bindings_with_remapped_keys(make_app, agentdesk_home: Path) -> None:
    path = agentdesk_home / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[keymap]\n"queue.search" = "f"\n', encoding="utf-8")
    app = make_app(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        by_id = {entry.action_id: entry for entry in help_screen.entries}
        assert by_id["queue.search"].keys == "f"
        assert "j" in by_id["table.down"].keys
        assert "queue.assign" in by_id and "app.quit" in by_id
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))


async def test_palette_runs_actions_and_switches_theme_persistently(
    make_app, agentdesk_home: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert app.theme == "agentdesk-dark"
        await pilot.press("colon")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Theme: agentdesk-light")
        await until(pilot, lambda: "agentdesk-light" in screen_text(pilot))
        await pilot.press("enter")
        await until(pilot, lambda: app.theme == "agentdesk-light")
    saved = (agentdesk_home / "config" / "config.toml").read_text(encoding="utf-8")
    assert 'theme = "agentdesk-light"' in saved
    again = make_app(load_config())
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.theme == "agentdesk-light"


async def test_palette_reaches_screen_actions(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Customer")
        await until(pilot, lambda: "Customer" in screen_text(pilot))
        await pilot.press("enter")
        await until(pilot, lambda: app.show_customer)
        await until(pilot, lambda: "History (newest first)" in screen_text(pilot))


async def test_conflict_resolution_screen(make_app, desk: Cache) -> None:
    first = desk.update_ticket(2, status="pending")
    second = desk.update_ticket(4, priority="urgent")
    assert first is not None and second is not None

    class Result:
        def __init__(self, mutation_id: int, field: str, base: str, mine: str, theirs: str):
            self.id = mutation_id
            self.outcome = "conflict"
            self.reason = None
            self.conflicts = {field: {"base": base, "mine": mine, "theirs": theirs}}

    desk.record_results(
        [
            Result(first, "status", "open", "pending", "solved"),
            Result(second, "priority", "normal", "urgent", "high"),
        ]
    )
    assert desk.conflict_count() == 2
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert "conflicts 2" in screen_text(pilot)
        await pilot.press("C")
        await until(pilot, lambda: isinstance(app.screen, ConflictsScreen))
        await until(pilot, lambda: "solved" in screen_text(pilot))
        assert "pending" in screen_text(pilot)
        await pilot.press("t")
        await until(pilot, lambda: desk.conflict_count() == 1)
        await pilot.press("m")
        await until(pilot, lambda: desk.conflict_count() == 0)
        assert "none open" in screen_text(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await until(pilot, lambda: "conflicts 0" in screen_text(pilot))


async def test_availability_cycles_with_ctrl_a(make_app, desk: Cache) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        assert "[available]" in screen_text(pilot)
        await pilot.press("ctrl+a")
        await until(pilot, lambda: "[away]" in screen_text(pilot))
        assert desk.me()["availability"] == "away"
        await pilot.press("ctrl+a")
        await until(pilot, lambda: "[available]" in screen_text(pilot))


async def test_customer_history_pane_toggles_and_opens_tickets(make_app, desk: Cache) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        row = table_of(app).source.row(0)
        await pilot.press("c")
        await until(pilot, lambda: "History (newest first)" in screen_text(pilot))
        history = desk.customer_history(row.customer_id)
        text = screen_text(pilot)
        assert f"Tickets {history.total_tickets}" in text
        assert f"#{history.tickets[0].id}" in text
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        assert "History (newest first)" in screen_text(pilot), "the pane stays on"
        await pilot.press("c")
        await until(pilot, lambda: "History (newest first)" not in screen_text(pilot))


async def test_hostile_text_is_shown_inert(make_app, desk: Cache) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("5")
        await until(pilot, lambda: "[@click=app.quit]" in screen_text(pilot))
        text = screen_text(pilot)
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
        assert "␛" in text
        await pilot.press("slash", *"#1", "enter")
        await until(pilot, lambda: table_of(app).row_count == 1)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen))
        text = screen_text(pilot)
        assert "[bold red]x[/]" in text and "[link=http://evil]y[/link]" in text
        assert "␛]52;c;ZXZpbA==␇" in text
        assert "\x1b" not in text
        assert app.is_running, "the [@click=app.quit] text did not act"


async def test_sort_column_cycles_and_reverses(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        table = table_of(app)
        assert table.sort == "sla" and "SLA▲" in screen_text(pilot)
        await pilot.press("o")
        await until(pilot, lambda: table.sort == "priority")
        ranks = ["low", "normal", "high", "urgent"]
        values = [ranks.index(table.source.row(i).priority) for i in range(table.row_count)]
        assert values == sorted(values)
        await pilot.press("O")
        await until(pilot, lambda: table.descending)
        values = [ranks.index(table.source.row(i).priority) for i in range(table.row_count)]
        assert values == sorted(values, reverse=True)
        assert "Priority▼" in screen_text(pilot)


async def test_vim_motions_move_the_cursor(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(150, 20)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("5")
        table = table_of(app)
        await until(pilot, lambda: table.row_count > 20)
        await pilot.press("j", "j", "down")
        assert table.cursor == 3
        await pilot.press("k", "up")
        assert table.cursor == 1
        await pilot.press("G")
        assert table.cursor == table.row_count - 1
        await pilot.press("g")
        assert table.cursor == 0
        await pilot.press("ctrl+d")
        half = table.cursor
        assert half > 1
        await pilot.press("ctrl+u")
        assert table.cursor == 0


async def test_sync_changes_refresh_rows_in_place_keeping_cursor_and_marks(
    make_app, desk: Cache
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("5")
        table = table_of(app)
        await until(pilot, lambda: table.row_count > 5)
        await pilot.press("space", "j", "j")
        marked = set(table.marks)
        cursor = table.cursor
        target = table.source.row(cursor)
        other = Cache.open(desk.path)  # another process's write, like a pull
        try:
            ticket = other.ticket(target.id)
            from tui_desk import desk_changes

            data = next(
                row[3] for row in desk_changes() if row[0] == "ticket" and row[1] == target.id
            )
            data = {**data, "subject": "Renamed by the server", "version": 999}
            other.apply_changes([("ticket", target.id, "upsert", data)], "cursor-2")
            assert ticket is not None
        finally:
            other.close()
        await until(pilot, lambda: "Renamed by the server" in screen_text(pilot))
        assert table.cursor == cursor
        assert table.marks == marked


def test_me_is_agent_one(desk: Cache) -> None:
    assert desk.me()["id"] == ME
