"""`agentdesk ticket merge SOURCE... --into TARGET [--force]` against the real server."""

from __future__ import annotations

from swarm.conftest import Cli, login
from synckit import World


def test_merge_cli(cli: Cli, cli_world: World) -> None:
    world = cli_world
    target, source = (str(t) for t in world.ticket_ids)
    login(cli, "alice")
    login(cli, "lee")

    refused = cli("--profile", "alice", "ticket", "merge", source, "--into", target)
    assert refused.code == 1
    assert "belongs to another customer" in refused.out
    assert "a lead may force" in refused.out

    bad = cli("--profile", "alice", "ticket", "merge", target, "--into", f"#{target}")
    assert bad.code == 1 and bad.err.count("\n") == 1
    assert "cannot be merged into itself" in bad.err
    unknown = cli("--profile", "alice", "ticket", "merge", "999", "--into", target)
    assert unknown.code == 1 and "not in the local cache" in unknown.err

    forced = cli("--profile", "lee", "ticket", "merge", source, "--into", target, "--force")
    assert forced.code == 0, forced.err
    assert forced.out.strip().splitlines() == [f"merging #{source} into #{target}", "done (synced)"]
    shown = cli("--profile", "lee", "ticket", "show", target, "--json").json()
    bodies = [m["body"] for m in shown["messages"]]
    assert "Help with thing 1" in bodies  # the source's first message, in the target's thread
    assert world.server_ticket(int(source))["merged_into_id"] == int(target)

    # and out again: reopened with the status asked for, its thread its own
    wrong = cli("--profile", "lee", "ticket", "unmerge", target, "--from", source)
    assert wrong.code == 1 and f"#{target} is not merged into #{source}" in wrong.err
    unmerged = cli(
        "--profile", "lee", "ticket", "unmerge", source, "--from", target, "--status", "pending"
    )
    assert unmerged.code == 0, unmerged.err
    assert unmerged.out.strip().splitlines() == [
        f"unmerging #{source} from #{target}",
        "done (synced)",
    ]
    server = world.server_ticket(int(source))
    assert (server["merged_into_id"], server["status"]) == (None, "pending")
    shown = cli("--profile", "lee", "ticket", "show", target, "--json").json()
    assert "Help with thing 1" not in [m["body"] for m in shown["messages"]]
