"""The customer history pane: profile, totals, past and open tickets (openable), notes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from agentdesk.domain.text import one_line, visible
from agentdesk.store import CustomerHistory

STATUS_SYMBOL = {
    "new": "●",
    "open": "●",
    "pending": "◐",
    "on-hold": "◐",
    "solved": "✓",
    "closed": "✓",
}


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def profile_lines(history: CustomerHistory) -> list[str]:
    """The pane's text about the customer, sanitised, one item per line."""
    customer = history.customer
    org = history.organisation
    satisfaction = (
        f"{history.avg_satisfaction:.1f}/5" if history.avg_satisfaction is not None else "—"
    )
    return [
        one_line(str(customer.get("name") or "—"), 60),
        f"✉ {one_line(str(customer.get('email') or '—'), 60)}",
        f"☎ {one_line(str(customer.get('phone') or '—'), 40)}",
        f"Org: {one_line(str(org.get('name')), 50) if org else '—'}",
        f"Tier: {customer.get('tier') or '—'} · since {_date(customer.get('created_at'))}",
        f"Tickets {history.total_tickets} · open {history.open_tickets} · CSAT {satisfaction}",
        f"Last contact: {_date(history.last_contact)}",
    ]


class CustomerPane(Vertical):
    """Shown beside the queue and the ticket; `c` toggles it. `enter` opens a listed ticket."""

    DEFAULT_CSS = """
    CustomerPane {
        width: 44;
        dock: right;
        border-left: tall $customer-border;
        background: $surface;
        padding: 0 1;
    }
    CustomerPane .pane--title { text-style: bold; color: $primary; }
    CustomerPane #customer-profile { height: auto; }
    CustomerPane #customer-tickets { height: 1fr; min-height: 4; border: none; }
    CustomerPane #customer-notes { height: auto; max-height: 8; color: $foreground 80%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_ticket", "Open ticket", show=False, id="customer.open"),
    ]

    class OpenTicket(Message):
        def __init__(self, ticket_id: int) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    def __init__(self, now: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.now = now
        self.customer_id: int | None = None
        self._ticket_ids: list[int] = []

    def compose(self) -> ComposeResult:
        yield Label("Customer", classes="pane--title")
        yield Static(id="customer-profile")
        yield Label("History (newest first)", classes="pane--title")
        yield OptionList(id="customer-tickets")
        yield Label("Notes", classes="pane--title")
        yield Static(id="customer-notes")

    def show_history(self, history: CustomerHistory | None) -> None:
        profile = self.query_one("#customer-profile", Static)
        tickets = self.query_one("#customer-tickets", OptionList)
        notes = self.query_one("#customer-notes", Static)
        tickets.clear_options()
        self._ticket_ids = []
        if history is None:
            self.customer_id = None
            profile.update(Content("No customer"))
            notes.update(Content(""))
            return
        self.customer_id = history.customer.get("id")
        profile.update(Content("\n".join(profile_lines(history))))
        options = []
        for row in history.tickets:
            symbol = STATUS_SYMBOL.get(row.status, "?")
            label = (
                f"{symbol} #{row.id} {row.status:<7} {row.channel:<6} {one_line(row.subject, 60)}"
            )
            options.append(Option(Content(label)))
            self._ticket_ids.append(row.id)
        tickets.add_options(options)
        text = str(history.customer.get("notes") or "").strip()
        notes.update(Content(visible(text, multiline=True, max_chars=2000) if text else "—"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._ticket_ids):
            self.post_message(self.OpenTicket(self._ticket_ids[event.option_index]))

    def action_open_ticket(self) -> None:
        tickets = self.query_one("#customer-tickets", OptionList)
        if tickets.highlighted is not None and tickets.highlighted < len(self._ticket_ids):
            self.post_message(self.OpenTicket(self._ticket_ids[tickets.highlighted]))
