"""A TextArea that never lets text act on the terminal.

A TextArea draws its document as it is: ESC/CSI/OSC sequences, bidi overrides and
zero-width characters in a colleague's draft, in a response filled from customer fields or
in a paste would reach the terminal (clear it, set the clipboard) or hide text. Everything
that enters this one, loaded or edited in, goes through `domain.text.visible` first (line
breaks kept), so such characters are shown, and saved, as visible symbols.
"""

from __future__ import annotations

from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult

from agentdesk.domain.text import visible


def editable(text: str) -> str:
    """`text` as it may enter the editor (and be saved): controls and invisibles as symbols."""
    return visible(text, multiline=True)


class SafeTextArea(TextArea):
    def load_text(self, text: str) -> None:
        super().load_text(editable(text))

    def edit(self, edit: Edit) -> EditResult:
        edit.text = editable(edit.text)
        return super().edit(edit)
