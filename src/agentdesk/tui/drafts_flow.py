"""Sharing the composer's draft for review (`ctrl+r` in the composer) and the reviews list.

The composer's `ctrl+r` (composer focus wins over the app's "sync now", which stays on
`ctrl+r` elsewhere and in the palette) asks for a reviewer and records `draft.share` with
the composer text; sharing again on the same ticket re-shares the same draft (new text,
more reviewers). On a backend without the SHARED_DRAFTS capability (Request Tracker) the key
says so in one line. `R` opens the reviews list (`screens.reviews`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentdesk.domain.ids import uuid7
from agentdesk.domain.text import one_line
from agentdesk.store import StoreError, draft_queries
from agentdesk.sync.backend import Capability
from agentdesk.tui.screens.dialogs import ChoiceDialog

if TYPE_CHECKING:
    from agentdesk.tui.screens.ticket import TicketScreen

NOT_SUPPORTED = "Shared drafts are not available on this backend"


def supported(app: Any) -> bool:
    engine = app.engine
    if engine is None:
        return True  # offline mode: the share queues for whatever backend this profile has
    return Capability.SHARED_DRAFTS in getattr(engine.backend, "capabilities", frozenset())


def share_from_composer(screen: TicketScreen) -> None:
    app: Any = screen.app
    if not supported(app):
        app.notify(NOT_SUPPORTED, severity="warning")
        return
    composer = screen.composer
    body = composer.text_area.text
    if not body.strip():
        app.notify("Nothing to share: the draft is empty", severity="warning")
        return
    me = app.cache.agent_id
    choices = [
        (one_line(str(agent["name"]), 60), int(agent["id"]))
        for agent in app.cache.agents()
        if agent["id"] != me and agent.get("active", True)
    ]
    if not choices:
        app.notify("No other agents to share the draft with", severity="warning")
        return
    ticket_id, public = screen.ticket_id, composer.kind == "reply"

    def chosen(reviewer: int | None) -> None:
        if reviewer is None:
            return
        share(app, ticket_id, body, public, reviewer)

    app.push_screen(ChoiceDialog("Share the draft for review with", choices), chosen)


def share(app: Any, ticket_id: int, body: str, public: bool, reviewer: int) -> str | None:
    """Record the share (re-using my open draft on the ticket); returns the draft id."""
    existing = draft_queries.open_draft_on(app.cache, ticket_id, app.cache.agent_id)
    draft_id = existing["id"] if existing else uuid7()
    args = {
        "id": draft_id,
        "ticket_id": ticket_id,
        "body": body,
        "public": public,
        "reviewer_ids": [reviewer],
    }
    try:
        app.cache.record_mutation("draft.share", args)
    except (StoreError, ValueError) as exc:
        app.notify(one_line(str(exc), 200), severity="error", markup=False)
        return None
    app.notify(f"Draft shared with {app.agent_name(reviewer)} for review", markup=False)
    app.after_write()
    return draft_id


def open_reviews(app: Any) -> None:
    if not supported(app):
        app.notify(NOT_SUPPORTED, severity="warning")
        return
    from agentdesk.tui.screens.reviews import ReviewsScreen

    if not isinstance(app.screen, ReviewsScreen):
        app.push_screen(ReviewsScreen())
