"""Crisis lines, grounding and the safety plan: one key from the conversation, even mid-typing."""

from __future__ import annotations

import pytest

from peertui.core.engine import Engine
from peertui.tui.app import PeertuiApp
from peertui.tui.screens.crisis import CrisisScreen
from peertui.tui.screens.grounding import ExerciseScreen, GroundingScreen
from peertui.tui.screens.home import HomeScreen
from peertui.tui.screens.safety_plan import EditStepScreen, SafetyPlanScreen
from peertui.wellbeing import safety_plan

from .conftest import PASSPHRASE, wait_for
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def conversation_home(make_paths, relay):
    """A home that already has an active group with one message in it."""
    paths = make_paths("alice")
    engine = await Engine.open(paths, PASSPHRASE)
    group = await engine.host_group("evening", relay_url=relay.url, nick="alice")
    await engine.send(group.group_id, "first message")
    await engine.close()
    return paths


async def open_conversation(pilot, app):
    await wait_for(
        pilot, lambda: "alice: first message" in screen_text(app), what="the conversation"
    )
    await pilot.press(*"half a thou")  # a draft in progress: the keys must still work


@pytest.mark.parametrize(
    ("key", "screen_type", "expected"),
    [
        ("f1", CrisisScreen, "emergency number"),
        ("f2", GroundingScreen, "Box breathing"),
        ("f3", SafetyPlanScreen, "Warning signs"),
    ],
)
async def test_each_wellbeing_key_works_from_the_conversation(
    conversation_home, key, screen_type, expected
):
    app = PeertuiApp(conversation_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_conversation(pilot, app)
        assert app.screen.query_one("#composer").has_focus
        await pilot.press(key)
        assert isinstance(app.screen, screen_type)
        await wait_for(pilot, lambda: expected in screen_text(app), what=expected)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one("#composer").value == "half a thou"


async def test_crisis_lines_for_another_country(make_paths):
    app = PeertuiApp(make_paths())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        before = screen_text(app)
        await pilot.press("d", "e", "enter")
        await wait_for(pilot, lambda: screen_text(app) != before, what="another country")
        assert "Germany" in screen_text(app)
        await pilot.press("z", "z", "enter")
        await wait_for(
            pilot,
            lambda: "'ZZ' is not a country peertui knows" in screen_text(app),
            what="the fallback for a country not in the directory",
        )
        assert "emergency number" in screen_text(app)


async def test_grounding_steps_pause_and_stop(make_paths):
    app = PeertuiApp(make_paths())
    app.settings.reduced_motion = True
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        assert isinstance(app.screen, GroundingScreen)
        await pilot.press("down", "enter")  # box breathing
        assert isinstance(app.screen, ExerciseScreen)
        assert app.screen.exercise.id == "box"
        await pilot.press("enter", "enter")  # settle-in step, then the first timed step
        await wait_for(pilot, lambda: "Breathe in" in screen_text(app), what="first breath")
        assert "( breathe in )" in screen_text(app), "reduced motion shows a still guide"
        assert "s left" in screen_text(app)
        await pilot.press("space")
        assert "paused" in screen_text(app)
        step = app.screen.step_index
        await pilot.pause(1.2)
        assert app.screen.step_index == step, "a paused exercise does not move on"
        await pilot.press("space")
        await wait_for(
            pilot,
            lambda: app.screen.step_index > step,
            timeout=8,
            what="the timer to move to the next step",
        )
        await pilot.press("escape")
        assert isinstance(app.screen, GroundingScreen)


async def test_safety_plan_edit_is_stored_and_exported(make_paths):
    paths = make_paths()
    app = PeertuiApp(paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None, what="the engine")
        await pilot.press("f3")
        await wait_for(pilot, lambda: app.screen.plan is not None, what="the plan")
        await pilot.press("down", "enter")  # step 2: things I can do on my own
        assert isinstance(app.screen, EditStepScreen)
        await pilot.press(*"walk", "enter", *"tea")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SafetyPlanScreen)
        await wait_for(pilot, lambda: "• walk" in screen_text(app), what="the saved entry")
        await pilot.press("ctrl+e")
        exported = list(paths.exports_dir.glob("safety-plan-*.txt"))
        assert len(exported) == 1
        assert "walk" in exported[0].read_text() and "tea" in exported[0].read_text()
    # Stored through the engine, encrypted: a fresh engine reads the same plan back.
    engine = await Engine.open(paths, PASSPHRASE)
    try:
        second = safety_plan.STEP_IDS[1]
        assert engine.safety_plan().entries[second] == ["walk", "tea"]
    finally:
        await engine.close()


async def test_enter_on_a_step_while_the_history_still_opens_opens_that_step_once_it_has(
    engine_open_held,
):
    """CI, main 4fa13b0: F3 works at once, before the encrypted store has opened, and shows the
    steps; Enter pressed then did nothing (the plan was not read yet), so the step editor never
    opened. Now the step Enter was pressed on opens as soon as the plan is read."""
    paths, opening = engine_open_held
    app = PeertuiApp(paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await wait_for(pilot, lambda: "Warning signs" in screen_text(app), what="the steps")
        assert app.engine is None and app.screen.plan is None, "(the store is still opening)"
        await pilot.press("down", "enter")  # step 2, before the plan can be read
        await pilot.pause()
        assert isinstance(app.screen, SafetyPlanScreen), "(no editor without the plan)"
        opening.set()
        await wait_for(
            pilot, lambda: isinstance(app.screen, EditStepScreen), what="the step's editor"
        )
        await wait_for(
            pilot, lambda: "Things I can do on my own" in screen_text(app), what="step 2's title"
        )
        await wait_for(pilot, lambda: app.engine is not None, what="the engine")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SafetyPlanScreen)
