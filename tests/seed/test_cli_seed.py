"""`agentdesk seed` on the command line: text and JSON output, refusals, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentdesk.cli import main


def test_text_output_lists_groups_accounts_and_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert main(["seed", "--db", url, "--tickets", "40", "--agents", "6"]) == 0
    out = capsys.readouterr().out
    assert "Groups:" in out and "Billing" in out and "Logistics" in out
    assert out.count("@northwind.example") == 6
    assert "admin" in out and "lead" in out
    assert out.count("demo") == 1  # the password, shown once


def test_json_output_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'j.db'}"
    code = main(
        ["seed", "--db", url, "--tickets", "30", "--agents", "5", "--password", "s3cret", "--json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"database", "seed", "tickets", "counts", "groups", "accounts", "rows"}
    assert data["password"] == "s3cret" and data["tickets"] == 30 and data["seed"] == 42
    assert data["counts"]["tickets"] == 30
    assert data["rows"] == sum(data["counts"].values())
    assert [g["name"] for g in data["groups"]] == ["Billing", "Technical", "Logistics", "Accounts"]
    assert len(data["accounts"]) == 5
    for account in data["accounts"]:
        assert set(account) == {"id", "email", "name", "role", "groups"}
        assert account["role"] in ("agent", "lead", "admin")


def test_default_database_is_the_servers(capsys: pytest.CaptureFixture[str]) -> None:
    from agentdesk.paths import data_dir

    assert main(["seed", "--tickets", "5", "--agents", "1", "--json"]) == 0
    assert (data_dir() / "server.sqlite3").exists()
    assert json.loads(capsys.readouterr().out)["database"].endswith("server.sqlite3")


def test_non_empty_database_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    assert main(["seed", "--db", url, "--tickets", "5", "--agents", "1"]) == 0
    capsys.readouterr()
    assert main(["seed", "--db", url, "--tickets", "5"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--append" in err and "Traceback" not in err
    assert main(["seed", "--db", url, "--tickets", "5", "--agents", "1", "--append"]) == 0


def test_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["seed", "--tickets", "-3"])
    assert exit_info.value.code == 2
    assert main(["seed", "--db", "postgresql://x@127.0.0.1:1/none", "--tickets", "1"]) == 1
    err = capsys.readouterr().err
    assert "cannot open database" in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("agentdesk: ")
