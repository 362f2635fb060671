"""Labelled crash points for the fault tests: `AGENTDESK_CRASH_AT=<label>:<n>`.

When the environment names a label, the n-th time the process passes `crash_point(label)`
it kills itself with SIGKILL (no cleanup, no flush: like a power cut for the process).
Without the variable, `crash_point` is a dictionary lookup and a return.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

CRASH_ENV = "AGENTDESK_CRASH_AT"


def _parse(value: str | None) -> tuple[str, int] | None:
    if not value or ":" not in value:
        return None
    label, _, count = value.rpartition(":")
    try:
        return label, max(1, int(count))
    except ValueError:
        return None


_target = _parse(os.environ.get(CRASH_ENV))
_hits: Counter[str] = Counter()


def arm(spec: str | None) -> None:
    """Re-read a `<label>:<n>` spec (for a forked child); None disarms. Counts restart."""
    global _target
    _target = _parse(spec)
    _hits.clear()


def crash_point(label: str) -> None:
    """Die here (SIGKILL) if the environment asked for this label's n-th passage."""
    if _target is None or _target[0] != label:
        return
    _hits[label] += 1
    if _hits[label] == _target[1]:
        os.kill(os.getpid(), signal.SIGKILL)
