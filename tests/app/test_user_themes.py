"""Themes of the lead's own: theme files beside the settings are loaded and selectable; a bad one is named
with its field; the grade and verdict colours stay readable on any of them."""

from __future__ import annotations

import os
from pathlib import Path

from mediation_console.console.core.config import load_settings, user_themes_dir
from mediation_console.screens.user_themes import load_theme_files
from tests.app.test_colour_not_alone import assert_grades_and_verdicts_read
from tests.pilot import settle

SIZE = (120, 40)

# A dark theme whose success, warning and error sit almost on its surface: unreadable if taken as given.
MURKY = """
name = "murky"
primary = "#3b4252"
success = "#2b3a2b"
warning = "#3a3320"
error = "#3a2020"
background = "#1a1a1a"
surface = "#202020"
panel = "#262626"
dark = true
"""


def write_theme(name: str, text: str) -> Path:
    folder = user_themes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_themes_folder_is_beside_the_settings_file():
    assert user_themes_dir() == Path(os.environ["MEDIATE_SETTINGS"]).parent / "themes"


async def test_a_theme_file_is_selectable_remembered_and_its_grades_read(demo_app):
    write_theme("murky.toml", MURKY)
    async with demo_app.run_test(size=SIZE) as pilot:
        assert "murky" in demo_app.available_themes
        assert not [n for n in demo_app._notifications if n.title == "Theme not loaded"]
        demo_app.theme = "murky"
        await settle(pilot)
        assert demo_app.get_css_variables()["surface"].lower().startswith("#202020")
        await assert_grades_and_verdicts_read(pilot, on=" on murky")
    assert load_settings()["theme"] == "murky"


async def test_the_remembered_user_theme_is_applied_at_start(store, app_factory):
    write_theme("murky.toml", MURKY)
    Path(os.environ["MEDIATE_SETTINGS"]).write_text('{"theme": "murky"}', encoding="utf-8")
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "murky"


async def test_bad_theme_files_are_named_with_their_field_and_the_good_ones_still_load(store, app_factory):
    write_theme("murky.toml", MURKY)
    write_theme("broken.toml", 'name = "broken"\nprimary = "#123456\n')
    write_theme("typo.toml", 'primary = "#123456"\nsucess = "#00ff00"\n')
    write_theme("colour.toml", 'primary = "bluish"\nsurface = 3\n')
    write_theme("nord.toml", 'name = "nord"\nprimary = "#123456"\n')
    write_theme("nameless.toml", 'secondary = "#123456"\n')
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "murky" in app.available_themes
        assert not {"broken", "typo", "colour", "nameless"} & set(app.available_themes)
        [warning] = [n for n in app._notifications if n.title == "Theme not loaded"]
        assert warning.severity == "warning"
        lines = warning.message.splitlines()
        assert len(lines) == 5
        text = warning.message
        assert "broken.toml: not TOML" in text
        assert "typo.toml: 'sucess' is not a theme field — did you mean 'success'?" in text
        assert "colour.toml: primary: 'bluish' is not a colour" in text and "surface: expected a colour" in text
        assert "nord.toml: name: 'nord' is a built-in theme; give yours another name" in text
        assert "nameless.toml: primary: missing" in text


def test_no_themes_folder_is_no_themes_and_the_file_name_is_the_default_name(tmp_path):
    assert load_theme_files(tmp_path / "nowhere").themes == []
    (tmp_path / "sea-green.toml").write_text('primary = "#2e8b57"\ndark = false\n', encoding="utf-8")
    (tmp_path / "twin.toml").write_text('name = "sea-green"\nprimary = "#2e8b57"\n', encoding="utf-8")
    found = load_theme_files(tmp_path)
    [theme] = found.themes
    assert theme.name == "sea-green" and theme.dark is False
    assert found.problems == [f"{tmp_path / 'twin.toml'}: name: 'sea-green' is already the name of sea-green.toml"]


def test_the_readme_theme_example_is_a_theme():
    import re
    import tomllib

    from mediation_console.screens.user_themes import theme_from_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(# ~/.config/mediation-console/themes/.*?)```", readme, re.S)
    assert example is not None
    theme, problems = theme_from_table(tomllib.loads(example.group(1)), "x")
    assert problems == [] and theme is not None and theme.name == "harbour"
