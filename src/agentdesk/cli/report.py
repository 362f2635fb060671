"""`agentdesk report`: the KPI dashboard's figures, from the local cache (works offline).

    agentdesk report [--from DATE] [--to DATE] [--group G] [--agent EMAIL] [--csv | --json]

Dates are UTC days, both included (default: the last 14 days, today included). The scope
is the signed-in lead's groups (an admin: every group), narrowed by `--group` (name or id)
and `--agent` (email). Figures: see `agentdesk.domain.kpi` for their definitions.

Output: one summary for the whole scope, then one per group and one per agent.
- text: a table per scope kind;
- `--csv`: tidy rows `scope,name,metric,key,value` (durations in seconds, rates 0..1;
  `key` is the age bucket for `backlog` and `DAY/CHANNEL` for `volume`), one header line;
- `--json`: `{"from", "to", "generated_at", "summaries": [...]}` (see `summary_json`).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from agentdesk.cli import account, render
from agentdesk.cli.errors import UserError
from agentdesk.cli.session import open_cache
from agentdesk.domain.kpi import (
    AGE_BUCKETS,
    DEFAULT_RANGE_DAYS,
    KpiSummary,
    format_duration,
    format_rate,
)
from agentdesk.domain.timeutil import to_iso, utcnow

CSV_HEADER = ("scope", "name", "metric", "key", "value")


def register(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser(
        "report", help="KPI report of a date range (first reply, resolution, SLA, CSAT...)"
    )
    report.add_argument("--from", dest="start", type=_day, help="first day, YYYY-MM-DD (UTC)")
    report.add_argument("--to", dest="end", type=_day, help="last day, included (default: today)")
    report.add_argument("--group", help="only this group (name or id)")
    report.add_argument("--agent", metavar="EMAIL", help="only tickets assigned to this agent")
    output = report.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true", help="tidy CSV on stdout")
    output.add_argument("--json", action="store_true", help="machine-readable output")
    report.set_defaults(handler=run_report)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _range(args: argparse.Namespace) -> tuple[date, date]:
    today = utcnow().date()
    end = args.end or today
    start = args.start or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if start > end:
        raise UserError(f"--from {start} is after --to {end}")
    if (end - start).days > 3660:
        raise UserError("the range is longer than ten years; choose a shorter one")
    return start, end


def run_report(args: argparse.Namespace) -> int:
    from agentdesk.store.reports import day_start, kpi_inputs, lead_group_ids

    start, end = _range(args)
    profile = account.resolve_profile(args.profile)
    with open_cache(profile) as cache:
        groups = {int(g["id"]): str(g["name"]) for g in cache.groups()}
        agents = {int(a["id"]): a for a in cache.agents()}
        scope_groups = lead_group_ids(cache)
        if args.group is not None:
            group_id = _find_group(groups, args.group)
            scope_groups = (group_id,)
        assignee_id = None
        if args.agent is not None:
            found = cache.agent_by_email(args.agent.strip())
            if found is None:
                raise UserError(f"no agent with email {args.agent!r} in the local cache")
            assignee_id = int(found["id"])
        now = utcnow()
        inputs = kpi_inputs(
            cache,
            day_start(start),
            day_start(end + timedelta(days=1)),
            group_ids=scope_groups,
            assignee_id=assignee_id,
            now=now,
        )
    summaries: list[tuple[str, str, KpiSummary]] = [
        ("all", _scope_name(args), inputs.summary_for())
    ]
    if args.agent is None:
        for key, summary in inputs.summaries_by("group").items():
            if key is not None and (scope_groups is None or key in scope_groups):
                summaries.append(("group", groups.get(key, f"group {key}"), summary))
    for key, summary in inputs.summaries_by("agent").items():
        if key is None:
            name = "(unassigned)"
        else:
            agent = agents.get(key)
            name = str(agent["email"]) if agent else f"agent {key}"
        summaries.append(("agent", name, summary))
    if args.csv:
        write_csv(summaries, sys.stdout)
    elif args.json:
        render.print_json(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "generated_at": to_iso(now),
                "summaries": [summary_json(s, n, k) for s, n, k in summaries],
            }
        )
    else:
        _print_text(start, end, summaries)
    return 0


def _find_group(groups: dict[int, str], wanted: str) -> int:
    text = wanted.strip()
    if text.isdigit() and int(text) in groups:
        return int(text)
    for group_id, name in groups.items():
        if name.casefold() == text.casefold():
            return group_id
    known = ", ".join(sorted(groups.values())) or "none cached yet"
    raise UserError(f"no group {wanted!r} (known: {known})")


def _scope_name(args: argparse.Namespace) -> str:
    parts = []
    if args.group is not None:
        parts.append(f"group {args.group.strip()}")
    if args.agent is not None:
        parts.append(args.agent.strip())
    return " / ".join(parts) or "my groups"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    rounded = round(float(value), 3)
    return str(int(rounded)) if rounded.is_integer() else f"{rounded:.3f}".rstrip("0")


def csv_rows(scope: str, name: str, summary: KpiSummary) -> Iterator[tuple[str, ...]]:
    """The tidy CSV rows of one summary."""
    metrics: list[tuple[str, float | None]] = [
        ("tickets", summary.tickets),
        ("first_reply_count", summary.first_reply.count),
        ("first_reply_median_seconds", summary.first_reply.median),
        ("first_reply_p90_seconds", summary.first_reply.p90),
        ("resolution_count", summary.resolution.count),
        ("resolution_median_seconds", summary.resolution.median),
        ("resolution_p90_seconds", summary.resolution.p90),
        ("sla_with_target", summary.with_target),
        ("sla_breached", summary.breached),
        ("sla_breach_rate", summary.breach_rate),
        ("csat_count", summary.csat_count),
        ("csat_average", summary.csat_average),
    ]
    for metric, value in metrics:
        yield (scope, name, metric, "", _number(value))
    for (label, _), count in zip(AGE_BUCKETS, summary.backlog, strict=True):
        yield (scope, name, "backlog", label, str(count))
    for day, channels in summary.volume.items():
        for channel, count in channels.items():
            yield (scope, name, "volume", f"{day.isoformat()}/{channel}", str(count))


def write_csv(summaries: list[tuple[str, str, KpiSummary]], stream: Any) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for scope, name, summary in summaries:
        writer.writerows(csv_rows(scope, name, summary))


def summary_json(scope: str, name: str, summary: KpiSummary) -> dict[str, Any]:
    return {
        "scope": scope,
        "name": name,
        "tickets": summary.tickets,
        "first_reply": {
            "count": summary.first_reply.count,
            "median_seconds": summary.first_reply.median,
            "p90_seconds": summary.first_reply.p90,
        },
        "resolution": {
            "count": summary.resolution.count,
            "median_seconds": summary.resolution.median,
            "p90_seconds": summary.resolution.p90,
        },
        "sla": {
            "with_target": summary.with_target,
            "breached": summary.breached,
            "breach_rate": summary.breach_rate,
        },
        "csat": {"count": summary.csat_count, "average": summary.csat_average},
        "backlog": {
            label: count for (label, _), count in zip(AGE_BUCKETS, summary.backlog, strict=True)
        },
        "volume": {day.isoformat(): dict(channels) for day, channels in summary.volume.items()},
    }


def _print_text(start: date, end: date, summaries: list[tuple[str, str, KpiSummary]]) -> None:
    print(f"KPI report {start.isoformat()} .. {end.isoformat()} (UTC, created in range)")
    headers = (
        "scope",
        "tickets",
        "1st reply med",
        "p90",
        "resolution med",
        "p90",
        "SLA breached",
        "CSAT",
        "backlog",
    )
    rows = []
    for scope, name, s in summaries:
        csat = "—" if s.csat_average is None else f"{s.csat_average:.2f} ({s.csat_count})"
        rows.append(
            [
                render.short(name if scope == "all" else f"{scope} {name}", 40),
                str(s.tickets),
                format_duration(s.first_reply.median),
                format_duration(s.first_reply.p90),
                format_duration(s.resolution.median),
                format_duration(s.resolution.p90),
                f"{format_rate(s.breach_rate)} ({s.breached}/{s.with_target})",
                csat,
                str(s.backlog_total),
            ]
        )
    render.print_table(headers, rows)
    overall = summaries[0][2]
    print()
    print(
        "Backlog by age: "
        + ", ".join(
            f"{label} {count}"
            for (label, _), count in zip(AGE_BUCKETS, overall.backlog, strict=True)
        )
    )
    print("Tickets per day: " + " ".join(str(n) for n in overall.daily_totals()))
