"""Seeded databases shared by the seed tests (small: a few hundred tickets, seeded in ~1 s)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentdesk.server.seed import SeedReport, seed_database

# A fixed "now", so two seedings with the same seed are byte-for-byte equal.
NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
TICKETS = 400


@dataclass(frozen=True)
class Seeded:
    url: str
    path: Path
    report: SeedReport


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """One SQLite database seeded with `TICKETS` tickets at `NOW` (read-only for tests)."""
    path = tmp_path_factory.mktemp("seeded") / "server.sqlite3"
    url = f"sqlite:///{path}"
    report = seed_database(url, tickets=TICKETS, seed=7, now=NOW)
    return Seeded(url=url, path=path, report=report)
