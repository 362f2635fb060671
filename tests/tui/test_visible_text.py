"""`agentdesk.domain.text.visible`: untrusted text becomes inert, visible text."""

from __future__ import annotations

import pytest

from agentdesk.domain.text import one_line, visible

HOSTILE = [
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b[2J",
    "\x1b]0;title\x07",
    "abc\u202edcba",
    "zero\u200bwidth\u2060joined\ufeff",
    "\x9b31mred",
    "bell\x07back\x08null\x00",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_control_or_invisible_character_survives(text: str) -> None:
    for result in (visible(text), visible(text, multiline=True), one_line(text)):
        for char in result:
            code = ord(char)
            assert code >= 0x20 or char == "\n", repr(result)
            assert not 0x7F <= code < 0xA0, repr(result)
            assert char not in "\u202e\u200b\u2060\ufeff", repr(result)


def test_escape_sequences_are_shown_not_removed() -> None:
    assert visible("\x1b[2J") == "\u241b[2J"
    assert visible("a\u202eb") == "a\u27e8U+202E\u27e9b"


def test_markup_is_left_as_plain_characters() -> None:
    assert visible("[bold red]x[/]") == "[bold red]x[/]"


def test_multiline_keeps_line_breaks_and_normalises_crlf() -> None:
    assert visible("one\r\ntwo\rthree\tx", multiline=True) == "one\ntwo\nthree    x"
    assert visible("one\ntwo") == "one\u2424two"


def test_long_text_is_cut_with_a_note() -> None:
    result = visible("x" * 10_000_000, multiline=True, max_chars=1000)
    assert result.startswith("x" * 1000)
    assert "9,999,000 more characters not shown" in result
    assert len(result) < 1100


def test_one_line_collapses_whitespace() -> None:
    assert one_line("Refund\n\n  please  ") == "Refund please"
