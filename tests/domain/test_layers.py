"""The core layers never import the UI toolkit, and the UI never imports the HTTP client."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "agentdesk"

FORBIDDEN = {
    "domain": {
        "textual",
        "rich",
        "httpx",
        "sqlite3",
        "fastapi",
        "agentdesk.store",
        "agentdesk.sync",
        "agentdesk.tui",
        "agentdesk.server",
        "agentdesk.cli",
    },
    "store": {
        "textual",
        "rich",
        "httpx",
        "fastapi",
        "agentdesk.sync",
        "agentdesk.tui",
        "agentdesk.server",
        "agentdesk.cli",
    },
    "sync": {"textual", "rich", "fastapi", "agentdesk.tui", "agentdesk.server", "agentdesk.cli"},
    "server": {
        "textual",
        "rich",
        "agentdesk.store",
        "agentdesk.sync",
        "agentdesk.tui",
        "agentdesk.cli",
    },
    "tui": {"httpx", "httpx_sse", "fastapi", "agentdesk.server"},
}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_one_way(layer: str) -> None:
    offending = []
    for path in sorted((SRC / layer).rglob("*.py")):
        for name in imported_modules(path):
            for banned in FORBIDDEN[layer]:
                if name == banned or name.startswith(banned + "."):
                    offending.append(f"{path.relative_to(SRC)} imports {name}")
    assert offending == []


def test_core_import_does_not_load_textual() -> None:
    code = (
        "import sys, agentdesk.domain.models, agentdesk.domain.mutations, agentdesk.sync.backend;"
        "print(sorted(m for m in ('textual', 'rich', 'fastapi') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
