"""Pools of names, organisations, places and products, built once per seed with Faker.

Calling Faker per row is far too slow for a million tickets, so the seed draws small pools
here (a few thousand strings) and then samples them with `random.Random`.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from agentdesk.domain.enums import Tier

# Locales of the customer base (weights: how many pool entries each contributes).
LOCALES: dict[str, int] = {
    "en_US": 5,
    "en_GB": 3,
    "de_DE": 2,
    "fr_FR": 2,
    "es_ES": 1,
    "nl_NL": 1,
    "it_IT": 1,
}

# Locales whose Faker `city()` depends on PYTHONHASHSEED (it draws from a set): skipped, so
# a seed gives the same data in every process.
HASH_ORDER_CITIES = frozenset({"it_IT"})

PRODUCTS: tuple[str, ...] = (
    "Aurora smart thermostat",
    "Pulse fitness band",
    "Nimbus mesh Wi-Fi kit",
    "Lumen desk lamp",
    "Voyager carry-on case",
    "Echo wireless earbuds",
    "Harbor espresso machine",
    "Summit hiking backpack",
    "Orbit robot vacuum",
    "Atlas standing desk",
    "Breeze air purifier",
    "Quill e-reader",
    "Tempo smart scale",
    "Cascade water filter",
    "Nova 4K webcam",
    "Drift noise-cancelling headphones",
    "Ember heated mug",
    "Canopy baby monitor",
    "Beacon video doorbell",
    "Glide electric toothbrush",
    "Forge cast-iron pan set",
    "Halo ring light",
    "Vista 27-inch monitor",
    "Rover kids' tablet",
    "Meridian smartwatch",
    "Sprout herb garden",
    "Keystone mechanical keyboard",
    "Zephyr tower fan",
    "Juniper yoga mat",
    "Polar insulated bottle",
)

PLANS: tuple[str, ...] = ("Basic", "Plus", "Pro", "Business", "Enterprise")
COURIERS: tuple[str, ...] = ("DHL", "UPS", "FedEx", "DPD", "GLS", "Royal Mail", "PostNL", "USPS")
FEATURES: tuple[str, ...] = (
    "the dashboard",
    "reports",
    "the order history",
    "the mobile app",
    "team settings",
    "the calendar view",
    "notifications",
    "the device manager",
    "invoices",
    "the energy report",
    "the sharing page",
    "search",
)
BROWSERS: tuple[str, ...] = ("Chrome", "Firefox", "Safari", "Edge")
OPERATING_SYSTEMS: tuple[str, ...] = ("Windows 11", "macOS", "iOS 18", "Android 15", "Linux")
ERRORS: tuple[str, ...] = (
    "ERR-502",
    "503 Service Unavailable",
    "AUTH_TOKEN_EXPIRED",
    "Something went wrong (code 17)",
    "ERR_CONNECTION_RESET",
    "500 Internal Server Error",
    "SYNC_CONFLICT",
    "429 Too Many Requests",
)
REGIONS: tuple[str, ...] = ("EU West", "EU Central", "US East", "US West", "UK South", "APAC")
FREE_MAIL: tuple[str, ...] = (
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "proton.me",
    "gmx.de",
    "web.de",
    "orange.fr",
    "hotmail.co.uk",
)
AGENT_DOMAIN = "northwind.example"


@dataclass(frozen=True, slots=True)
class Pools:
    """Strings sampled by the seed; every list is already deterministic for the seed."""

    first_names: list[str]
    last_names: list[str]
    companies: list[str]
    cities: list[str]
    streets: list[str]
    phone_numbers: list[str]


def slug(text: str) -> str:
    """`Müller & Söhne GmbH` -> `muller-sohne-gmbh` (for email addresses and domains)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


LEGAL_WORDS = frozenset(
    [
        "ltd",
        "llc",
        "inc",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "co",
        "kgaa",
        "ohg",
        "mbh",
        "sa",
        "sas",
        "sarl",
        "s",
        "r",
        "l",
        "spa",
        "sl",
        "bv",
        "nv",
        "and",
        "und",
        "et",
        "e",
        "y",
        "group",
        "groep",
        "gruppe",
        "cie",
        "la",
        "le",
        "les",
        "de",
        "der",
        "the",
    ]
)


def company_domain_stem(name: str) -> str:
    """`Doglioni, Palmisano e Casarin s.r.l.` -> `doglioni-palmisano` (two words at most)."""
    words = [w for w in slug(name).split("-") if len(w) > 1 and w not in LEGAL_WORDS]
    return "-".join(words[:2]) or slug(name)[:20]


def email_local(first: str, last: str) -> str:
    return f"{slug(first).replace('-', '')}.{slug(last).replace('-', '')}"


def build_pools(seed: int, *, names: int = 1200, companies: int = 3000) -> Pools:
    """Draw the pools (about a second). Faker is imported here: it is slow to import."""
    from faker import Faker

    total_weight = sum(LOCALES.values())
    first: set[str] = set()
    last: set[str] = set()
    company: set[str] = set()
    cities: set[str] = set()
    streets: set[str] = set()
    phones: list[str] = []
    for index, (locale, weight) in enumerate(LOCALES.items()):
        fake = Faker(locale)
        fake.seed_instance(seed * 100 + index)
        share = weight / total_weight
        for _ in range(int(names * share)):
            first.add(fake.first_name())
            last.add(fake.last_name())
        for _ in range(int(companies * share)):
            company.add(fake.company())
        for _ in range(int(300 * share) + 1):
            if locale not in HASH_ORDER_CITIES:
                cities.add(fake.city())
            streets.add(fake.street_address())
            phones.append(fake.phone_number())
    return Pools(
        first_names=sorted(first),
        last_names=sorted(last),
        companies=sorted(company),
        cities=sorted(cities),
        streets=sorted(streets),
        phone_numbers=phones,
    )


@dataclass(frozen=True, slots=True)
class OrgRow:
    id: int
    name: str
    domain: str
    tier: Tier


def organisation_rows(pools: Pools, rng: random.Random, count: int, first_id: int) -> list[OrgRow]:
    """`count` organisations with distinct names (a city suffix when the pool runs out)."""
    names = list(pools.companies)
    rng.shuffle(names)
    seen: set[str] = set()
    rows: list[OrgRow] = []
    while len(rows) < count:
        base = names[len(rows) % len(names)]
        name = base
        if name in seen:
            name = f"{base} ({rng.choice(pools.cities)})"
            suffix = 2
            while name in seen:
                name = f"{base} ({rng.choice(pools.cities)} {suffix})"
                suffix += 1
        seen.add(name)
        roll = rng.random()
        tier = Tier.ENTERPRISE if roll < 0.1 else Tier.PREMIUM if roll < 0.35 else Tier.STANDARD
        domain = f"{company_domain_stem(base)}.com"
        rows.append(OrgRow(first_id + len(rows), name, domain, tier))
    return rows
