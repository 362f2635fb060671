"""The user's `[keymap]` checked against the app's bindings before `App.set_keymap`.

Every binding has an id (`queue.search`, `table.down`, ...). A keymap entry naming an
unknown id, or giving a key that another binding active in the same place already uses,
is reported as `config.toml:LINE: ...` and left out; the rest is applied. So is a remap to
printable keys only of an action whose screen has a text field in focus (the canned-response
picker's filter): the field would take those keys as typing, and the action would be lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from textual.binding import Binding, BindingType
from textual.keys import key_to_character

from agentdesk.config import Config


@dataclass(frozen=True, slots=True)
class Scope:
    """Bindings that are active together (a screen, its focused widget and the app)."""

    name: str
    bindings: tuple[Binding, ...]
    # Ids of bindings used while a text field has focus: printable keys are typed, not bound.
    typed_over: frozenset[str] = frozenset()


def as_bindings(raw: Iterable[BindingType]) -> tuple[Binding, ...]:
    return tuple(Binding.make_bindings(raw))


def _keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    spec = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [key.strip() for key in spec.split(",") if key.strip()]


def checked_keymap(config: Config, scopes: Iterable[Scope]) -> dict[str, str]:
    """The keymap entries that are safe to apply; problems go into `config.notices`."""
    scopes = list(scopes)
    known = {b.id for scope in scopes for b in scope.bindings if b.id}
    keymap: dict[str, str] = {}
    for action, keys in config.keymap.items():
        if action not in known:
            config.notice(
                config.keymap_lines.get(action),
                f"keymap: unknown action {action!r} (see the help screen, ?, for action ids)",
            )
            continue
        keymap[action] = keys
    for action in list(keymap):
        for scope in scopes:
            if action in scope.typed_over and not _reachable(keymap[action]):
                config.notice(
                    config.keymap_lines.get(action),
                    f"keymap: {action!r} = {keymap[action]!r}: the {scope.name} types printable"
                    " keys into its filter field; use a ctrl, alt or function key;"
                    " keeping the default",
                )
                del keymap[action]
                break
    # Drop remaps that clash, one at a time, until no scope has a clash.
    for action in list(keymap):
        for scope in scopes:
            clash = _clash(action, keymap, scope)
            if clash is None:
                continue
            key, other = clash
            config.notice(
                config.keymap_lines.get(action),
                f"keymap: {action!r} = {keymap[action]!r} clashes with {other!r} on key"
                f" {key!r} ({scope.name}); keeping the default",
            )
            del keymap[action]
            break
    return keymap


def printable(key: str) -> bool:
    """True for a key a text field takes as typing (`j`, `space`, `question_mark`)."""
    character = key_to_character(key)
    return character is not None and character.isprintable()


def _reachable(spec: str) -> bool:
    return any(not printable(key.strip()) for key in spec.split(",") if key.strip())


def _clash(action: str, keymap: Mapping[str, str], scope: Scope) -> tuple[str, str] | None:
    mine = [b for b in scope.bindings if b.id == action]
    if not mine:
        return None
    wanted = set(_keys(mine[0], keymap))
    for other in scope.bindings:
        if other.id == action:
            continue
        if mine[0].priority and not other.priority and not other.id:
            continue  # a priority binding may take a text field's built-in editing key
        for key in _keys(other, keymap):
            if key in wanted:
                return key, other.id or other.action
    return None
