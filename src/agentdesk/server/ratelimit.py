"""Per-caller token buckets: a steady rate with a burst allowance; 429 + Retry-After when empty.

Keys are opaque strings (a token's hash, an intake key's hash, or `ip:<address>` for logins).
State is per process; with several workers each enforces the limit on its own share.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from agentdesk.server.problems import Problem


@dataclass(frozen=True, slots=True)
class RateLimit:
    """`rate` requests per second on average, up to `burst` at once."""

    rate: float = 50.0
    burst: int = 500

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("a rate limit needs rate > 0 and burst >= 1")


DEFAULT_RATE_LIMIT = RateLimit()


class RateLimiter:
    """Thread-safe buckets keyed by caller; idle full buckets are forgotten."""

    MAX_KEYS = 100_000

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float | None:
        """Take one token for `key`: None if allowed, else seconds until one is available."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.limit.burst), now))
            tokens = min(float(self.limit.burst), tokens + (now - last) * self.limit.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > self.MAX_KEYS:
                    self._forget_full(now)
                return None
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.limit.rate

    def check(self, key: str) -> None:
        """Raise a 429 problem with `Retry-After` (whole seconds, at least 1) when over."""
        wait = self.retry_after(key)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise Problem(
                429,
                f"too many requests; retry in {seconds} s",
                headers={"Retry-After": str(seconds)},
            )

    def _forget_full(self, now: float) -> None:
        full = float(self.limit.burst)
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self.limit.rate >= full:
                del self._buckets[key]
