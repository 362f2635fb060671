"""The canned-response picker: a modal with a fuzzy filter, a short list and a live preview.

    app.push_screen(MacroPicker(cache, [ticket_id]), callback)   # callback(MacroChoice | None)

Typing filters titles, tags, categories and bodies (`domain.fuzzy`); matched characters are
highlighted; the list is ranked by match quality, then by the agent's own recent and
frequent use. The preview is the highlighted response rendered for the (first) ticket:
missing placeholders are marked ⟦like.this⟧, a malformed template shows its error and line,
and the field changes are listed below. `enter` returns the choice with one plan per ticket
(each rendered for its own customer); `esc` returns None and leaves nothing behind.
Untrusted text (titles, bodies, customer fields) becomes `Content`, never markup, after
control characters are made visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import weakref
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.style import Style
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from agentdesk.domain.fuzzy import Candidate, Match, Ranker, in_popularity_order, prepare
from agentdesk.domain.templates import TemplateError
from agentdesk.domain.text import one_line, visible
from agentdesk.store import Cache, StoreError
from agentdesk.store.macros import MacroPlan, canned_fingerprint, plan_macro, usage_scores

LIST_LIMIT = 30
MISSING_STYLE = "reverse bold $warning"
# Style objects, not strings: list rows are rebuilt on every keystroke (no parsing each time).
MATCH_STYLE = Style(bold=True, underline=True)
CATEGORY_STYLE = Style(dim=True)
KEY_SYMBOLS = {"up": "↑", "down": "↓", "escape": "esc"}
HINT_ACTIONS = (("new", "new"), ("edit", "edit"), ("duplicate", "copy"), ("delete", "delete"))


@dataclass(frozen=True, slots=True)
class MacroChoice:
    """The picked canned response and its plan for each target ticket."""

    canned: dict[str, Any]
    plans: list[MacroPlan] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)  # ticket id -> why it cannot render

    @property
    def missing(self) -> list[str]:
        names: list[str] = []
        for plan in self.plans:
            names += [n for n in plan.rendered.missing if n not in names]
        return names


def marked_text(plan: MacroPlan) -> str:
    """The rendered reply as plain text for the composer, each missing value as ⟦name⟧.

    Terminal controls, bidi overrides and invisible characters (from customer data) are
    made visible first: the composer shows text as it is.
    """
    return "".join(
        visible(text, multiline=True) if name is None else f"⟦{name}⟧"
        for text, name in plan.rendered.segments
    )


def title_content(match: Match) -> Content:
    """`Category  Title` with the matched title characters highlighted (inert text)."""
    cand = match.candidate
    hits = set(match.title_positions)
    parts: list[str | tuple[str, Style]] = [(f"{one_line(cand.category, 18):<18} ", CATEGORY_STYLE)]
    run, run_hit = "", False
    for index, char in enumerate(cand.title[:120]):
        shown = visible(char)
        hit = index in hits
        if hit != run_hit and run:
            parts.append((run, MATCH_STYLE) if run_hit else run)
            run = ""
        run += shown
        run_hit = hit
    if run:
        parts.append((run, MATCH_STYLE) if run_hit else run)
    return Content.assemble(*parts)


def preview_content(
    plan: MacroPlan | None, error: str | None, canned: dict[str, Any] | None, targets: int
) -> Content:
    """The preview pane: rendered text (missing marked), then the field changes."""
    if canned is None:
        return Content("No canned response matches.")
    parts: list[str | tuple[str, str]] = []
    if targets > 1 and plan is not None:
        parts.append((f"Preview for #{plan.ticket_id} · applies to {targets} tickets\n\n", "dim"))
    if error is not None:
        parts.append((f"⚠ {one_line(error, 300)}\n", "bold $error"))
        parts.append(("\n" + visible(str(canned.get("body") or ""), multiline=True), "dim"))
        return Content.assemble(*parts)
    assert plan is not None
    for text, name in plan.rendered.segments:
        if name is None:
            parts.append(visible(text, multiline=True, max_chars=20_000))
        else:
            parts.append((f"⟦{name}⟧", MISSING_STYLE))
    if plan.rendered.missing:
        parts.append((f"\n\n⚠ No value for: {', '.join(plan.rendered.missing)}", "$warning"))
    lines = plan.action_lines
    parts.append(("\n\nChanges: " if lines else "\n\nChanges: none", "bold"))
    if lines:
        parts.append(" · ".join(lines))
    return Content.assemble(*parts)


_PREPARED: weakref.WeakKeyDictionary[
    Cache, tuple[Any, dict[str, dict[str, Any]], list[Candidate]]
] = weakref.WeakKeyDictionary()


def _prepared(cache: Cache) -> tuple[dict[str, dict[str, Any]], list[Candidate]]:
    """Rows by id and match candidates, kept while the canned responses are unchanged."""
    stamp = canned_fingerprint(cache)
    found = _PREPARED.get(cache)
    if found is not None and found[0] == stamp:
        return found[1], found[2]
    rows = cache.canned_responses()
    by_id = {row["id"]: row for row in rows}
    candidates = in_popularity_order(prepare(rows))
    _PREPARED[cache] = (stamp, by_id, candidates)
    return by_id, candidates


def warm(cache: Cache) -> None:
    """Read and prepare the responses ahead of the first open (the app does it when idle)."""
    # On failure the first open reads them again and says what is wrong.
    with contextlib.suppress(StoreError, sqlite3.Error):
        _prepared(cache)


def _options(shown: list[Match]) -> list[Option]:
    return [Option(title_content(m), id=m.candidate.id) for m in shown]


class MacroPicker(ModalScreen[MacroChoice | None]):
    """Pick a canned response for one ticket (or for several marked tickets)."""

    # Its CSS (macro_picker.tcss) is part of the app's stylesheet from the start (see
    # `AgentDeskApp.CSS_PATH`): a screen's own CSS_PATH makes its first push re-parse the whole
    # stylesheet and restyle every screen, and DEFAULT_CSS would lose to app.tcss's
    # `ModalScreen` rule (the picker stays opaque: the screen below is not redrawn per key).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="macros.cancel"),
        Binding("down,ctrl+n", "move(1)", "Next", show=False, id="macros.next"),
        Binding("up,ctrl+p", "move(-1)", "Previous", show=False, id="macros.previous"),
        Binding("pagedown", "move(10)", "Page down", show=False, id="macros.page_down"),
        Binding("pageup", "move(-10)", "Page up", show=False, id="macros.page_up"),
        Binding("ctrl+o", "manage('new')", "New", priority=True, id="macros.new"),
        Binding("ctrl+e", "manage('edit')", "Edit", priority=True, id="macros.edit"),
        Binding("ctrl+d", "manage('duplicate')", "Copy", priority=True, id="macros.duplicate"),
        Binding("ctrl+x", "manage('delete')", "Delete", priority=True, id="macros.delete"),
    ]

    def __init__(self, cache: Cache, ticket_ids: list[int], *, query: str = "") -> None:
        super().__init__(classes="-opaque")
        self.cache = cache
        self.ticket_ids = list(ticket_ids)
        self.initial_query = query
        self.rows: dict[str, dict[str, Any]] = {}
        self.ranker = Ranker([], {})
        self.shown: list[Match] = []
        self._preview_cache: dict[str, tuple[MacroPlan | None, str | None]] = {}
        self._ready = False  # set once mounted and listed
        self._rank_lock = threading.Lock()  # the ranker narrows from its previous query
        self._generation = 0  # bumped per filter request: older results are dropped
        self._shown_generation = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="macro-dialog"):
            target = (
                f"#{self.ticket_ids[0]}"
                if len(self.ticket_ids) == 1
                else f"{len(self.ticket_ids)} marked tickets"
            )
            yield Label(Content(f"Canned response for {target}"), id="macro-title")
            yield Input(placeholder="type to filter: title, tags, text", id="macro-filter")
            with Horizontal(id="macro-body"):
                yield OptionList(id="macro-list")
                with VerticalScroll(id="macro-preview-scroll"):
                    yield Static(id="macro-preview")
            yield Label(id="macro-hint")

    def on_mount(self) -> None:
        self.load()
        field_ = self.query_one("#macro-filter", Input)
        field_.value = self.initial_query
        self.filter(self.initial_query)
        field_.focus()
        self.query_one("#macro-hint", Label).update(Content(self.hint_text()))
        self._ready = True

    def hint_text(self) -> str:
        """The key hint line, from the live bindings (keys remapped in `[keymap]` show)."""
        keys: dict[str, list[str]] = {}
        for key, active in self.active_bindings.items():
            if active.binding.id:
                keys.setdefault(active.binding.id, []).append(key)
        defaults = {b.id: b.key for b in Binding.make_bindings(self.BINDINGS) if b.id}

        def first(ident: str) -> str:
            found = keys.get(ident) or defaults[ident].split(",")
            return KEY_SYMBOLS.get(found[0], found[0])

        up, down = first("macros.previous"), first("macros.next")
        choose = f"{up}{down}" if len(up) == len(down) == 1 else f"{up}/{down}"
        return " · ".join(
            [
                "enter insert",
                f"{choose} choose",
                f"{first('macros.cancel')} cancel",
                *(f"{first(f'macros.{name}')} {what}" for name, what in HINT_ACTIONS),
            ]
        )

    # -- data ------------------------------------------------------------------------

    def load(self) -> None:
        """Read the responses (reused while the cache has not changed) and the usage."""
        self.rows, candidates = _prepared(self.cache)
        self.ranker = Ranker(candidates, usage_scores(self.cache), ordered=True)
        self._preview_cache.clear()

    def refresh_data(self) -> None:
        """The cache changed (a sync, another window): re-list if the responses changed."""
        if not self._ready or not self.is_attached:
            return
        rows, _candidates = _prepared(self.cache)
        if rows is self.rows:
            return
        self.load()
        self.filter(self.query_one("#macro-filter", Input).value)

    def filter(self, query: str) -> None:
        """Re-rank for `query` and refill the list, now (keystrokes rank in a thread instead)."""
        self._generation += 1
        with self._rank_lock:
            shown = self.ranker.rank(query, limit=LIST_LIMIT)
        self._show_ranked(self._generation, shown, _options(shown))

    def rank_in_thread(self, query: str, generation: int) -> None:
        """A keystroke's ranking, off the event loop: the typed character is drawn at once.

        The list's rows and the new top response's preview are prepared in the thread too;
        the event loop only swaps them in (`_show_ranked`), and only for the newest keystroke.
        A plain executor job, not a Textual thread worker: a worker stays referenced from the
        thread's context after it ends, and kept every closed picker alive with it.
        """
        job = asyncio.get_running_loop().run_in_executor(None, self._rank_job, query, generation)
        job.add_done_callback(partial(self._ranked, generation))

    def _rank_job(self, query: str, generation: int) -> tuple[list[Match], list[Option]] | None:
        with self._rank_lock:
            if generation != self._generation:
                return None  # a newer keystroke is queued behind this one
            shown = self.ranker.rank(query, limit=LIST_LIMIT)
        options = _options(shown)
        if shown and self.ticket_ids:
            top = self.rows.get(shown[0].candidate.id)
            if top is not None and top["id"] not in self._preview_cache:
                self._preview_cache[top["id"]] = self.plan_for(top, self.ticket_ids[0])
        return shown, options

    def _ranked(self, generation: int, job: asyncio.Future[Any]) -> None:
        if job.cancelled() or job.exception() is not None:
            if generation == self._generation and self.is_attached:
                self.filter(self.query_one("#macro-filter", Input).value)  # rank here instead
            return
        result = job.result()
        if result is not None:
            self._show_ranked(generation, *result)

    def _show_ranked(self, generation: int, shown: list[Match], options: list[Option]) -> None:
        if generation != self._generation or not self.is_attached:
            return
        self.shown = shown
        self._shown_generation = generation
        option_list = self.query_one("#macro-list", OptionList)
        option_list.clear_options()
        option_list.add_options(options)
        if shown:
            option_list.highlighted = 0
        self.show_preview()

    def highlighted(self) -> dict[str, Any] | None:
        options = self.query_one("#macro-list", OptionList)
        index = options.highlighted
        if index is None or not self.shown or index >= len(self.shown):
            return None
        return self.rows.get(self.shown[index].candidate.id)

    def plan_for(
        self, canned: dict[str, Any], ticket_id: int
    ) -> tuple[MacroPlan | None, str | None]:
        try:
            return plan_macro(self.cache, ticket_id, canned), None
        except TemplateError as exc:
            where = f"line {exc.line}: " if exc.line else ""
            return None, f"Template error on {where}{exc.message}"
        except (StoreError, ValueError) as exc:
            return None, str(exc)

    def show_preview(self) -> None:
        canned = self.highlighted()
        plan: MacroPlan | None = None
        error: str | None = None
        if canned is not None and self.ticket_ids:
            key = canned["id"]
            if key not in self._preview_cache:
                self._preview_cache[key] = self.plan_for(canned, self.ticket_ids[0])
            plan, error = self._preview_cache[key]
        preview = preview_content(plan, error, canned, len(self.ticket_ids))
        self.query_one("#macro-preview", Static).update(preview)

    # -- events ------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._generation += 1
        self.rank_in_thread(event.value, self._generation)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.show_preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._generation != self._shown_generation:
            self.filter(event.value)  # typed faster than the ranking: pick from the newest
        self.pick()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.pick()

    def action_move(self, step: int) -> None:
        if not self.shown:
            return
        options = self.query_one("#macro-list", OptionList)
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self.shown) - 1, current + step))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_manage(self, what: str) -> None:
        """New / edit / duplicate / delete (see `tui.macro_manage`), then re-list."""
        from agentdesk.tui import macro_manage

        def done() -> None:
            self.load()
            self.filter(self.query_one("#macro-filter", Input).value)
            after = getattr(self.app, "after_write", None)
            if after is not None:
                after()

        if what == "new":
            macro_manage.new(self.app, self.cache, done)
            return
        canned = self.highlighted()
        if canned is None:
            self.notify("No canned response selected", severity="warning", markup=False)
            return
        if what == "edit":
            macro_manage.edit(self.app, self.cache, canned, done)
        elif what == "duplicate":
            macro_manage.duplicate(self.app, self.cache, canned, done)
        elif what == "delete":
            macro_manage.delete(self.app, self.cache, canned, done)

    def pick(self) -> None:
        canned = self.highlighted()
        if canned is None:
            self.notify("No canned response to insert", severity="warning", markup=False)
            return
        plans: list[MacroPlan] = []
        errors: dict[int, str] = {}
        for ticket_id in self.ticket_ids:
            plan, error = self.plan_for(canned, ticket_id)
            if plan is not None:
                plans.append(plan)
            else:
                errors[ticket_id] = error or "cannot render"
        if not plans:
            first = next(iter(errors.values()), "cannot render")
            self.notify(one_line(first, 200), title="Not inserted", severity="error", markup=False)
            return
        self.dismiss(MacroChoice(dict(canned), plans, errors))
