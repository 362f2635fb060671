#!/usr/bin/env python3
"""One entry point for newcomers and CI: sets up what it needs on first use, then runs.

    python3 dev.py demo     # the TUI on an embedded, seeded demo server
    python3 dev.py test     # the whole test suite (what CI runs)
    python3 dev.py bench    # every benchmark; rewrites docs/BENCHMARKS.md
    python3 dev.py lint     # ruff

The first run creates `.venv/` and installs the package with its test extras; later runs
reinstall only when pyproject.toml changes. Needs nothing but Python 3.11+ and the package
registries.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".agentdesk-installed"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (this script may run on an old Python)
        sys.exit("agentdesk needs Python 3.11 or newer")
    if not PYTHON.exists():
        print("dev.py: creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("dev.py: installing agentdesk and its dependencies into .venv ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def run(*argv: str) -> int:
    return subprocess.call([str(a) for a in argv], cwd=ROOT)


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if command in ("help", "-h", "--help"):
        print(__doc__)
        return 0
    ensure_environment()
    if command == "demo":
        return run(BIN / "agentdesk", "demo", *rest)
    if command == "test":
        lint = run(BIN / "ruff", "check", "src", "tests", "bench")
        if lint:
            return lint
        return run(PYTHON, "-m", "pytest", "-n", "2", "--dist", "loadgroup", *rest)
    if command == "bench":
        return run(PYTHON, "-m", "bench", *rest)
    if command == "lint":
        return run(BIN / "ruff", "check", "src", "tests", "bench", *rest)
    print(f"dev.py: unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
