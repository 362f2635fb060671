"""`agentdesk swarm ...` end to end against the real server (in-process ASGI)."""

from __future__ import annotations

from synckit import Fault, World

from .conftest import Cli, login


def test_start_say_show_close(cli: Cli, cli_world: World) -> None:
    world = cli_world
    login(cli, "alice")
    login(cli, "bob")
    ticket = str(world.ticket_ids[0])
    started = cli(
        "--profile", "alice", "swarm", "start", ticket,
        "--invite", "bob@example.com", "--message", "Seen \x1b[31m this?",
    )  # fmt: skip
    assert started.code == 0, started.err
    swarm_id = started.out.split()[1]
    assert started.out.strip().endswith("done (synced)")

    listed = cli("--profile", "bob", "swarm", "list", "--json").json()["swarms"]
    assert [s["id"] for s in listed] == [swarm_id]
    assert listed[0]["ask"] == "Seen \x1b[31m this?"
    assert [m["name"] for m in listed[0]["members"]] == ["Alice", "Bob"]

    said = cli("--profile", "bob", "swarm", "say", swarm_id[:13], "@alice yes, INC-7")
    assert (said.code, said.out.strip()) == (0, "done (synced)")
    alice_list = cli("--profile", "alice", "swarm", "list", "--json").json()["swarms"]
    assert alice_list[0]["unread"] == 1  # bob's line (her own ask is not news to her)

    shown = cli("--profile", "alice", "swarm", "show", swarm_id)
    assert shown.code == 0
    assert "\x1b" not in shown.out  # customer/agent text is inert on the terminal
    assert "Bob: @alice yes, INC-7" in shown.out
    assert cli("--profile", "alice", "swarm", "list", "--json").json()["swarms"][0]["unread"] == 0

    refused = cli("--profile", "bob", "swarm", "close", swarm_id, "--summary", "x")
    assert refused.code == 1 and "rejected by the server" in refused.out
    closed = cli("--profile", "alice", "swarm", "close", swarm_id, "--summary", "Known INC-7")
    assert (closed.code, closed.out.strip()) == (0, "done (synced)")
    detail = cli("--profile", "bob", "swarm", "show", swarm_id, "--json").json()
    assert detail["status"] == "closed" and detail["outcome"] == "Known INC-7"
    assert [m["body"] for m in detail["messages"]] == ["@alice yes, INC-7"]
    assert cli("--profile", "bob", "swarm", "list", "--json").json()["swarms"] == []
    assert len(cli("--profile", "bob", "swarm", "list", "--all", "--json").json()["swarms"]) == 1
    found = cli("--profile", "bob", "swarm", "list", "--all", "--search", "inc-7", "--json")
    assert [s["id"] for s in found.json()["swarms"]] == [swarm_id]
    for nothing in ("100%", "zzz"):
        none = cli("--profile", "bob", "swarm", "list", "--all", "--search", nothing, "--json")
        assert none.json()["swarms"] == []
    note = world.server_messages(world.ticket_ids[0])[-1]
    assert note["body"] == "Swarm outcome: Known INC-7\n\nSwarmed with: Alice, Bob"


def test_offline_messages_are_queued_and_delivered_once_in_order(
    cli: Cli, cli_world: World
) -> None:
    world = cli_world
    login(cli, "alice")
    login(cli, "bob")
    started = cli(
        "--profile", "alice", "swarm", "start", str(world.ticket_ids[1]),
        "--invite", "bob@example.com", "--message", "help",
    )  # fmt: skip
    swarm_id = started.out.split()[1]
    assert cli("--profile", "bob", "sync").code == 0
    for n in range(3):
        world.app.inject(Fault("/v1/mutations", "drop_before"))
        queued = cli("--profile", "bob", "swarm", "say", swarm_id, f"offline {n}")
        assert (queued.code, queued.out.strip()) == (0, "queued (pending sync)")
    # the reply to the next push is lost after the server stored it: re-sent, stored once
    world.app.inject(Fault("/v1/mutations", "drop_after"))
    cli("--profile", "bob", "sync")
    assert cli("--profile", "bob", "sync").code == 0
    shown = cli("--profile", "alice", "swarm", "show", swarm_id, "--json").json()
    assert [m["body"] for m in shown["messages"]] == ["offline 0", "offline 1", "offline 2"]
    assert all(not m["pending"] for m in shown["messages"])


def test_one_line_errors(cli: Cli, cli_world: World) -> None:
    login(cli, "alice")
    unknown = cli("--profile", "alice", "swarm", "say", "nope", "hi")
    assert unknown.code == 1 and unknown.err.count("\n") == 1 and "no swarm" in unknown.err
    stranger = cli(
        "--profile", "alice", "swarm", "start", str(cli_world.ticket_ids[0]),
        "--invite", "zed@example.com", "--message", "hi",
    )  # fmt: skip
    assert stranger.code == 1 and "no agent with email" in stranger.err
    experts = cli("--profile", "alice", "swarm", "experts", str(cli_world.ticket_ids[0]), "--json")
    names = [e["name"] for e in experts.json()["experts"]]
    assert "Alice" not in names and {"Bob", "Lee", "Ada"} <= set(names)


def test_backends_without_swarms_say_so(cli: Cli, cli_world: World) -> None:
    from agentdesk import profiles

    profiles.upsert(
        profiles.Profile("tracker", "https://rt.example.test", "a@example.com", backend="rt")
    )
    for argv in (
        ("list",),
        ("say", "x", "hi"),
        ("start", "1", "--invite", "a@b", "--message", "m"),
    ):
        result = cli("--profile", "tracker", "swarm", *argv)
        assert result.code == 1
        assert result.err == "agentdesk: case swarms are not available on the rt backend\n"
