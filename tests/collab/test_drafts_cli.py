"""`agentdesk draft ...` against the real server: two agents hand a draft back and forth."""

from __future__ import annotations

from reliability.corpus import HOSTILE, assert_inert
from swarm.conftest import Cli, login
from synckit import CliResult, World


def one_line_error(result: CliResult, code: int = 1) -> str:
    """The single stderr line of a refused command (exit `code`, nothing on stdout)."""
    err = result.err
    assert result.code == code, (result.out, err)
    assert err.count("\n") == 1 and err.startswith("agentdesk: "), err
    assert "Traceback" not in err
    return err


def common_prefix(ids: list[str]) -> str:
    """The leading characters every id shares."""
    shortest = min(ids, key=len)
    for i, char in enumerate(shortest):
        if any(other[i] != char for other in ids):
            return shortest[:i]
    return shortest


def test_draft_round_trip_between_two_agents(cli: Cli, cli_world: World) -> None:
    world = cli_world
    ticket = world.ticket_ids[0]
    login(cli, "alice")
    login(cli, "bob")

    shared = cli(
        "--profile", "alice", "draft", "share", str(ticket), "--to", "bob@example.com",
        "--body", "Hello, try restarting.",
    )  # fmt: skip
    assert shared.code == 0, shared.err
    first, status = shared.out.strip().splitlines()
    draft_id = first.removeprefix("draft ")
    assert status == "done (synced)"

    # bob sees it, edits it (text from stdin) and comments, each by a short prefix
    listed = cli("--profile", "bob", "draft", "list", "--json").json()["drafts"]
    assert [(d["id"], d["status"], d["pending"]) for d in listed] == [(draft_id, "open", False)]
    assert listed[0]["owner"] == {"id": world.people["alice"].id, "name": "Alice"}
    assert listed[0]["reviewers"] == [{"id": world.people["bob"].id, "name": "Bob"}]
    assert listed[0]["body"] == "Hello, try restarting."
    prefix = draft_id[:18]
    human = cli("--profile", "bob", "draft", "list")
    assert human.code == 0 and draft_id[:13] in human.out and "Alice" in human.out
    edited = cli("--profile", "bob", "draft", "edit", prefix, stdin="Hello, restart the router.\n")
    assert edited.code == 0, edited.err
    assert edited.out.strip() == "done (synced)"
    commented = cli("--profile", "bob", "draft", "comment", prefix, "Be specific.")
    assert commented.code == 0, commented.err

    # bob may not send it: one line, nothing queued
    refused = cli("--profile", "bob", "draft", "send", prefix)
    assert "only the draft's owner (Alice) sends it" in one_line_error(refused)
    assert cli("--profile", "bob", "outbox", "--json").json()["mutations"] == []

    # alice sees the edit and the comment
    shown = cli("--profile", "alice", "draft", "show", draft_id, "--json").json()
    assert shown["body"] == "Hello, restart the router.\n"
    assert shown["edited_by"] == {"id": world.people["bob"].id, "name": "Bob"}
    assert [(c["author"]["name"], c["body"]) for c in shown["comments"]] == [
        ("Bob", "Be specific.")
    ]
    text = cli("--profile", "alice", "draft", "show", draft_id[:18])
    assert text.code == 0
    assert "Hello, restart the router." in text.out and "Bob: Be specific." in text.out

    # alice sends it: the message is on the ticket exactly once, also after more syncs
    sent = cli("--profile", "alice", "draft", "send", draft_id)
    assert sent.code == 0, sent.err
    assert sent.out.strip().splitlines() == [
        f"sending draft {draft_id} to #{ticket}",
        "done (synced)",
    ]
    assert cli("--profile", "alice", "sync").code == 0
    assert cli("--profile", "bob", "sync").code == 0
    bodies = [m["body"] for m in world.server_messages(ticket)]
    assert bodies.count("Hello, restart the router.\n") == 1
    thread = cli("--profile", "alice", "ticket", "show", str(ticket), "--json").json()
    assert [m["body"] for m in thread["messages"]].count("Hello, restart the router.\n") == 1

    # sent drafts leave the default list, stay under --all, and cannot be sent or edited again
    assert cli("--profile", "alice", "draft", "list", "--json").json() == {"drafts": []}
    everything = cli("--profile", "alice", "draft", "list", "--all", "--json").json()["drafts"]
    assert [(d["id"], d["status"]) for d in everything] == [(draft_id, "sent")]
    assert everything[0]["message_id"] is not None
    again = cli("--profile", "alice", "draft", "send", draft_id)
    assert "already sent" in one_line_error(again)
    late = cli("--profile", "bob", "draft", "edit", draft_id, "--body", "too late")
    assert "already sent" in one_line_error(late)


def test_reviewers_by_name_and_id_and_bad_draft_ids(cli: Cli, cli_world: World) -> None:
    world = cli_world
    first_ticket, second_ticket = world.ticket_ids
    login(cli, "alice")
    lee = world.people["lee"].id

    one = cli(
        "--profile", "alice", "draft", "share", f"#{first_ticket}", "--to", "Bob",
        "--body", "first",
    )  # fmt: skip
    two = cli(
        "--profile", "alice", "draft", "share", str(second_ticket), "--to", f"bob, {lee}",
        "--note", "--body", "second",
    )  # fmt: skip
    assert one.code == 0 and two.code == 0, (one.err, two.err)
    ids = [r.out.splitlines()[0].removeprefix("draft ") for r in (one, two)]
    drafts = {
        d["id"]: d for d in cli("--profile", "alice", "draft", "list", "--json").json()["drafts"]
    }
    assert [r["name"] for r in drafts[ids[0]]["reviewers"]] == ["Bob"]
    assert [r["name"] for r in drafts[ids[1]]["reviewers"]] == ["Bob", "Lee"]
    assert (drafts[ids[0]]["public"], drafts[ids[1]]["public"]) == (True, False)

    # sharing again on the same ticket re-shares the open draft (new text, more reviewers)
    again = cli(
        "--profile", "alice", "draft", "share", str(first_ticket), "--to", "lee@example.com",
        "--body", "first, better",
    )  # fmt: skip
    assert again.code == 0, again.err
    assert again.out.splitlines()[0] == f"draft {ids[0]} (re-shared)"
    shown = cli("--profile", "alice", "draft", "show", ids[0], "--json").json()
    assert shown["body"] == "first, better"
    assert [r["name"] for r in shown["reviewers"]] == ["Bob", "Lee"]

    # bad ids and an ambiguous prefix: one line, exit 1
    missing = cli("--profile", "alice", "draft", "show", "0000zzzz")
    assert "no shared draft '0000zzzz'" in one_line_error(missing)
    common = common_prefix(ids)
    assert common, ids  # uuid7s made moments apart share their leading time digits
    ambiguous = cli("--profile", "alice", "draft", "comment", common, "hm")
    assert "ambiguous" in one_line_error(ambiguous)
    nobody = cli(
        "--profile", "alice", "draft", "share", str(first_ticket), "--to", "nobody",
        "--body", "x",
    )  # fmt: skip
    assert "no agent named 'nobody'" in one_line_error(nobody)
    empty = cli("--profile", "alice", "draft", "share", str(first_ticket), "--to", "bob", stdin="")
    assert "the draft is empty" in one_line_error(empty)
    usage = cli("--profile", "alice", "draft", "share", str(first_ticket), "--body", "x")
    assert usage.code == 2  # --to is required
    assert cli("--profile", "alice", "outbox", "--json").json()["mutations"] == []


def test_backends_without_shared_drafts_say_so(cli: Cli, cli_world: World) -> None:
    from agentdesk import profiles

    profiles.upsert(
        profiles.Profile("tracker", "https://rt.example.test", "a@example.com", backend="rt")
    )
    for argv in (("list",), ("send", "x"), ("share", "1", "--to", "a@b", "--body", "hi")):
        result = cli("--profile", "tracker", "draft", *argv)
        assert result.code == 1
        assert result.err == "agentdesk: shared drafts are not available on the rt backend\n"


def test_hostile_draft_text_is_inert_and_json_is_faithful(cli: Cli, cli_world: World) -> None:
    login(cli, "alice")
    login(cli, "bob")
    body = "\n".join(text[:2000] for text in HOSTILE.values())
    shared = cli(
        "--profile", "alice", "draft", "share", str(cli_world.ticket_ids[0]), "--to", "bob",
        "--body", body,
    )  # fmt: skip
    assert shared.code == 0, shared.err
    draft_id = shared.out.split()[1]
    for line in HOSTILE.values():
        said = cli("--profile", "bob", "draft", "comment", draft_id, line[:2000])
        assert said.code == 0, said.err
    for argv in (("list",), ("show", draft_id), ("list", "--json"), ("show", draft_id, "--json")):
        result = cli("--profile", "alice", "draft", *argv)
        assert result.code == 0, result.err
        assert_inert(result.out + result.err, "agentdesk draft " + " ".join(argv[:1]))
    detail = cli("--profile", "alice", "draft", "show", draft_id, "--json").json()
    assert detail["body"] == body
    assert [c["body"] for c in detail["comments"]] == [t[:2000] for t in HOSTILE.values()]
