"""TUI fixtures: a desk cache, a fixed clock, an app factory (offline unless given an engine)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from tui_desk import NOW, build_desk

from agentdesk.config import Config, load_config
from agentdesk.store import Cache
from agentdesk.tui.app import AgentDeskApp


def fixed_now() -> datetime:
    return NOW


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Cache]:
    cache = build_desk(tmp_path / "desk.sqlite3")
    try:
        yield cache
    finally:
        cache.close()


@pytest.fixture
def make_app(desk: Cache):
    def make(config: Config | None = None, engine: object | None = None) -> AgentDeskApp:
        return AgentDeskApp(desk, engine, config=config or load_config(), now=fixed_now)

    return make
