"""The built wheel carries everything the program needs at run time (themes, migrations)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("agentdesk-*.whl")
    return built


def test_wheel_ships_themes_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped_themes = {Path(n).name for n in names if n.startswith("agentdesk/themes/")}
    assert {p.name for p in (ROOT / "themes").iterdir() if p.is_file()} <= shipped_themes
    assert any(n.startswith("agentdesk/server/migrations/versions/") for n in names)
    assert "agentdesk/tui/app.tcss" in names or any(n.endswith(".tcss") for n in names)


def test_installed_wheel_finds_its_themes(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "import agentdesk, agentdesk.paths as p; d = p.builtin_themes_dir();"
        "print(agentdesk.__file__); print(d); print(sorted(x.name for x in d.iterdir()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0].startswith(str(target))
    assert out[1].startswith(str(target))
    assert "dark.toml" in out[2] and "light.toml" in out[2]
    version = subprocess.run(
        [sys.executable, "-m", "agentdesk", "--version"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert version.startswith("agentdesk ")
