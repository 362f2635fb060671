"""Fixtures for the canned-response tests: a real server world, the CLI in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from synckit import CliResult, MemoryKeyring, World, cli, memory_keyring, world_over_asgi

__all__ = ["cli", "memory_keyring"]


Result = CliResult


@pytest.fixture
def cli_world(tmp_path: Path, memory_keyring: MemoryKeyring) -> Iterator[World]:
    with world_over_asgi(tmp_path, tickets=3) as built:
        yield built
