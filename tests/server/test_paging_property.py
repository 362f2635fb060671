"""Property: for any spread of versions (ties included) and any page size, one pass of pulls
returns every row exactly once, in version order, never splitting a version across pages."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, text

from agentdesk.domain.enums import Role
from agentdesk.domain.models import Group, Organisation
from agentdesk.server.changes import read_page
from agentdesk.server.db import open_database
from agentdesk.server.permissions import Caller
from agentdesk.server.tables import Tombstone
from agentdesk.server.wire import table_of

ADMIN = Caller(agent_id=1, role=Role.ADMIN, group_ids=frozenset())
rows_strategy = st.lists(
    st.tuples(st.sampled_from(["group", "organisation", "tombstone"]), st.integers(1, 12)),
    max_size=40,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=rows_strategy, limit=st.integers(1, 9))
def test_any_versions_any_limit(tmp_path: Path, rows: list[tuple[str, int]], limit: int) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'paging.sqlite3'}")
    try:
        groups, organisations, tombstones = (
            table_of(Group),
            table_of(Organisation),
            table_of(Tombstone),
        )
        with engine.begin() as conn:
            for table in (groups, organisations, tombstones):
                conn.execute(delete(table))
            expected: dict[tuple[str, object], int] = {}
            for number, (kind, version) in enumerate(rows):
                if kind == "group":
                    values = {"name": f"g{number}", "description": "", "version": version}
                    key = conn.execute(insert(groups).values(**values)).inserted_primary_key[0]
                elif kind == "organisation":
                    values = {"name": f"o{number}", "tier": "standard", "version": version}
                    values["notes"] = ""
                    key = conn.execute(insert(organisations).values(**values)).inserted_primary_key[
                        0
                    ]
                else:
                    key = number + 1000
                    conn.execute(
                        insert(tombstones).values(
                            entity="ticket", entity_id=str(key), version=version
                        )
                    )
                    kind = "ticket"
                expected[(kind, key)] = version
            conn.execute(text("UPDATE change_sequence SET value = 12"))

        seen: dict[tuple[str, object], int] = {}
        after, previous_top = 0, 0
        for _ in range(len(rows) + 2):
            with engine.connect() as conn:
                page, covered, has_more = read_page(conn, ADMIN, after, limit)
            changes = [json.loads(item) for item in page]
            versions = [change["version"] for change in changes]
            assert versions == sorted(versions)
            if changes:
                assert versions[0] > previous_top  # no version split across pages
                assert len(changes) <= limit or len(set(versions[limit - 1 :])) == 1
                previous_top = versions[-1]
            for change in changes:
                key = (change["entity"], change["id"])
                assert key not in seen
                seen[key] = change["version"]
            after = covered
            if not has_more:
                break
        assert seen == expected
    finally:
        engine.dispose()
