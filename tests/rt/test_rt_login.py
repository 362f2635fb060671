"""`agentdesk login --backend rt` against a real RT: password or token, kept in the keyring."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator

import keyring
import pytest
from rt_instance import RTInstance

from agentdesk import paths
from agentdesk.cli import main
from agentdesk.sync.rt import decode_secret
from synckit import MemoryKeyring


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("how", ["--password-stdin", "--token-stdin"])
def test_login_with_password_or_token(
    how: str,
    rt_running: RTInstance,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = rt_running.password("bob") if how == "--password-stdin" else rt_running.tokens["bob"]
    argv = ["login", "--backend", "rt", "--server", rt_running.url, "--user", "bob", how]
    code, out, err = run(capsys, monkeypatch, *argv, stdin=secret + "\n")
    assert code == 0, err
    assert "logged in as Bob Baker" in out

    ((_, _), stored) = next(iter(memory_keyring.store.items()))
    user, authorization = decode_secret(stored)
    assert user == "bob"
    assert authorization.startswith("Basic " if how == "--password-stdin" else "token ")
    for path in paths.config_dir().rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path

    code, out, err = run(capsys, monkeypatch, "profiles", "--json", stdin="")
    assert code == 0, err
    (profile,) = json.loads(out)["profiles"]
    assert profile["backend"] == "rt"

    # The stored secret works for a sync: the cache fills from RT.
    code, out, err = run(capsys, monkeypatch, "sync", stdin="")
    assert code == 0, err


def test_wrong_password_is_one_line(
    rt_running: RTInstance,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = ["login", "--backend", "rt", "--server", rt_running.url, "--user", "bob"]
    code, _, err = run(capsys, monkeypatch, *argv, "--password-stdin", stdin="nope\n")
    assert code == 1
    assert err.count("\n") == 1 and "Request Tracker" in err
    assert not memory_keyring.store
