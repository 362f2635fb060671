"""Validated request fields whose rules the OpenAPI schema states in full (pattern, lengths),
so a request the schema allows is one the server accepts."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

# Explicit ASCII classes: `\s` differs between regex engines (Rust, Python, JavaScript).
EMAIL_PATTERN = r"^[^@ \t\r\n]+@[^@ \t\r\n]+\.[^@ \t\r\n]+$"

Email = Annotated[str, StringConstraints(max_length=320, pattern=EMAIL_PATTERN)]
"""An email address (compared case-insensitively; stored lower-case)."""


def text(max_length: int) -> object:
    """Text with at least one visible character; surrounding whitespace is dropped."""
    return StringConstraints(
        strip_whitespace=True, min_length=1, max_length=max_length, pattern=r"\S"
    )


Name = Annotated[str, text(100)]
ShortText = Annotated[str, text(200)]
Subject = Annotated[str, text(500)]
Tag = Annotated[str, text(64)]
