"""`agentdesk` with no command: clear one-line errors when there is nothing to open."""

from __future__ import annotations

import pytest

from agentdesk.cli import main
from agentdesk.cli.errors import UserError
from agentdesk.tui.app import run


def test_no_profile_is_a_user_error_not_a_traceback() -> None:
    with pytest.raises(UserError, match="no profile yet"):
        run(None)
    with pytest.raises(UserError, match="no profile 'work'"):
        run("work")


def test_cli_prints_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("agentdesk: no profile yet") and "\n" not in err
