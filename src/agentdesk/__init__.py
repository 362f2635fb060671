"""agentdesk: a keyboard-driven, offline-first terminal workstation for support teams."""

__version__ = "0.1.0"
