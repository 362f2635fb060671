"""`python -m bench`: run every benchmark, print a table, rewrite docs/BENCHMARKS.md.

    python -m bench                 # everything, full sizes; rewrites docs/BENCHMARKS.md
    python -m bench --quick         # small sizes (smoke run); does not touch the docs
    python -m bench --only server   # one module (bench/bench_server.py); repeatable
    python -m bench --list          # the modules it would run

Each `bench/bench_NAME.py` exposes `run(quick: bool) -> list[Result]` (see bench/README.md)
and runs in its own temporary directory (also `AGENTDESK_HOME`). A module that raises is
reported as an error row and the others still run; the exit code is 1 if any module failed
(or, with `--strict`, if any goal was missed).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import Result, as_result, fmt_number, machine
from bench.report import update_markdown

BENCH_DIR = Path(__file__).resolve().parent
DOCS = BENCH_DIR.parent / "docs" / "BENCHMARKS.md"


def discover() -> list[str]:
    """Module names after `bench_`, sorted (server, store, sync, tui...)."""
    return sorted(p.stem.removeprefix("bench_") for p in BENCH_DIR.glob("bench_*.py"))


def run_module(name: str, quick: bool) -> tuple[list[Result], str | None, float]:
    """(results, error text or None, seconds); in a temporary working directory."""
    started = time.perf_counter()
    previous_cwd = Path.cwd()
    previous_home = os.environ.get("AGENTDESK_HOME")
    with tempfile.TemporaryDirectory(prefix=f"agentdesk-bench-{name}-") as workdir:
        os.chdir(workdir)
        os.environ["AGENTDESK_HOME"] = str(Path(workdir) / "home")
        try:
            module = importlib.import_module(f"bench.bench_{name}")
            results = [as_result(r) for r in module.run(quick)]
            error = None
        except Exception:
            results = []
            error = traceback.format_exc()
        finally:
            os.chdir(previous_cwd)
            if previous_home is None:
                os.environ.pop("AGENTDESK_HOME", None)
            else:
                os.environ["AGENTDESK_HOME"] = previous_home
    return results, error, time.perf_counter() - started


def print_table(name: str, results: list[Result]) -> None:
    header = ("benchmark", "measured", "baseline (same run)", "ratio", "goal", "result")
    rows = [
        (
            r.name,
            fmt_number(r.value, r.unit),
            f"{fmt_number(r.baseline, r.unit)} {r.baseline_name}".strip()
            if r.baseline is not None
            else "",
            f"{r.ratio:.2f}×" if r.ratio is not None else "",
            r.goal,
            r.verdict,
        )
        for r in results
    ]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    print(f"\n== {name} ==")
    for row in (header, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this module")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--list", action="store_true", help="list the modules and exit")
    parser.add_argument(
        "--write",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="rewrite docs/BENCHMARKS.md (default: yes, except with --quick)",
    )
    parser.add_argument("--output", type=Path, default=DOCS, help="the Markdown file to update")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)

    available = discover()
    if args.list:
        print("\n".join(available))
        return 0
    names = args.only or available
    unknown = [n for n in names if n not in available]
    if unknown:
        print(f"bench: no module bench_{unknown[0]}.py (have: {', '.join(available)})")
        return 2
    write = (not args.quick) if args.write is None else args.write
    facts = machine()
    print(
        f"agentdesk benchmarks ({'quick' if args.quick else 'full'}) on {facts['cores']} cores, "
        f"{facts['ram_gib']} GiB, Python {facts['python']}, SQLite {facts['sqlite']}"
    )

    failed = missed = False
    for name in names:
        print(f"\nrunning bench_{name} ...", flush=True)
        module_load = machine()["load"]
        results, error, seconds = run_module(name, args.quick)
        print_table(name, results)
        if error:
            failed = True
            print(f"bench_{name} FAILED after {seconds:.0f} s:\n{error}", file=sys.stderr)
        else:
            print(f"({seconds:.0f} s)")
        missed = missed or any(r.passed is False for r in results)
        if write:
            update_markdown(
                args.output,
                name,
                results,
                facts={**facts, "load": module_load},
                when=datetime.now(UTC),
                quick=args.quick,
                error=error.strip().splitlines()[-1] if error else None,
                seconds=seconds,
            )
    if write:
        print(f"\nwrote {args.output}")
    return 1 if failed or (args.strict and missed) else 0


if __name__ == "__main__":
    # SIGTERM ends the run like Ctrl-C: temporary directories, throw-away databases and
    # child servers are cleaned up on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    raise SystemExit(main())
