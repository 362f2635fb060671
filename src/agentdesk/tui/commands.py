"""The command palette provider (`ctrl+p` or `:`): every action of the screen, plus app commands.

Screen and widget actions come from the live bindings, so a remapped key shows its new key
and every bound action is reachable without its key. App commands (themes, views, sync,
availability, conflicts) come from `AgentDeskApp.palette_commands()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from textual.dom import DOMNode


@dataclass(frozen=True, slots=True)
class PaletteCommand:
    title: str
    help: str
    run: Callable[[], object]


class ActionsProvider(Provider):
    """Bindings of the screen under the palette and the app's own commands."""

    def _commands(self) -> list[PaletteCommand]:
        commands: list[PaletteCommand] = []
        seen: set[str] = set()
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            ident = binding.id or f"{type(active.node).__name__}.{binding.action}"
            if ident in seen or not binding.description:
                continue
            seen.add(ident)
            keys = self.app.get_key_display(binding) if binding.key else key
            commands.append(
                PaletteCommand(
                    title=binding.description,
                    help=f"key: {keys} · id: {binding.id or '—'}",
                    run=partial(self._run_action, active.node, binding.action),
                )
            )
        extra = getattr(self.app, "palette_commands", None)
        if callable(extra):
            commands.extend(extra(self.screen))
        return commands

    def _run_action(self, node: DOMNode, action: str) -> None:
        self.app.call_later(self.app.run_action, action, node)

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(f"{command.title} {command.help}")
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
