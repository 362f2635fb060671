"""CLI tests: `agentdesk.cli.main` in-process, talking to the real server through ASGI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from synckit import MemoryKeyring, World, cli, memory_keyring, world_over_asgi

__all__ = ["cli", "memory_keyring"]


@pytest.fixture
def world(tmp_path: Path, memory_keyring: MemoryKeyring) -> Iterator[World]:
    with world_over_asgi(tmp_path, tickets=4) as built:
        yield built
