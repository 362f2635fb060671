"""Start a swarm (`S` on a ticket): suggested experts ranked, pick one or more, write the ask.

Experts are ranked by `agentdesk.domain.experts` (skills vs the ticket's tags and group,
availability, open load); each line says why. `space` picks or unpicks, `tab` moves to the
ask, `ctrl+s` (or `enter` in the ask) sends, `esc` cancels. The result is the swarm id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, SelectionList
from textual.widgets.selection_list import Selection

from agentdesk.domain.experts import Expert
from agentdesk.domain.ids import uuid7
from agentdesk.domain.mutations import MAX_BODY_CHARS
from agentdesk.domain.text import one_line
from agentdesk.store import StoreError, swarm_queries
from agentdesk.tui.screens.dialogs import DIALOG_CSS

if TYPE_CHECKING:
    from agentdesk.tui.app import AgentDeskApp


def expert_line(expert: Expert) -> str:
    """One picker line: name, why (skills, group), availability and load."""
    why = []
    if expert.matched_skills:
        why.append("skills " + ", ".join(one_line(s, 20) for s in expert.matched_skills))
    if expert.in_group:
        why.append("ticket's group")
    reason = "; ".join(why) or "no matching skill"
    return (
        f"{one_line(expert.name, 30)} · {reason} · {expert.availability} · "
        f"load {expert.load}/{expert.capacity}"
    )


class StartSwarmScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="swarm_start.cancel"),
        Binding("ctrl+s", "send", "Send", id="swarm_start.send"),
    ]
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="StartSwarmScreen")
        + """
    StartSwarmScreen > Vertical { width: 90; }
    StartSwarmScreen SelectionList { height: auto; max-height: 14; border: none; }
    StartSwarmScreen Input { margin-top: 1; }
    """
    )

    def __init__(self, ticket_id: int, experts: list[Expert]) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.experts = experts

    @property
    def desk(self) -> AgentDeskApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(f"Start a swarm on #{self.ticket_id}"), classes="dialog--title")
            yield Label(
                "space picks experts (best first) · tab to the ask · enter or ctrl+s sends",
                classes="dialog--hint",
            )
            yield SelectionList[int](
                *(Selection(Content(expert_line(e)), e.agent_id) for e in self.experts),
                id="swarm-experts",
            )
            yield Input(placeholder="the ask: what do you need?", id="swarm-ask",
                        max_length=MAX_BODY_CHARS)  # fmt: skip

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#swarm-ask")
    def submitted(self) -> None:
        self.action_send()

    def action_send(self) -> None:
        picked = list(self.query_one(SelectionList).selected)
        ask = self.query_one("#swarm-ask", Input).value.strip()
        if not picked:
            self.notify("Pick at least one expert (space)", severity="warning")
            return
        if not ask:
            self.notify("Write the ask first", severity="warning")
            self.query_one("#swarm-ask", Input).focus()
            return
        swarm_id = uuid7()
        start = {"id": swarm_id, "ticket_id": self.ticket_id, "member_ids": picked, "ask": ask}
        try:
            self.desk.cache.record_mutation("swarm.start", start)
        except (StoreError, ValueError) as exc:
            self.notify(one_line(str(exc), 200), title="Not started", severity="error")
            return
        self.dismiss(swarm_id)


def suggested_experts(app: AgentDeskApp, ticket_id: int) -> list[Expert]:
    return swarm_queries.suggest_experts(app.cache, ticket_id, limit=30)
