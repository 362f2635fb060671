"""The hostile-text corpus: every kind of untrusted text the product must show inert.

One place for all reliability tests (TUI, CLI, sync): markup and Textual actions, ANSI/OSC
escapes (OSC 52 clipboard write, OSC 0 window title, screen clear, 8-bit CSI), bidi
overrides, zero-width characters, C0 controls, a very long line, a 10 MB body and invalid
UTF-8 as a server might send it. `assert_inert` is the check every surface must pass.
"""

from __future__ import annotations

HOSTILE: dict[str, str] = {
    "markup": "[bold red]x[/] [link=http://evil]y[/link]",
    "click_action": "[@click=app.quit]quit[/]",
    "osc52_clipboard": "clip \x1b]52;c;ZXZpbA==\x07 board",
    "osc0_title": "title \x1b]0;pwned\x07 change",
    "osc8_link": "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\",
    "csi_clear": "clear \x1b[2J\x1b[H screen",
    "sgr_colour": "\x1b[31mred\x1b[0m text",
    "c1_csi": "eight-bit \x9b31m csi",
    "bidi": "rtl \u202egnp.exe\u202c \u2066iso\u2069 \u200fmark",
    "zero_width": "zero\u200bwidth\u200d\u2060join\ufeff",
    "c0_controls": "nul\x00bel\x07bs\x08del\x7f",
    "long_line": "L" * 20_000,
}

# What no rendered surface may carry: escapes and the controls/invisibles listed above.
FORBIDDEN = frozenset(
    "\x1b\x07\x00\x08\x7f\x9b\u202e\u202c\u2066\u2069\u200f\u200b\u200d\u2060\ufeff"
)

TEN_MB = 10 * 1024 * 1024
BIG_BODY = ("ten megabytes of customer text \x1b]52;c;ZXZpbA==\x07 " * (TEN_MB // 40))[:TEN_MB]

# A changes page as bytes with an invalid UTF-8 sequence inside a string value.
INVALID_UTF8_PAGE = b'{"changes": [{"entity": "ticket", "subject": "bad \xff\xfe bytes"}]'


def assert_inert(text: str, where: str) -> None:
    """Fail naming the surface and the first forbidden character found in `text`."""
    found = sorted({f"U+{ord(ch):04X}" for ch in text if ch in FORBIDDEN})
    assert not found, f"{where}: raw control/invisible characters reached the output: {found}"
