"""Textual's `Footer`, rebuilt only when what it shows changes, and only on the top screen.

Textual's footer rebuilds all its keys (a widget each, styled through the whole stylesheet)
whenever its screen announces a bindings change: on every focus move, and when any screen is
pushed over it or popped off it, although the keys it shows are then nearly always the same.
That work landed on the first frame of the queue and on every dialog opened over it.

`QuietFooter` collects the announcements into one check after the next refresh, skips it
while its screen is covered (the check runs when the screen is shown again) and rebuilds only
when the shown keys (key, label, enabled, tooltip) differ from what is on screen.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

Shown = tuple[tuple[object, ...], ...]


class QuietFooter(Footer):
    """A `Footer` that recomposes only when its keys change (same look, same behaviour)."""

    def __init__(self, *, show_command_palette: bool = True, compact: bool = False) -> None:
        super().__init__(show_command_palette=show_command_palette, compact=compact)
        self._shown: Shown | None = None
        self._check_pending = False

    def _keys_now(self) -> Shown:
        keys = [
            (key, binding.action, binding.description, binding.group, enabled, tooltip)
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show
        ]
        return (
            (self.show_command_palette, self.compact, self.app.ENABLE_COMMAND_PALETTE),
            *keys,
        )

    def compose(self) -> ComposeResult:
        self._shown = self._keys_now() if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._check_pending:
            self._check_pending = True
            self.call_after_refresh(self._check)

    def _check(self) -> None:
        self._check_pending = False
        if not self.is_attached or self.app.screen is not self.screen:
            return  # covered: checked again when the screen is shown (its bindings change)
        if self._keys_now() != self._shown:
            self.call_later(self.recompose)
