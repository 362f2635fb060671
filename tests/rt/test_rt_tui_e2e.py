"""End to end on an RT profile: the real `agentdesk` TUI in tmux, a real RT behind it.

Open the queue, open a ticket, write a reply, send it: the reply is in RT's history, once.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rt_instance import RTInstance

from agentdesk import paths, profiles
from agentdesk.profiles import Profile
from agentdesk.sync.rt import marker

pytestmark = pytest.mark.slow


@pytest.fixture
def tmux_session() -> Iterator[str]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing (CI must run the end-to-end test)")
        pytest.skip("tmux is not installed")
    name = f"agentdesk-rt-{uuid.uuid4().hex[:8]}"
    yield name
    # Our own tmux server (its own socket): stopping it touches no one else's sessions.
    subprocess.run([*tmux(name), "kill-server"], check=False, capture_output=True)


def tmux(session: str) -> list[str]:
    """tmux on a private socket named after the session, with no user configuration."""
    return ["tmux", "-L", session, "-f", "/dev/null"]


def capture(session: str) -> str:
    done = subprocess.run(
        [*tmux(session), "capture-pane", "-p", "-t", session],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout


def send(session: str, *keys: str) -> None:
    subprocess.run([*tmux(session), "send-keys", "-t", session, *keys], check=True)


def wait_for(check: Callable[[], bool], what: str, session: str, timeout: float = 60.0) -> None:
    """Poll with a deadline; on failure show the screen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(
        f"timed out waiting for {what}; the screen:\n{capture(session)}", tmux_session
    )


def test_reply_from_the_tui_reaches_rt_once(
    rt: RTInstance, agentdesk_home: Path, tmux_session: str
) -> None:
    rt.start()
    subject = f"Kettle broken {uuid.uuid4().hex[:6]}"
    with rt.api("alice") as api:
        ticket = api.create_ticket(subject, "tess@customer.test", "It does not boil.")
        alice_id = int(api.user("alice")["id"])
    paths.config_dir().mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / "rt.toml").write_text(
        "max_requests_per_second = 200\npoll_interval = 2\n"
    )
    profiles.upsert(Profile("default", rt.url, "alice", backend="rt", agent_id=alice_id))
    env = {
        "AGENTDESK_HOME": str(agentdesk_home),
        "AGENTDESK_TOKEN": f"alice:{rt.tokens['alice']}",
        "TERM": "xterm-256color",
    }
    first = subprocess.run(
        [sys.executable, "-m", "agentdesk", "sync"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert first.returncode == 0, first.stderr

    exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    # COLUMNS/LINES (set by pytest) would pin the app's size: the pane's size must win.
    python = shlex.quote(sys.executable)
    command = f"env -u COLUMNS -u LINES {exports} {python} -m agentdesk"
    size = ["-x", "160", "-y", "48"]
    subprocess.run(
        [*tmux(tmux_session), "new-session", "-d", *size, "-s", tmux_session, command], check=True
    )
    wait_for(lambda: "All open" in capture(tmux_session), "the queue screen", tmux_session)
    send(tmux_session, "2")  # Unassigned in my groups: the queues alice sees on RT
    wait_for(lambda: subject in capture(tmux_session), "the RT ticket in the queue", tmux_session)
    send(tmux_session, "/")  # search narrows the list to this ticket
    # Type only once the box is there: keys sent before it has focus would go to the list.
    wait_for(lambda: "search: words" in capture(tmux_session), "the search box", tmux_session)
    send(tmux_session, "-l", subject.split()[-1])
    wait_for(
        lambda: f"search: {subject.split()[-1]}" in capture(tmux_session),
        "the search to apply",
        tmux_session,
    )
    # Enter leaves the search box (focus moves to the list), Enter again opens the ticket.
    # Keys that arrive before the focus moved land in the box again: repeat until it opens.
    opened = False
    for _ in range(6):
        send(tmux_session, "Enter")
        try:
            wait_for(
                lambda: "It does not boil." in capture(tmux_session),
                "the thread",
                tmux_session,
                timeout=8,
            )
        except AssertionError:
            continue
        opened = True
        break
    assert opened, capture(tmux_session)
    send(tmux_session, "r")
    wait_for(lambda: " Send" in capture(tmux_session), "the composer", tmux_session)
    send(tmux_session, "-l", "Kettle replacement is on its way.")
    wait_for(lambda: "on its way." in capture(tmux_session), "the typed reply", tmux_session)
    send(tmux_session, "C-s")

    def in_rt() -> list[str]:
        with rt.api("alice") as api:
            return [
                marker.split(text)[0]
                for kind, text in api.message_contents(ticket)
                if kind == "Correspond"
            ]

    wait_for(
        lambda: in_rt() == ["Kettle replacement is on its way."], "the reply in RT", tmux_session
    )
    wait_for(lambda: "outbox 0" in capture(tmux_session), "the outbox to empty", tmux_session)
    assert in_rt() == ["Kettle replacement is on its way."]
    send(tmux_session, "q")
