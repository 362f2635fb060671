"""PresenceBoard: what the client shows of presence events (no server needed)."""

from __future__ import annotations

from agentdesk.sync.presence import Presence, PresenceBoard, describe, short_mark


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def event(agent: int, ticket: int, state: str) -> dict[str, object]:
    return {"agent_id": agent, "ticket_id": ticket, "state": state}


def test_events_replying_first_own_ignored_and_left_removes() -> None:
    board = PresenceBoard(me=1, clock=Clock())
    board.set_known(True)
    assert board.handle(event(1, 7, "viewing")) is None  # my own announcement
    assert board.handle(event(2, 7, "viewing")) == 7
    assert board.handle(event(2, 7, "viewing")) is None  # a renewal changes nothing shown
    assert board.handle(event(3, 7, "replying")) == 7
    assert board.on_ticket(7) == [Presence(3, "replying"), Presence(2, "viewing")]
    assert board.handle(event(3, 7, "left")) == 7
    assert board.on_ticket(7) == [Presence(2, "viewing")]
    assert board.handle({"agent_id": "x", "ticket_id": 7, "state": "viewing"}) is None
    assert board.handle(event(4, 7, "dancing")) is None


def test_unrenewed_entries_expire_and_offline_forgets_everything() -> None:
    clock = Clock()
    board = PresenceBoard(me=1, ttl=10, clock=clock)
    board.set_known(True)
    board.handle(event(2, 7, "viewing"))
    clock.now += 6
    board.handle(event(3, 8, "viewing"))
    clock.now += 6
    assert board.expire() is True
    assert board.tickets() == {8}
    assert board.set_known(False) is True
    assert board.tickets() == set() and board.known is False


def test_descriptions() -> None:
    names = {2: "Dana", 3: "Bo", 4: "Cy", 5: "Ed"}.__getitem__
    people = [Presence(2, "replying"), Presence(3, "viewing")]
    assert describe(people, names) == "Dana is replying · Bo is viewing"
    crowd = [*people, Presence(4, "viewing"), Presence(5, "viewing")]
    assert describe(crowd, names) == "Dana is replying · Bo is viewing · Cy is viewing · +1 more"
    assert short_mark(people, names) == "✎ Dana+1"
    assert short_mark([Presence(3, "viewing")], names) == "👁 Bo"
    assert short_mark([], names) == ""
