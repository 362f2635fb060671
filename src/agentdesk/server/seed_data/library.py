"""The team's shared library: groups, SLA policies, canned responses and saved views."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentdesk.domain.enums import Priority, Status, Tier

GROUPS: tuple[tuple[str, str], ...] = (
    ("Billing", "Payments, refunds, invoices and disputes"),
    ("Technical", "Bugs, outages, API and performance"),
    ("Logistics", "Deliveries, returns, damaged and wrong items"),
    ("Accounts", "Login, two-factor, privacy and subscriptions"),
)

# Skills an agent of each group may have (scenario skills plus languages, see scenarios).
GROUP_SKILLS: dict[str, tuple[str, ...]] = {
    "Billing": ("refunds", "disputes", "invoices", "payments", "sales"),
    "Technical": ("bugs", "outages", "api", "performance", "product"),
    "Logistics": ("shipping", "returns"),
    "Accounts": ("login", "security", "privacy", "retention"),
}
LANGUAGE_SKILLS: tuple[str, ...] = ("german", "french", "spanish", "dutch", "italian")


def _targets(*rows: tuple[Priority, int, int]) -> dict[str, dict[str, int]]:
    return {p.value: {"first_reply": fr, "resolution": res} for p, fr, res in rows}


_H, _D = 60, 24 * 60

# (name, tier, targets in minutes). Tier None: the default policy.
SLA_POLICIES: tuple[tuple[str, Tier | None, dict[str, dict[str, int]]], ...] = (
    (
        "Standard",
        Tier.STANDARD,
        _targets(
            (Priority.URGENT, 1 * _H, 8 * _H),
            (Priority.HIGH, 4 * _H, 1 * _D),
            (Priority.NORMAL, 8 * _H, 3 * _D),
            (Priority.LOW, 1 * _D, 7 * _D),
        ),
    ),
    (
        "Premium",
        Tier.PREMIUM,
        _targets(
            (Priority.URGENT, 30, 4 * _H),
            (Priority.HIGH, 2 * _H, 12 * _H),
            (Priority.NORMAL, 4 * _H, 2 * _D),
            (Priority.LOW, 12 * _H, 4 * _D),
        ),
    ),
    (
        "Enterprise",
        Tier.ENTERPRISE,
        _targets(
            (Priority.URGENT, 15, 2 * _H),
            (Priority.HIGH, 1 * _H, 8 * _H),
            (Priority.NORMAL, 2 * _H, 1 * _D),
            (Priority.LOW, 8 * _H, 3 * _D),
        ),
    ),
    (
        "Default",
        None,
        _targets(
            (Priority.URGENT, 1 * _H, 8 * _H),
            (Priority.HIGH, 4 * _H, 1 * _D),
            (Priority.NORMAL, 8 * _H, 3 * _D),
            (Priority.LOW, 1 * _D, 7 * _D),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Canned:
    title: str
    category: str
    body: str  # Liquid
    tags: tuple[str, ...] = ()
    actions: dict[str, Any] = field(default_factory=dict)


_HI = "Hi {{ customer.first_name }},\n\n"
_BYE = "\n\nBest regards,\n{{ agent.signature }}"


def _c(
    title: str,
    category: str,
    text: str,
    tags: tuple[str, ...] = (),
    **actions: Any,
) -> Canned:
    return Canned(title, category, _HI + text + _BYE, tags, dict(actions))


_SOLVED = Status.SOLVED.value
_PENDING = Status.PENDING.value

CANNED_RESPONSES: tuple[Canned, ...] = (
    _c(
        "Greeting and acknowledgement",
        "General",
        "Thank you for contacting {{ customer.organisation | default: 'Northwind' }} support. "
        "I have picked up your request (ticket #{{ ticket.id }}) and will get back to you today.",
    ),
    _c(
        "Ask for more details",
        "General",
        'Thanks for reaching out about "{{ ticket.subject }}". To look into this I need a '
        "few more details: what you did just before the problem, and a screenshot if possible.",
        status=_PENDING,
    ),
    _c(
        "Closing: solved",
        "General",
        "I am glad we could sort this out. I will mark ticket #{{ ticket.id }} as solved; just "
        "reply to this email if anything comes up again.",
        status=_SOLVED,
    ),
    _c(
        "Follow-up: no answer",
        "General",
        'I have not heard back from you about "{{ ticket.subject }}". If you still need help, '
        "just reply and the ticket reopens. Otherwise it closes automatically in 3 days.",
        status=_PENDING,
    ),
    _c(
        "Transfer to another team",
        "General",
        "I have passed your request to the right team; they will reply directly, usually "
        "within one business day.",
    ),
    _c(
        "Apology for the wait",
        "General",
        "I am sorry it took us this long to reply. We had an unusually high number of requests "
        "this week, and your ticket #{{ ticket.id }} is now my priority.",
    ),
    _c(
        "Refund issued",
        "Billing",
        "I have issued your refund. It normally shows on your statement within 3 to 5 business "
        "days, depending on your bank.",
        ("refund",),
        status=_SOLVED,
        add_tags=["refund"],
    ),
    _c(
        "Refund: return first",
        "Billing",
        "We can refund this order as soon as the item is back with us. I have emailed you a "
        "prepaid return label; the refund starts the day the parcel reaches our warehouse.",
        ("refund", "return"),
        status=_PENDING,
        add_tags=["refund", "return"],
    ),
    _c(
        "Duplicate charge refunded",
        "Billing",
        "You were charged twice, and I am sorry about that. The duplicate payment has been "
        "refunded in full.",
        ("billing",),
        status=_SOLVED,
        add_tags=["billing", "dispute"],
    ),
    _c(
        "Invoice copy attached",
        "Billing",
        "Please find the requested invoice attached. You can download every invoice for "
        "{{ customer.organisation | default: 'your account' }} under Account > Billing.",
        ("invoice",),
        status=_SOLVED,
        add_tags=["invoice"],
    ),
    _c(
        "Payment declined by bank",
        "Billing",
        "Our payment provider reports that your bank declined the payment. Please contact your "
        "bank or try another card; nothing has been charged.",
        ("payment",),
        add_tags=["payment"],
    ),
    _c(
        "Upgrade is prorated",
        "Billing",
        "Upgrading is prorated: you only pay the difference for the rest of the current period. "
        "You can upgrade any time under Account > Plan.",
        ("upgrade",),
    ),
    _c(
        "Cancellation confirmed",
        "Billing",
        "Your subscription is cancelled and will not renew. You keep access until the end of "
        "the current period, and your data stays available for 30 days.",
        ("cancellation",),
        status=_SOLVED,
        add_tags=["cancellation"],
    ),
    _c(
        "Retention offer",
        "Billing",
        "Before you go: we would like to offer {{ customer.organisation | default: 'you' }} "
        "20% off for the next 6 months. Just reply to accept.",
        ("cancellation", "churn-risk"),
        add_tags=["churn-risk"],
        priority=Priority.HIGH.value,
    ),
    _c(
        "Delivery delayed: investigating",
        "Logistics",
        "I am sorry your order is late. I have opened an investigation with the courier and "
        "will update you within 48 hours.",
        ("delivery",),
        status=_PENDING,
        add_tags=["delivery", "late"],
    ),
    _c(
        "Replacement shipped",
        "Logistics",
        "A replacement is on its way by express delivery. You will receive the tracking number "
        "by email shortly.",
        ("delivery", "damaged"),
        status=_SOLVED,
    ),
    _c(
        "Return label",
        "Logistics",
        "Here is your prepaid return label. Drop the parcel at any courier point within 14 "
        "days; the refund starts when it reaches us.",
        ("return",),
        status=_PENDING,
        add_tags=["return"],
    ),
    _c(
        "Damaged item: photos please",
        "Logistics",
        "I am sorry your item arrived damaged. Could you send a photo of the item and of the "
        "box? Then I can arrange a replacement right away.",
        ("damaged",),
        status=_PENDING,
        add_tags=["damaged"],
    ),
    _c(
        "Address changed",
        "Logistics",
        "I have updated the delivery address on your order. The label was not printed yet, so "
        "the parcel goes straight to the new address.",
        ("address-change",),
        status=_SOLVED,
        add_tags=["address-change"],
    ),
    _c(
        "Wrong item: we will fix it",
        "Logistics",
        "I am sorry we sent the wrong item. The correct one ships today, and a prepaid label for "
        "the wrong one is in your inbox.",
        ("wrong-item",),
        add_tags=["wrong-item", "return"],
    ),
    _c(
        "Password reset sent",
        "Accounts",
        "I have sent a password reset link to the email address on your account. It is valid "
        "for 30 minutes; please check your spam folder too.",
        ("login",),
        status=_PENDING,
        add_tags=["login"],
    ),
    _c(
        "Account unlocked",
        "Accounts",
        "Your account was locked after several failed sign-in attempts. I have unlocked it; you "
        "can sign in again now.",
        ("login",),
        status=_SOLVED,
    ),
    _c(
        "2FA: identity check",
        "Accounts",
        "To protect your account we need to verify your identity before resetting two-factor "
        "authentication. Please reply with the last 4 digits of the card on file and your "
        "most recent order number.",
        ("2fa", "security"),
        status=_PENDING,
        add_tags=["2fa", "security"],
    ),
    _c(
        "2FA reset done",
        "Accounts",
        "Two-factor authentication is reset. At your next sign-in you will be asked to set it "
        "up again; please store the backup codes somewhere safe.",
        ("2fa",),
        status=_SOLVED,
    ),
    _c(
        "GDPR request received",
        "Accounts",
        "We have received your data protection request and will complete it within 30 days, as "
        "the law requires. We will confirm in writing once it is done.",
        ("gdpr", "privacy"),
        add_tags=["gdpr", "privacy"],
        priority=Priority.HIGH.value,
    ),
    _c(
        "GDPR erasure complete",
        "Accounts",
        "Your personal data has been erased. Invoices are kept, restricted, for as long as tax "
        "law requires.",
        ("gdpr",),
        status=_SOLVED,
    ),
    _c(
        "Bug reproduced",
        "Technical",
        "Thank you for the detailed report. I reproduced the problem and passed it to our "
        "engineers. I will keep ticket #{{ ticket.id }} open and update you when a fix ships.",
        ("bug",),
        status=Status.ON_HOLD.value,
        add_tags=["bug"],
    ),
    _c(
        "Bug: please send logs",
        "Technical",
        "Could you export the app logs (Settings > Help > Export logs) and attach them to this "
        "ticket? They will show us exactly what happens before the error.",
        ("bug",),
        status=_PENDING,
    ),
    _c(
        "Fix released",
        "Technical",
        'The fix for "{{ ticket.subject }}" is included in today\'s update. Please update the '
        "app and let me know if anything is still off.",
        ("bug",),
        status=_SOLVED,
    ),
    _c(
        "Outage acknowledged",
        "Technical",
        "We are aware of an incident affecting our service and our engineers are working on "
        "it. Live updates are on our status page.",
        ("outage", "incident"),
        priority=Priority.URGENT.value,
        add_tags=["outage", "incident"],
    ),
    _c(
        "Outage resolved",
        "Technical",
        "The incident is resolved and everything is back to normal. We are sorry for the "
        "disruption to {{ customer.organisation | default: 'your team' }}; a full report "
        "follows within 5 business days.",
        ("outage",),
        status=_SOLVED,
    ),
    _c(
        "Feature request logged",
        "Technical",
        "Thanks for the suggestion! I have shared it with our product team and added "
        "{{ customer.organisation | default: 'you' }} to the list of customers asking for it.",
        ("feature-request",),
        status=_SOLVED,
        add_tags=["feature-request"],
        priority=Priority.LOW.value,
    ),
    _c(
        "API: send request ids",
        "Technical",
        "To trace the failing API calls, please send us the `X-Request-Id` header of two or "
        "three failed responses and the time they happened (with time zone).",
        ("api",),
        status=_PENDING,
        add_tags=["api"],
    ),
    _c(
        "Slow performance: diagnostics",
        "Technical",
        "Could you run the network test under Help > Diagnostics and paste the result here? "
        "It tells us whether the slowness is on the network or on our side.",
        ("performance",),
        status=_PENDING,
        add_tags=["performance"],
    ),
    Canned(
        "Internal: escalate to lead",
        "Internal",
        "Escalating #{{ ticket.id }} ({{ ticket.subject }}): customer of "
        "{{ customer.organisation | default: 'no organisation' }} needs a decision above my "
        "level. -- {{ agent.first_name }}",
        ("escalation",),
        {"priority": Priority.HIGH.value, "add_tags": ["escalated"]},
    ),
)

# (name, query in the store's filter syntax, sort). All shared (owner None). They add to the
# store's built-in views (my open, unassigned, breaching within 1 h, pending, all open).
SAVED_VIEWS: tuple[tuple[str, str, str], ...] = (
    ("Breached", "sla:breached", "sla"),
    ("Urgent and high", "prio:urgent,high status:new,open", "sla"),
    ("VIP customers", "tag:vip status:new,open,pending,on-hold", "sla"),
    ("Escalated", "tag:escalated -status:solved -status:closed", "sla"),
    ("Refunds", "tag:refund status:new,open,pending", "sla"),
    ("Outages", "tag:outage", "-created"),
    ("Social media", "channel:social status:new,open", "sla"),
    ("On hold", "status:on-hold", "-updated"),
    ("Billing queue", "group:Billing status:new,open", "sla"),
    ("Recently solved", "status:solved", "-updated"),
)
