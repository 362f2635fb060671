"""`agentdesk report` on the fixed desk of `lead_desk` (a real cache file, a real profile)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from lead_desk import LEAD, build_lead_desk

from agentdesk import paths, profiles
from agentdesk.cli import main


@pytest.fixture
def lead_profile() -> Iterator[None]:
    profiles.upsert(
        profiles.Profile("default", "http://desk.test", "lena@desk.test", agent_id=LEAD)
    )
    cache = build_lead_desk(paths.cache_file("default"))
    cache.close()
    yield


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


RANGE = ("--from", "2026-11-20", "--to", "2026-11-23")


def rows_of(text: str) -> dict[tuple[str, str, str, str], str]:
    reader = csv.reader(io.StringIO(text))
    assert next(reader) == ["scope", "name", "metric", "key", "value"]
    return {(s, n, m, k): v for s, n, m, k, v in reader}


def test_csv_export_has_the_hand_computed_figures(
    lead_profile: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "report", *RANGE, "--csv")
    assert (code, err) == (0, "")
    rows = rows_of(out)
    mine = "my groups"
    assert rows[("all", mine, "tickets", "")] == "5"
    assert rows[("all", mine, "first_reply_median_seconds", "")] == "1200"
    assert rows[("all", mine, "first_reply_p90_seconds", "")] == "25740"
    assert rows[("all", mine, "resolution_median_seconds", "")] == "7200"
    assert rows[("all", mine, "resolution_p90_seconds", "")] == "70560"
    assert rows[("all", mine, "sla_breach_rate", "")] == "0.5"
    assert rows[("all", mine, "csat_average", "")] == "3"
    assert rows[("all", mine, "csat_count", "")] == "3"
    assert rows[("all", mine, "volume", "2026-11-22/phone")] == "1"
    assert rows[("all", mine, "volume", "2026-11-23/email")] == "0"
    backlog = [int(v) for (s, _, m, _), v in rows.items() if s == "all" and m == "backlog"]
    assert sum(backlog) == 7  # tickets 2, 4, 7, 8, 9, 10, 11
    assert rows[("group", "Billing", "tickets", "")] == "3"
    assert rows[("group", "Tech", "first_reply_median_seconds", "")] == "1800"
    assert rows[("agent", "ada@desk.test", "resolution_median_seconds", "")] == "7200"
    assert rows[("agent", "(unassigned)", "tickets", "")] == "1"
    assert not any(name == "Other" for _, name, _, _ in rows)  # not Lena's group


def test_filters_by_group_and_agent(lead_profile: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "report", *RANGE, "--group", "billing", "--csv")
    assert code == 0
    rows = rows_of(out)
    assert rows[("all", "group billing", "tickets", "")] == "3"
    assert rows[("all", "group billing", "first_reply_median_seconds", "")] == "600"
    code, out, _ = run(capsys, "report", *RANGE, "--agent", "cy@desk.test", "--json")
    assert code == 0
    payload = json.loads(out)
    overall = payload["summaries"][0]
    assert (overall["scope"], overall["tickets"]) == ("all", 1)
    assert overall["first_reply"] == {"count": 1, "median_seconds": 1800, "p90_seconds": 1800}
    assert overall["csat"] == {"count": 1, "average": 3.0}
    assert [s["scope"] for s in payload["summaries"]] == ["all", "agent"]


def test_text_output(lead_profile: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "report", *RANGE)
    assert code == 0
    assert "KPI report 2026-11-20 .. 2026-11-23" in out
    assert "20m" in out  # median first reply 1200 s
    assert "50.0% (2/4)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--group", "nope"), "no group 'nope' (known: Billing, Other, Tech)"),
        (("--agent", "who@x.test"), "no agent with email 'who@x.test' in the local cache"),
        (("--from", "2026-11-23", "--to", "2026-11-01"), "--from 2026-11-23 is after --to"),
    ],
)
def test_bad_input_is_one_line(
    lead_profile: None, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, _, err = run(capsys, "report", *argv)
    assert code == 1
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_date_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "report", "--from", "yesterday")
    assert code == 2
    assert "not a date (YYYY-MM-DD): 'yesterday'" in err
