"""The status bar: who you are, connection, outbox, conflicts, last sync, next SLA breach."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from textual.content import Content
from textual.widget import Widget

from agentdesk.domain.sla import format_time_left
from agentdesk.domain.text import one_line
from agentdesk.sync.state import SyncState, SyncStatus


@dataclass(frozen=True, slots=True)
class StatusInfo:
    agent: str = "—"
    availability: str = "offline"
    sync: SyncState | None = None  # None: no sync engine (offline mode)
    pending: int = 0
    conflicts: int = 0
    next_breach: datetime | None = None
    view: str = ""
    swarms: int = 0  # unread messages in my open case swarms
    insecure: bool = False  # the profile was logged in with --insecure (no TLS checks)


_STATUS_SYMBOL = {
    SyncStatus.ONLINE: "● online",
    SyncStatus.OFFLINE: "○ offline",
    SyncStatus.SYNCING: "⟳ syncing",
    SyncStatus.ERROR: "✖ error",
}


def since_text(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    if seconds < 86400:
        return f"{seconds // 3600}h ago"
    return f"{seconds // 86400}d ago"


class StatusBar(Widget):
    """One line at the bottom of every screen, drawn from the app's `status_info`."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, now: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.now = now

    @property
    def info(self) -> StatusInfo:
        info = getattr(self.app, "status_info", None)
        return info if isinstance(info, StatusInfo) else StatusInfo()

    def on_mount(self) -> None:
        self.set_interval(15, self.refresh)  # keep "last sync 3m ago" fresh

    def render(self) -> Content:
        info, now = self.info, self.now()
        variables = self.app.theme_variables
        parts: list[tuple[str, str] | str] = []
        away = info.availability != "available"
        parts.append((f" {one_line(info.agent, 40)} ", "bold"))
        parts.append((f"[{info.availability}]", variables.get("warning", "") if away else ""))
        parts.append("  ")
        if info.insecure:
            parts.append(("⚠ TLS not verified", f"bold {variables.get('error', '')}"))
            parts.append("  ")
        state = info.sync
        if state is None:
            parts.append(("○ offline (no sync)", variables.get("warning", "")))
        else:
            text = _STATUS_SYMBOL[state.status]
            if state.reason and state.status in (SyncStatus.OFFLINE, SyncStatus.ERROR):
                text += f": {one_line(state.reason, 60)}"
            if state.status is SyncStatus.OFFLINE and state.retry_in:
                text += f" (retry in {state.retry_in:.0f}s)"
            if state.progress and state.status is SyncStatus.SYNCING:
                done, total = state.progress
                text += f" {done:,}" + (f"/{total:,}" if total else "")
            colour = {
                SyncStatus.ONLINE: variables.get("success", ""),
                SyncStatus.ERROR: variables.get("error", ""),
                SyncStatus.OFFLINE: variables.get("warning", ""),
            }.get(state.status, "")
            parts.append((text, colour))
        parts.append(f"  outbox {info.pending}")
        if state is not None and state.rejected:
            parts.append("  ")
            parts.append((f"✖ rejected {state.rejected}", f"bold {variables.get('error', '')}"))
        if info.conflicts:
            parts.append("  ")
            parts.append((f"⚠ conflicts {info.conflicts}", f"bold {variables.get('error', '')}"))
        else:
            parts.append("  conflicts 0")
        if info.swarms:
            parts.append("  ")
            parts.append((f"✉ swarms {info.swarms}", f"bold {variables.get('accent', '')}"))
        last = state.last_success_at if state else None
        parts.append(f"  synced {since_text(last, now)}")
        if info.next_breach is not None:
            left = info.next_breach - now
            symbol = (
                "!" if left.total_seconds() <= 0 else "~" if left.total_seconds() <= 3600 else ""
            )
            parts.append(f"  next SLA {symbol}{format_time_left(left)}".rstrip())
        else:
            parts.append("  next SLA —")
        return Content.assemble(
            *(part if isinstance(part, str) or part[1] else part[0] for part in parts)
        )
