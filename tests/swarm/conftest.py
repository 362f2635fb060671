"""Swarm tests: a real reference server world (synckit) and the CLI run in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from synckit import Cli, CliResult, MemoryKeyring, World, cli, memory_keyring, world_over_asgi

__all__ = ["cli", "memory_keyring"]


Result = CliResult


@pytest.fixture
def cli_world(tmp_path: Path, memory_keyring: MemoryKeyring) -> Iterator[World]:
    with world_over_asgi(tmp_path, tickets=2) as built:
        yield built


def login(cli: Cli, who: str) -> Result:
    """Log `who` in under a profile of the same name and sync it."""
    result = cli(
        "--profile", who, "login", "--server", "http://desk.test",
        "--email", f"{who}@example.com", "--password-stdin", stdin="secret-pw\n",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert cli("--profile", who, "sync").code == 0
    return result
