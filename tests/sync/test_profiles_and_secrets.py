"""Profiles file round trip and errors; tokens only in the keyring (or AGENTDESK_TOKEN)."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backend
import pytest
from keyring.backends import fail

from agentdesk import profiles, secrets
from agentdesk.profiles import Profile, ProfileError
from synckit import MemoryKeyring


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_profiles_round_trip_and_active() -> None:
    profiles.upsert(Profile("work", "https://desk.example.com", "dana@example.com", agent_id=4))
    profiles.upsert(
        Profile("lab", 'http://127.0.0.1:8000/"x"', "ops@example.com", insecure=True),
        make_active=False,
    )
    loaded = profiles.load()
    assert loaded.active == "work"
    assert loaded.profiles["lab"].server == 'http://127.0.0.1:8000/"x"'
    assert loaded.profiles["lab"].insecure is True
    assert loaded.profiles["work"].agent_id == 4
    assert loaded.resolve(None).name == "work"
    assert loaded.resolve("lab").name == "lab"
    assert loaded.resolve("nope") is None
    assert profiles.remove("work")
    assert profiles.load().active is None
    assert profiles.load().resolve(None).name == "lab"  # the only one left


def test_malformed_profiles_file_names_file_and_line() -> None:
    path = profiles.profiles_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('active = "x"\n[profiles.x]\nserver = \n')
    with pytest.raises(ProfileError) as info:
        profiles.load()
    message = str(info.value)
    assert str(path) in message and "line 3" in message
    assert "\n" not in message


def test_profiles_file_with_wrong_types_is_one_clear_error() -> None:
    path = profiles.profiles_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[profiles.x]\nserver = "http://a"\nemail = "e@x"\nagent_id = "four"\n')
    with pytest.raises(ProfileError, match="'agent_id' must be of type int"):
        profiles.load()


def test_profile_names_are_checked() -> None:
    with pytest.raises(ProfileError):
        profiles.check_name("../etc")


def test_token_goes_to_keyring_only(memory_keyring: MemoryKeyring) -> None:
    secrets.store_token("work", "tok-123")
    assert memory_keyring.store == {("agentdesk", "work"): "tok-123"}
    assert secrets.get_token("work") == "tok-123"
    assert secrets.get_token("other") is None
    assert secrets.delete_token("work") is True
    assert secrets.get_token("work") is None
    assert secrets.delete_token("work") is False


def test_env_token_overrides(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets.store_token("work", "from-keyring")
    monkeypatch.setenv("AGENTDESK_TOKEN", "from-env")
    assert secrets.get_token("work") == "from-env"


@pytest.mark.parametrize("backend", [fail.Keyring(), MemoryKeyring(priority=0.5)])
def test_unusable_keyring_fails_with_one_line(backend: keyring.backend.KeyringBackend) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        with pytest.raises(secrets.SecretStoreError) as info:
            secrets.store_token("work", "tok")
        assert "AGENTDESK_TOKEN" in str(info.value) and "\n" not in str(info.value)
        assert secrets.get_token("work") is None
    finally:
        keyring.set_keyring(previous)
