"""Small modal dialogs: pick one of a list (with type-to-filter), enter a line, confirm.

Each returns its answer through `dismiss` (None when cancelled with `esc`), so callers use
`push_screen(dialog, callback)` or `await push_screen_wait(dialog)` in a worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from agentdesk.domain.text import one_line

T = TypeVar("T")

DIALOG_CSS = """
{name} {{
    align: center middle;
    background: $background 60%;
}}
{name} > Vertical {{
    width: 64;
    max-width: 90%;
    height: auto;
    max-height: 80%;
    border: round $primary;
    background: $surface;
    padding: 0 1;
}}
{name} .dialog--title {{ text-style: bold; width: 100%; margin-bottom: 1; }}
{name} .dialog--hint {{ color: $foreground 60%; width: 100%; }}
{name} OptionList {{ height: auto; max-height: 20; border: none; }}
"""


class ChoiceDialog(ModalScreen[T | None], Generic[T]):
    """Choose one value; typing filters the list (fuzzy), `enter` picks, `esc` cancels."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ChoiceDialog")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("down,ctrl+n", "move(1)", "Next", show=False, id="dialog.next"),
        Binding("up,ctrl+k", "move(-1)", "Previous", show=False, id="dialog.previous"),
    ]

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[str, T]],
        *,
        current: T | None = None,
        filter_placeholder: str = "type to filter",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = [(one_line(label, 80), value) for label, value in choices]
        self.current = current
        self.filter_placeholder = filter_placeholder
        self._shown: list[T] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.title_text), classes="dialog--title")
            yield Input(placeholder=self.filter_placeholder, id="dialog-filter")
            yield OptionList(id="dialog-options")
            yield Label("enter: choose · esc: cancel", classes="dialog--hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, needle: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        matcher = Matcher(needle) if needle else None
        ranked: list[tuple[float, int, str, T]] = []
        for order, (label, value) in enumerate(self.choices):
            score = matcher.match(label) if matcher else 1.0
            if score > 0:
                ranked.append((-score, order, label, value))
        ranked.sort(key=lambda item: (item[0], item[1]))
        self._shown = [value for *_, value in ranked]
        mark = " (current)"
        options.add_options(
            [
                Option(Content(label + (mark if value == self.current else "")))
                for _, _, label, value in ranked
            ]
        )
        if self._shown:
            highlighted = 0
            if not needle and self.current in self._shown:
                highlighted = self._shown.index(self.current)
            options.highlighted = highlighted

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value.strip())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if options.highlighted is not None and self._shown:
            self.dismiss(self._shown[options.highlighted])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._shown[event.option_index])

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if not self._shown:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self._shown) - 1, current + step))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptDialog(ModalScreen[str | None]):
    """One line of input; `enter` submits, `esc` cancels."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PromptDialog")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, title: str, *, hint: str = "", value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.title_text), classes="dialog--title")
            yield Input(value=self.value, id="prompt-input")
            if self.hint:
                yield Label(Content(self.hint), classes="dialog--hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: `y` confirms, `n` or `esc` declines."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmDialog")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.question), classes="dialog--title")
            if self.detail:
                yield Label(Content(self.detail), classes="dialog--hint")
            yield Label("y: yes · n / esc: no", classes="dialog--hint")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


def parse_tag_edit(text: str) -> tuple[list[str], list[str]]:
    """`refund +vip -spam` -> (add=[refund, vip], remove=[spam])."""
    add: list[str] = []
    remove: list[str] = []
    for word in text.replace(",", " ").split():
        if word.startswith("-") and len(word) > 1:
            remove.append(word[1:])
        elif word.startswith("+") and len(word) > 1:
            add.append(word[1:])
        elif word not in ("+", "-"):
            add.append(word)
    return add, remove


__all__ = ["ChoiceDialog", "ConfirmDialog", "PromptDialog", "parse_tag_edit"]
