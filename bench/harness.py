"""The benchmark contract and helpers: `Result`, percentiles, timing, machine facts, ports.

Every `bench/bench_NAME.py` exposes `run(quick: bool) -> list[Result]` (bench/README.md).
"""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import sqlite3
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Result:
    """One measured figure of a benchmark, next to a baseline measured in the same run.

    `passed` is None when the figure has no goal (recorded for information only).
    """

    name: str
    value: float
    unit: str
    baseline: float | None = None
    goal: str = ""
    passed: bool | None = None
    baseline_name: str = ""
    higher_is_better: bool = True
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        """value / baseline (how the real path compares with the bare one)."""
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    @property
    def verdict(self) -> str:
        return "—" if self.passed is None else "pass" if self.passed else "MISS"


def as_result(item: Any) -> Result:
    """A `Result` from anything shaped like one (name, value, unit; the rest optional)."""
    if isinstance(item, Result):
        return item
    return Result(
        name=str(item.name),
        value=float(item.value),
        unit=str(item.unit),
        baseline=getattr(item, "baseline", None),
        goal=str(getattr(item, "goal", "") or ""),
        passed=getattr(item, "passed", None),
        baseline_name=str(getattr(item, "baseline_name", "") or ""),
        higher_is_better=bool(getattr(item, "higher_is_better", True)),
        notes=str(getattr(item, "notes", "") or ""),
    )


def at_least(value: float, goal: float) -> bool:
    return value >= goal


def at_most(value: float, goal: float) -> bool:
    return value <= goal


def percentile(samples: Sequence[float], pct: float) -> float:
    """The pct-th percentile (0-100) by linear interpolation; 0.0 for no samples."""
    if not samples:
        return 0.0
    if len(samples) == 1:
        return float(samples[0])
    return float(statistics.quantiles(samples, n=1000, method="inclusive")[int(pct * 10) - 1])


@contextlib.contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as t: ...` then `t[0]` is the elapsed seconds."""
    elapsed: list[float] = [0.0]
    start = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed[0] = time.perf_counter() - start


def fmt_number(value: float, unit: str = "") -> str:
    if unit == "s":
        return f"{value:,.1f} s"
    if unit == "ms":
        return f"{value:,.1f} ms"
    if float(value).is_integer() and abs(value) < 100:
        text = f"{value:.0f}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:,.1f}"
    else:
        text = f"{value:,.2f}"
    return f"{text} {unit}".strip()


def machine() -> dict[str, Any]:
    """Facts that make a figure comparable: cores, load, RAM, CPU, Python, SQLite, OS."""
    ram_gib = 0.0
    with contextlib.suppress(OSError, ValueError, AttributeError):
        ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return {
        "cores": cores,
        "load": round(load, 1),
        "ram_gib": round(ram_gib, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(terse=True),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(base_url: str, deadline_seconds: float = 60.0) -> None:
    """Poll the server's OpenAPI document until it answers (or fail at the deadline)."""
    import httpx

    deadline = time.monotonic() + deadline_seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/openapi.json", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.05)  # polling a starting process, not a test
    raise RuntimeError(f"server at {base_url} did not start: {last}")
