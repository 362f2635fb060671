"""`agentdesk macros ...` and `agentdesk ticket reply --macro` against the real server."""

from __future__ import annotations

import sys
from pathlib import Path

from macrokit import login

from synckit import World


def _setup(cli, who: str = "alice") -> None:
    assert login(cli, who).code == 0
    assert cli("sync").code == 0


def test_reply_with_macro_refuses_missing_values_unless_allowed(cli, cli_world: World) -> None:
    _setup(cli)
    body = "Hi {{ customer.first_name }} from {{ customer.organisation }}, #{{ ticket.id }}"
    added = cli(
        "macros",
        "add",
        "--title",
        "Org hello",
        "--body",
        body,
        "--set-status",
        "pending",
        "--add-tag",
        "greeted",
    )
    assert added.code == 0, added.err
    ticket_id = cli_world.ticket_ids[0]

    refused = cli("ticket", "reply", str(ticket_id), "--macro", "org hello")
    assert refused.code == 1
    assert "customer.organisation" in refused.err and "--allow-missing" in refused.err
    assert [m["body"] for m in cli_world.server_messages(ticket_id)] == ["Help with thing 0"]
    assert cli_world.server_ticket(ticket_id)["status"] == "new"

    sent = cli("ticket", "reply", str(ticket_id), "--macro", "Org hello", "--allow-missing")
    assert sent.code == 0, sent.err
    assert "status → pending" in sent.out and "done (synced)" in sent.out
    bodies = [m["body"] for m in cli_world.server_messages(ticket_id)]
    assert bodies[-1] == f"Hi Customer from , #{ticket_id}"
    server = cli_world.server_ticket(ticket_id)
    assert server["status"] == "pending" and server["tags"] == ["greeted"]


def test_reply_with_macro_and_body_puts_the_text_first(cli, cli_world: World) -> None:
    _setup(cli)
    assert (
        cli("macros", "add", "--title", "Thanks", "--body", "Thanks {{ customer.name }}!").code == 0
    )
    ticket_id = cli_world.ticket_ids[1]
    sent = cli("ticket", "reply", str(ticket_id), "--macro", "thanks", "--body", "Quick note.")
    assert sent.code == 0, sent.err
    assert cli_world.server_messages(ticket_id)[-1]["body"] == "Quick note.\n\nThanks Customer 1!"
    listed = cli("macros", "list", "--json").json()["canned_responses"]
    assert [(m["title"], m["usage_count"]) for m in listed] == [("Thanks", 1)]


def test_reply_with_unknown_or_malformed_macro_is_one_line(cli, cli_world: World) -> None:
    _setup(cli)
    unknown = cli("ticket", "reply", str(cli_world.ticket_ids[0]), "--macro", "nope")
    assert unknown.code == 1 and "no canned response matches 'nope'" in unknown.err
    malformed = cli("macros", "add", "--title", "Bad", "--body", "Hello\n{% if x %}\nno end")
    assert malformed.code == 1 and "malformed template" in malformed.err
    assert "Traceback" not in malformed.err
    usage = cli("ticket", "reply", "1")
    assert usage.code == 2


def test_shared_macros_need_a_lead(cli, cli_world: World) -> None:
    _setup(cli)
    denied = cli("macros", "add", "--title", "Team", "--body", "Hello team", "--shared")
    assert denied.code == 1
    assert "only leads and admins" in denied.out
    assert cli("macros", "list", "--json").json()["canned_responses"] == []  # rolled back

    _setup(cli, "lee")
    allowed = cli("macros", "add", "--title", "Team", "--body", "Hello team", "--shared")
    assert allowed.code == 0, allowed.out + allowed.err
    _setup(cli, "alice")
    shown = cli("macros", "show", "Team", "--json").json()
    assert shown["shared"] is True
    # An agent can neither edit nor delete it.
    edit = cli("macros", "edit", "Team", "--title", "Mine now")
    assert edit.code == 1 and "only leads and admins" in edit.out
    rm = cli("macros", "rm", "Team")
    assert rm.code == 1
    assert [m["title"] for m in cli("macros", "list", "--json").json()["canned_responses"]] == [
        "Team"
    ]


def test_export_import_round_trip(cli, cli_world: World, tmp_path: Path) -> None:
    _setup(cli)
    assert (
        cli(
            "macros",
            "add",
            "--title",
            "Refund: approved",
            "--body",
            "Hi {{ customer.first_name }},\n\nyour refund is on its way.\n",
            "--category",
            "Billing",
            "--tag",
            "refund",
            "--set-status",
            "solved",
            "--add-tag",
            "refunded",
        ).code
        == 0
    )
    assert cli("macros", "add", "--title", "Plain", "--body", "Just text").code == 0
    folder = tmp_path / "exported"
    assert cli("macros", "export", str(folder)).code == 0
    files = sorted(p.name for p in folder.glob("*.md"))
    assert files == ["plain.md", "refund-approved.md"]
    text = (folder / "refund-approved.md").read_text()
    assert text.startswith("---\ntitle: 'Refund: approved'\ncategory: Billing\n")

    # Unchanged files import as "unchanged"; an edited one updates in place.
    again = cli("macros", "import", str(folder))
    assert again.code == 0 and "0 created, 0 updated, 2 unchanged" in again.out
    (folder / "plain.md").write_text(
        (folder / "plain.md").read_text().replace("Just text", "Better text")
    )
    (folder / "new.md").write_text(
        "---\ntitle: New one\ntags: [a, b]\n---\nHello {{ agent.name }}\n"
    )
    changed = cli("macros", "import", str(folder))
    assert changed.code == 0 and "1 created, 1 updated, 1 unchanged" in changed.out
    listed = {m["title"]: m for m in cli("macros", "list", "--json").json()["canned_responses"]}
    assert set(listed) == {"Refund: approved", "Plain", "New one"}
    assert listed["New one"]["tags"] == ["a", "b"]
    assert listed["Refund: approved"]["actions"] == {"status": "solved", "add_tags": ["refunded"]}
    assert cli("macros", "show", "Plain", "--json").json()["body"] == "Better text"

    # A second agent imports the export: same responses, personal to her.
    (folder / "broken.md").write_text("---\ntitle: Broken\n---\n{{ oops \n")
    refused = cli("macros", "import", str(folder))
    assert refused.code == 1 and "broken.md" in refused.err and "nothing was changed" in refused.err


def test_show_renders_for_a_ticket_with_missing_marked(cli, cli_world: World) -> None:
    _setup(cli)
    body = "Dear {{ customer.name }}, {{ agent.signature }}"
    assert cli("macros", "add", "--title", "Sig", "--body", body).code == 0
    shown = cli("macros", "show", "Sig", "--ticket", str(cli_world.ticket_ids[2]))
    assert shown.code == 0
    assert "Dear Customer 2, ⟦agent.signature⟧" in shown.out
    assert "missing: agent.signature" in shown.out


def test_edit_in_editor_and_remove_own(cli, cli_world: World, tmp_path: Path, monkeypatch) -> None:
    _setup(cli)
    assert cli("macros", "add", "--title", "Draft", "--body", "Hello {{ customer.name }}").code == 0
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\n"
        "p = sys.argv[1]\n"
        "t = open(p).read().replace('title: Draft', 'title: Final').replace('Hello', 'Hi')\n"
        "t = t.replace('category: General', 'category: Sales\\nactions: {priority: high}')\n"
        "open(p, 'w').write(t)\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    edited = cli("macros", "edit", "draft")
    assert edited.code == 0, edited.out + edited.err
    shown = cli("macros", "show", "Final", "--json").json()
    assert shown["body"] == "Hi {{ customer.name }}"
    assert shown["category"] == "Sales" and shown["actions"] == {"priority": "high"}

    # A broken edit changes nothing and says why.
    script.write_text("import sys\nopen(sys.argv[1], 'w').write('no front matter')\n")
    broken = cli("macros", "edit", "Final")
    assert broken.code == 1 and "front matter" in broken.err
    assert cli("macros", "show", "Final", "--json").json()["body"] == "Hi {{ customer.name }}"

    removed = cli("macros", "rm", "Final")
    assert removed.code == 0 and "done (synced)" in removed.out
    assert cli("macros", "list", "--json").json()["canned_responses"] == []
    with cli_world.engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM canned_responses")).scalar() == 0
