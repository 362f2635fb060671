"""The benchmark harness (`python -m bench`): discovery, the Markdown sections, results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _bench_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(REPO))


FACTS = {
    "cores": 2,
    "ram_gib": 8.0,
    "cpu": "Test CPU",
    "python": "3.11.0",
    "sqlite": "3.40.1",
    "os": "Linux",
}


def _section(path: Path, name: str, results: list, error: str | None = None) -> None:
    from bench.report import update_markdown

    update_markdown(
        path,
        name,
        results,
        facts=FACTS,
        when=datetime(2026, 11, 24, 12, 0, tzinfo=UTC),
        quick=False,
        error=error,
        seconds=3.0,
    )


def test_discovers_the_server_module() -> None:
    from bench.__main__ import discover

    assert "server" in discover()


def test_markdown_sections_are_replaced_in_place(tmp_path: Path) -> None:
    from bench.harness import Result

    doc = tmp_path / "BENCHMARKS.md"
    _section(doc, "server", [Result("seed", 1000.0, "rows/s", 2000.0, "≥ 500 rows/s", True)])
    _section(doc, "store", [Result("search p95", 12.0, "ms", goal="< 50 ms", passed=True)])
    text = doc.read_text()
    assert text.startswith("# Benchmarks")
    assert "| seed | 1,000 rows/s | 2,000 rows/s | 0.50× | ≥ 500 rows/s | pass |" in text
    assert "2 cores (load average ? at the start), 8.0 GiB RAM, Test CPU; Python 3.11.0" in text

    _section(doc, "server", [Result("seed", 3000.0, "rows/s", goal="≥ 5000", passed=False)])
    text = doc.read_text()
    assert text.count("<!-- bench:server -->") == 1
    assert "3,000 rows/s" in text and "1,000 rows/s" not in text and "MISS" in text
    assert "search p95" in text  # the other section is kept

    _section(doc, "store", [], error="RuntimeError: boom | pipe")
    text = doc.read_text()
    assert "**The run failed:** `RuntimeError: boom \\| pipe`" in text
    assert "search p95" not in text


def test_foreign_result_objects_are_accepted() -> None:
    from bench.harness import Result, as_result

    @dataclass
    class Theirs:
        name: str
        value: float
        unit: str
        baseline: float | None = None
        goal: str = ""

    converted = as_result(Theirs("apply", 10.0, "rows/s", 40.0, "≥ half"))
    assert converted == Result("apply", 10.0, "rows/s", 40.0, "≥ half", None)
    assert converted.ratio == 0.25 and converted.verdict == "—"


def test_percentile() -> None:
    from bench.harness import percentile

    samples = [float(i) for i in range(1, 101)]
    assert percentile(samples, 50) == pytest.approx(50.5, abs=0.1)
    assert percentile(samples, 99) == pytest.approx(99.0, abs=0.1)
    assert percentile([], 50) == 0.0 and percentile([7.0], 99) == 7.0


def test_a_failing_module_is_reported_and_the_run_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bench.__main__ as harness_main

    def boom(name: str, quick: bool) -> tuple[list, str, float]:
        return [], "Traceback...\nRuntimeError: no server", 0.1

    monkeypatch.setattr(harness_main, "run_module", boom)
    doc = tmp_path / "B.md"
    assert harness_main.main(["--only", "server", "--write", "--output", str(doc)]) == 1
    assert "RuntimeError: no server" in doc.read_text()
    assert harness_main.main(["--only", "nope"]) == 2
    assert "no module bench_nope.py" in capsys.readouterr().out
