"""The user's config file (TOML at `agentdesk.paths.config_file()`): theme, keymap, views, editor.

```toml
theme = "agentdesk-dark"
editor = "nvim"

[keymap]                 # binding id = "key[,key...]"
"queue.search" = "f"

[[views]]                # extra saved views shown in the queue sidebar
name = "Refunds"
query = "tag:refund status:open"
sort = "sla"             # a column, optionally "-column" for descending
```

Loading never fails: a malformed file or value becomes a one-line notice naming the file and
line, and the default is used instead. Writing (the theme choice) edits only the `theme`
line so comments and layout survive. No textual import here.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentdesk import paths

DEFAULT_THEME = "agentdesk-dark"
SORT_COLUMNS = (
    "sla",
    "priority",
    "status",
    "channel",
    "subject",
    "customer",
    "assignee",
    "updated",
)
_KNOWN_TOP_LEVEL = {"theme", "editor", "keymap", "views"}


@dataclass(frozen=True)
class ViewSpec:
    """A saved view from the config file: a search query plus a sort."""

    name: str
    query: str = ""
    sort: str = "sla"


@dataclass
class Config:
    path: Path
    theme: str = DEFAULT_THEME
    editor: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    views: list[ViewSpec] = field(default_factory=list)
    # Problems found while loading, each one line: "path:line: what is wrong".
    notices: list[str] = field(default_factory=list)
    # The line of each keymap entry, so later checks (unknown action, clash) can point at it.
    keymap_lines: dict[str, int] = field(default_factory=dict)

    def notice(self, line: int | None, message: str) -> None:
        where = f"{self.path}:{line}" if line else str(self.path)
        self.notices.append(f"{where}: {message}")


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file is the defaults, a broken one defaults plus notices."""
    path = path or paths.config_file()
    config = Config(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return config
    except (OSError, UnicodeDecodeError) as exc:
        config.notice(None, f"cannot read the config file ({exc}); using defaults")
        return config
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        reason = str(exc).split(" (at line")[0]
        config.notice(line, f"invalid TOML ({reason}); using defaults")
        return config
    locator = _LineLocator(text)
    _read_top_level(config, data, locator)
    return config


def _read_top_level(config: Config, data: dict[str, Any], locator: _LineLocator) -> None:
    for key in data:
        if key not in _KNOWN_TOP_LEVEL:
            config.notice(locator.key(None, key), f"unknown setting {key!r} ignored")
    theme = data.get("theme")
    if theme is not None:
        if isinstance(theme, str) and theme.strip():
            config.theme = theme.strip()
        else:
            config.notice(locator.key(None, "theme"), "theme must be a theme name (a string)")
    editor = data.get("editor")
    if editor is not None:
        if isinstance(editor, str) and editor.strip():
            config.editor = editor.strip()
        else:
            config.notice(locator.key(None, "editor"), "editor must be a command (a string)")
    keymap = data.get("keymap")
    if keymap is not None:
        if isinstance(keymap, dict):
            _read_keymap(config, keymap, locator)
        else:
            config.notice(locator.key(None, "keymap"), "keymap must be a table of id = key")
    views = data.get("views")
    if views is not None:
        if isinstance(views, list):
            _read_views(config, views, locator)
        else:
            config.notice(locator.key(None, "views"), "views must be an array of tables")


_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_+\-]+(\s*,\s*[A-Za-z0-9_+\-]+)*$")


def _read_keymap(config: Config, keymap: dict[str, Any], locator: _LineLocator) -> None:
    for action, keys in keymap.items():
        line = locator.key("keymap", action)
        if not isinstance(keys, str) or not _KEY_PATTERN.match(keys.strip()):
            config.notice(
                line, f'keymap {action!r}: expected keys like "ctrl+k" or "k,up", got {keys!r}'
            )
            continue
        config.keymap[action] = ",".join(part.strip() for part in keys.split(","))
        config.keymap_lines[action] = line or 0


def _read_views(config: Config, views: list[Any], locator: _LineLocator) -> None:
    lines = locator.array_tables("views")
    seen: set[str] = set()
    for number, entry in enumerate(views):
        line = lines[number] if number < len(lines) else None
        if not isinstance(entry, dict):
            config.notice(line, "each [[views]] entry must be a table")
            continue
        name, query, sort = entry.get("name"), entry.get("query", ""), entry.get("sort", "sla")
        if not isinstance(name, str) or not name.strip():
            config.notice(line, "a view needs a name (a non-empty string)")
            continue
        if not isinstance(query, str):
            config.notice(line, f"view {name!r}: query must be a string")
            continue
        if not isinstance(sort, str) or sort.lstrip("-") not in SORT_COLUMNS:
            config.notice(
                line,
                f"view {name!r}: sort must be one of {', '.join(SORT_COLUMNS)}"
                f" (optionally with a leading '-'), got {sort!r}; using 'sla'",
            )
            sort = "sla"
        if name in seen:
            config.notice(line, f"view {name!r} is defined twice; the first one is kept")
            continue
        seen.add(name)
        config.views.append(ViewSpec(name=name.strip(), query=query.strip(), sort=sort))


def save_theme(theme: str, path: Path | None = None) -> None:
    """Persist the theme choice, keeping the rest of the file as it is."""
    path = path or paths.config_file()
    line = f"theme = {_toml_string(theme)}\n"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    lines = text.splitlines(keepends=True)
    for number, existing in enumerate(lines):
        if existing.lstrip().startswith("["):
            break  # only top-level keys precede the first table
        if re.match(r"^\s*theme\s*=", existing):
            lines[number] = line
            break
    else:
        lines.insert(0, line)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".toml.tmp")
    temporary.write_text("".join(lines), encoding="utf-8")
    temporary.replace(path)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _line_from_message(message: str) -> int | None:
    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else None


class _LineLocator:
    """Finds the line of a key in the TOML text (1-based), for notices that point at it."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def _sections(self) -> list[tuple[str | None, int, int]]:
        """(section name, first line index, end index) for the top level and each table."""
        result: list[tuple[str | None, int, int]] = []
        name: str | None = None
        start = 0
        for index, raw in enumerate(self.lines):
            stripped = raw.strip()
            if stripped.startswith("["):
                result.append((name, start, index))
                name = stripped.strip("[]").strip().strip('"')
                start = index + 1
        result.append((name, start, len(self.lines)))
        return result

    def key(self, section: str | None, key: str) -> int | None:
        pattern = re.compile(rf"^\s*(\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})\s*=")
        for name, start, end in self._sections():
            if name != section:
                continue
            for index in range(start, end):
                if pattern.match(self.lines[index]):
                    return index + 1
        return None

    def array_tables(self, name: str) -> list[int]:
        header = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
        return [index + 1 for index, raw in enumerate(self.lines) if header.match(raw)]
