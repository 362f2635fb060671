"""The hostile corpus through the CLI: lists, ticket show, search, and `--json` (which must
keep the text exactly while escaping every control character)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from synckit import SERVER_URL, World

from .conftest import Result, login
from .corpus import HOSTILE, assert_inert


async def file_corpus(world: World) -> dict[int, str]:
    """One ticket per corpus entry (subject, body and customer name hostile)."""
    filed: dict[int, str] = {}
    async with httpx.AsyncClient(transport=world.transport(), base_url=SERVER_URL) as http:
        for n, (name, text) in enumerate(HOSTILE.items()):
            subject = f"corpus-{name} {text}"[:500]
            response = await http.post(
                "/v1/tickets",
                headers={"Authorization": f"Bearer {world.people['ada'].token}"},
                json={
                    "subject": subject,
                    "body": f"body {text}",
                    "channel": "email",
                    "group": "support",
                    "customer": {"email": f"h{n}@example.org", "name": f"n{n} {text}"[:200]},
                },
            )
            assert response.status_code == 201, (name, response.text)
            filed[int(response.json()["id"])] = subject
    return filed


def test_cli_output_is_inert_and_json_is_faithful(cli: Callable[..., Result], world: World) -> None:
    filed = asyncio.run(file_corpus(world))
    login(cli)
    synced = cli("sync")
    assert synced.code == 0, synced.err
    listing = cli("tickets", "--limit", "100")
    assert listing.code == 0, listing.err
    assert_inert(listing.out + listing.err, "agentdesk tickets")
    assert "␛]52;c;ZXZpbA==␇" in listing.out  # shown, not silently dropped
    as_json = cli("tickets", "--limit", "100", "--json")
    assert_inert(as_json.out, "agentdesk tickets --json")
    subjects = {t["id"]: t["subject"] for t in as_json.json()["tickets"]}
    for ticket_id, subject in filed.items():
        assert subjects[ticket_id] == subject.strip(), "JSON keeps the exact text"
        show = cli("ticket", "show", str(ticket_id))
        assert show.code == 0, show.err
        assert_inert(show.out + show.err, f"agentdesk ticket show {ticket_id}")
        shown = cli("ticket", "show", str(ticket_id), "--json")
        assert shown.code == 0, shown.err
        assert_inert(shown.out, f"agentdesk ticket show {ticket_id} --json")
    found = cli("search", "corpus", "--json")
    assert_inert(found.out, "agentdesk search --json")
    assert {t["id"] for t in found.json()["tickets"]} >= set(filed)


def test_swarm_chat_is_inert_and_json_is_faithful(cli: Callable[..., Result], world: World) -> None:
    login(cli)
    assert cli("sync").code == 0
    ask = HOSTILE["osc52_clipboard"] + HOSTILE["markup"]
    started = cli(
        "swarm", "start", str(world.ticket_ids[0]), "--invite", "bob@example.com",
        "--message", ask,
    )  # fmt: skip
    assert started.code == 0, started.err
    swarm_id = started.out.split()[1]
    lines = [text[:2000] for text in HOSTILE.values()]
    for line in lines:
        said = cli("swarm", "say", swarm_id, line)
        assert said.code == 0, said.err
    shown = cli("swarm", "show", swarm_id)
    assert shown.code == 0, shown.err
    assert_inert(shown.out + shown.err, "agentdesk swarm show")
    listed = cli("swarm", "list", "--json")
    assert_inert(listed.out, "agentdesk swarm list --json")
    assert listed.json()["swarms"][0]["ask"] == ask
    detail = cli("swarm", "show", swarm_id, "--json")
    assert_inert(detail.out, "agentdesk swarm show --json")
    assert [m["body"] for m in detail.json()["messages"]] == [line.strip() for line in lines]
