"""Themes from TOML files: the shipped `themes/` folder, then the user's themes directory.

A theme file holds Textual `Theme` fields (`name`, `dark`, `primary`, ... ) and a
`[variables]` table of app colours (`sla-breached`, `priority-urgent`, `note-background`, ...)
that the TCSS uses. A user file with the name of a built-in theme replaces it. A bad file
is skipped with a one-line notice; it never stops the app.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from agentdesk import paths

# App colour variables with their fallbacks (used when a theme leaves one out).
VARIABLE_DEFAULTS: dict[str, str] = {
    "sla-breached": "#ff5f5f",
    "sla-risk": "#ffb347",
    "sla-ok": "#6fcf97",
    "priority-urgent": "#ff5f5f",
    "priority-high": "#ffb347",
    "priority-normal": "#c6cfdc",
    "priority-low": "#8792a2",
    "note-background": "#2a2412",
    "note-border": "#f5a524",
    "reply-border": "#4f9cf9",
    "customer-border": "#7c8aa5",
    "mark": "#d58cff",
}
_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)


@dataclass
class LoadedThemes:
    themes: dict[str, Theme] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def load_themes(builtin_dir: Path | None = None, user_dir: Path | None = None) -> LoadedThemes:
    """Every theme from the built-in folder, then the user's folder (user files win by name)."""
    loaded = LoadedThemes()
    for folder in (builtin_dir or paths.builtin_themes_dir(), user_dir or paths.user_themes_dir()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = theme_from_file(path)
            except ValueError as exc:
                loaded.notices.append(f"{path}: {exc}; theme skipped")
                continue
            loaded.themes[theme.name] = theme
    return loaded


def theme_from_file(path: Path) -> Theme:
    """Parse one theme file; ValueError with a short reason when it is not a valid theme."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"invalid TOML ({exc})") from exc
    name = data.get("name") or path.stem
    if not isinstance(name, str):
        raise ValueError("name must be a string")
    if not isinstance(data.get("primary"), str):
        raise ValueError("a theme needs a primary colour")
    kwargs: dict[str, object] = {}
    for key in _COLOUR_FIELDS:
        value = data.get(key)
        if value is not None:
            kwargs[key] = _colour(key, value)
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ValueError("dark must be true or false")
    spread = data.get("luminosity_spread", 0.15)
    if not isinstance(spread, int | float):
        raise ValueError("luminosity_spread must be a number")
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError("[variables] must be a table")
    checked = {key: _colour(f"variables.{key}", value) for key, value in variables.items()}
    return Theme(
        name=name,
        dark=dark,
        luminosity_spread=float(spread),
        variables={**VARIABLE_DEFAULTS, **checked},
        **kwargs,  # type: ignore[arg-type]
    )


def _colour(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a colour string")
    try:
        Color.parse(value)
    except ColorParseError as exc:
        raise ValueError(f"{key}: {value!r} is not a colour") from exc
    return value
