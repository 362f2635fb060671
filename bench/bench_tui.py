"""Benchmarks of the TUI at scale (`agentdesk.tui`).

- Time to the first painted queue with 100,000 and 1,000,000 cached tickets, in a fresh
  process each time (imports included), next to a bare Textual app (Header, empty
  DataTable, Footer) started the same way in the same run. Goal: at most 1.5x the bare app.
- Key-to-frame latency at 1,000,000 tickets (all of them in one view): `j`, `ctrl+d`, `G`
  and one search keystroke (the key echoed and the frame drawn; the narrowed list follows
  after the debounce in a worker and is reported separately). Goal: p95 under 33 ms.
- Peak memory (max RSS) of the app process at 1,000,000 tickets after scrolling and
  jumping around, next to the bare app's. Goal: under 150 MB.

Each app run is headless (`App.run(headless=True)`), so the figures are the app's own work
(compose, queries, layout, rendering to strips) without a terminal emulator. The fresh
processes read compiled bytecode (a private `PYTHONPYCACHEPREFIX`, filled by one warm-up run),
as an installed wheel does: with `PYTHONDONTWRITEBYTECODE` set (as in some sandboxes) every
start would otherwise compile agentdesk's sources again while Textual's come precompiled.
The start-up breakdown (imports, opening the cache, the app) is in the notes.
`run(quick)` shrinks the sizes (100k/1M -> 20k/100k). Run alone: `python -m bench.bench_tui`.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import Result, at_most, percentile

STARTS = 5  # fresh processes per measured start (median reported)
LATENCY_PRESSES = 40
SIZE = (160, 48)

# A child process: start one app headless, note when its first frame is painted, exit.
_CHILD = r"""
import sys, time
started = time.perf_counter()
mode, cache_path, out = sys.argv[1], sys.argv[2], sys.argv[3]

def peak_rss_mb():
    # VmHWM starts afresh at exec; ru_maxrss would carry the parent's peak over a fork.
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def done(app, extra=None):
    import json
    elapsed = (time.perf_counter() - started) * 1000
    rss = peak_rss_mb()
    with open(out, "w") as fh:
        json.dump({"ms": elapsed, "rss_mb": rss, **(extra or {})}, fh)
    app.exit()

if mode == "bare":
    from textual.app import App
    from textual.widgets import DataTable, Footer, Header

    class Bare(App):
        def compose(self):
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self):
            self.call_after_refresh(done, self)

    Bare().run(headless=True, size=(160, 48))
else:
    from pathlib import Path
    from agentdesk.config import Config
    from agentdesk.store import Cache
    from agentdesk.tui.app import AgentDeskApp
    from agentdesk.tui.screens.queue import QueueScreen
    from agentdesk.tui.widgets.ticket_table import TicketTable
    imported = (time.perf_counter() - started) * 1000

    original = QueueScreen.on_mount

    def on_mount(self):
        original(self)
        self.call_after_refresh(painted, self)

    def painted(screen):
        table = screen.query_one(TicketTable)
        rows = table.row_count
        if mode == "explore":  # jump around the biggest view, then report the peak memory
            screen.switch_view(len(screen.views) - 1)
            count = table.row_count
            for step in range(400):  # far jumps and neighbouring pages, as scrolling does
                index = (step * 7919 * 64) % max(1, count)
                table.source.row(index)
                table.source.row(min(count - 1, index + 64))
            table.action_cursor_bottom()
            table.move_to(count // 2)
            screen.refresh()
        rows = table.row_count
        extra = {"rows": rows, "imports_ms": imported, "open_ms": opened}
        screen.app.call_after_refresh(done, screen.app, extra)

    QueueScreen.on_mount = on_mount
    opening = time.perf_counter()
    cache = Cache.open(Path(cache_path))
    opened = (time.perf_counter() - opening) * 1000
    config = Config(path=Path(cache_path).with_suffix(".toml"))
    if mode == "explore":
        from agentdesk.config import ViewSpec
        config.views.append(ViewSpec(name="Everything", query="", sort="sla"))
    AgentDeskApp(cache, None, config=config).run(headless=True, size=(160, 48))
"""


def _child(mode: str, cache: Path, folder: Path) -> dict[str, Any]:
    out = folder / f"child-{mode}-{time.monotonic_ns()}.json"
    env = {**os.environ, "TEXTUAL_ANIMATIONS": "none"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode as an installed wheel has it
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(cache), str(out)],
        check=True,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=300,
    )
    result: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return result


def first_paint(cache: Path, folder: Path, tickets: int) -> Result:
    """Median start-to-first-frame of the queue vs the bare app, alternating runs."""
    bare: list[float] = []
    queue: list[float] = []
    imports: list[float] = []
    opens: list[float] = []
    _child("bare", cache, folder)  # warm the OS file cache and the bytecode for both
    _child("queue", cache, folder)
    for _ in range(STARTS):
        bare.append(_child("bare", cache, folder)["ms"])
        started = _child("queue", cache, folder)
        queue.append(started["ms"])
        imports.append(started["imports_ms"])
        opens.append(started["open_ms"])
    value, baseline = statistics.median(queue), statistics.median(bare)
    imported, opened = statistics.median(imports), statistics.median(opens)
    return Result(
        f"first painted queue, {tickets:,} cached tickets",
        round(value, 1),
        "ms",
        baseline=round(baseline, 1),
        baseline_name="bare Textual app (Header, empty DataTable, Footer)",
        goal="<= 1.5x bare",
        passed=at_most(value / baseline, 1.5),
        higher_is_better=False,
        notes=(
            f"median of {STARTS} fresh headless processes each; of the queue's time:"
            f" importing agentdesk and textual {imported:.0f} ms, opening the cache"
            f" (`Cache.open`, its integrity check included) {opened:.0f} ms, the app up to"
            f" the painted table {value - imported - opened:.0f} ms"
        ),
    )


def peak_memory(cache: Path, folder: Path, tickets: int) -> Result:
    explored = _child("explore", cache, folder)
    bare = _child("bare", cache, folder)
    return Result(
        f"peak memory, {tickets:,} cached tickets (all in one view, scrolled and jumped)",
        round(explored["rss_mb"], 1),
        "MB",
        baseline=round(bare["rss_mb"], 1),
        baseline_name="bare Textual app",
        goal="< 150 MB",
        passed=explored["rss_mb"] < 150,
        higher_is_better=False,
        notes=f"peak RSS (VmHWM) of the app process; the view held {explored['rows']:,} rows",
    )


async def _latencies(cache_path: Path) -> dict[str, list[float]]:
    """Key-to-frame times: from posting the key to the end of the first frame drawn after it.

    The screen's compositor refresh is timed; between presses the app is left idle, so the
    first frame finished after a key is the one that shows its effect.
    """
    from agentdesk.config import Config, ViewSpec
    from agentdesk.store import Cache
    from agentdesk.tui.app import AgentDeskApp
    from agentdesk.tui.screens.queue import QueueScreen
    from agentdesk.tui.widgets.ticket_table import TicketTable

    cache = Cache.open(cache_path)
    config = Config(path=cache_path.with_suffix(".toml"))
    config.views.append(ViewSpec(name="Everything", query="", sort="sla"))
    app = AgentDeskApp(cache, None, config=config)
    samples: dict[str, list[float]] = {"j": [], "ctrl+d": [], "G": [], "search key": []}
    narrowed: list[float] = []
    frames: list[float] = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: isinstance(app.screen, QueueScreen))
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            refresh = screen._compositor_refresh

            def timed_refresh() -> None:
                refresh()
                frames.append(time.perf_counter())

            screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]
            screen.switch_view(len(screen.views) - 1)
            table = screen.query_one(TicketTable)
            await _until(pilot, lambda: table.row_count > 0)

            async def press(key: str) -> float:
                await pilot.pause()
                start = time.perf_counter()
                await pilot.press(key)
                await _until(pilot, lambda: bool(frames) and frames[-1] > start)
                return (next(f for f in frames if f > start) - start) * 1000

            for _ in range(LATENCY_PRESSES):
                for key in ("j", "ctrl+d"):
                    samples[key].append(await press(key))
            for _ in range(LATENCY_PRESSES // 4):
                samples["G"].append(await press("G"))
                await pilot.press("g")
            everything = table.row_count
            for _ in range(LATENCY_PRESSES // 4):
                await pilot.press("slash")
                start = time.perf_counter()
                samples["search key"].append(await press("w"))  # one keystroke in the box
                await _until(pilot, lambda: table.row_count < everything, timeout=30)
                narrowed.append((time.perf_counter() - start) * 1000)
                await pilot.press("ctrl+u", "escape")
                await _until(pilot, lambda: table.row_count == everything, timeout=30)
            samples["narrowed list shown"] = narrowed
    finally:
        cache.close()
    return samples


async def _until(pilot: Any, check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not reach the expected state")
        await pilot.pause()


def latency_results(cache: Path, tickets: int) -> list[Result]:
    samples = asyncio.run(_latencies(cache))
    results = []
    for key, values in samples.items():
        p95 = percentile(values, 95)
        informational = key == "narrowed list shown"
        results.append(
            Result(
                f"key to frame: {key}, {tickets:,} tickets in the view",
                round(p95, 1),
                "ms p95",
                goal="" if informational else "< 33 ms",
                passed=None if informational else p95 < 33,
                higher_is_better=False,
                notes=(
                    f"{len(values)} presses, median {statistics.median(values):.1f} ms"
                    + (" (includes the 150 ms search debounce)" if informational else "")
                ),
            )
        )
    return results


def build(path: Path, tickets: int) -> Path:
    from bench.bench_store import build_large_cache

    build_large_cache(path, tickets).close()
    return path


def run(quick: bool = False) -> list[Result]:
    small, large = (20_000, 100_000) if quick else (100_000, 1_000_000)
    folder = Path.cwd()
    results: list[Result] = []
    small_cache = build(folder / "small.sqlite3", small)
    results.append(first_paint(small_cache, folder, small))
    small_cache.unlink()
    large_cache = build(folder / "large.sqlite3", large)
    results.append(first_paint(large_cache, folder, large))
    results.extend(latency_results(large_cache, large))
    results.append(peak_memory(large_cache, folder, large))
    return results


if __name__ == "__main__":
    for result in run(quick="--quick" in sys.argv):
        print(result)
