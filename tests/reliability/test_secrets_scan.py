"""The token stays secret and TLS checks stay visible: after a login, a sync and a run of the
real app, the token is in no file under the agentdesk home (cache, WAL, config, profiles,
logs) and not in the app's process arguments; a profile logged in with `--insecure` makes
the status bar say "TLS not verified", a normal one does not."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from agentdesk import secrets
from synckit import LiveServer, World

from .conftest import Result
from .test_tui_sigkill import terminal

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

WARNING = "TLS not verified"


def login(cli: Callable[..., Result], server: LiveServer, *extra: str) -> str:
    result = cli(
        "login", "--server", server.url, "--email", "alice@example.com", "--password-stdin",
        *extra, stdin="secret-pw\n",
    )  # fmt: skip
    assert result.code == 0, result.err
    token = secrets.get_token("default")
    assert token
    return token


def files_holding(root: Path, secret: str) -> list[Path]:
    needle = secret.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_token_is_nowhere_on_disk_or_in_arguments_and_insecure_is_shown(
    cli: Callable[..., Result], world: World
) -> None:
    home = Path(os.environ["AGENTDESK_HOME"])
    with LiveServer(world.app) as server, terminal(world, server) as term:
        token = login(cli, server)
        assert cli("sync").code == 0
        term.env["AGENTDESK_TOKEN"] = token
        term.start()
        term.all_open(len(world.ticket_ids))
        term.wait_for(lambda: "● online" in term.screen(), "online")
        assert WARNING not in term.screen()
        cmdline = Path(f"/proc/{term.pid}/cmdline").read_bytes()
        assert token.encode() not in cmdline
        term.keys("q")
        term.wait_for(
            lambda: (
                term.tmux("display-message", "-p", "-t", term.session, "#{pane_dead}").strip()
                == "1"
            ),
            "a clean quit",
        )
        assert files_holding(home, token) == []

        insecure_token = login(cli, server, "--insecure")
        term.env["AGENTDESK_TOKEN"] = insecure_token
        term.start()
        term.all_open(len(world.ticket_ids))
        term.wait_for(lambda: WARNING in term.screen(), "the --insecure warning")
        term.sigkill()
        assert files_holding(home, insecure_token) == []
