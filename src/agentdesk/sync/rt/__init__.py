"""Request Tracker 5 as an agentdesk backend (REST 2). See docs/backends.md.

`agentdesk.sync.connect` builds `RTBackend` for profiles with `backend = "rt"` and calls
this package's `login`, `adopt_token` and `fetch_me` hooks.
"""

from agentdesk.sync.rt.backend import RTBackend, RTCursor
from agentdesk.sync.rt.client import RTClient, password_credential, token_credential
from agentdesk.sync.rt.login import adopt_token, fetch_me, login
from agentdesk.sync.rt.mapping import RTMapping
from agentdesk.sync.rt.settings import RTSettings, decode_secret, encode_secret, load_settings

__all__ = [
    "RTBackend",
    "RTClient",
    "RTCursor",
    "RTMapping",
    "RTSettings",
    "adopt_token",
    "decode_secret",
    "encode_secret",
    "fetch_me",
    "load_settings",
    "login",
    "password_credential",
    "token_credential",
]
