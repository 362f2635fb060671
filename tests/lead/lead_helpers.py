"""Pilot helpers for the team-lead tests: wait with a deadline, read the screen as text."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot


async def until(pilot: Pilot[object], check: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until `check()` is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        if check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {check}")
        await pilot.pause(0.02)


def screen_text(pilot: Pilot[object]) -> str:
    """Everything on the screen now, as plain text lines."""
    strips = pilot.app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return "\n".join(strip.text for strip in strips)


def record_notices(app: Any) -> list[str]:
    """Every message the app notifies from now on (it still shows them)."""
    messages: list[str] = []
    notify = app.notify

    def recording(message: str, *args: Any, **kwargs: Any) -> None:
        messages.append(str(message))
        notify(message, *args, **kwargs)

    app.notify = recording
    return messages
