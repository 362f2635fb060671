"""Helpers for the canned-response tests (imported by name: keep this file name unique)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def login(cli: Callable[..., Any], who: str = "alice", profile: str | None = None) -> Any:
    prefix = ["--profile", profile] if profile else []
    return cli(
        *prefix,
        "login",
        "--server",
        "http://desk.test",
        "--email",
        f"{who}@example.com",
        "--password-stdin",
        stdin="secret-pw\n",
    )
