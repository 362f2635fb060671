"""Bad files on the agent's own machine: an unreadable or invalid profiles.toml, a broken
config.toml, a truncated or corrupt cache. Each is one clear line naming the file (no
traceback), the cache file is left byte for byte, and the queued reply is still in the outbox
(it is pushed once the file is fixed)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from agentdesk import paths
from agentdesk.store import Cache
from synckit import World

from .conftest import Result, login

REPLY = "queued before the file broke"


def break_profiles_syntax(cache: Path) -> str:
    paths.config_dir().joinpath("profiles.toml").write_text("[profiles.default\nserver = ")
    return "profiles.toml"


def break_profiles_types(cache: Path) -> str:
    paths.config_dir().joinpath("profiles.toml").write_text("active = 7\n[profiles]\ndefault = 3\n")
    return "profiles.toml"


def break_profiles_unreadable(cache: Path) -> str:
    profiles = paths.config_dir().joinpath("profiles.toml")
    profiles.unlink()
    profiles.mkdir()  # unreadable as a file, even for root
    return "profiles.toml"


def break_cache_truncated(cache: Path) -> str:
    with cache.open("r+b") as handle:
        handle.truncate(cache.stat().st_size // 2)
    return "corrupt"


def break_cache_pages(cache: Path) -> str:
    with cache.open("r+b") as handle:
        handle.seek(4096)
        handle.write(os.urandom(8192))
    return "corrupt"


BREAKERS: dict[str, Callable[[Path], str]] = {
    "profiles-syntax": break_profiles_syntax,
    "profiles-types": break_profiles_types,
    "profiles-unreadable": break_profiles_unreadable,
    "cache-truncated": break_cache_truncated,
    "cache-corrupt-pages": break_cache_pages,
}


@pytest.mark.parametrize("breaker", list(BREAKERS))
def test_broken_file_is_one_line_and_keeps_cache_and_outbox(
    cli: Callable[..., Result], world: World, breaker: str
) -> None:
    login(cli)
    assert cli("sync").code == 0
    cache_path = paths.cache_file("default")
    cache = Cache.open(cache_path)
    ticket_id = world.ticket_ids[0]
    cache.add_message(ticket_id, REPLY)
    cache.close()
    profiles = paths.config_dir() / "profiles.toml"
    good_profiles = profiles.read_bytes()
    good_cache = cache_path.with_suffix(".good")
    shutil.copyfile(cache_path, good_cache)

    cause = BREAKERS[breaker](cache_path)
    broken_cache = cache_path.read_bytes()
    result = cli("sync")
    assert result.code == 1, (result.out, result.err)
    line = result.err.strip()
    assert "\n" not in line and "Traceback" not in result.err, result.err
    assert cause in line, line
    assert cache_path.read_bytes() == broken_cache, "the broken file was left as found"

    if profiles.is_dir():
        profiles.rmdir()
    profiles.write_bytes(good_profiles)
    shutil.copyfile(good_cache, cache_path)
    cache = Cache.open(cache_path)
    assert [row.name for row in cache.outbox_rows()] == ["message.add"]
    cache.close()
    assert cli("sync").code == 0
    bodies = [m["body"] for m in world.server_messages(ticket_id)]
    assert bodies.count(REPLY) == 1


def test_broken_config_toml_does_not_stop_sync(cli: Callable[..., Result], world: World) -> None:
    login(cli)
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text("[keymap\nnot toml")
    result = cli("sync")
    assert result.code == 0, result.err
