"""The kinds of tickets a support desk sees, as text templates.

Templates are `str.format` strings over the placeholders of `tickets.Placeholders`:
`{first}` (customer first name), `{order}`, `{product}`, `{amount}`, `{date}`, `{invoice}`,
`{plan}`, `{other_plan}`, `{courier}`, `{tracking}`, `{last4}`, `{error}`, `{browser}`,
`{os}`, `{feature}`, `{city}`, `{street}`, `{days}`, `{company}`, `{app_version}`,
`{count}`, `{region}`, `{hours}`, `{account}` (the organisation, or "your account":
for agents' words; `{company}` is the customer's own words).
Agent replies are wrapped in a greeting and the agent's signature; customer messages in a
channel-specific frame (see `tickets`).
"""

from __future__ import annotations

from dataclasses import dataclass

from agentdesk.domain.enums import Channel, Priority

BRAND = "Northwind"


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    group: str  # the team that owns it (see library.GROUPS)
    skill: str  # the agent skill that matches it
    tags: tuple[str, ...]
    weight: float  # relative frequency
    priorities: dict[Priority, float]
    channels: dict[Channel, float]
    subjects: tuple[str, ...]
    openings: tuple[str, ...]  # the customer's first message
    follow_ups: tuple[str, ...]  # the customer writes again
    replies: tuple[str, ...]  # an agent's first public answer
    resolutions: tuple[str, ...]  # the agent's closing answer
    notes: tuple[str, ...]  # internal notes


_P_NORMAL = {Priority.LOW: 0.15, Priority.NORMAL: 0.6, Priority.HIGH: 0.2, Priority.URGENT: 0.05}
_P_HIGH = {Priority.LOW: 0.02, Priority.NORMAL: 0.38, Priority.HIGH: 0.45, Priority.URGENT: 0.15}
_P_LOW = {Priority.LOW: 0.5, Priority.NORMAL: 0.45, Priority.HIGH: 0.05}
_P_URGENT = {Priority.NORMAL: 0.1, Priority.HIGH: 0.4, Priority.URGENT: 0.5}

_C_SHOP = {
    Channel.EMAIL: 0.45,
    Channel.CHAT: 0.25,
    Channel.WEB: 0.15,
    Channel.PHONE: 0.1,
    Channel.SOCIAL: 0.05,
}
_C_ACCOUNT = {
    Channel.EMAIL: 0.4,
    Channel.CHAT: 0.3,
    Channel.PHONE: 0.15,
    Channel.WEB: 0.1,
    Channel.SOCIAL: 0.05,
}
_C_TECH = {Channel.EMAIL: 0.5, Channel.WEB: 0.3, Channel.CHAT: 0.15, Channel.PHONE: 0.05}
_C_LOUD = {
    Channel.SOCIAL: 0.3,
    Channel.EMAIL: 0.3,
    Channel.CHAT: 0.2,
    Channel.PHONE: 0.15,
    Channel.WEB: 0.05,
}

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        key="refund",
        group="Billing",
        skill="refunds",
        tags=("refund",),
        weight=9,
        priorities=_P_NORMAL,
        channels=_C_SHOP,
        subjects=(
            "Refund for order {order}",
            "Where is my refund?",
            "Requesting a refund - {product}",
            "Refund not received after {days} days",
            "Please refund {amount}",
            "Money back for returned {product}",
        ),
        openings=(
            "I sent back the {product} from order {order} on {date} and still have not seen "
            "the refund of {amount} on my card ending {last4}. Can you check what is going on?",
            "The {product} did not meet my expectations, so I would like a refund for order "
            "{order}. It is unused and still in the original box.",
            "Your courier confirmed the return of order {order} arrived at your warehouse "
            "{days} days ago. The refund of {amount} is still missing.",
            "I was told a refund of {amount} would be processed within 5 business days. That was "
            "on {date}. Nothing has arrived yet.",
        ),
        follow_ups=(
            "Any news on the refund? It has now been {days} days.",
            "I checked with my bank and there is nothing pending from {brand}.",
            "Could you send me a confirmation that the refund was issued?",
        ),
        replies=(
            "I am sorry the refund for order {order} is taking this long. I can see the return "
            "arrived on {date}; I have asked our finance team to release the {amount} today.",
            "thanks for your patience. Our records show the refund of {amount} was issued to the "
            "card ending {last4}. Banks usually need 3 to 5 business days to show it.",
            "I have started the refund for order {order}. You will get a confirmation email "
            "within the hour, and the {amount} should reach your account within a week.",
        ),
        resolutions=(
            "the refund of {amount} for order {order} has been processed. You should see it "
            "on your statement within 3 to 5 business days.",
            "good news: finance confirmed the refund went out today. I will close this ticket "
            "now, but just reply if it does not show up by the end of the week.",
        ),
        notes=(
            "Return scanned at the warehouse on {date}. Refund approved, {amount} to card {last4}.",
            "Customer has had 3 refunds this year; approved this one, flag if it happens again.",
            "Finance ticket FIN-{count} raised for the manual refund.",
        ),
    ),
    Scenario(
        key="late-delivery",
        group="Logistics",
        skill="shipping",
        tags=("delivery", "late"),
        weight=10,
        priorities=_P_NORMAL,
        channels=_C_SHOP,
        subjects=(
            "Order {order} has not arrived",
            "Where is my package?",
            "Delivery late - order {order}",
            "Tracking {tracking} has not moved in {days} days",
            "Still waiting for my {product}",
            "Parcel stuck with {courier}",
        ),
        openings=(
            "I ordered the {product} on {date} (order {order}) and it still has not arrived. "
            "The {courier} tracking {tracking} has said 'in transit' for {days} days.",
            "My order {order} was supposed to arrive on {date}. I need it for a trip this "
            "weekend. Can you tell me where it is?",
            "The tracking page for {tracking} shows the parcel at the {city} depot since "
            "{date}. Nobody at {courier} can tell me anything.",
            "Hello, still no sign of order {order}. It was marked as shipped {days} days ago.",
        ),
        follow_ups=(
            "Still nothing. This is getting really frustrating.",
            "The tracking now says 'delivery exception'. What does that mean?",
            "If it does not arrive by Friday I would like to cancel and get my money back.",
        ),
        replies=(
            "I am sorry order {order} is late. I have opened an investigation with {courier} "
            "for tracking {tracking}; they normally answer within 48 hours.",
            "I checked with {courier}: your parcel was held at the {city} depot because of a "
            "sorting backlog. It is back on its way and should reach you within 2 days.",
            "thanks for letting us know. If the parcel does not move by tomorrow I will send a "
            "replacement {product} by express at no cost.",
        ),
        resolutions=(
            "{courier} confirmed delivery of order {order} this morning. I hope you enjoy the "
            "{product}!",
            "I have shipped a replacement {product} by express (new tracking {tracking}). "
            "Please refuse the original parcel if it still turns up.",
        ),
        notes=(
            "Courier claim opened with {courier}, reference CLM-{count}.",
            "Depot {city} had a backlog this week, several similar tickets.",
            "Approved express replacement, cost centre LOG-{count}.",
        ),
    ),
    Scenario(
        key="login",
        group="Accounts",
        skill="login",
        tags=("login", "account"),
        weight=8,
        priorities=_P_HIGH,
        channels=_C_ACCOUNT,
        subjects=(
            "Can't log in",
            "Login not working since update {app_version}",
            "Locked out of my account",
            "Password reset email never arrives",
            "Error '{error}' when signing in",
        ),
        openings=(
            "Since this morning I cannot log in to my account. The app says '{error}' after I "
            "enter my password. I am using {browser} on {os}.",
            "I reset my password twice but the reset email never arrives. I checked spam too.",
            "My account is locked after too many attempts. I need access today to download "
            "the invoice for {company}.",
            "After updating the app to {app_version} it logs me out every few minutes.",
        ),
        follow_ups=(
            "Still cannot get in. Is there an outage?",
            "I tried another browser, same problem.",
            "Please hurry, my whole team at {company} is blocked.",
        ),
        replies=(
            "I am sorry you are locked out. I have unlocked your account and sent a fresh "
            "password reset link; it is valid for 30 minutes.",
            "thanks for the details. The '{error}' message usually means a stale session. "
            "Could you clear cookies for our site in {browser} and try again?",
            "I can see the reset emails bounced at your mail server. I have whitelisted the "
            "address; please try the reset once more.",
        ),
        resolutions=(
            "glad you are back in! I will close this ticket now.",
            "the fix for the logout loop is in version {app_version}, which is rolling out "
            "today. Your account works again.",
        ),
        notes=(
            "Auth logs show {count} failed attempts from {city}; lockout was automatic.",
            "Same '{error}' reported by several users after {app_version}, linked to ENG-{count}.",
            "Verified identity with the last 4 digits of the card ({last4}) before unlocking.",
        ),
    ),
    Scenario(
        key="bug",
        group="Technical",
        skill="bugs",
        tags=("bug",),
        weight=7,
        priorities=_P_NORMAL,
        channels=_C_TECH,
        subjects=(
            "Bug: {feature} crashes",
            "{feature} shows wrong numbers",
            "App {app_version} freezes on {os}",
            "Error {error} when using {feature}",
            "Something broke in {feature}",
        ),
        openings=(
            "When I open {feature} in the app (version {app_version}, {os}) it crashes right "
            "away. Steps: log in, tap {feature}, wait two seconds.",
            "The totals in {feature} do not add up: it shows {count} items but the list has "
            "fewer. Screenshot attached.",
            "I get error {error} every time I try to save in {feature}. This started on {date}.",
            "Since the last update the app freezes on {os} whenever I switch to {feature}.",
        ),
        follow_ups=(
            "Here is a screen recording of the problem.",
            "It also happens on my colleague's laptop.",
            "Any ETA for a fix? We rely on {feature} every day.",
        ),
        replies=(
            "thank you for the clear steps. I reproduced the crash in {feature} on {os} and "
            "passed it to our engineers as ENG-{count}.",
            "I am sorry about this. Could you send the log file from Settings > Help > Export "
            "logs? It will show us what happens before error {error}.",
            "our engineers know about this issue in {app_version}; a workaround until the fix "
            "ships is to turn off offline mode in {feature}.",
        ),
        resolutions=(
            "the fix is included in version {app_version}, out today. Please update and let me "
            "know if anything is still off.",
            "engineering confirmed the bug is fixed on our side; no update needed. Thanks again "
            "for the report!",
        ),
        notes=(
            "Reproduced on {os}, app {app_version}. Filed ENG-{count}.",
            "Duplicate of ENG-{count}; added this customer to the affected list.",
            "Logs show a timeout from the {region} cluster before {error}.",
        ),
    ),
    Scenario(
        key="billing-dispute",
        group="Billing",
        skill="disputes",
        tags=("billing", "dispute"),
        weight=5,
        priorities=_P_HIGH,
        channels=_C_ACCOUNT,
        subjects=(
            "Charged twice for {plan}",
            "Unexpected charge of {amount}",
            "Invoice {invoice} is wrong",
            "Why was I billed {amount}?",
            "Dispute: charge on {date}",
        ),
        openings=(
            "I was charged {amount} twice on {date} for the {plan} plan. Please refund the "
            "duplicate charge on the card ending {last4}.",
            "Invoice {invoice} bills us for {count} seats but {company} only has a handful of "
            "users. Please correct it.",
            "There is a charge of {amount} from {brand} on my statement that I do not "
            "recognise. I cancelled my subscription months ago.",
            "We were moved from {other_plan} to {plan} without asking. The invoice is {amount}.",
        ),
        follow_ups=(
            "I will have to dispute this with my bank if I do not hear back this week.",
            "Attached is the bank statement showing both charges.",
            "Our finance department needs a corrected invoice before month end.",
        ),
        replies=(
            "I am sorry about the double charge. I can see two payments of {amount} on {date}; "
            "I have refunded the second one.",
            "thanks for flagging invoice {invoice}. I am checking the seat count with our "
            "billing team and will send a corrected invoice.",
            "I looked into the {amount} charge: it is the annual renewal of the {plan} plan. "
            "If you did not mean to renew, I can cancel and refund it in full.",
        ),
        resolutions=(
            "the corrected invoice {invoice} is attached and the difference of {amount} has been "
            "credited to your account.",
            "the duplicate charge of {amount} has been refunded. Sorry again for the trouble.",
        ),
        notes=(
            "Payment provider shows a retry after a timeout; both captures went through.",
            "Seat count per admin console is lower than billed; credit note CN-{count} issued.",
            "Chargeback threat: handle today. Approved full refund up to {amount}.",
        ),
    ),
    Scenario(
        key="cancellation",
        group="Accounts",
        skill="retention",
        tags=("cancellation", "churn-risk"),
        weight=5,
        priorities=_P_NORMAL,
        channels=_C_ACCOUNT,
        subjects=(
            "Cancel my subscription",
            "Please cancel {plan} plan",
            "How do I close my account?",
            "Stop the renewal on {date}",
        ),
        openings=(
            "Please cancel my {plan} subscription before it renews on {date}. We no longer "
            "need it at {company}.",
            "I want to cancel. The price went up to {amount} and it is not worth it for us.",
            "I cannot find the cancel button in the app. Please stop my subscription.",
        ),
        follow_ups=(
            "Can you confirm the cancellation in writing?",
            "I do not want a discount, just cancel it please.",
        ),
        replies=(
            "I am sorry to see you go. Before I cancel: we can move you to the {other_plan} "
            "plan at a lower price, keeping all your data. Would that help?",
            "I have scheduled the cancellation of your {plan} plan for {date}; you keep access "
            "until then and will not be charged again.",
        ),
        resolutions=(
            "your subscription is cancelled and will not renew. Your data stays available for "
            "30 days if you change your mind.",
            "great that the {other_plan} plan works for you. The change applies from your next "
            "invoice.",
        ),
        notes=(
            "Retention offer: 20% off {other_plan} for 6 months, approved by team lead.",
            "Churn reason: price increase. Logged for the quarterly review.",
        ),
    ),
    Scenario(
        key="address-change",
        group="Logistics",
        skill="shipping",
        tags=("address-change",),
        weight=4,
        priorities={Priority.NORMAL: 0.5, Priority.HIGH: 0.45, Priority.URGENT: 0.05},
        channels=_C_SHOP,
        subjects=(
            "Change delivery address for {order}",
            "Wrong address on order {order}",
            "I moved - please update shipping address",
            "Ship {order} to {city} instead",
        ),
        openings=(
            "I just noticed order {order} is going to my old address. Please ship it to "
            "{street}, {city} instead.",
            "Can you change the delivery address of order {order}? I will be at {street}, "
            "{city} all next week.",
            "I made a typo in the street name for order {order}. The correct address is "
            "{street}, {city}.",
        ),
        follow_ups=(
            "The tracking still shows the old address, did the change go through?",
            "It is urgent, the parcel ships tomorrow.",
        ),
        replies=(
            "I have updated order {order} to ship to {street}, {city}. The label has not been "
            "printed yet, so the change is in time.",
            "the parcel has already left our warehouse, so I have asked {courier} to redirect "
            "it to {street}, {city}. They confirm within a day.",
        ),
        resolutions=(
            "{courier} confirmed the redirect; your parcel now goes to {city}.",
            "the new address is saved on your account and on order {order}.",
        ),
        notes=(
            "Redirect requested via the {courier} portal, fee waived.",
            "Address verified against the postcode database before changing.",
        ),
    ),
    Scenario(
        key="damaged-item",
        group="Logistics",
        skill="returns",
        tags=("damaged", "return"),
        weight=5,
        priorities=_P_NORMAL,
        channels=_C_SHOP,
        subjects=(
            "{product} arrived broken",
            "Damaged item in order {order}",
            "Box crushed, {product} cracked",
            "Received a damaged {product}",
        ),
        openings=(
            "The {product} from order {order} arrived today with a cracked housing. The box was "
            "crushed on one side. Photos attached.",
            "My {product} does not turn on and there is a rattle inside. I think it was damaged "
            "in transit.",
            "Order {order} arrived but the {product} screen is shattered. I would like a "
            "replacement, not a refund.",
        ),
        follow_ups=(
            "Here are the photos of the box and the device.",
            "Do I need to send the broken one back?",
        ),
        replies=(
            "I am so sorry the {product} arrived damaged. I have sent a prepaid return label "
            "to your email and ordered a replacement that ships today.",
            "thanks for the photos. No need to return the damaged {product}; please recycle "
            "it. A replacement is on its way with {courier} ({tracking}).",
        ),
        resolutions=(
            "your replacement {product} was delivered. Enjoy, and sorry again for the trouble.",
            "the refund of {amount} for the damaged {product} has been issued.",
        ),
        notes=(
            "Third damaged {product} this month from the {city} warehouse; told the packing lead.",
            "Carrier damage claim filed with {courier}, ref DMG-{count}.",
        ),
    ),
    Scenario(
        key="gdpr",
        group="Accounts",
        skill="privacy",
        tags=("gdpr", "privacy"),
        weight=2,
        priorities={Priority.NORMAL: 0.6, Priority.HIGH: 0.4},
        channels={Channel.EMAIL: 0.7, Channel.WEB: 0.3},
        subjects=(
            "Request to delete my personal data",
            "GDPR data access request",
            "Right to erasure - please confirm",
            "What data do you hold about me?",
        ),
        openings=(
            "Under the GDPR I ask you to delete all personal data you hold about me, including "
            "order history and marketing preferences.",
            "Please send me a copy of all personal data you hold about me (Article 15 GDPR).",
            "I closed my account on {date}. Please confirm my data has been erased.",
        ),
        follow_ups=("The legal deadline is one month. Please confirm you received this request.",),
        replies=(
            "we have received your request and verified your identity. We will complete it "
            "within 30 days, as the law requires, and confirm in writing.",
            "to protect your data we need to confirm it is you: please reply from the email "
            "address on your account.",
        ),
        resolutions=(
            "your personal data has been erased from our systems. Invoices must be kept for "
            "tax reasons for 10 years and are stored restricted.",
            "attached is the export of all personal data we hold about you.",
        ),
        notes=(
            "DSR logged as PRIV-{count}; deadline one month from {date}.",
            "Identity verified. Erasure job queued; billing records exempt (tax law).",
        ),
    ),
    Scenario(
        key="invoice-copy",
        group="Billing",
        skill="invoices",
        tags=("invoice",),
        weight=5,
        priorities=_P_LOW,
        channels={Channel.EMAIL: 0.6, Channel.WEB: 0.25, Channel.CHAT: 0.15},
        subjects=(
            "Copy of invoice {invoice}",
            "Need invoices for {date}",
            "Invoice with VAT number",
            "Please add company name to invoice",
        ),
        openings=(
            "Could you send me a copy of invoice {invoice}? Our accountant needs it.",
            "Please reissue invoice {invoice} with our company name {company} and VAT number.",
            "I need all invoices since {date} as PDF for our year-end closing.",
        ),
        follow_ups=("The PDF link in your email has expired, can you resend?",),
        replies=(
            "here is invoice {invoice} as a PDF. You can also download all invoices under "
            "Account > Billing.",
            "I have reissued invoice {invoice} in the name of {account} with your VAT number.",
        ),
        resolutions=("glad that sorted it. Closing this ticket now.",),
        notes=("Invoice regenerated with the VAT id; the original is voided.",),
    ),
    Scenario(
        key="feature-request",
        group="Technical",
        skill="product",
        tags=("feature-request",),
        weight=4,
        priorities=_P_LOW,
        channels={Channel.EMAIL: 0.4, Channel.WEB: 0.3, Channel.SOCIAL: 0.15, Channel.CHAT: 0.15},
        subjects=(
            "Feature request: dark mode in {feature}",
            "Suggestion for {feature}",
            "Please add export to {feature}",
            "Would love {feature} on {os}",
        ),
        openings=(
            "It would be great if {feature} could export to CSV. We copy {count} rows by hand "
            "every week at {company}.",
            "Any plans for dark mode? I use the app at night and {feature} is very bright.",
            "Please bring {feature} to {os}. It is the only thing keeping our team on the web.",
        ),
        follow_ups=("Is there a public roadmap where I can vote for this?",),
        replies=(
            "thanks for the suggestion! I have shared it with our product team and added "
            "{account} to the list of customers asking for it.",
            "great idea. It is on our roadmap for next quarter; I will let you know when it "
            "reaches beta.",
        ),
        resolutions=(
            "I have logged your request (PRD-{count}). Closing this ticket, but we will email "
            "you when it ships.",
        ),
        notes=("Linked to PRD-{count}, now {count} customers asking.",),
    ),
    Scenario(
        key="outage",
        group="Technical",
        skill="outages",
        tags=("outage", "incident"),
        weight=3,
        priorities=_P_URGENT,
        channels=_C_LOUD,
        subjects=(
            "Service down?",
            "Site not loading - {error}",
            "Outage in {region}?",
            "Nothing works since {hours}",
            "URGENT: whole team cannot work",
        ),
        openings=(
            "Nothing loads since {hours}, we only get {error}. Our whole team at {company} is "
            "blocked. Is there an outage?",
            "Your service has been down for an hour in {region}. Is anyone looking at this?",
            "We get timeouts on every request since {hours}. Status page says all green.",
        ),
        follow_ups=(
            "Still down. We are losing money every minute.",
            "Working again for some users, not for others.",
        ),
        replies=(
            "we are aware of an incident affecting the {region} region since {hours} and our "
            "engineers are working on it. Updates on our status page.",
            "I am sorry for the disruption. The incident is identified and a fix is being "
            "deployed; I will update you as soon as it is resolved.",
        ),
        resolutions=(
            "the incident in {region} is resolved and everything is back to normal. A full "
            "report will follow within 5 business days.",
        ),
        notes=(
            "Linked to incident INC-{count} ({region}). Use the incident macro for updates.",
            "Enterprise customer: account manager informed.",
        ),
    ),
    Scenario(
        key="two-factor",
        group="Accounts",
        skill="security",
        tags=("2fa", "security"),
        weight=3,
        priorities=_P_HIGH,
        channels=_C_ACCOUNT,
        subjects=(
            "Lost phone - need 2FA reset",
            "Two-factor codes not accepted",
            "Reset two-factor authentication",
            "New phone, can't get 2FA codes",
        ),
        openings=(
            "I lost my phone and with it my authenticator app. I cannot log in without the "
            "code. Please reset two-factor on my account.",
            "The 2FA codes from my app are always rejected. The time on my {os} phone is right.",
            "I got a new phone and forgot to move my two-factor codes. I have no backup codes.",
        ),
        follow_ups=("I can send a photo of my ID if that helps.",),
        replies=(
            "for your security we need to verify your identity before resetting two-factor. "
            "Please confirm the last 4 digits of the card on file and your last order number.",
            "thanks, identity confirmed. I have reset two-factor; you will be asked to set it "
            "up again at your next login.",
        ),
        resolutions=("two-factor is set up again on your new phone. Keep those backup codes!",),
        notes=(
            "Identity verified with card {last4} and order {order}. 2FA reset.",
            "Request came from a new country ({city}); verified by phone callback first.",
        ),
    ),
    Scenario(
        key="wrong-item",
        group="Logistics",
        skill="returns",
        tags=("wrong-item", "return"),
        weight=3,
        priorities=_P_NORMAL,
        channels=_C_SHOP,
        subjects=(
            "Wrong item in order {order}",
            "Received something I did not order",
            "Ordered {product}, got something else",
        ),
        openings=(
            "I ordered a {product} but the box from order {order} contains something else "
            "entirely. Please send the right item.",
            "Order {order} arrived with the wrong colour. I ordered black.",
        ),
        follow_ups=("How do I send the wrong item back?",),
        replies=(
            "I am sorry for the mix-up. The correct {product} ships today, and a prepaid label "
            "for the wrong item is in your inbox.",
        ),
        resolutions=("the correct {product} was delivered and we received the return. Thanks!",),
        notes=("Picking error at the {city} warehouse, reported to the shift lead.",),
    ),
    Scenario(
        key="payment-failed",
        group="Billing",
        skill="payments",
        tags=("payment",),
        weight=4,
        priorities=_P_NORMAL,
        channels=_C_ACCOUNT,
        subjects=(
            "Payment declined",
            "Card ending {last4} rejected",
            "Can't pay for {plan}",
            "Payment failed but money taken?",
        ),
        openings=(
            "My card ending {last4} is declined at checkout, but it works everywhere else.",
            "The payment for the {plan} plan failed, but my bank shows {amount} as pending.",
            "I keep getting error {error} when I try to pay for order {order}.",
        ),
        follow_ups=("I tried another card, same problem.",),
        replies=(
            "the pending {amount} is an authorisation that your bank will release within a few "
            "days; you have not been charged.",
            "our payment provider declined the card because of a postcode mismatch. Could you "
            "check the billing address on file?",
        ),
        resolutions=("the payment went through and your {plan} plan is active.",),
        notes=("Provider decline code 05 (do not honour): the bank blocked it, not us.",),
    ),
    Scenario(
        key="upgrade",
        group="Billing",
        skill="sales",
        tags=("upgrade", "sales"),
        weight=3,
        priorities=_P_NORMAL,
        channels={Channel.EMAIL: 0.5, Channel.CHAT: 0.4, Channel.PHONE: 0.1},
        subjects=(
            "Upgrade from {other_plan} to {plan}",
            "Adding {count} seats",
            "Quote for {plan} plan for {company}",
        ),
        openings=(
            "We would like to upgrade {company} from {other_plan} to {plan}. Will the price be "
            "prorated?",
            "Please add {count} seats to our account; our team is growing.",
            "Can you send a quote for {count} seats on the {plan} plan, billed yearly?",
        ),
        follow_ups=("Do you offer a discount for non-profits?",),
        replies=(
            "happy to help! Upgrading from {other_plan} to {plan} is prorated: you pay "
            "{amount} for the rest of this billing period.",
            "the quote for {count} seats on the {plan} plan is attached, valid for 30 days.",
        ),
        resolutions=("your account is now on the {plan} plan. Welcome aboard!",),
        notes=("Passed to account management: potential expansion of {count} seats.",),
    ),
    Scenario(
        key="api",
        group="Technical",
        skill="api",
        tags=("api", "integration"),
        weight=3,
        priorities=_P_HIGH,
        channels={Channel.EMAIL: 0.7, Channel.WEB: 0.3},
        subjects=(
            "API returns {error}",
            "Webhook deliveries failing",
            "Rate limit too low for {company}",
            "API key stopped working",
        ),
        openings=(
            "Since {date} our integration gets {error} from the orders endpoint, about {count} "
            "times per hour. Nothing changed on our side.",
            "Your webhooks stopped reaching our endpoint on {date}. The dashboard shows "
            "'delivery failed' but our server logs show nothing.",
            "We hit the API rate limit every night during our sync of {count} orders. Can it "
            "be raised for {company}?",
        ),
        follow_ups=("Here are the request ids of three failed calls.",),
        replies=(
            "thanks for the request ids. The {error} responses come from a deploy on {date}; "
            "engineering is rolling back the change (ENG-{count}).",
            "the webhook deliveries fail on TLS: your endpoint's certificate expired. Once it "
            "is renewed we will retry the queued events automatically.",
        ),
        resolutions=("the fix is deployed and your integration has been error-free since.",),
        notes=("API logs: {count} 5xx from the {region} gateway. Linked ENG-{count}.",),
    ),
    Scenario(
        key="account-email",
        group="Accounts",
        skill="login",
        tags=("account", "email-change"),
        weight=3,
        priorities=_P_NORMAL,
        channels=_C_ACCOUNT,
        subjects=(
            "Change the email on my account",
            "Merge two accounts",
            "Transfer account ownership",
        ),
        openings=(
            "I am leaving {company} and need to move the account owner role to a colleague.",
            "I have two accounts by mistake. Can you merge them into one?",
            "Please change my login email; I no longer have access to the old address.",
        ),
        follow_ups=("Is there anything else you need from me?",),
        replies=(
            "to change the owner we need a confirmation from the current owner. I have sent "
            "them an email with a link.",
            "I have merged both accounts; your order history is now in one place.",
        ),
        resolutions=("all done: the account is updated. Closing this ticket.",),
        notes=("Ownership change verified by the company admin of {account}.",),
    ),
    Scenario(
        key="return-request",
        group="Logistics",
        skill="returns",
        tags=("return",),
        weight=5,
        priorities=_P_LOW,
        channels=_C_SHOP,
        subjects=(
            "Return label for order {order}",
            "How do I return the {product}?",
            "Return within 30 days",
        ),
        openings=(
            "I would like to return the {product} from order {order}. It is not what I expected.",
            "Please send me a return label for order {order}; I ordered the wrong size.",
        ),
        follow_ups=("I dropped the parcel off at {courier} today.",),
        replies=(
            "here is your prepaid return label for order {order}. Drop the parcel at any "
            "{courier} point within 14 days.",
        ),
        resolutions=("we received your return; the refund of {amount} is on its way.",),
        notes=("Return authorised, RMA-{count}.",),
    ),
    Scenario(
        key="data-export",
        group="Technical",
        skill="product",
        tags=("export",),
        weight=2,
        priorities=_P_NORMAL,
        channels={Channel.EMAIL: 0.6, Channel.WEB: 0.4},
        subjects=(
            "Export of all our data",
            "CSV export is empty",
            "Export times out",
        ),
        openings=(
            "The CSV export from {feature} is empty although we have {count} records.",
            "We need a full export of our {company} data before our contract ends on {date}.",
            "The export keeps timing out after a few minutes with {error}.",
        ),
        follow_ups=("The export is still empty after the retry.",),
        replies=(
            "large exports now run in the background. You will get an email with a download "
            "link when it is ready.",
            "I started the full export for {account} manually; the link arrives within the hour.",
        ),
        resolutions=("glad the export worked. Closing this ticket.",),
        notes=("Export job stuck in queue on the {region} worker; restarted it.",),
    ),
    Scenario(
        key="promo-code",
        group="Billing",
        skill="payments",
        tags=("discount",),
        weight=3,
        priorities={Priority.LOW: 0.6, Priority.NORMAL: 0.4},
        channels={Channel.CHAT: 0.4, Channel.EMAIL: 0.3, Channel.SOCIAL: 0.3},
        subjects=(
            "Promo code not working",
            "Discount not applied to order {order}",
            "Black Friday price for {product}?",
        ),
        openings=(
            "The code from your newsletter says 'expired' but the email said it is valid until "
            "{date}.",
            "I ordered the {product} a day before the sale. Can I get the difference of {amount}?",
        ),
        follow_ups=("A friend got the discount, why not me?",),
        replies=(
            "I am sorry the code did not work. I have applied the discount manually: {amount} "
            "is refunded to your card ending {last4}.",
        ),
        resolutions=("the price difference of {amount} has been refunded.",),
        notes=("Goodwill refund of {amount} approved (price match policy).",),
    ),
    Scenario(
        key="performance",
        group="Technical",
        skill="performance",
        tags=("performance",),
        weight=3,
        priorities=_P_NORMAL,
        channels=_C_TECH,
        subjects=(
            "App is very slow",
            "{feature} takes minutes to load",
            "Slow sync on {os}",
        ),
        openings=(
            "Since {date}, {feature} takes more than a minute to load for our {count} users.",
            "The app is extremely slow on {os}; even typing lags.",
            "Sync takes forever. We are in {region} if that matters.",
        ),
        follow_ups=("Any progress? It is still slow today.",),
        replies=(
            "thank you for the details. We found a slow database query behind {feature} and are "
            "deploying an improvement this week.",
            "could you run the network test under Help > Diagnostics and send us the result?",
        ),
        resolutions=("the performance fix is live; {feature} should load in seconds again.",),
        notes=("p95 latency for {region} doubled since {date}; ENG-{count}.",),
    ),
)


def scenario_by_key(key: str) -> Scenario:
    for scenario in SCENARIOS:
        if scenario.key == key:
            return scenario
    raise KeyError(key)
