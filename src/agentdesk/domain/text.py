"""Untrusted text made safe to show: every invisible or terminal-controlling character made visible.

Customer subjects, bodies and names reach the screen. Rich and Textual strip only a few
control characters, so ESC/CSI/OSC sequences, bidi overrides and zero-width characters
would act on the terminal or hide text. `visible()` replaces each with a visible symbol;
the result is plain text, to be wrapped in `rich.text.Text` / Textual `Content`, never
parsed as markup. Pure functions, no I/O.
"""

from __future__ import annotations

# C0 controls become their Unicode "control picture" (U+2400 + code): ESC -> ␛, BEL -> ␇.
_C0_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_DEL_PICTURE = "\u2421"  # ␡
_NEWLINE_PICTURE = "\u2424"  # ␤

# Characters that change how other text is shown without being visible themselves.
_INVISIBLE = frozenset(
    [
        0x00AD,  # soft hyphen
        0x061C,  # arabic letter mark
        0x115F,
        0x1160,  # hangul fillers
        0x180E,  # mongolian vowel separator
        0x200B,
        0x200C,
        0x200D,
        0x200E,
        0x200F,  # zero-width space/joiners, LRM/RLM
        0x2028,
        0x2029,  # line/paragraph separators
        *range(0x202A, 0x202F),  # bidi embeddings and overrides
        *range(0x2060, 0x2070),  # word joiner, invisible operators, bidi isolates
        0x3164,  # hangul filler
        0xFEFF,  # zero-width no-break space / BOM
        0xFFA0,  # halfwidth hangul filler
        *range(0xFFF9, 0xFFFC),  # interlinear annotation
    ]
)

DEFAULT_MAX_CHARS = 200_000


def _code_label(code: int) -> str:
    return f"\u27e8U+{code:04X}\u27e9"  # ⟨U+202E⟩


def _build_table(multiline: bool) -> dict[int, str]:
    table: dict[int, str] = dict(_C0_PICTURES)
    table[0x7F] = _DEL_PICTURE
    for code in range(0x80, 0xA0):  # C1 controls, including the 8-bit CSI (0x9B)
        table[code] = _code_label(code)
    for code in _INVISIBLE:
        table[code] = _code_label(code)
    if multiline:
        del table[0x0A]  # newline
        table[0x09] = "    "  # tab: a fixed indent, no terminal tab stops
    else:
        table[0x0A] = _NEWLINE_PICTURE
        table[0x09] = " "
    return table


_SINGLE_LINE = _build_table(multiline=False)
_MULTI_LINE = _build_table(multiline=True)


def visible(text: str, *, multiline: bool = False, max_chars: int | None = None) -> str:
    """`text` with every control, escape, bidi and zero-width character shown as a symbol.

    `multiline` keeps line breaks (CRLF and lone CR become a newline) and turns tabs into
    spaces; otherwise a newline shows as ␤. Text longer than `max_chars` is cut, with a note
    of how much was left out, so a 10 MB body cannot stall the screen.
    """
    if max_chars is not None and len(text) > max_chars:
        hidden = len(text) - max_chars
        text = text[:max_chars]
        suffix = f"\u2026 [{hidden:,} more characters not shown]"
    else:
        suffix = ""
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        result = text.translate(_MULTI_LINE)
    else:
        result = text.translate(_SINGLE_LINE)
    return result + suffix


def one_line(text: str, limit: int = 500) -> str:
    """A short single-line form for tables and titles: visible, whitespace collapsed."""
    collapsed = " ".join(text[: limit * 2].split())
    return visible(collapsed, max_chars=limit)
