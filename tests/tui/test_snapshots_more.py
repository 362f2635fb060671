"""SVG snapshots of the screens test_snapshots.py leaves out: the undo history (`H`), shared
drafts to review (`R`), case swarms (list, room, start dialog, close prompt), the merge prompt
(`M`) and its forced-merge confirmation, and the reply composer with text in it.

Dark theme (the history also in light), fixed size, the desk's fixed clock; every row these
screens read is written with fixed ids and timestamps, and hostile text (tui_desk.HOSTILE_SUBJECTS)
sits in the drafts and swarms to show it stays inert. Offline (no sync engine): the swarm room is
what a member sees without a connection. Review changes as pictures:
`pytest tests/tui/test_snapshots_more.py --snapshot-update`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from tui_desk import HOSTILE_SUBJECTS, NOW
from tui_helpers import screen_text, until

from agentdesk.config import Config
from agentdesk.domain.timeutil import to_iso
from agentdesk.store import Cache, undo
from agentdesk.tui.app import AgentDeskApp
from agentdesk.tui.screens.dialogs import ConfirmDialog, PromptDialog
from agentdesk.tui.screens.history import HistoryScreen
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.screens.reviews import ReviewDraftScreen, ReviewsScreen
from agentdesk.tui.screens.swarm import SwarmListScreen, SwarmRoomScreen
from agentdesk.tui.screens.swarm_start import StartSwarmScreen
from agentdesk.tui.screens.ticket import TicketScreen
from reliability.corpus import assert_inert

SIZE = (150, 40)
DARK = "agentdesk-dark"
Row = tuple[str, str, str, dict[str, Any]]  # a pulled change: entity, id, op, data


def make(desk: Cache, tmp_path: Path, theme: str = DARK) -> AgentDeskApp:
    config = Config(path=tmp_path / "config.toml", theme=theme)
    return AgentDeskApp(desk, None, config=config, now=lambda: NOW)


async def queue_ready(pilot: Pilot[object]) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.counts)


async def steady_cursors(pilot: Pilot[object]) -> None:
    """Stop the blinking of every text cursor on screen (shown, never half a blink)."""
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False
    await pilot.pause()


async def open_ticket(pilot: Pilot[object], number: int) -> None:
    """From the queue, as a user would: all tickets, search `#number`, enter."""
    await queue_ready(pilot)
    await pilot.press("5", "slash", *f"#{number}", "enter")
    await until(pilot, lambda: pilot.app.screen.query_one("TicketTable").row_count == 1)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, TicketScreen))


# -- the undo history ----------------------------------------------------------------------


@dataclass
class Result:
    """An outcome as the sync engine records it (`record_results` reads these fields)."""

    id: int
    outcome: str
    reason: str | None = None
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)


def recorded(cache: Cache, label: str, ticket_ids: list[int], change: Any, minutes: int) -> int:
    """Queue `change()` as one undoable action, made `minutes` before NOW."""
    before, floor = undo.snapshot(cache, ticket_ids), undo.outbox_floor(cache)
    change()
    action_id = undo.record_action(cache, label, before, floor)
    assert action_id is not None
    with cache.write() as conn:
        conn.execute(
            "UPDATE action_groups SET created_at = ? WHERE id = ?",
            ((NOW - timedelta(minutes=minutes)).isoformat(), action_id),
        )
    return action_id


def last_mutation(cache: Cache) -> int:
    return undo.outbox_floor(cache)


def history_actions(cache: Cache) -> None:
    """Six actions (oldest first) covering every state the history shows."""
    settled_long_ago = recorded(
        cache, "Status → pending", [12], lambda: cache.update_ticket(12, status="pending"), 58
    )
    cache.record_results([Result(last_mutation(cache), "applied")], ack_by_pull=False)
    with cache.write() as conn:  # synced, and its ten minutes are over: no longer undoable
        conn.execute(
            "UPDATE action_groups SET settled_at = ? WHERE id = ?",
            ((NOW - timedelta(minutes=50)).isoformat(), settled_long_ago),
        )
    recorded(
        cache, "Priority → urgent", [11], lambda: cache.update_ticket(11, priority="urgent"), 41
    )
    cache.record_results([Result(last_mutation(cache), "rejected", "not your group")])
    recorded(cache, "Status → solved", [2], lambda: cache.update_ticket(2, status="solved"), 23)
    conflict = {"status": {"base": "open", "mine": "solved", "theirs": "pending"}}
    cache.record_results([Result(last_mutation(cache), "conflict", conflicts=conflict)])
    undone = recorded(cache, "Tags +vip", [14], lambda: cache.tag_ticket(14, add=["vip"]), 9)
    with cache.write() as conn:
        conn.execute(
            "UPDATE action_groups SET undone_at = ? WHERE id = ?",
            ((NOW - timedelta(minutes=8)).isoformat(), undone),
        )
    recorded(
        cache,
        f"Subject → {HOSTILE_SUBJECTS[0]}",
        [15],
        lambda: cache.update_ticket(15, subject=HOSTILE_SUBJECTS[0]),
        4,
    )
    bulk = [21, 22, 23, 24]

    def assign_all() -> None:
        for ticket_id in bulk:
            cache.assign_ticket(ticket_id, 2)

    recorded(cache, "Assign → Fox Mulder", bulk, assign_all, 0)


@pytest.mark.parametrize("theme", [DARK, "agentdesk-light"])
def test_history(snap_compare, desk: Cache, tmp_path: Path, theme: str) -> None:
    history_actions(desk)

    async def run_before(pilot: Pilot[object]) -> None:
        await queue_ready(pilot)
        await pilot.press("H")
        await until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
        await pilot.press("down")

    assert snap_compare(make(desk, tmp_path, theme), terminal_size=SIZE, run_before=run_before)


# -- shared drafts -------------------------------------------------------------------------


def minutes_ago(minutes: int) -> str:
    return to_iso(NOW - timedelta(minutes=minutes))


def draft_row(
    draft_id: str,
    ticket_id: int,
    owner_id: int,
    reviewer_ids: list[int],
    body: str,
    comments: list[tuple[int, str, int]],
    *,
    minutes: int,
    status: str = "open",
) -> Row:
    data = {
        "id": draft_id,
        "ticket_id": ticket_id,
        "owner_id": owner_id,
        "reviewer_ids": reviewer_ids,
        "body": body,
        "public": True,
        "comments": [
            {
                "id": f"{draft_id}-c{n}",
                "author_id": author,
                "body": text,
                "created_at": minutes_ago(ago),
            }
            for n, (author, text, ago) in enumerate(comments)
        ],
        "status": status,
        "message_id": None,
        "edited_by": comments[-1][0] if comments else None,
        "created_at": minutes_ago(minutes + 30),
        "updated_at": minutes_ago(minutes),
        "version": 3,
    }
    return ("shared_draft", draft_id, "upsert", data)


# The draft editor (a TextArea) shows its text as typed: markup stays text. Control, bidi and
# zero-width characters are NOT shown as symbols there (see test_review_draft_editor_shows_controls
# below), so the snapshot's draft body holds the markup lines only; the comments get the rest.
MARKUP_LINES = [HOSTILE_SUBJECTS[0], HOSTILE_SUBJECTS[1], HOSTILE_SUBJECTS[7]]
CONTROL_LINES = [s for s in HOSTILE_SUBJECTS if s not in MARKUP_LINES]
HOSTILE_DRAFT = "\n".join(["Hello,", *MARKUP_LINES, "", "Kind regards"])


def add_drafts(cache: Cache) -> None:
    rows = [
        draft_row(
            "dr-refund",
            9,
            1,
            [2],
            "Hi Ada,\n\nA replacement for the damaged package leaves the warehouse today.",
            [(2, "Add the tracking number, please.", 12)],
            minutes=10,
        ),
        draft_row(
            "dr-hostile",
            3,
            3,
            [1, 2],
            HOSTILE_DRAFT,
            [(n % 3 + 1, text, 8 - n) for n, text in enumerate(CONTROL_LINES)],
            minutes=4,
        ),
        draft_row("dr-login", 10, 2, [1], "Please try a new password reset link.", [], minutes=30),
        draft_row("dr-sent", 12, 1, [3], "Already sent, not listed.", [], minutes=2, status="sent"),
    ]
    cache.apply_changes(rows, "cursor-drafts")


async def open_list(pilot: Pilot[object], key: str, screen: type, rows: int) -> None:
    """From the queue, `key` opens the list `screen`; wait until it shows `rows` rows."""
    await queue_ready(pilot)
    await pilot.press(key)
    await until(pilot, lambda: isinstance(pilot.app.screen, screen))
    await until(pilot, lambda: len(pilot.app.screen.rows) == rows)


def test_reviews_list(snap_compare, desk: Cache, tmp_path: Path) -> None:
    add_drafts(desk)

    async def run_before(pilot: Pilot[object]) -> None:
        await open_list(pilot, "R", ReviewsScreen, rows=3)

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_review_draft_with_hostile_text(snap_compare, desk: Cache, tmp_path: Path) -> None:
    add_drafts(desk)

    async def run_before(pilot: Pilot[object]) -> None:
        await open_list(pilot, "R", ReviewsScreen, rows=3)
        await pilot.press("enter")  # the newest: the hostile one
        await until(pilot, lambda: isinstance(pilot.app.screen, ReviewDraftScreen))
        await until(pilot, lambda: pilot.app.screen.query_one(TextArea).text != "")
        await steady_cursors(pilot)

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)


async def test_review_draft_editor_shows_controls_inert(desk: Cache, tmp_path: Path) -> None:
    """A colleague's draft with escape sequences, bidi and zero-width characters: shown as
    symbols in the editor (`SafeTextArea`), never sent to the terminal."""
    body = "\n".join(["Hello,", *CONTROL_LINES])
    rows = [draft_row("dr-controls", 5, 3, [1], body, [], minutes=1)]
    desk.apply_changes(rows, "cursor-controls")
    app = make(desk, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await queue_ready(pilot)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReviewsScreen) and app.screen.rows)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReviewDraftScreen))
        await until(pilot, lambda: "gnp.exe" in app.screen.query_one(TextArea).text)
        await pilot.pause()
        assert_inert(screen_text(pilot), "shared draft editor")


# -- case swarms ---------------------------------------------------------------------------


def swarm_row(
    swarm_id: str,
    ticket_id: int,
    owner_id: int,
    members: list[int],
    ask: str,
    *,
    minutes: int,
    outcome: str | None = None,
) -> Row:
    data = {
        "id": swarm_id,
        "ticket_id": ticket_id,
        "owner_id": owner_id,
        "member_ids": members,
        "ask": ask,
        "status": "closed" if outcome else "open",
        "outcome": outcome,
        "created_at": minutes_ago(minutes),
        "closed_at": minutes_ago(minutes - 20) if outcome else None,
        "version": 2,
    }
    return ("swarm", swarm_id, "upsert", data)


def said(swarm_id: str, n: int, author: int, body: str, minutes: int) -> Row:
    data = {
        "id": f"{swarm_id}-m{n:02d}",
        "swarm_id": swarm_id,
        "author_id": author,
        "body": body,
        "created_at": minutes_ago(minutes),
        "version": 2,
    }
    return ("swarm_message", data["id"], "upsert", data)


def add_swarms(cache: Cache) -> None:
    rows = [
        swarm_row(
            "sw-hostile",
            4,
            2,
            [1, 2, 3],
            HOSTILE_SUBJECTS[4] + " " + HOSTILE_SUBJECTS[1],
            minutes=40,
        ),
        *[
            said("sw-hostile", n, 2 if n % 2 else 3, text, 38 - 3 * n)
            for n, text in enumerate(HOSTILE_SUBJECTS)
        ],
        said("sw-hostile", 8, 3, "@dana can you check the refund log? @fox thanks", 10),
        said("sw-hostile", 9, 1, "Looking now.\nSecond line of my answer.", 8),
        swarm_row(
            "sw-refund",
            9,
            1,
            [1, 2],
            "Who can approve a replacement for a damaged package?",
            minutes=90,
        ),
        said("sw-refund", 0, 2, "The warehouse lead can; I asked her.", 80),
        swarm_row(
            "sw-old",
            10,
            3,
            [1, 3],
            "Login loop after reset",
            minutes=300,
            outcome="Cleared the stale session cookie.",
        ),
    ]
    cache.apply_changes(rows, "cursor-swarms")
    cache.set_meta("swarm_read.sw-refund", minutes_ago(80))


def test_swarm_list(snap_compare, desk: Cache, tmp_path: Path) -> None:
    add_swarms(desk)

    async def run_before(pilot: Pilot[object]) -> None:
        await open_list(pilot, "w", SwarmListScreen, rows=2)
        await pilot.press("a")  # the closed one too
        await until(pilot, lambda: len(pilot.app.screen.rows) == 3)

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_swarm_room_offline(snap_compare, desk: Cache, tmp_path: Path) -> None:
    add_swarms(desk)

    async def run_before(pilot: Pilot[object]) -> None:
        await open_list(pilot, "w", SwarmListScreen, rows=2)
        await pilot.press("enter")  # unread first: the hostile one
        await until(pilot, lambda: isinstance(pilot.app.screen, SwarmRoomScreen))
        room = pilot.app.screen
        await until(pilot, lambda: len(room.message_texts()) == len(HOSTILE_SUBJECTS) + 2)
        await pilot.press("ctrl+t")  # the ticket summary beside the members
        await pilot.press(*"@fox ok")
        await steady_cursors(pilot)

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_swarm_close_prompt(snap_compare, desk: Cache, tmp_path: Path) -> None:
    add_swarms(desk)

    async def run_before(pilot: Pilot[object]) -> None:
        await open_list(pilot, "w", SwarmListScreen, rows=2)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, SwarmRoomScreen))
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(pilot.app.screen, PromptDialog))
        await pilot.press(*"Refund log fixed")
        await steady_cursors(pilot)

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_start_swarm_dialog(snap_compare, desk: Cache, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await open_ticket(pilot, 10)  # mine, in Billing: both colleagues are suggested
        await pilot.press("S")
        await until(pilot, lambda: isinstance(pilot.app.screen, StartSwarmScreen))
        await pilot.press("down", "space", "tab", *"Who knows the renewal rules?")
        await steady_cursors(pilot)

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)


# -- merge and the composer ----------------------------------------------------------------


def test_merge_prompt(snap_compare, desk: Cache, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await queue_ready(pilot)
        await pilot.press("5", "space", "j", "space", "j", "space", "k")
        await pilot.press("M")
        await until(pilot, lambda: isinstance(pilot.app.screen, PromptDialog))
        await steady_cursors(pilot)

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_forced_merge_confirm(snap_compare, desk: Cache, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await open_ticket(pilot, 9)  # Ada's ticket
        await pilot.press("M")
        await until(pilot, lambda: isinstance(pilot.app.screen, PromptDialog))
        await pilot.press(*"10", "enter")  # Bob's
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_reply_composer_with_text(snap_compare, desk: Cache, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[object]) -> None:
        await open_ticket(pilot, 9)
        await pilot.press("r")
        area = pilot.app.screen.query_one("#composer-text", TextArea)
        await until(pilot, lambda: area.has_focus)
        await pilot.press(*"Hi Ada, [b]the refund[/b] is on its way.", "enter", *"Dana")
        await until(pilot, lambda: area.text.endswith("Dana"))
        await steady_cursors(pilot)

    assert snap_compare(make(desk, tmp_path), terminal_size=SIZE, run_before=run_before)
