"""The config file and theme files: defaults, one-line notices with file and line, persistence."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import until

from agentdesk import paths
from agentdesk.config import DEFAULT_THEME, ViewSpec, load_config, save_theme
from agentdesk.tui.queue_model import QueueSpec, QueueWindow
from agentdesk.tui.screens.queue import QueueScreen
from agentdesk.tui.themes import load_themes


def write_config(text: str) -> Path:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_is_the_defaults() -> None:
    config = load_config()
    assert config.theme == DEFAULT_THEME and config.keymap == {} and config.notices == []


def test_malformed_toml_is_one_notice_with_the_line() -> None:
    path = write_config('theme = "agentdesk-light"\n[keymap\n')
    config = load_config()
    assert config.theme == DEFAULT_THEME
    assert len(config.notices) == 1
    assert config.notices[0].startswith(f"{path}:2: invalid TOML")
    assert "\n" not in config.notices[0]


def test_bad_values_are_reported_and_skipped() -> None:
    path = write_config(
        "theme = 3\n"
        "colour = 'blue'\n"
        "[keymap]\n"
        '"queue.search" = 5\n'
        "[[views]]\n"
        'name = "Refunds"\n'
        'query = "tag:refund"\n'
        'sort = "-updated"\n'
        "[[views]]\n"
        'name = "Odd"\n'
        'sort = "sideways"\n'
        "[[views]]\n"
        "query = 'no name'\n"
    )
    config = load_config()
    notices = "\n".join(config.notices)
    assert f"{path}:1: theme must be a theme name" in notices
    assert f"{path}:2: unknown setting 'colour' ignored" in notices
    assert f"{path}:4: keymap 'queue.search'" in notices
    assert f"{path}:9: view 'Odd': sort must be one of" in notices
    assert f"{path}:12: a view needs a name" in notices
    assert config.views == [
        ViewSpec("Refunds", "tag:refund", "-updated"),
        ViewSpec("Odd", "", "sla"),
    ]


def test_save_theme_keeps_the_rest_of_the_file() -> None:
    path = write_config('# my settings\neditor = "nano"\ntheme = "old"\n\n[keymap]\n"x" = "y"\n')
    save_theme("agentdesk-high-contrast")
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# my settings\neditor = "nano"\ntheme = "agentdesk-high-contrast"\n')
    assert '[keymap]\n"x" = "y"\n' in text
    fresh = paths.config_dir() / "other.toml"
    save_theme("agentdesk-light", fresh)
    assert fresh.read_text(encoding="utf-8") == 'theme = "agentdesk-light"\n'


def test_builtin_themes_load_and_user_themes_override_or_fail_alone() -> None:
    user = paths.user_themes_dir()
    user.mkdir(parents=True)
    (user / "mine.toml").write_text(
        'name = "solarish"\ndark = false\nprimary = "#268bd2"\n'
        '[variables]\nsla-breached = "#dc322f"\n',
        encoding="utf-8",
    )
    (user / "broken.toml").write_text('name = "broken"\nprimary = "not-a-colour"\n')
    loaded = load_themes()
    assert {"agentdesk-dark", "agentdesk-light", "agentdesk-high-contrast", "solarish"} <= set(
        loaded.themes
    )
    assert "broken" not in loaded.themes
    assert any("broken.toml" in notice and "primary" in notice for notice in loaded.notices)
    solarish = loaded.themes["solarish"]
    assert solarish.variables["sla-breached"] == "#dc322f"
    assert "sla-risk" in solarish.variables, "missing app colours fall back to defaults"


async def test_config_views_join_the_sidebar_with_counts(make_app, desk) -> None:
    write_config('[[views]]\nname = "Urgent ones"\nquery = "prio:urgent"\nsort = "-updated"\n')
    app = make_app(load_config())
    async with app.run_test(size=(150, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.counts)
        screen = app.screen
        names = [view.name for view in screen.views]
        assert "Urgent ones" in names and "Refunds (shared)" in names
        index = names.index("Urgent ones")
        assert screen.counts[f"config:{names[index]}"] == desk.count("prio:urgent")
        screen.switch_view(index)
        await pilot.pause()
        assert screen.table.sort == "updated" and screen.table.descending


def test_unknown_theme_in_config_falls_back_with_a_notice(make_app) -> None:
    write_config('theme = "nope"\n')
    app = make_app(load_config())
    assert app.theme == DEFAULT_THEME
    assert any("unknown theme 'nope'" in notice for notice in app.notices)


@pytest.mark.parametrize("sort", ["sla", "priority", "subject", "customer", "updated"])
@pytest.mark.parametrize("descending", [False, True])
def test_queue_window_pages_match_a_full_read(desk, sort: str, descending: bool) -> None:
    """Rows by index through keyset paging (forward, backward, far jumps) = one plain read."""
    from agentdesk.tui import queue_model

    spec = QueueSpec(desk_query(), sort, descending)
    expected = desk.page(spec.query, sort, None, 10_000, descending)
    original = queue_model.PAGE_SIZE
    queue_model.PAGE_SIZE = 4  # many pages from a small desk
    try:
        window = QueueWindow(desk, spec)
        assert window.count() == len(expected)
        order = [len(expected) - 1, 0, 17, 16, 5, *range(len(expected))]
        for index in order:
            assert window.row(index).id == expected[index].id, index
        assert window.row(len(expected)) is None
        assert window.index_of(expected[9].id) == 9
    finally:
        queue_model.PAGE_SIZE = original


def desk_query():
    from agentdesk.store import TicketQuery

    return TicketQuery()
