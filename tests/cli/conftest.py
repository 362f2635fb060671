"""CLI tests: `agentdesk.cli.main` in-process, talking to the real server through ASGI."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from agentdesk.sync import connect
from synckit import MemoryKeyring, World, build_world


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def world(tmp_path: Path, memory_keyring: MemoryKeyring) -> Iterator[World]:
    built = asyncio.run(build_world(tmp_path, tickets=4))
    connect.TRANSPORT_FACTORY = lambda base_url: built.transport()
    try:
        yield built
    finally:
        connect.TRANSPORT_FACTORY = None
