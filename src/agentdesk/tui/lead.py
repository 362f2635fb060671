"""Team-lead actions of the app: `W` workload board, `K` KPI dashboard, `D` distribution,
the reassignment picker, and the notices that go with reassignment.

Roles: the actions exist for leads and admins only. For an agent, `check_action` answers
False, so the keys do nothing and appear nowhere (footer, help, command palette). The
server refuses them anyway; if it does (a rejected `ticket.assign`), `AssignmentNotices`
says so plainly, and it tells an agent when someone else gives them a ticket.

`AgentDeskApp` mixes `LeadActionsMixin` in and lists `LEAD_BINDINGS` in its BINDINGS.
The lead screens (and the reports and charts behind them) are imported when first used, so
they cost nothing at start-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType

from agentdesk.domain.text import one_line
from agentdesk.store import StoreError
from agentdesk.tui.widgets.agent_picker import (
    UNASSIGNED,
    AgentPicker,
    agent_entries,
    is_lead,
    lead_entries,
)

if TYPE_CHECKING:
    from agentdesk.domain.routing import Plan
    from agentdesk.store import Cache

LEAD_BINDINGS: list[BindingType] = [
    Binding("W", "workload", "Workload", id="app.workload"),
    Binding("K", "kpi", "KPIs", id="app.kpi"),
    Binding("D", "distribute", "Distribute", id="app.distribute"),
]
LEAD_ACTIONS = frozenset({"workload", "kpi", "distribute"})


def lead_keymap_screens() -> tuple[tuple[str, list[BindingType], list[BindingType]], ...]:
    """Screens whose bindings the keymap checker should know (name, screen, focused widget).

    A function, so the screens are imported only when a keymap has to be checked.
    """
    from agentdesk.tui.screens.distribution import DistributionScreen
    from agentdesk.tui.screens.kpi import KpiScreen
    from agentdesk.tui.screens.workload import WorkloadScreen

    return (
        ("workload screen", WorkloadScreen.BINDINGS, []),
        ("KPI screen", KpiScreen.BINDINGS, []),
        ("distribution plan", DistributionScreen.BINDINGS, []),
    )


SUMMARY_THRESHOLD = 3  # more new assignments than this: one summary notice


def apply_plan(cache: Cache, plan: Plan) -> list[int]:
    """Queue every assignment of `plan` in one local transaction: all of them or none.

    Returns the mutation ids (consecutive; the engine pushes them in one batch).
    """
    ids: list[int] = []
    with cache.write():
        for item in plan.assignments:
            mutation_id = cache.assign_ticket(item.ticket_id, item.agent_id)
            if mutation_id is not None:
                ids.append(mutation_id)
    return ids


class AssignmentNotices:
    """Notices after each cache change: refused reassignments, tickets newly given to me."""

    def __init__(self) -> None:
        self._mine: set[int] | None = None
        self._rejected_seen: set[int] | None = None

    def check(self, cache: Cache, notify: Callable[..., Any]) -> None:
        self._check_rejected(cache, notify)
        self._check_mine(cache, notify)

    def _check_rejected(self, cache: Cache, notify: Callable[..., Any]) -> None:
        rows = [row for row in cache.outbox_rows(["rejected"]) if row.name == "ticket.assign"]
        ids = {row.id for row in rows}
        if self._rejected_seen is None:
            self._rejected_seen = ids
            return
        for row in rows:
            if row.id in self._rejected_seen:
                continue
            reason = one_line(row.reason or "refused", 160)
            notify(
                f"Reassignment of #{row.args.get('ticket_id')} refused by the server: {reason}",
                title="Not allowed",
                severity="error",
                timeout=12,
            )
        self._rejected_seen = ids

    def _check_mine(self, cache: Cache, notify: Callable[..., Any]) -> None:
        me = cache.agent_id
        if me is None or cache.cursor is None:
            self._mine = None  # before the first sync: everything would look new
            return
        rows = cache.conn.execute(
            "SELECT id, subject, local_pending FROM tickets WHERE assignee_id = ? "
            "AND status IN ('new', 'open', 'pending', 'on-hold')",
            (me,),
        ).fetchall()
        current = {int(row["id"]) for row in rows}
        if self._mine is None:
            self._mine = current
            return
        new = [row for row in rows if row["id"] not in self._mine and not row["local_pending"]]
        self._mine = current
        if len(new) > SUMMARY_THRESHOLD:
            notify(f"{len(new)} tickets were assigned to you", title="New tickets")
            return
        for row in new:
            subject = one_line(str(row["subject"] or ""), 60)
            notify(f"#{row['id']} {subject} is now yours", title="Assigned to you")


class LeadActionsMixin:
    """Lead actions for `AgentDeskApp` (uses its cache, clock, screens and write helpers)."""

    cache: Cache

    # -- roles ----------------------------------------------------------------------------

    def is_lead(self) -> bool:
        return is_lead(self.cache.me())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LEAD_ACTIONS and not self.is_lead():
            return False
        return super().check_action(action, parameters)  # type: ignore[misc]

    def lead_notices(self) -> AssignmentNotices:
        notices: AssignmentNotices | None = getattr(self, "_assignment_notices", None)
        if notices is None:
            notices = self._assignment_notices = AssignmentNotices()
        return notices

    def check_assignment_notices(self) -> None:
        """Call after every cache change (the app's `refresh_data`): notices, and for leads
        the KPI figures precomputed in the background (see `warm_kpis`)."""
        self.lead_notices().check(self.cache, self.notify)  # type: ignore[attr-defined]
        self.warm_kpis()

    def warm_kpis(self) -> bool:
        """Precompute the dashboard's default figures in a thread, at most every 30 s.

        Returns True when a computation was started. `K` then draws them at once.
        """
        app: Any = self
        if not self.is_lead() or self.cache.cursor is None:
            return False
        from agentdesk.store.reports import lead_group_ids
        from agentdesk.tui.screens.kpi import AUTO_REFRESH_SECONDS, compute_figures, figures_store

        last = getattr(self, "_kpi_warmed_at", None)
        if last is not None and time.monotonic() - last < AUTO_REFRESH_SECONDS:
            return False
        group_ids = lead_group_ids(self.cache)
        version = self.cache.data_version()
        store = figures_store(self)
        if store.fresh(group_ids, "agent", version) is not None:
            return False
        self._kpi_warmed_at = time.monotonic()
        now = app.now()

        def compute() -> None:
            store.put(compute_figures(self.cache, group_ids, "agent", now, version))

        app.run_worker(compute, thread=True, group="kpi-warm", exclusive=True, exit_on_error=False)
        return True

    # -- W and K --------------------------------------------------------------------------

    def action_workload(self) -> None:
        from agentdesk.tui.screens.workload import WorkloadScreen

        self._show_installed("lead-workload", WorkloadScreen)

    def action_kpi(self) -> None:
        from agentdesk.tui.screens.kpi import KpiScreen

        self._show_installed("lead-kpi", KpiScreen)

    def _show_installed(self, name: str, factory: Callable[[], Any]) -> None:
        """Push the one instance of a lead screen (kept installed: reopening is instant)."""
        app: Any = self
        if app.is_screen_installed(name):
            screen = app.get_screen(name)
            if screen is app.screen:
                return
            if screen in app.screen_stack:  # already open further down
                app.notify("Already open: esc goes back to it", severity="warning")
                return
        else:
            app.install_screen(factory(), name)
        app.push_screen(name)

    # -- reassignment ---------------------------------------------------------------------

    def agent_picker(self, ids: list[int], title: str, current: int | None) -> AgentPicker:
        """The picker for `ids`: everyone (with load and skills) for a lead, me/nobody else."""
        app: Any = self
        me = self.cache.me()
        if not is_lead(me):
            return AgentPicker(title, agent_entries(me), current=current)
        from agentdesk.store.reports import workload

        tickets = [self.cache.ticket(i) or {} for i in ids]
        board = workload(self.cache, now=app.now())
        entries = lead_entries(
            board,
            [t.get("tags") or [] for t in tickets],
            [t.get("group_id") for t in tickets],
            None if me is None else int(me["id"]),
        )
        return AgentPicker(title, entries, current=current)

    # -- D: distribution ------------------------------------------------------------------

    def action_distribute(self) -> None:
        from agentdesk.domain.routing import plan_distribution
        from agentdesk.store.reports import lead_group_ids, unassigned_tickets, workload
        from agentdesk.tui.screens.distribution import DistributionScreen
        from agentdesk.tui.screens.queue import QueueScreen

        app: Any = self
        screen = app.screen
        marked: list[int] | None = None
        if isinstance(screen, QueueScreen) and screen.table.marks:
            marked = sorted(screen.table.marks)
        groups = lead_group_ids(self.cache)
        tickets = unassigned_tickets(
            self.cache, ticket_ids=marked, group_ids=None if marked else groups
        )
        if not tickets:
            what = "of the marked tickets is" if marked else "ticket of your groups is"
            app.notify(f"No unassigned {what} waiting", severity="warning")
            return
        if marked and len(tickets) < len(marked):
            app.notify(f"{len(marked) - len(tickets)} marked tickets are assigned already: skipped")
        board = workload(self.cache, groups, now=app.now())
        candidates = [a.as_candidate() for a in board.agents if a.role == "agent"]
        plan = plan_distribution(tickets, candidates)
        subjects = {
            t.id: str((self.cache.ticket(t.id) or {}).get("subject") or "") for t in tickets
        }

        def answered(apply: bool | None) -> None:
            if not apply:
                return
            try:
                apply_plan(self.cache, plan)
            except (StoreError, ValueError) as exc:
                app.notify(
                    f"Nothing assigned: {one_line(str(exc), 160)}",
                    title="Distribution failed",
                    severity="error",
                )
                return
            count = len(plan.assignments)
            app.notify(f"Distributed {count} ticket{'s' if count != 1 else ''}")
            if isinstance(screen, QueueScreen):
                screen.table.clear_marks()
            app.after_write()

        app.push_screen(DistributionScreen(plan, subjects), answered)


__all__ = [
    "LEAD_BINDINGS",
    "UNASSIGNED",
    "AssignmentNotices",
    "LeadActionsMixin",
    "apply_plan",
    "lead_keymap_screens",
]
