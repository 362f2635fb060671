"""docs/BENCHMARKS.md: one section per benchmark module, replaced in place on each run.

Sections sit between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers, so
`--only NAME` rewrites its own section and keeps the others' last figures. Text outside
the markers (the introduction) is kept as it is.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.harness import Result, fmt_number

INTRO = """# Benchmarks

Measured by `python -m bench` (or `python3 dev.py bench`), which runs every `bench/bench_*.py`
and rewrites the section of each module below. Each figure sits next to a baseline measured
in the same run on the same machine (the bare operation the feature is built on), so the
ratio says more than the absolute number on a shared or slow machine. How to add a benchmark:
`bench/README.md`.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_section(
    name: str,
    results: list[Result],
    *,
    facts: dict[str, Any],
    when: datetime,
    quick: bool,
    error: str | None,
    seconds: float,
) -> str:
    lines = [
        f"<!-- bench:{name} -->",
        f"## {name}",
        "",
        f"Run {when:%Y-%m-%d %H:%M} UTC ({'quick' if quick else 'full'} sizes, {seconds:.0f} s) "
        f"on {facts['cores']} cores (load average {facts.get('load', '?')} at the start), "
        f"{facts['ram_gib']} GiB RAM, {facts['cpu']}; "
        f"Python {facts['python']}, SQLite {facts['sqlite']}, {facts['os']}.",
        "",
    ]
    if error:
        lines += [f"**The run failed:** `{_cell(error)}`", ""]
    if results:
        lines += [
            "| benchmark | measured | baseline (same run) | ratio | goal | result |",
            "|---|---:|---:|---:|---|---|",
        ]
        for r in results:
            baseline = "—"
            if r.baseline is not None:
                baseline = fmt_number(r.baseline, r.unit)
                if r.baseline_name:
                    baseline += f" ({r.baseline_name})"
            ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
            lines.append(
                f"| {_cell(r.name)} | {fmt_number(r.value, r.unit)} | {_cell(baseline)} | "
                f"{ratio} | {_cell(r.goal) or '—'} | {r.verdict} |"
            )
        notes = [f"- {r.name}: {r.notes}" for r in results if r.notes]
        if notes:
            lines += ["", *notes]
    lines += ["", f"<!-- /bench:{name} -->"]
    return "\n".join(lines)


def update_markdown(path: Path, name: str, results: list[Result], **section: Any) -> None:
    """Replace (or append) the section of `name`; other sections stay as they are. Runs of
    different modules at the same time take turns (a lock on the file itself)."""
    block = render_section(name, results, **section)
    pattern = re.compile(
        rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.DOTALL
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        with contextlib.suppress(ImportError):
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        handle.seek(0)
        text = handle.read() or INTRO
        if pattern.search(text):
            text = pattern.sub(lambda _m: block, text)
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
        handle.seek(0)
        handle.truncate()
        handle.write(text if text.endswith("\n") else text + "\n")
