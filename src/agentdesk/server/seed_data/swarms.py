"""Case swarms on hard tickets: the owner's ask, the room's chatter, the outcome.

Same placeholders as `scenarios` (filled with the ticket's values). Only scenarios listed in
`SWARMS` get swarms.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SwarmScript:
    asks: tuple[str, ...]
    lines: tuple[str, ...]  # what the experts say (with `GENERIC_LINES`)
    outcomes: tuple[str, ...]


SWARMS: dict[str, SwarmScript] = {
    "outage": SwarmScript(
        asks=(
            "Customer at {company} is down since {hours} ({region}). Can someone confirm the "
            "blast radius and give me an ETA I can share?",
            "Is the {region} incident still ongoing? This customer gets {error} on every request.",
        ),
        lines=(
            "Checked the logs for {region}: the errors started at {hours}.",
            "It's INC-{count}, engineering is failing over now.",
        ),
        outcomes=(
            "Incident INC-{count} in {region} confirmed and resolved; customer got the status "
            "page link and the post-mortem promise.",
        ),
    ),
    "api": SwarmScript(
        asks=(
            "Their integration gets {error} since {date}, about {count} times an hour. Anyone "
            "seen this after the last deploy?",
            "Webhooks to this customer fail since {date}. Need someone who knows the delivery "
            "queue.",
        ),
        lines=(
            "Can you ask them for a request id of a failed call? Then I can trace it.",
            "Nothing on our side for that account; I think it's their proxy.",
            "The deploy on {date} changed the gateway timeouts, that fits.",
        ),
        outcomes=(
            "Root cause: {error} after the deploy on {date}; rolled back, fixed for good in "
            "{app_version}. Customer informed.",
            "Customer-side proxy stripped the auth header; sent them the allow-list. Works again.",
        ),
    ),
    "bug": SwarmScript(
        asks=(
            "Can't reproduce the crash in {feature} on {os} ({app_version}). Ideas before I "
            "file it?",
            "Customer sends a screen recording of {feature} freezing. Is this ENG-{count}?",
        ),
        lines=(
            "I saw the same thing on another ticket this morning; linked it to ENG-{count}.",
            "Known issue in {app_version}; the fix rolls out today.",
            "Ask them to export the logs from Settings > Help, I'll read them.",
        ),
        outcomes=(
            "Known issue ENG-{count}; workaround given, customer added to the affected list.",
            "Reproduced with their data; fix shipped in {app_version}. Customer confirmed.",
        ),
    ),
    "performance": SwarmScript(
        asks=("{feature} is slow for this customer in {region}, over a minute. Us or them?",),
        lines=(
            "Can you ask them for a HAR file from {browser}? That would settle it.",
            "p95 for big accounts in {region} doubled since {date}; it's us.",
        ),
        outcomes=(
            "Slow query behind {feature} for large accounts; index added, loads in 2 s again.",
        ),
    ),
    "billing-dispute": SwarmScript(
        asks=(
            "Double charge of {amount} and the customer threatens a chargeback. Who can approve "
            "a refund today?",
            "Invoice {invoice} bills {count} seats; the admin console shows far fewer. Help?",
        ),
        lines=(
            "The payment provider shows two captures, so it's real. Refund it.",
            "I'd offer a goodwill credit of {amount} on top, that's within policy.",
        ),
        outcomes=(
            "Refund of {amount} approved by the billing lead; customer informed, chargeback "
            "withdrawn.",
            "Seat count corrected and credit note CN-{count} issued for invoice {invoice}.",
        ),
    ),
    "two-factor": SwarmScript(
        asks=(
            "2FA reset request from a new country ({city}). Identity checks pass but it feels "
            "odd; second opinion?",
        ),
        lines=(
            "The sign-in logs show attempts from {city} too; let's do a phone callback first.",
            "Card check matches the last order, {order}. Looks like the real owner.",
        ),
        outcomes=(
            "Verified by phone callback; 2FA reset, customer re-enrolled with backup codes.",
            "Callback failed and the card check did not match: reset refused, account secured.",
        ),
    ),
    "login": SwarmScript(
        asks=("Whole team at {company} locked out with '{error}' after {app_version}. Known?",),
        lines=(
            "Their SSO certificate expired yesterday, that's the '{error}'.",
            "Several companies on {app_version} report the same; linked ENG-{count}.",
        ),
        outcomes=("SSO certificate rotated on their side; re-imported, the team is back in.",),
    ),
    "damaged-item": SwarmScript(
        asks=(
            "Third damaged {product} for this customer. Can logistics check the packing at the "
            "{city} warehouse?",
        ),
        lines=(
            "Warehouse confirms the packing line changed last week; we're fixing it.",
            "{courier} opened a claim for us, no need to wait for it.",
        ),
        outcomes=("Packing issue at the {city} warehouse; replacement sent, process fixed.",),
    ),
    "gdpr": SwarmScript(
        asks=("Erasure request, but there is an open chargeback on the account. What wins?",),
        lines=(
            "Legal says we keep the payment records while the dispute runs.",
            "Everything else can go now; I'll start the erasure job.",
        ),
        outcomes=(
            "Legal: erase now except the payment records under the dispute; customer told why.",
        ),
    ),
}

# What any expert may say in the room, besides the scenario's own lines.
GENERIC_LINES: tuple[str, ...] = (
    "Looking now.",
    "On it, give me five minutes.",
    "Approved on my side, go ahead.",
    "Good catch. Let me check one thing first.",
)
OWNER_LINES: tuple[str, ...] = (
    "Thanks! I'll update the customer.",
    "That matches what they describe.",
    "Asked them; waiting for their answer.",
    "Great, that's what I needed.",
)
CLOSING_LINE = "Customer confirms it's sorted. Thanks all, closing the swarm."
