"""`agentdesk admin ...` and `agentdesk serve`, as a user runs them."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from agentdesk.cli import main
from agentdesk.server.app import create_app


def run(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(argv)


async def login(url: str, email: str, password: str) -> httpx.Response:
    app = create_app(url)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cli.test") as client:
        return await client.post("/v1/auth/token", json={"email": email, "password": password})


async def test_create_agent_then_log_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    argv = ["admin", "create-agent", "--db", url, "--email", "Lee@Example.test", "--name", "Lee"]
    argv += ["--role", "lead", "--group", "support", "--group", "vip", "--skill", "german"]
    assert run([*argv, "--password-stdin"], monkeypatch, "s3cret-pw\n") == 0
    assert "created lead lee@example.test" in capsys.readouterr().out
    response = await login(url, "lee@example.test", "s3cret-pw")
    assert response.status_code == 200
    agent = response.json()["agent"]
    assert agent["role"] == "lead" and agent["skills"] == ["german"]
    assert len(agent["group_ids"]) == 2

    # the same email again is one clear line
    assert run([*argv, "--password-stdin"], monkeypatch, "other-pw\n") == 1
    err = capsys.readouterr().err
    assert err.strip() == "agentdesk: an agent with email lee@example.test already exists"

    # reset the password: the old one stops working
    reset = ["admin", "reset-password", "--db", url, "--email", "lee@example.test"]
    assert run([*reset, "--password-stdin"], monkeypatch, "n3w-password\n") == 0
    assert (await login(url, "lee@example.test", "s3cret-pw")).status_code == 401
    assert (await login(url, "lee@example.test", "n3w-password")).status_code == 200


def test_admin_input_errors_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    base = ["admin", "create-agent", "--db", url, "--name", "X", "--role", "agent"]
    reset = ["admin", "reset-password", "--db", url, "--email", "who@example.test"]
    cases = [
        ([*base, "--email", "x@example.test", "--password-stdin"], "", "no password on stdin"),
        ([*base, "--email", "nope", "--password-stdin"], "pw12345\n", "not an email address"),
        ([*base, "--email", "x@example.test", "--password-stdin"], "ab\n", "at least"),
        ([*reset, "--password-stdin"], "pw12345\n", "no agent with email"),
        (["admin", "create-intake-key", "--db", "bogus://x", "--name", "w"], "", "unsupported"),
    ]
    for argv, stdin, words in cases:
        assert run(argv, monkeypatch, stdin) == 1, argv
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1, err


async def test_intake_key_is_printed_once_and_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    assert run(["admin", "create-intake-key", "--db", url, "--name", "web form"], monkeypatch) == 0
    key = capsys.readouterr().out.strip()
    app = create_app(url)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cli.test") as client:
        response = await client.post(
            "/v1/tickets",
            json={
                "subject": "Hi",
                "body": "Hello",
                "channel": "web",
                "customer": {"email": "c@example.test"},
            },
            headers={"X-Intake-Key": key},
        )
    assert response.status_code == 201


def test_serve_with_a_bad_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for url in ("postgresql+psycopg://postgres@127.0.0.1:1/x", "what"):
        assert run(["serve", "--db", url], monkeypatch) == 1
        err = capsys.readouterr().err
        assert err.startswith("agentdesk: ") and err.count("\n") == 1


def test_serve_on_a_busy_port_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        url = f"sqlite:///{tmp_path / 's.sqlite3'}"
        assert run(["serve", "--db", url, "--port", str(port)], monkeypatch) == 1
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_serve_answers_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "agentdesk", "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
        process.send_signal(signal.SIGINT)
        out, _err = process.communicate(timeout=30)
        assert process.returncode == 0
        assert f"http://127.0.0.1:{port}" in out.decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_refuses_a_newer_schema_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import text

    from agentdesk.server.db import open_database

    url = f"sqlite:///{tmp_path / 'future.sqlite3'}"
    engine = open_database(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    assert run(["serve", "--db", url], monkeypatch) == 1
    err = capsys.readouterr().err
    assert "9999_future" in err and "upgrade agentdesk" in err and err.count("\n") == 1
