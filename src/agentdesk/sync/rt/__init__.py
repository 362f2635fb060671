"""Request Tracker 5 as an agentdesk backend (REST 2). See docs/backends.md."""

from agentdesk.sync.rt.backend import RTBackend, RTCursor
from agentdesk.sync.rt.client import RTClient, password_credential, token_credential
from agentdesk.sync.rt.mapping import RTMapping

__all__ = [
    "RTBackend",
    "RTClient",
    "RTCursor",
    "RTMapping",
    "password_credential",
    "token_credential",
]
