"""`?`: every binding active on the screen below, built from the live (remapped) bindings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label


@dataclass(frozen=True, slots=True)
class HelpEntry:
    keys: str
    description: str
    action_id: str
    where: str


def help_entries(screen: Screen[object]) -> list[HelpEntry]:
    """The bindings active on `screen` (focused widget, screen, app), grouped by binding."""
    grouped: dict[tuple[str, str], tuple[list[str], Binding, str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        where = type(active.node).__name__
        group = (binding.id or binding.action, where)
        if group not in grouped:
            grouped[group] = ([], binding, where)
        grouped[group][0].append(key)
    entries = [
        HelpEntry(
            keys=", ".join(_display_key(screen, key) for key in keys),
            description=binding.description or binding.action,
            action_id=binding.id or "—",
            where=where,
        )
        for keys, binding, where in grouped.values()
    ]
    entries.sort(key=lambda entry: (entry.where, entry.description.lower()))
    return entries


def _display_key(screen: Screen[object], key: str) -> str:
    return screen.app.get_key_display(Binding(key, ""))


class HelpScreen(ModalScreen[None]):
    """A table of keys, what they do, and the id to remap them with in `[keymap]`."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 60%; }
    HelpScreen > Vertical {
        width: 96; max-width: 95%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen .help--title { text-style: bold; margin-bottom: 1; }
    HelpScreen .help--hint { color: $foreground 60%; }
    HelpScreen DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, entries: list[HelpEntry], title: str) -> None:
        super().__init__()
        self.entries = entries
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Keys — {self.title_text}", classes="help--title")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="help-table")
            yield Label(
                'Remap any key in config.toml: [keymap] id = "key" · esc closes',
                classes="help--hint",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # plain Text: DataTable would parse str labels and cells as markup ("[" is a key here)
        table.add_columns(
            *(Text(label) for label in ("Keys", "Action", "Id (for [keymap])", "Where"))
        )
        for entry in self.entries:
            table.add_row(
                Text(entry.keys), Text(entry.description), Text(entry.action_id), Text(entry.where)
            )
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
