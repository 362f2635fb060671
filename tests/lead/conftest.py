"""Fixtures of the team-lead tests: the fixed desk of `lead_desk` in a real cache file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lead_desk import build_lead_desk

from agentdesk.store import Cache


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Cache]:
    cache = build_lead_desk(tmp_path / "lead.sqlite3")
    try:
        yield cache
    finally:
        cache.close()


@pytest.fixture
def make_app(desk: Cache):
    """An offline app on the desk with the desk's fixed clock (`lead_desk.NOW`)."""
    from lead_desk import NOW

    from agentdesk.config import load_config
    from agentdesk.tui.app import AgentDeskApp

    def make(engine: object | None = None) -> AgentDeskApp:
        return AgentDeskApp(desk, engine, config=load_config(), now=lambda: NOW)

    return make
