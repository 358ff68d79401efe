"""Issue 10, TUI accessibility: every text/background pair is at least 4.5:1 in every theme and
at least 7:1 in high-contrast — checked from the theme files (the colours Textual derives from
them) and from real renders of the screens, segment by segment."""

from __future__ import annotations

import pytest
from textual.color import Color

from peertui.tui.app import PeertuiApp
from peertui.tui.screens.dialogs import ChoiceScreen, Field, FormScreen, ListScreen
from peertui.tui.themes import bundled_themes_dir, theme_from_file

from .conftest import wait_for
from .contrast import Pair, pairs, ratio
from .screen_text import screen_text
from .test_stale_view import host_with_history

pytestmark = pytest.mark.timeout(120)

THEMES = sorted(path.stem for path in bundled_themes_dir().glob("*.toml"))
# Lines and blocks draw borders, scroll bars and the breathing bar: not text (they need 3:1 as
# shapes, which is a different rule).
DRAWING = set("─│╭╮╰╯━┃┏┓┗┛═║╔╗╚╝▔▁▏▕▊▎▌▐█▀▄▂▃▅▆▇·•▶▸▲▼◀▶ ")


def needed(theme: str) -> float:
    return 7.0 if theme == "high-contrast" else 4.5


def resolve(value: str, background: Color) -> tuple[int, int, int]:
    """A theme colour as seen over `background`: "auto 60%" is Textual's readable colour for
    that background at 60% opacity, "#rrggbb 70%" a colour at 70%."""
    colour_text, _, percent = value.strip().partition(" ")
    alpha = float(percent.rstrip("%")) / 100 if percent else 1.0
    if colour_text == "auto":
        colour = background.get_contrast_text(1.0)
    else:
        colour = Color.parse(colour_text)
        alpha *= colour.a
    seen = background.blend(colour.with_alpha(1.0), alpha)
    return (seen.r, seen.g, seen.b)


@pytest.mark.parametrize("theme", THEMES)
def test_theme_files_give_readable_text_on_every_background(theme):
    variables = theme_from_file(bundled_themes_dir() / f"{theme}.toml").to_color_system().generate()
    texts = [
        "foreground",
        "text-muted",
        "text-primary",
        "text-warning",
        "text-error",
        "text-success",
    ]
    backgrounds = ["background", "surface", "panel"]
    problems = []
    for text in texts:
        for background in backgrounds:
            bg = Color.parse(variables[background])
            value = ratio(resolve(variables[text], bg), (bg.r, bg.g, bg.b))
            if value < needed(theme):
                problems.append(f"{text} on {background}: {value:.2f}:1")
    footer_bg = Color.parse(variables["footer-background"])
    footer = ratio(
        resolve(variables["footer-key-foreground"], footer_bg),
        (footer_bg.r, footer_bg.g, footer_bg.b),
    )
    if footer < needed(theme):
        problems.append(f"footer keys: {footer:.2f}:1")
    assert not problems, f"{theme}: " + "; ".join(problems)


def _text_pairs(app) -> list[Pair]:
    """Pairs on the screen in front; on a dialog, only the dialog's own (the screen behind a
    dialog is dimmed on purpose: inactive, it has no contrast requirement)."""
    from rich.segment import Segment

    screen = app.screen
    dialogs = screen.query(".dialog")
    region = dialogs.first().region if dialogs else screen.region
    segments = []
    for y, strip in enumerate(screen._compositor.render_strips()):
        if not region.y <= y < region.bottom:
            continue
        x = 0
        for segment in strip:
            width = Segment.get_line_length([segment])
            if region.x <= x and x + width <= region.right:
                segments.append(segment)
            x += width
    found = pairs(segments, (255, 255, 255), (0, 0, 0))
    return [p for p in found if not set(p.text) <= DRAWING]


@pytest.fixture
def history(tmp_path, relay):
    return host_with_history(tmp_path / "alice", relay.url, 6, long_every=100)


@pytest.mark.parametrize("theme", THEMES)
async def test_every_rendered_text_is_readable(tmp_path, history, theme):
    from peertui.paths import resolve_paths

    paths = resolve_paths(tmp_path / "alice")
    (paths.config_dir / "welcome-seen").touch()
    (paths.config_dir / "country-asked").touch()
    app = PeertuiApp(paths)
    app.settings.theme = theme
    seen: dict[str, list[Pair]] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "message 05" in screen_text(app), what="the history")
        await pilot.pause(0.2)
        seen["home, typing"] = _text_pairs(app)
        await pilot.press("shift+tab")
        await pilot.pause(0.2)
        seen["home, conversation focused"] = _text_pairs(app)
        await pilot.press("up", "h")  # a message hidden for me: drawn dim, in words
        await wait_for(pilot, lambda: "[hidden" in screen_text(app), what="the hidden line")
        seen["home, a hidden message"] = _text_pairs(app)
        await pilot.press("shift+tab")
        await pilot.pause(0.2)
        seen["home, groups focused"] = _text_pairs(app)
        dialogs = {
            "form": lambda: FormScreen("A form", [Field("f", "A field:")], "OK", "Explained."),
            "choice": lambda: ChoiceScreen("A question", "Words.", [("a", "Yes"), ("b", "No")]),
            "list": lambda: ListScreen("A list", [("x", "a row")], "", "A hint line."),
        }
        for name, make in dialogs.items():
            app.push_screen(make())
            await pilot.pause(0.3)
            seen[name] = _text_pairs(app)
            app.pop_screen()
            await pilot.pause(0.1)
        await pilot.press("f1")
        await pilot.pause(0.5)
        seen["crisis lines"] = _text_pairs(app)
    problems = [
        f"{where}: {p.text[:30]!r} {p.ratio:.2f}:1 (#{bytes(p.fg).hex()} on #{bytes(p.bg).hex()})"
        for where, found in seen.items()
        for p in found
        if p.ratio < needed(theme)
    ]
    assert all(seen.values())
    assert not problems, f"{theme}, {len(problems)} pairs too faint:\n" + "\n".join(
        sorted(set(problems))[:40]
    )
