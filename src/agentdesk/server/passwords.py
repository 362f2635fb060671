"""Password and token hashing. scrypt (a memory-hard slow hash) from the standard library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

# n=2**14, r=8, p=1: about 50 ms here; slow for attackers, tolerable at login.
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    salt_b64, digest_b64 = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"scrypt${_N}${_R}${_P}${salt_b64}${digest_b64}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(digest, expected)


def new_token() -> str:
    """A bearer token: 256 random bits, URL-safe."""
    return "adt_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are high-entropy, so a fast SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()
