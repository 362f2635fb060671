"""Collab tests reuse the swarm tests' in-process CLI fixtures (real server over ASGI)."""

from swarm.conftest import cli, cli_world, memory_keyring

__all__ = ["cli", "cli_world", "memory_keyring"]
