"""Generated from `agentdesk.domain.models.SYNCED_MODELS`: do not edit by hand.

entity: (table, integer id, ((column, kind, SQLite type), ...)); kept in step by
tests/store/test_schema_spec.py (which prints this module when the models change).
"""

from __future__ import annotations

from typing import Literal

ColumnKind = Literal["plain", "ts", "json"]

SYNCED_TABLES: dict[str, tuple[str, bool, tuple[tuple[str, ColumnKind, str], ...]]] = {
    "organisation": (
        "organisations",
        True,
        (
            ("id", "plain", "INTEGER"),
            ("name", "plain", "TEXT"),
            ("domain", "plain", "TEXT"),
            ("tier", "plain", "TEXT"),
            ("notes", "plain", "TEXT"),
            ("version", "plain", "INTEGER"),
        ),
    ),
    "customer": (
        "customers",
        True,
        (
            ("id", "plain", "INTEGER"),
            ("name", "plain", "TEXT"),
            ("email", "plain", "TEXT"),
            ("phone", "plain", "TEXT"),
            ("organisation_id", "plain", "INTEGER"),
            ("tier", "plain", "TEXT"),
            ("notes", "plain", "TEXT"),
            ("created_at", "ts", "TEXT"),
            ("version", "plain", "INTEGER"),
        ),
    ),
    "group": (
        "groups",
        True,
        (
            ("id", "plain", "INTEGER"),
            ("name", "plain", "TEXT"),
            ("description", "plain", "TEXT"),
            ("version", "plain", "INTEGER"),
        ),
    ),
    "agent": (
        "agents",
        True,
        (
            ("id", "plain", "INTEGER"),
            ("name", "plain", "TEXT"),
            ("email", "plain", "TEXT"),
            ("role", "plain", "TEXT"),
            ("group_ids", "json", "TEXT"),
            ("skills", "json", "TEXT"),
            ("availability", "plain", "TEXT"),
            ("capacity", "plain", "INTEGER"),
            ("signature", "plain", "TEXT"),
            ("active", "plain", "INTEGER"),
            ("version", "plain", "INTEGER"),
        ),
    ),
    "sla_policy": (
        "sla_policies",
        True,
        (
            ("id", "plain", "INTEGER"),
            ("name", "plain", "TEXT"),
            ("tier", "plain", "TEXT"),
            ("targets", "json", "TEXT"),
            ("version", "plain", "INTEGER"),
        ),
    ),
    "ticket": (
        "tickets",
        True,
        (
            ("id", "plain", "INTEGER"),
            ("subject", "plain", "TEXT"),
            ("status", "plain", "TEXT"),
            ("priority", "plain", "TEXT"),
            ("channel", "plain", "TEXT"),
            ("customer_id", "plain", "INTEGER"),
            ("assignee_id", "plain", "INTEGER"),
            ("group_id", "plain", "INTEGER"),
            ("tags", "json", "TEXT"),
            ("sla_policy_id", "plain", "INTEGER"),
            ("created_at", "ts", "TEXT"),
            ("updated_at", "ts", "TEXT"),
            ("first_reply_at", "ts", "TEXT"),
            ("solved_at", "ts", "TEXT"),
            ("first_reply_due", "ts", "TEXT"),
            ("resolution_due", "ts", "TEXT"),
            ("sla_due_at", "ts", "TEXT"),
            ("merged_into_id", "plain", "INTEGER"),
            ("version", "plain", "INTEGER"),
        ),
    ),
    "message": (
        "messages",
        False,
        (
            ("id", "plain", "TEXT"),
            ("ticket_id", "plain", "INTEGER"),
            ("public", "plain", "INTEGER"),
            ("author_kind", "plain", "TEXT"),
            ("author_id", "plain", "INTEGER"),
            ("body", "plain", "TEXT"),
            ("channel", "plain", "TEXT"),
            ("created_at", "ts", "TEXT"),
            ("version", "plain", "INTEGER"),
        ),
    ),
    "canned_response": (
        "canned_responses",
        False,
        (
            ("id", "plain", "TEXT"),
            ("title", "plain", "TEXT"),
            ("body", "plain", "TEXT"),
            ("category", "plain", "TEXT"),
            ("tags", "json", "TEXT"),
            ("actions", "json", "TEXT"),
            ("owner_id", "plain", "INTEGER"),
            ("usage_count", "plain", "INTEGER"),
            ("updated_at", "ts", "TEXT"),
            ("version", "plain", "INTEGER"),
        ),
    ),
    "saved_view": (
        "saved_views",
        False,
        (
            ("id", "plain", "TEXT"),
            ("name", "plain", "TEXT"),
            ("query", "plain", "TEXT"),
            ("sort", "plain", "TEXT"),
            ("owner_id", "plain", "INTEGER"),
            ("position", "plain", "INTEGER"),
            ("version", "plain", "INTEGER"),
        ),
    ),
    "swarm": (
        "swarms",
        False,
        (
            ("id", "plain", "TEXT"),
            ("ticket_id", "plain", "INTEGER"),
            ("owner_id", "plain", "INTEGER"),
            ("member_ids", "json", "TEXT"),
            ("ask", "plain", "TEXT"),
            ("status", "plain", "TEXT"),
            ("outcome", "plain", "TEXT"),
            ("created_at", "ts", "TEXT"),
            ("closed_at", "ts", "TEXT"),
            ("version", "plain", "INTEGER"),
        ),
    ),
    "swarm_message": (
        "swarm_messages",
        False,
        (
            ("id", "plain", "TEXT"),
            ("swarm_id", "plain", "TEXT"),
            ("author_id", "plain", "INTEGER"),
            ("body", "plain", "TEXT"),
            ("created_at", "ts", "TEXT"),
            ("version", "plain", "INTEGER"),
        ),
    ),
    "satisfaction_rating": (
        "satisfaction_ratings",
        True,
        (
            ("id", "plain", "INTEGER"),
            ("ticket_id", "plain", "INTEGER"),
            ("customer_id", "plain", "INTEGER"),
            ("score", "plain", "INTEGER"),
            ("comment", "plain", "TEXT"),
            ("created_at", "ts", "TEXT"),
            ("version", "plain", "INTEGER"),
        ),
    ),
}
