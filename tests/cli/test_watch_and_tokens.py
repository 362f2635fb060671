"""`sync --watch` as a real process over a real socket; `--token-stdin`; `--insecure`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from agentdesk import profiles
from agentdesk.cli import main
from agentdesk.profiles import Profile
from synckit import LiveServer, MemoryKeyring, World


def test_sync_watch_reports_state_and_stops_on_ctrl_c(world: World) -> None:
    home = Path(os.environ["AGENTDESK_HOME"])
    with LiveServer(world.app) as server:
        alice = world.people["alice"]
        profiles.upsert(Profile("default", server.url, alice.email, agent_id=alice.id))
        env = {**os.environ, "AGENTDESK_HOME": str(home), "AGENTDESK_TOKEN": alice.token}
        process = subprocess.Popen(
            [sys.executable, "-m", "agentdesk", "sync", "--watch"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            deadline = time.monotonic() + 30
            lines = []
            while time.monotonic() < deadline:
                line = process.stdout.readline()
                lines.append(line)
                if line.startswith("online"):
                    break
            assert lines[-1].startswith("online (pending 0, conflicts 0, rejected 0)"), lines
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0
            assert "Traceback" not in (process.stderr.read() if process.stderr else "")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_token_stdin_and_insecure_flag(
    world: World, memory_keyring: MemoryKeyring, capsys: object, monkeypatch: object
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(world.people["bob"].token + "\n"))  # type: ignore[attr-defined]
    code = main(
        ["--profile", "bob", "login", "--server", "http://desk.test", "--email",
         "bob@example.com", "--token-stdin", "--insecure"]
    )  # fmt: skip
    assert code == 0
    stored = profiles.load().profiles["bob"]
    assert stored.insecure is True and stored.agent_id == world.people["bob"].id
    assert memory_keyring.store[("agentdesk", "bob")] == world.people["bob"].token
    monkeypatch.setattr(sys, "stdin", io.StringIO("not-a-token\n"))  # type: ignore[attr-defined]
    assert main(["--profile", "x", "login", "--server", "http://desk.test", "--email",
                 "x@example.com", "--token-stdin"]) == 1  # fmt: skip
    assert "x" not in profiles.load().profiles
