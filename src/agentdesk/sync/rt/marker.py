"""The delivery marker: how a reply or note written in agentdesk is recognised in RT.

RT has no idempotency key, so each message agentdesk posts carries its own id (the client's
UUIDv7) at the end of its text, on a line of its own made only of invisible characters:

    <body>\\n\\u2063\\u2063<32 hex digits, 2 bits per character>\\u2063

The alphabet is U+200B, U+200C, U+200D and U+2060 (zero-width space, non-joiner, joiner,
word joiner), framed by U+2063 (invisible separator). Mail readers and RT's web UI show
nothing; RT stores text/plain content byte for byte, so the marker comes back unchanged in
the transaction's attachment. Before a message whose earlier attempt had no definite answer
is sent again, the adapter looks for its marker in the ticket's history; on pull, the marker
is removed from the body and its UUID becomes the message id.
"""

from __future__ import annotations

import re
import uuid

FRAME = "\u2063"
ALPHABET = "\u200b\u200c\u200d\u2060"
_DIGIT = {char: index for index, char in enumerate(ALPHABET)}
_PATTERN = re.compile(f"\\n?{FRAME}{FRAME}([{ALPHABET}]{{64}}){FRAME}\\s*$")


def encode(message_id: str) -> str:
    """The invisible marker line for a UUID (no leading newline)."""
    value = uuid.UUID(message_id).int
    chars = [ALPHABET[(value >> shift) & 0b11] for shift in range(126, -1, -2)]
    return FRAME + FRAME + "".join(chars) + FRAME


def with_marker(body: str, message_id: str) -> str:
    return body.rstrip("\n") + "\n" + encode(message_id)


def split(content: str) -> tuple[str, str | None]:
    """(body without the marker, the message UUID) or (content, None) when unmarked."""
    match = _PATTERN.search(content)
    if match is None:
        return content, None
    value = 0
    for char in match.group(1):
        value = (value << 2) | _DIGIT[char]
    return content[: match.start()], str(uuid.UUID(int=value))


def find(content: str) -> str | None:
    return split(content)[1]
