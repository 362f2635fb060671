"""End to end: the installed `agentdesk demo` in a real terminal (tmux), driven by keys.

A private tmux server (its own socket) runs `agentdesk demo` at 160x48; the test types with
`send-keys` and reads the screen with `capture-pane`, as a person would: open the queue,
switch view, open a ticket, reply, see it synced to the embedded server, go back, quit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

AGENTDESK = Path(sys.executable).with_name("agentdesk")


class Terminal:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        return result.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "e2e")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "e2e", *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "e2e", "-l", text)

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")
            time.sleep(0.1)  # polling a separate process's screen with a deadline

    def alive(self) -> bool:
        return "e2e" in self.tmux("list-sessions", "-F", "#{session_name}")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    assert shutil.which("tmux"), "tmux is needed for the end-to-end test (apt-get install tmux)"
    assert AGENTDESK.exists(), f"the agentdesk command is not installed at {AGENTDESK}"
    term = Terminal(f"agentdesk-e2e-{uuid.uuid4().hex[:8]}")
    editor = tmp_path / "editor.sh"  # an $EDITOR that appends to the file it is given
    editor.write_text('#!/bin/sh\nprintf " (edited)" >> "$1"\n', encoding="utf-8")
    editor.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
    env["VISUAL"] = str(editor)
    command = (
        f"{AGENTDESK} demo --tickets 150 --dir {tmp_path / 'demo'}; "
        "echo agentdesk-exited-$?; sleep 30"
    )
    subprocess.run(
        [
            "tmux",
            "-L",
            term.socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "160",
            "-y",
            "48",
            "env",
            "-u",
            "COLUMNS",
            "-u",
            "LINES",
            "sh",
            "-c",
            command,
        ],
        check=True,
        env=env,
    )
    try:
        yield term
    finally:
        term.tmux("kill-server")


def test_demo_in_a_real_terminal(terminal: Terminal) -> None:
    screen = terminal.wait_for("● online", timeout=90)
    assert "My open" in screen and "All open" in screen
    assert "outbox 0" in screen
    terminal.keys("5")
    screen = terminal.wait_for("All open ·")
    assert "SLA▲" in screen
    terminal.keys("1")  # back to My open: tickets this agent may answer
    terminal.wait_for("My open ·")
    terminal.keys("Enter")
    terminal.wait_for("✉ Customer")
    terminal.wait_for("r Reply")
    terminal.keys("r")
    terminal.wait_for("Public reply to the customer")
    terminal.type("Hello from the end-to-end test")
    terminal.keys("C-e")  # $EDITOR runs with the app suspended, then the text comes back
    terminal.wait_for("Hello from the end-to-end test (edited)")
    terminal.keys("C-s")
    terminal.wait_for("Reply queued")
    # Pushed by the engine, confirmed by a pull: no longer pending, outbox back to 0.
    deadline = time.monotonic() + 60
    while True:
        screen = terminal.screen()
        sent = "end-to-end test (edited)" in screen and "ctrl+s send" not in screen
        if sent and "pending sync" not in screen and "outbox 0" in screen:
            break
        assert time.monotonic() < deadline, f"the reply never synced:\n{screen}"
        time.sleep(0.1)
    terminal.keys("Escape")
    terminal.wait_for("My open ·")
    terminal.keys("q")
    terminal.wait_for("agentdesk-exited-0", timeout=30)
