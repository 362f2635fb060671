"""`agentdesk login/sync/tickets/search/ticket/outbox/conflicts` end to end (real server)."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from agentdesk import paths
from synckit import CliResult as Result
from synckit import MemoryKeyring, World


def login(cli, who: str = "alice", profile: str | None = None) -> Result:
    prefix = ["--profile", profile] if profile else []
    return cli(
        *prefix,
        "login",
        "--server",
        "http://desk.test",
        "--email",
        f"{who}@example.com",
        "--password-stdin",
        stdin="secret-pw\n",
    )


def test_login_stores_token_in_keyring_only(
    cli, world: World, memory_keyring: MemoryKeyring
) -> None:
    result = login(cli)
    assert result.code == 0, result.err
    assert "logged in as Alice (agent)" in result.out
    ((service, user), token) = next(iter(memory_keyring.store.items()))
    assert (service, user) == ("agentdesk", "default")
    assert cli("sync").code == 0
    profiles = cli("profiles", "--json").json()["profiles"]
    assert profiles[0]["logged_in"] is True and profiles[0]["agent_id"] == world.people["alice"].id
    # The token never lands in the config or the cache (or their WAL).
    for path in paths.config_dir().rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
    for path in paths.data_dir().rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path


def test_login_wrong_password_is_one_line(cli, world: World) -> None:
    result = cli(
        "login", "--server", "http://desk.test", "--email", "alice@example.com",
        "--password-stdin", stdin="wrong\n",
    )  # fmt: skip
    assert result.code == 1
    assert result.err.count("\n") == 1 and "wrong email or password" in result.err


def test_login_without_keyring_explains_options(cli, world: World) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        result = login(cli)
    finally:
        keyring.set_keyring(previous)
    assert result.code == 1
    assert result.err.count("\n") == 1
    assert "AGENTDESK_TOKEN" in result.err and "keyring" in result.err
    assert "Traceback" not in result.err
    assert not (paths.config_dir() / "profiles.toml").exists()


def test_env_token_works_without_keyring(
    cli, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("AGENTDESK_TOKEN", world.people["bob"].token)
    try:
        result = cli("login", "--server", "http://desk.test", "--email", "bob@example.com")
        assert result.code == 0, result.err
        assert "nothing was stored" in result.out
        assert cli("sync").code == 0
        assert cli("tickets", "--json").json()["tickets"]
    finally:
        keyring.set_keyring(previous)


def test_online_write_is_synced_before_returning(cli, world: World) -> None:
    login(cli)
    assert cli("sync").code == 0
    ticket_id = world.ticket_ids[0]
    result = cli("ticket", "update", str(ticket_id), "--status", "pending", "--add-tag", "vip")
    assert result.code == 0, result.err
    assert result.out.count("done (synced)") == 2
    server = world.server_ticket(ticket_id)
    assert server["status"] == "pending" and server["tags"] == ["vip"]
    assert cli("outbox", "--json").json() == {"mutations": []}
    shown = cli("ticket", "show", str(ticket_id), "--json").json()
    assert shown["ticket"]["status"] == "pending" and shown["pending"] is False
    assert shown["messages"][0]["author_kind"] == "customer"


def test_offline_write_is_queued_then_sent(cli, world: World) -> None:
    login(cli)
    assert cli("sync").code == 0
    ticket_id = world.ticket_ids[1]
    result = cli("ticket", "reply", str(ticket_id), "--body", "We are on it", "--no-sync")
    assert (result.code, result.out.strip()) == (0, "queued (pending sync)")
    outbox = cli("outbox", "--json").json()["mutations"]
    assert [(m["name"], m["state"], m["ticket_id"]) for m in outbox] == [
        ("message.add", "pending", ticket_id)
    ]
    # The server is unreachable: still queued, exit 0, one line on stderr.
    world.app.inject(Fault("/v1/mutations", "drop_before"))
    result = cli("ticket", "update", str(ticket_id), "--priority", "high")
    assert result.code == 0 and result.out.strip() == "queued (pending sync)"
    assert "not synced" in result.err and result.err.count("\n") == 1
    assert len(cli("outbox", "--json").json()["mutations"]) == 2
    sync = cli("sync", "--json")
    assert sync.code == 0 and sync.json()["pushed"] == 2 and sync.json()["pending"] == 0
    bodies = [m["body"] for m in world.server_messages(ticket_id)]
    assert bodies.count("We are on it") == 1
    assert world.server_ticket(ticket_id)["priority"] == "high"


def test_assign_and_rejection_exit_code(cli, world: World) -> None:
    login(cli)
    cli("sync")
    ticket_id = world.ticket_ids[2]
    result = cli("ticket", "assign", str(ticket_id), "--to", "alice@example.com")
    assert result.code == 0 and "done (synced)" in result.out
    assert world.server_ticket(ticket_id)["assignee_id"] == world.people["alice"].id
    # Agents may not give a ticket to someone else: the server rejects, exit 1, kept.
    result = cli("ticket", "assign", str(ticket_id), "--to", "bob@example.com")
    assert result.code == 1 and "rejected by the server" in result.out
    rejected = cli("outbox", "--json").json()["mutations"]
    assert [m["state"] for m in rejected] == ["rejected"] and rejected[0]["reason"]
    result = cli("ticket", "assign", str(ticket_id), "--to", "nobody@example.com")
    assert result.code == 1 and "no agent with email" in result.err
    result = cli("outbox", "dismiss", str(rejected[0]["id"]))
    assert result.code == 0 and "dismissed" in result.out
    assert cli("outbox", "--json").json() == {"mutations": []}
    result = cli("outbox", "dismiss", str(rejected[0]["id"]))
    assert result.code == 1 and "no rejected mutation" in result.err


def test_conflicts_listed_and_resolved_via_cli(cli, world: World) -> None:
    login(cli, "lee", profile="lead")
    login(cli, "alice")  # the last login becomes the active profile
    assert cli("sync").code == 0
    assert cli("--profile", "lead", "sync").code == 0
    ticket_id = world.ticket_ids[3]
    assert cli("ticket", "update", str(ticket_id), "--status", "open", "--no-sync").code == 0
    assert (
        cli("--profile", "lead", "ticket", "update", str(ticket_id), "--status", "solved").code == 0
    )
    result = cli("sync")
    assert result.code == 0
    conflicts = cli("conflicts", "--json").json()["conflicts"]
    assert [(c["field"], c["mine"], c["theirs"]) for c in conflicts] == [
        ("status", "open", "solved")
    ]
    human = cli("conflicts")
    assert "status" in human.out and "resolve with" in human.out
    result = cli("conflicts", "resolve", str(conflicts[0]["id"]), "--keep", "mine")
    assert result.code == 0, result.err
    assert world.server_ticket(ticket_id)["status"] == "open"
    assert cli("conflicts", "--json").json() == {"conflicts": []}
    result = cli("conflicts", "resolve", "999", "--keep", "theirs")
    assert result.code == 1 and "no open conflict" in result.err


def test_tickets_search_and_hostile_text_is_inert(cli, world: World) -> None:
    import asyncio

    import httpx

    from synckit import SERVER_URL, file_ticket

    async def hostile() -> int:
        async with httpx.AsyncClient(transport=world.transport(), base_url=SERVER_URL) as http:
            return await file_ticket(
                http, world.people["ada"].token, 99, subject="refund \x1b]52;c;ZXZpbA==\x07[bold]x"
            )

    hostile_id = asyncio.run(hostile())
    login(cli)
    cli("sync")
    listing = cli("tickets", "--limit", "50")
    assert listing.code == 0 and "\x1b" not in listing.out and "\x07" not in listing.out
    assert "␛]52;c;ZXZpbA==␇[bold]x" in listing.out
    found = cli("search", "refund", "--json").json()["tickets"]
    assert [t["id"] for t in found] == [hostile_id]
    assert "\x1b" not in cli("search", "refund", "--json").out  # JSON escapes controls
    show = cli("ticket", "show", str(hostile_id))
    assert "\x1b" not in show.out and "␛" in show.out
    assert cli("tickets", "--view", "no-such-view").code == 1
    bad = cli("search", "status:bogus")
    assert bad.code == 1 and "unknown status" in bad.err and bad.err.count("\n") == 1


def test_usage_errors_exit_2(cli, world: World) -> None:
    assert cli("ticket", "update", "abc", "--status", "open").code == 2
    assert cli("ticket", "update", "1", "--status", "bogus").code == 2
    assert cli("ticket", "reply", "1").code == 2


def test_commands_without_profile_explain_login(cli) -> None:
    result = cli("tickets")
    assert result.code == 1 and "agentdesk login" in result.err


def test_logout_removes_token_and_cache_when_synced(
    cli, world: World, memory_keyring: MemoryKeyring
) -> None:
    login(cli)
    cli("sync")
    cache = paths.cache_file("default")
    assert cache.exists()
    cli("ticket", "update", str(world.ticket_ids[0]), "--priority", "low", "--no-sync")
    result = cli("logout")
    assert result.code == 0 and "kept the local cache: 1 unsynced" in result.out
    assert memory_keyring.store == {} and cache.exists()
    assert cli("sync").code == 1  # not logged in
    login(cli)
    cli("sync")
    assert world.server_ticket(world.ticket_ids[0])["priority"] == "low"
    result = cli("logout")
    assert result.code == 0 and not cache.exists()


def test_body_file(cli, world: World, tmp_path: Path) -> None:
    login(cli)
    cli("sync")
    body = tmp_path / "reply.txt"
    body.write_text("From a file\nwith two lines")
    result = cli(
        "ticket", "reply", str(world.ticket_ids[0]), "--body-file", str(body), "--internal"
    )
    assert result.code == 0, result.err
    notes = [m for m in world.server_messages(world.ticket_ids[0]) if not m["public"]]
    assert [n["body"] for n in notes] == ["From a file\nwith two lines"]
    missing = cli("ticket", "reply", "1", "--body-file", str(tmp_path / "nope.txt"))
    assert missing.code == 1 and "cannot read" in missing.err


from synckit import Fault  # noqa: E402


def test_foreign_cache_file_and_bad_profiles_file_are_one_line(cli, world: World) -> None:
    import sqlite3

    login(cli)
    cache = paths.cache_file("default")
    cache.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(cache) as conn:
        conn.execute("CREATE TABLE other_program (x)")
    before = cache.read_bytes()
    result = cli("tickets")
    assert result.code == 1 and result.err.count("\n") == 1 and str(cache) in result.err
    assert cache.read_bytes() == before  # never overwritten
    (paths.config_dir() / "profiles.toml").write_text("active = [\n")
    result = cli("profiles")
    assert result.code == 1 and result.err.count("\n") == 1
    assert "profiles.toml" in result.err and "line" in result.err
