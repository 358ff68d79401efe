"""Snapshots at 80x24: first run, a conversation, high contrast, crisis lines, a grounding step,
the safety plan. Deterministic: fixed names and texts, no times on screen, reduced motion."""

from __future__ import annotations

import asyncio

import pytest

from peertui.core.engine import Engine
from peertui.tui.app import PeertuiApp
from peertui.wellbeing.safety_plan import STEP_IDS, SafetyPlan

from .conftest import PASSPHRASE, wait_until
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(60)


def steady_app(paths, theme: str = "dark") -> PeertuiApp:
    app = PeertuiApp(paths)
    app.settings.reduced_motion = True
    app.settings.country = "GB"
    app.settings.theme = theme
    return app


async def until(pilot, condition, timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("the screen never settled")


@pytest.fixture
def conversation_home(make_paths, relay):
    """Alice hosts; Bob joins and talks; a moderator removes one message. Fixed words only."""
    paths = make_paths("alice")

    async def prepare():
        alice = await Engine.open(paths, PASSPHRASE)
        bob = await Engine.open(make_paths("bob"), PASSPHRASE)
        try:
            group = await alice.host_group("evening circle", relay_url=relay.url, nick="alice")
            gid = group.group_id
            await bob.join(await alice.create_invite(gid), "bob")
            await wait_until(lambda: alice.pending_requests(gid), what="Bob's request")
            await alice.approve(gid, "bob")
            await wait_until(lambda: bob.group(gid).state == "active", what="Bob admitted")
            await alice.send(gid, "Good evening, everyone. How was today?")
            await wait_until(lambda: len(bob.history(gid)) >= 1, what="Bob to read it")
            await bob.send(gid, "I went for a short walk and it helped a little.")
            await bob.send(gid, "Something heavy happened at work.", cw="work stress")
            await bob.send(gid, "Buy cheap followers here!")
            await wait_until(lambda: len(alice.history(gid)) >= 4, what="Bob's messages")
            spam = next(m for m in alice.history(gid) if m.text.startswith("Buy"))
            await alice.delete_message(gid, spam.msg_id, "advertising")
            await alice.send(gid, "Thanks for sharing, bob. Glad the walk helped.")
            plan = SafetyPlan(
                {
                    STEP_IDS[0]: ["Not sleeping", "Skipping meals"],
                    STEP_IDS[1]: ["Walk by the river", "Box breathing"],
                }
            )
            alice.save_safety_plan(plan)
        finally:
            await bob.close()
            await alice.close()

    asyncio.run(prepare())
    return paths


def conversation_ready(app) -> bool:
    text = screen_text(app)
    return "connected" in text and "removed by moderators: advertising" in text


def test_first_run(snap_compare, make_paths):
    app = steady_app(make_paths(welcome_seen=False))
    assert snap_compare(app, terminal_size=(80, 24))


def test_conversation(snap_compare, conversation_home):
    app = steady_app(conversation_home)

    async def settle(pilot):
        await until(pilot, lambda: conversation_ready(app))

    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_high_contrast_conversation(snap_compare, conversation_home):
    app = steady_app(conversation_home, theme="high-contrast")

    async def settle(pilot):
        await until(pilot, lambda: conversation_ready(app))
        assert app.theme == "high-contrast"

    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_crisis_screen(snap_compare, make_paths):
    app = steady_app(make_paths())

    async def open_crisis(pilot):
        await pilot.press("f1")
        await until(
            pilot, lambda: "United Kingdom" in screen_text(app) or "(GB)" in screen_text(app)
        )

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_crisis)


def test_grounding_step(snap_compare, make_paths):
    app = steady_app(make_paths())

    async def first_breath(pilot):
        await pilot.press("f2", "down", "enter", "enter", "enter", "space")
        await until(pilot, lambda: "paused" in screen_text(app))

    assert snap_compare(app, terminal_size=(80, 24), run_before=first_breath)


def test_safety_plan(snap_compare, conversation_home):
    app = steady_app(conversation_home)

    async def open_plan(pilot):
        await until(pilot, lambda: app.engine is not None)
        await pilot.press("f3")
        await until(pilot, lambda: "Walk by the river" in screen_text(app))

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_plan)
