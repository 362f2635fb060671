"""The agentdesk Textual app: screens over the local cache, the sync engine in a worker.

The app never talks to the network. It reads the cache (`agentdesk.store.Cache`), writes
through the cache's outbox helpers, and owns the sync engine (if any) as an exclusive
async worker. It notices changes by the engine's state and by the cache's `data_version`
(which also catches writes from other processes, such as the CLI).

Entry points: `run(profile)` for `agentdesk` with no command, `run_app(cache, engine, ...)`
for the demo and for tests.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.theme import Theme

from agentdesk import config as config_module
from agentdesk import paths
from agentdesk.config import Config, ViewSpec
from agentdesk.domain.enums import Priority, Status
from agentdesk.domain.text import one_line
from agentdesk.domain.timeutil import utcnow
from agentdesk.store import (
    Cache,
    CustomerHistory,
    ParseError,
    StoreError,
    TicketQuery,
    View,
    parse_query,
)
from agentdesk.sync.state import SyncState
from agentdesk.tui.commands import ActionsProvider, PaletteCommand
from agentdesk.tui.keymap import Scope, as_bindings, checked_keymap
from agentdesk.tui.lead import LEAD_BINDINGS, LeadActionsMixin, lead_keymap_screens
from agentdesk.tui.presence_app import PresenceMixin
from agentdesk.tui.queue_model import QueueWindow
from agentdesk.tui.screens.dialogs import ChoiceDialog, ConfirmDialog, PromptDialog, parse_tag_edit
from agentdesk.tui.screens.queue import QueueScreen, ViewList
from agentdesk.tui.screens.swarm_app import (
    SWARM_BINDINGS,
    SwarmActionsMixin,
    swarm_keymap_screens,
)
from agentdesk.tui.themes import VARIABLE_DEFAULTS, load_themes
from agentdesk.tui.undo_app import UNDO_BINDINGS, UndoMixin
from agentdesk.tui.widgets.customer_pane import CustomerPane
from agentdesk.tui.widgets.status_bar import StatusBar, StatusInfo
from agentdesk.tui.widgets.ticket_table import TicketTable

CACHE_POLL_SECONDS = 1.0
PRELOAD_SECONDS = 1.0  # after the first frame: import what the first `enter` and `m` need
UNASSIGNED = -1  # the agent picker's value for "nobody"


class AgentDeskApp(LeadActionsMixin, SwarmActionsMixin, PresenceMixin, UndoMixin, App[int]):
    """The terminal workstation. `engine` None runs offline (writes stay queued)."""

    CSS_PATH: ClassVar[list[str | Path]] = ["app.tcss", "screens/macro_picker.tcss"]
    TITLE = "agentdesk"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding(
            "ctrl+p", "command_palette", "Commands", show=False, priority=True, id="app.palette"
        ),
        Binding("colon", "command_palette", "Commands", show=False, id="app.palette_colon"),
        Binding("ctrl+a", "cycle_availability", "Availability", show=False, id="app.availability"),
        Binding("C", "conflicts", "Conflicts", show=False, id="app.conflicts"),
        Binding("ctrl+r", "sync_now", "Sync now", show=False, id="app.sync"),
        *LEAD_BINDINGS,
        *SWARM_BINDINGS,
        *UNDO_BINDINGS,
    ]

    def __init__(
        self,
        cache: Cache,
        engine: Any | None = None,
        *,
        profile: str = "default",
        config: Config | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config or config_module.load_config()
        super().__init__()
        self.cache = cache
        self.engine = engine
        self.profile = profile
        self.now = now
        cache.clock = now  # SLA views count with the clock the rows are shown with
        self.show_customer = False
        self.status_info = StatusInfo()
        self.notices: list[str] = list(self.config.notices)
        self._agents: dict[int, dict[str, Any]] = {}
        self._config_views = self._checked_config_views(self.config.views)
        self._last_version: tuple[int, int] | None = None
        self._sync_state: SyncState | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._setup_themes()
        self._setup_keymap()
        self.notices = list(self.config.notices)

    # -- set-up -------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **VARIABLE_DEFAULTS}

    def _setup_themes(self) -> None:
        loaded = load_themes()
        for theme in loaded.themes.values():
            self.register_theme(theme)
        self.config.notices.extend(loaded.notices)
        wanted = self.config.theme
        if wanted not in self.available_themes:
            self.config.notice(None, f"unknown theme {wanted!r}; using agentdesk-dark")
            wanted = config_module.DEFAULT_THEME
        if wanted in self.available_themes:
            self.theme = wanted

    def _setup_keymap(self) -> None:
        if not self.config.keymap:
            return  # nothing to check (and the screens not on the first frame stay unimported)
        from agentdesk.tui.screens.conflicts import ConflictsScreen
        from agentdesk.tui.screens.ticket import Composer, TicketScreen
        from agentdesk.tui.widgets.thread import ThreadView

        app = as_bindings(self.BINDINGS) + as_bindings(App.BINDINGS)
        screens: Sequence[tuple[str, Iterable[BindingType], Iterable[BindingType]]] = (
            ("queue screen", QueueScreen.BINDINGS, TicketTable.BINDINGS),
            ("queue sidebar", QueueScreen.BINDINGS, ViewList.BINDINGS),
            ("queue customer pane", QueueScreen.BINDINGS, CustomerPane.BINDINGS),
            ("ticket screen", TicketScreen.BINDINGS, ThreadView.BINDINGS),
            ("ticket composer", TicketScreen.BINDINGS, Composer.BINDINGS),
            ("conflicts screen", ConflictsScreen.BINDINGS, ()),
            *lead_keymap_screens(),
            *swarm_keymap_screens(),
        )
        scopes = [
            Scope(name, app + as_bindings(screen) + as_bindings(widget))
            for name, screen, widget in screens
        ]
        scopes.append(_picker_scope(app))
        keymap = checked_keymap(self.config, scopes)
        if keymap:
            self.set_keymap(keymap)

    def _checked_config_views(self, specs: list[ViewSpec]) -> list[View]:
        views = []
        for spec in specs:
            try:
                parse_query(spec.query)
            except ParseError as exc:
                self.config.notice(None, f"view {spec.name!r}: {exc}; view skipped")
                continue
            views.append(
                View(
                    id=f"config:{spec.name}",
                    name=spec.name,
                    query=spec.query,
                    sort=spec.sort.lstrip("-"),
                    descending=spec.sort.startswith("-"),
                )
            )
        return views

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._reload_agents()
        self._update_status_counts()
        self.push_screen(QueueScreen())
        for notice in self.notices:
            self.notify(notice, title="config", severity="warning", timeout=12)
        self._last_version = self.cache.data_version()
        self.set_interval(CACHE_POLL_SECONDS, self._poll_cache)
        # Everything loaded so far (modules, widgets) lives as long as the app: keep it out
        # of the cyclic collector, whose full passes over it would stall a keystroke.
        self.call_after_refresh(gc.freeze)
        self.set_timer(PRELOAD_SECONDS, self.preload)
        self.setup_presence()
        self.setup_swarms()
        if self.engine is not None:
            self._unsubscribe = self.engine.subscribe(self._sync_state_changed)
            self.run_sync()

    @work(thread=True, exclusive=True, group="preload", exit_on_error=False)
    def preload(self) -> None:
        """Import the ticket screen and the canned-response picker, and read the responses.

        None of it is needed for the first frame (so it is not imported at start-up), but the
        first `enter` and the first `m` would pay for it; this runs once, in a thread, a
        moment after the queue is on screen.
        """
        from agentdesk.domain.templates import check
        from agentdesk.tui.screens import macro_picker, ticket  # noqa: F401

        check("")  # imports python-liquid
        if self.is_running:
            macro_picker.warm(self.cache)
            # What was just loaded lives as long as the app too (see on_mount).
            self.call_from_thread(gc.freeze)

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self.engine is not None:
            self.engine.stop()

    @work(exclusive=True, group="sync", exit_on_error=False)
    async def run_sync(self) -> None:
        """The sync engine's loop, for as long as the app runs."""
        assert self.engine is not None
        try:
            await self.engine.run()
        finally:
            close = getattr(self.engine.backend, "aclose", None)
            if close is not None:
                await close()

    def _theme_changed(self, theme: Theme) -> None:
        if theme.name == self.config.theme:
            return
        self.config.theme = theme.name
        try:
            config_module.save_theme(theme.name, self.config.path)
        except OSError as exc:
            self.notify(f"Theme not saved: {exc}", severity="error")
        for bar in self.screen.query(StatusBar):
            bar.refresh()

    # -- reading helpers for the screens --------------------------------------------------

    def all_views(self) -> list[View]:
        return [*self.cache.views(), *self._config_views]

    def parse_view_query(self, view: View) -> TicketQuery:
        try:
            return parse_query(view.query)
        except ParseError:
            return TicketQuery(source=view.query)

    def view_counts(self, views: list[View]) -> dict[str, int]:
        counts = self.cache.view_counts()
        for view in views:
            if view.id not in counts:
                counts[view.id] = self.cache.count(self.parse_view_query(view))
        return counts

    def customer_history(self, customer_id: int | None) -> CustomerHistory | None:
        if customer_id is None:
            return None
        try:
            return self.cache.customer_history(customer_id)
        except StoreError:
            return None

    def _reload_agents(self) -> None:
        self._agents = {agent["id"]: agent for agent in self.cache.agents()}

    def agent_name(self, agent_id: int | None) -> str:
        if agent_id is None:
            return "unassigned"
        agent = self._agents.get(agent_id)
        return one_line(str(agent["name"]), 40) if agent else f"agent {agent_id}"

    def customer_name(self, customer_id: int | None) -> str:
        customer = self.cache.customer(customer_id) if customer_id is not None else None
        if not customer:
            return "—"
        name = one_line(str(customer.get("name")), 40)
        return f"{name} <{one_line(str(customer.get('email')), 60)}>"

    def ticket_subject(self, ticket_id: int | None) -> str:
        ticket = self.cache.ticket(ticket_id) if ticket_id is not None else None
        return one_line(str(ticket.get("subject")), 60) if ticket else "(not cached)"

    def editor_command(self) -> str:
        return self.config.editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"

    # -- navigation ---------------------------------------------------------------------

    def open_ticket(self, ticket_id: int, window: QueueWindow | None, index: int | None) -> None:
        from agentdesk.tui.screens.ticket import TicketScreen

        self.push_screen(TicketScreen(ticket_id, window, index))

    def close_ticket(self, index: int | None) -> None:
        self.pop_screen()
        screen = self.screen
        if isinstance(screen, QueueScreen):
            if screen.stale:
                screen.refresh_data()
            if index is not None:
                screen.table.move_to(index)

    def action_help(self) -> None:
        from agentdesk.tui.screens.help import HelpScreen, help_entries

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        title = {
            "QueueScreen": "queue",
            "TicketScreen": "ticket",
            "ConflictsScreen": "conflicts",
        }.get(type(screen).__name__, type(screen).__name__)
        self.push_screen(HelpScreen(help_entries(screen), title))

    def action_conflicts(self) -> None:
        from agentdesk.tui.screens.conflicts import ConflictsScreen

        if not isinstance(self.screen, ConflictsScreen):
            self.push_screen(ConflictsScreen())

    async def action_quit(self) -> None:
        """Quit; ask first only if a draft is unsent."""
        save_draft = getattr(self.screen, "save_draft_now", None)  # the ticket screen's composer
        if callable(save_draft):
            save_draft()
        drafts = unsent_draft_count(self.cache)
        if not drafts:
            self.exit(0)
            return
        if any(isinstance(s, ConfirmDialog) for s in self.screen_stack):
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit(0)

        self.push_screen(
            ConfirmDialog(
                f"{drafts} unsent draft{'s' if drafts != 1 else ''}. Quit anyway?",
                "Drafts are kept and come back when you open the ticket again.",
            ),
            answered,
        )

    # -- sync and status ----------------------------------------------------------------

    def _sync_state_changed(self, state: SyncState) -> None:
        previous = self._sync_state
        self._sync_state = state
        self.status_info = _replace(self.status_info, sync=state)
        self._refresh_status_bars()
        if previous is None or previous.last_success_at != state.last_success_at:
            self.call_later(self.refresh_data)

    def action_sync_now(self) -> None:
        if self.engine is None:
            self.notify("Offline mode: no sync engine", severity="warning")
            return
        self.engine.nudge()
        self.notify("Syncing…")

    async def _poll_cache(self) -> None:
        version = self.cache.data_version()
        if version != self._last_version:
            await self.refresh_data()

    async def refresh_data(self) -> None:
        """Something changed in the cache: update status, agents and the visible screen."""
        self._last_version = self.cache.data_version()
        self._reload_agents()
        self._update_status_counts()
        self.check_assignment_notices()
        screen = self.screen
        refresh = getattr(screen, "refresh_data", None)
        # A screen still mounting reads the cache as it mounts (and has no widgets to update).
        if callable(refresh) and screen.is_mounted:
            result = refresh()
            if inspect.isawaitable(result):
                await result
        for stacked in self.screen_stack[:-1]:
            if isinstance(stacked, QueueScreen):
                stacked.stale = True  # refreshed when shown again, not while hidden
        if isinstance(screen, QueueScreen):
            screen.refresh_views()

    async def screen_resumed(self) -> None:
        """A screen came back to the top: catch up with changes made meanwhile."""
        if self.cache.data_version() != self._last_version:
            await self.refresh_data()
        else:
            self._refresh_status_bars()

    def after_write(self) -> None:
        """A local write was queued: show it now and let the engine push it."""
        if self.engine is not None:
            self.engine.nudge()
        self.call_later(self.refresh_data)

    def _update_status_counts(self) -> None:
        me = self.cache.me()
        self.status_info = _replace(
            self.status_info,
            agent=str(me.get("name")) if me else "not signed in",
            availability=str(me.get("availability")) if me else "offline",
            pending=self.cache.pending_count(),
            conflicts=self.cache.conflict_count(),
            swarms=self.swarm_badge_count(),
        )
        self._refresh_status_bars()

    def update_next_breach(self, query: TicketQuery) -> None:
        row = self.cache.next_breach(query)
        due = row.sla_due_at if row else None
        if due != self.status_info.next_breach:
            self.status_info = _replace(self.status_info, next_breach=due)
            self._refresh_status_bars()

    def _refresh_status_bars(self) -> None:
        if not self.is_running or not self.screen_stack:
            return
        for bar in self.screen.query(StatusBar):
            bar.refresh()

    def action_cycle_availability(self) -> None:
        me = self.cache.me()
        if me is None:
            self.notify("Your agent is unknown until the first sync", severity="warning")
            return
        wanted = "away" if me.get("availability") == "available" else "available"
        try:
            self.cache.set_availability(wanted)
        except StoreError as exc:
            self.notify(one_line(str(exc), 200), severity="error")
            return
        self.notify(f"You are now {wanted}")
        self.after_write()

    # -- edits (single ticket or marked rows) -----------------------------------------------

    def _targets_text(self, ids: list[int]) -> str:
        return f"#{ids[0]}" if len(ids) == 1 else f"{len(ids)} marked tickets"

    def _apply(
        self,
        ids: list[int],
        write: Callable[[int], object],
        done: str,
        after: Callable[[], None] | None,
    ) -> None:
        failed: list[str] = []
        with self.recording(done, ids):
            for ticket_id in ids:
                try:
                    write(ticket_id)
                except (StoreError, ValueError) as exc:
                    failed.append(f"#{ticket_id}: {one_line(str(exc), 120)}")
        if failed:
            self.notify("; ".join(failed[:3]), title="Not changed", severity="error")
        if len(failed) < len(ids):
            self.notify(f"{done} ({self._targets_text(ids)})")
        if after is not None:
            after()
        self.after_write()

    def _current(self, ids: list[int], field: str) -> Any:
        if len(ids) != 1:
            return None
        ticket = self.cache.ticket(ids[0])
        return ticket.get(field) if ticket else None

    def ask_status(self, ids: list[int], after: Callable[[], None] | None = None) -> None:
        if not ids:
            self.notify("No ticket selected", severity="warning")
            return

        def chosen(value: str | None) -> None:
            if value is not None:
                self._apply(
                    ids,
                    lambda i: self.cache.update_ticket(i, status=value),
                    f"Status → {value}",
                    after,
                )

        choices = [(status.value, status.value) for status in Status]
        current = self._current(ids, "status")
        self.push_screen(
            ChoiceDialog(f"Status for {self._targets_text(ids)}", choices, current=current),
            chosen,
        )

    def ask_priority(self, ids: list[int], after: Callable[[], None] | None = None) -> None:
        if not ids:
            self.notify("No ticket selected", severity="warning")
            return

        def chosen(value: str | None) -> None:
            if value is not None:
                self._apply(
                    ids,
                    lambda i: self.cache.update_ticket(i, priority=value),
                    f"Priority → {value}",
                    after,
                )

        choices = [(priority.value, priority.value) for priority in reversed(Priority)]
        current = self._current(ids, "priority")
        self.push_screen(
            ChoiceDialog(f"Priority for {self._targets_text(ids)}", choices, current=current),
            chosen,
        )

    def ask_assign(self, ids: list[int], after: Callable[[], None] | None = None) -> None:
        if not ids:
            self.notify("No ticket selected", severity="warning")
            return
        current = self._current(ids, "assignee_id")

        def chosen(value: int | None) -> None:
            if value is None:
                return
            to = None if value == UNASSIGNED else value
            self._apply(
                ids,
                lambda i: self.cache.assign_ticket(i, to),
                f"Assigned to {self.agent_name(to)}",
                after,
            )

        self.push_screen(
            self.agent_picker(
                ids,
                f"Assign {self._targets_text(ids)} to",
                UNASSIGNED if current is None and len(ids) == 1 else current,
            ),
            chosen,
        )

    def ask_tags(self, ids: list[int], after: Callable[[], None] | None = None) -> None:
        if not ids:
            self.notify("No ticket selected", severity="warning")
            return
        current = self._current(ids, "tags") or []

        def entered(text: str | None) -> None:
            if not text or not text.strip():
                return
            add, remove = parse_tag_edit(text)
            self._apply(
                ids,
                lambda i: self.cache.tag_ticket(i, add, remove),
                "Tags " + " ".join([*(f"+{t}" for t in add), *(f"-{t}" for t in remove)]),
                after,
            )

        now = ", ".join(one_line(str(tag), 30) for tag in current) or "none"
        self.push_screen(
            PromptDialog(
                f"Tags for {self._targets_text(ids)}",
                hint=f"now: {now} · words add, -word removes (refund +vip -spam)",
            ),
            entered,
        )

    # -- the palette ----------------------------------------------------------------------

    def palette_commands(self, screen: Screen[Any] | None = None) -> list[PaletteCommand]:
        """App commands for the palette opened over `screen` (default: the top screen)."""
        screen = screen or self.screen
        commands = [
            PaletteCommand("Conflicts: open the conflicts screen", "key: C", self.action_conflicts),
            PaletteCommand("Sync now", "key: ctrl+r", self.action_sync_now),
            PaletteCommand(
                "Availability: toggle available / away",
                "key: ctrl+a",
                self.action_cycle_availability,
            ),
            PaletteCommand("Swarms: open the swarms list", "key: w", self.action_swarms),
            PaletteCommand("Shared drafts: open the reviews list", "key: R", self.action_reviews),
            PaletteCommand(
                "Swarm: start one on the open ticket", "key: S", self.action_start_swarm
            ),
            PaletteCommand("Help: show every key", "key: ?", self.action_help),
            PaletteCommand("Quit", "key: q", lambda: self.call_later(self.action_quit)),
        ]
        open_picker = getattr(screen, "action_macro", None)
        if callable(open_picker) and not getattr(screen, "is_modal", False):
            commands.append(
                PaletteCommand(
                    "Insert canned response",
                    f"key: {self._bound_key(screen, 'macro')} · the picker, for the open ticket"
                    " or the marked tickets",
                    open_picker,
                )
            )
        for name in sorted(self.available_themes):
            if name.startswith("agentdesk") or name in self._user_theme_names():
                commands.append(
                    PaletteCommand(f"Theme: {name}", "switch theme (saved)", _setter(self, name))
                )
        if isinstance(screen, QueueScreen):
            for index, view in enumerate(screen.views):
                commands.append(
                    PaletteCommand(
                        f"View: {one_line(view.name, 40)}",
                        one_line(view.query, 60) or "all tickets",
                        _view_switcher(screen, index),
                    )
                )
        return commands

    def _bound_key(self, screen: Any, action: str) -> str:
        """The live (possibly remapped) key of `action` on `screen`, for palette help."""
        for key, active in screen.active_bindings.items():
            if active.binding.action == action and active.node is screen:
                return self.get_key_display(Binding(key, ""))
        return "none"

    def _user_theme_names(self) -> set[str]:
        return {name for name in self.available_themes if not name.startswith("textual")}


def _picker_scope(app_bindings: tuple[Binding, ...]) -> Scope:
    """The canned-response picker: its bindings over its filter field (which takes typing)."""
    from textual.widgets import Input

    from agentdesk.tui.screens.macro_picker import MacroPicker

    picker = as_bindings(MacroPicker.BINDINGS)
    return Scope(
        "canned-response picker",
        app_bindings + picker + as_bindings(Input.BINDINGS),
        typed_over=frozenset(b.id for b in picker if b.id),
    )


def _setter(app: AgentDeskApp, theme: str) -> Callable[[], None]:
    def run() -> None:
        app.theme = theme

    return run


def _view_switcher(screen: QueueScreen, index: int) -> Callable[[], None]:
    def run() -> None:
        screen.switch_view(index)

    return run


def _replace(info: StatusInfo, **changes: Any) -> StatusInfo:
    from dataclasses import replace

    return replace(info, **changes)


def unsent_draft_count(cache: Cache) -> int:
    """Drafts kept in the cache (composer text not sent yet)."""
    return int(cache.conn.execute("SELECT count(*) FROM drafts WHERE body != ''").fetchone()[0])


def run_app(
    cache: Cache,
    engine: Any | None = None,
    *,
    profile: str = "default",
    config: Config | None = None,
    insecure: bool = False,
) -> int:
    """Run the TUI on an open cache (and engine); returns the exit code.

    `insecure`: the profile skips TLS certificate checks; the status bar says so."""
    app = AgentDeskApp(cache, engine, profile=profile, config=config)
    app.status_info = _replace(app.status_info, insecure=insecure)
    with logs_to_file():
        result = app.run()
    return int(result or 0)


@contextlib.contextmanager
def logs_to_file() -> Iterator[Path]:
    """While the TUI owns the terminal, log records (ours, an embedded server's) go to a file.

    A handler writing to the terminal would draw over the screen; it is swapped for one
    writing to `state_dir()/agentdesk.log`, and put back afterwards.
    """
    path = paths.state_dir() / "agentdesk.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    file_handler = logging.FileHandler(path, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    terminal_streams = {sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__}
    swapped: list[tuple[logging.Logger, logging.Handler]] = []
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in list(logger.handlers):
            if (
                isinstance(handler, logging.StreamHandler)
                and not isinstance(handler, logging.FileHandler)
                and handler.stream in terminal_streams
            ):
                logger.removeHandler(handler)
                logger.addHandler(file_handler)
                swapped.append((logger, handler))
    root = logging.getLogger()
    root_added = file_handler not in root.handlers
    if root_added:
        root.addHandler(file_handler)
    try:
        yield path
    finally:
        for logger, handler in swapped:
            logger.removeHandler(file_handler)
            logger.addHandler(handler)
        if root_added:
            root.removeHandler(file_handler)
        file_handler.close()


def run(profile: str | None) -> int:
    """`agentdesk` with no command: the active profile's cache and sync engine, then the app."""
    from agentdesk import profiles as profiles_module
    from agentdesk import secrets
    from agentdesk.cli.errors import UserError
    from agentdesk.store import CacheError
    from agentdesk.sync import connect
    from agentdesk.sync.engine import SyncEngine

    try:
        profile_set = profiles_module.load()
    except profiles_module.ProfileError as exc:
        raise UserError(str(exc)) from exc
    chosen = profile_set.resolve(profile)
    if chosen is None:
        if profile:
            raise UserError(f"no profile {profile!r} (see: agentdesk profiles)")
        raise UserError(
            "no profile yet: run agentdesk login --server URL --email E (or try agentdesk demo)"
        )
    try:
        cache = Cache.open(chosen.cache_path)
    except CacheError as exc:
        raise UserError(str(exc)) from exc
    try:
        if chosen.agent_id is not None and cache.agent_id != chosen.agent_id:
            cache.set_agent_id(chosen.agent_id)
        try:
            token = secrets.get_token(chosen.name)
        except secrets.SecretStoreError:
            token = None
        engine = None
        if token is not None:
            backend = connect.open_backend(chosen, token, cache.client_id)
            engine = SyncEngine(cache, backend)
        return run_app(cache, engine, profile=chosen.name, insecure=chosen.insecure)
    finally:
        cache.close()
