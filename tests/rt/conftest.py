"""One real Request Tracker 5 per test session (see rt_instance.py).

Without RT (and no way to install it) these tests skip with the reason; under `CI=true`
that is a failure instead: CI must run them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # rt_instance

from rt_instance import RTApi, RTInstance, RTUnavailable, create_instance

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist (`--dist loadgroup`) every RT test runs on one worker: one RT, not two."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.xdist_group("request-tracker"))


@pytest.fixture(scope="session")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RTInstance]:
    try:
        instance = create_instance(tmp_path_factory.mktemp("rt"))
    except RTUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{exc} (CI must run the Request Tracker tests)")
        pytest.skip(str(exc))
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def rt_running(rt: RTInstance) -> RTInstance:
    """The session's RT, started again if an earlier test stopped it."""
    rt.start()
    return rt


@pytest.fixture
def root_api(rt_running: RTInstance) -> Iterator[RTApi]:
    with rt_running.api("root") as api:
        yield api


@pytest.fixture
def alice_api(rt_running: RTInstance) -> Iterator[RTApi]:
    with rt_running.api("alice") as api:
        yield api
