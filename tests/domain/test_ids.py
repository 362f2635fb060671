import uuid

from agentdesk.domain.ids import uuid7


def test_uuid7_is_version_7_and_time_ordered() -> None:
    values = [uuid7() for _ in range(200)]
    parsed = [uuid.UUID(v) for v in values]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in parsed)
    assert len(set(values)) == 200
    stamps = [u.int >> 80 for u in parsed]
    assert stamps == sorted(stamps)
