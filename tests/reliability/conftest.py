"""Reliability fixtures: a real server world (synckit) and the CLI run in-process."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest

from agentdesk.cli import main
from agentdesk.sync import connect
from synckit import MemoryKeyring, World, build_world


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def world(tmp_path: Path, memory_keyring: MemoryKeyring) -> Iterator[World]:
    built = asyncio.run(build_world(tmp_path, tickets=2))
    connect.TRANSPORT_FACTORY = lambda base_url: built.transport()
    try:
        yield built
    finally:
        connect.TRANSPORT_FACTORY = None


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    def run(*argv: str, stdin: str | None = None) -> Result:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def login(cli: Callable[..., Result], who: str = "alice") -> Result:
    result = cli(
        "login",
        "--server",
        "http://desk.test",
        "--email",
        f"{who}@example.com",
        "--password-stdin",
        stdin="secret-pw\n",
    )
    assert result.code == 0, result.err
    return result
