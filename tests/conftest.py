"""Fixtures shared by every test area.

- Every test runs with `AGENTDESK_HOME` in its own temporary folder, so no test touches the
  user's real config, cache or keyring.
- `postgres_url` gives a fresh, empty PostgreSQL database for the test (dropped afterwards).
  Without PostgreSQL on 127.0.0.1:5432 those tests skip with the reason, except under CI
  (`CI=true`), where a missing PostgreSQL is a failure: CI must run them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get("AGENTDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def agentdesk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "agentdesk-home"
    home.mkdir()
    monkeypatch.setenv("AGENTDESK_HOME", str(home))
    monkeypatch.delenv("AGENTDESK_TOKEN", raising=False)
    return home


def _pg_connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=3)


def _pg_unavailable_reason() -> str | None:
    try:
        with _pg_connect(PG_ADMIN_URL):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {str(exc).strip().splitlines()[0]}"


@pytest.fixture(scope="session")
def postgres_available() -> None:
    reason = _pg_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
    pytest.skip(reason)


@pytest.fixture
def postgres_url(postgres_available: None) -> Iterator[str]:
    """A SQLAlchemy URL (`postgresql+psycopg://`) of a new empty database, dropped afterwards."""
    name = f"agentdesk_t_{uuid.uuid4().hex[:12]}"
    with _pg_connect(PG_ADMIN_URL) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with _pg_connect(PG_ADMIN_URL) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
