"""The wellbeing check before a message is sent runs in a thread (`ui.assessing`), not on the
TUI's event loop: a slow check (the first one loads the model, about 3 s here) no longer
freezes typing. Sends still go out in the order typed, after their check, and a check that
fails never holds a message back. A real relay and real engines; only the check itself is
held at a gate (or made to fail) so the slow case is certain rather than timed."""

from __future__ import annotations

import logging
import threading

import pytest

from peertui.core.engine import Engine
from peertui.tui.app import PeertuiApp
from peertui.wellbeing import detect

from .conftest import PASSPHRASE, wait_for, wait_until
from .screen_text import screen_text

pytestmark = pytest.mark.timeout(90)


async def _hosted(make_paths, relay):
    paths = make_paths("alice")
    owner = await Engine.open(paths, PASSPHRASE)
    group = await owner.host_group("circle", relay_url=relay.url, nick="alice")
    await owner.close()
    return paths, group.group_id


def _sent(app, gid) -> list[str]:
    return [m.text for m in app.engine.history(gid) if m.kind == "text"]


async def test_typing_goes_on_while_a_slow_check_runs_and_the_order_is_kept(
    make_paths, relay, monkeypatch
):
    paths, gid = await _hosted(make_paths, relay)
    real = detect.assess
    inside, gate = threading.Event(), threading.Event()

    def slow(text, *args, **kwargs):
        if text.startswith("long"):
            inside.set()
            assert gate.wait(30), "the test never opened the gate"
        return real(text, *args, **kwargs)

    monkeypatch.setattr(detect, "assess", slow)
    app = PeertuiApp(paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None and "circle" in screen_text(app))
        composer = app.screen.query_one("#composer")
        composer.focus()
        await pilot.press(*"long message first", "enter")
        await wait_for(pilot, inside.is_set, what="the check to start")
        # On the loop, the check held every key until it ended; in its thread it does not.
        await pilot.press(*"short one", "enter", *"still typing")
        await wait_for(pilot, lambda: composer.value == "still typing", what="keys answered")
        assert not gate.is_set()
        assert _sent(app, gid) == [], "the short one may not overtake the long one"
        gate.set()
        await wait_for(
            pilot,
            lambda: _sent(app, gid) == ["long message first", "short one"],
            what=f"both sent, in the order typed: {_sent(app, gid)}",
        )
        assert composer.value == "still typing"


async def test_a_check_that_fails_never_holds_the_message_back(
    make_paths, relay, monkeypatch, caplog
):
    paths, gid = await _hosted(make_paths, relay)
    real = detect.assess

    def broken(text, *args, **kwargs):
        if "broken" in text:
            raise RuntimeError(text)  # the text in the error: it must not reach the log
        return real(text, *args, **kwargs)

    monkeypatch.setattr(detect, "assess", broken)
    app = PeertuiApp(paths)
    with caplog.at_level(logging.DEBUG, logger="peertui"):
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.engine is not None and "circle" in screen_text(app))
            app.screen.query_one("#composer").focus()
            await pilot.press(*"a broken check here", "enter", *"then a fine one", "enter")
            await wait_for(
                pilot,
                lambda: _sent(app, gid) == ["a broken check here", "then a fine one"],
                what=f"both sent: {_sent(app, gid)}",
            )
            await wait_until(lambda: app.is_running, what="the app still running")
    failures = [r for r in caplog.records if "wellbeing_check_failed" in r.getMessage()]
    assert len(failures) == 1 and "RuntimeError" in failures[0].getMessage()
    assert not any("broken check" in r.getMessage() for r in caplog.records)
