"""Secrets at rest on the server: passwords only as salted scrypt hashes with a slow cost,
tokens only as SHA-256 digests, so a copy of the database yields no usable credential."""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from agentdesk.server.passwords import hash_password, verify_password
from synckit import World

PASSWORD = "secret-pw"  # synckit's password for every person


def test_passwords_are_salted_slow_hashes(world: World) -> None:
    with world.engine.connect() as conn:
        stored = [
            row[0] for row in conn.execute(text("SELECT password_hash FROM agent_credentials"))
        ]
    assert len(stored) == len(world.people)
    assert len(set(stored)) == len(stored), "a salt per password"
    for value in stored:
        assert PASSWORD not in value
        scheme, n, r, p, _salt, _digest = value.split("$")
        assert scheme == "scrypt" and int(n) >= 2**14 and int(r) >= 8 and int(p) >= 1
        assert verify_password(PASSWORD, value) and not verify_password(PASSWORD + "x", value)
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_tokens_are_stored_as_digests_only(world: World) -> None:
    with world.engine.connect() as conn:
        stored = {row[0] for row in conn.execute(text("SELECT token_hash FROM api_tokens"))}
    for person in world.people.values():
        assert person.token not in stored
        assert hashlib.sha256(person.token.encode()).hexdigest() in stored
