"""What a fresh-eyes tester of session 10 found in the TUI, with the real binary in tmux: at
60x20 the crisis screen's key bar ended "^o Someone I know is in dange" and the safety keys'
line lost its last word ("ctrl+p more"), in English and Portuguese alike; the country box's
hint ended "(e.g"."""

from __future__ import annotations

import pytest

from peertui.i18n import _, pgettext, use_language

from .tmux import start_peertui

pytestmark = pytest.mark.timeout(120)

LOCALES = {"en": "en_US.UTF-8", "es": "es_ES.UTF-8", "pt_BR": "pt_BR.UTF-8"}


@pytest.mark.parametrize("lang", ["en", "es", "pt_BR"])
def test_the_crisis_screen_keeps_every_key_whole_at_60x20(tmp_path, lang):
    use_language(lang)
    try:
        title = _("Crisis lines — if you are in danger now, call your emergency number.")
        helping = _("Help someone else")
        placeholder = _("Another country: name or code (e.g. DE), then Enter")
        more = _("ctrl+p more")
        exit_word = pgettext("safety key", "exit")
    finally:
        use_language("en")
    tmux = start_peertui(tmp_path / "home", 60, 20, env={"LANG": LOCALES[lang]})
    try:
        tmux.wait_for("F12")
        tmux.keys("F1")
        tmux.wait_for(title.split(" — ")[0])
        screen = tmux.wait_for("^s ")  # the key bar is drawn
        rows = screen.rstrip("\n").splitlines()
        assert rows[-1].rstrip().endswith(helping), screen
        assert placeholder in screen, screen
        assert rows[-2].rstrip().endswith(more) and f"F12 {exit_word}" in rows[-2], screen
        tmux.keys("Escape")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()


async def test_a_notice_under_the_highlight_is_not_counted_as_a_new_message(make_paths, relay):
    """Thanking an older message put 'Thanked river for message #1.' under it, and the
    conversation's border said '1 new message below — End jumps to them' of that notice, in
    plain sight; a real message arriving below is still counted."""
    from peertui.core.engine import Engine
    from peertui.tui.app import PeertuiApp

    from .conftest import PASSPHRASE, wait_for, wait_until
    from .screen_text import screen_text

    alice_paths = make_paths("alice")
    owner = await Engine.open(alice_paths, PASSPHRASE)
    group = await owner.host_group("evening", relay_url=relay.url, nick="alice")
    gid = group.group_id
    token = await owner.create_invite(gid)
    owner.remember_current_group(gid)
    await owner.close()
    river = await Engine.open(make_paths("river"), PASSPHRASE)
    app = PeertuiApp(alice_paths)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.engine is not None, what="the engine")
            await river.join(token, "river")
            await wait_until(lambda: app.engine.pending_requests(gid), what="the join request")
            await app.engine.approve(gid, app.engine.pending_requests(gid)[0].member_id)
            await wait_until(lambda: river.group(gid).state == "active", what="admitted")
            await river.send(gid, "first from river")
            await river.send(gid, "second from river")
            await wait_for(pilot, lambda: "second from river" in screen_text(app), what="both")
            messages = app.screen.query_one("#messages")
            messages.focus()
            await pilot.press("up")  # the first message, one above the newest
            await pilot.pause()
            await pilot.press("t")
            await wait_for(
                pilot, lambda: "Thanked river for message" in screen_text(app), what="the thanks"
            )
            await pilot.pause(0.3)
            assert "new message below" not in screen_text(app), screen_text(app)
            await river.send(gid, "third from river")
            await wait_for(
                pilot,
                lambda: "1 new message below" in screen_text(app),
                what="a real message counted below",
            )
    finally:
        await river.close()


def test_a_search_typed_right_after_sending_finds_what_was_sent(tmp_path, relay):
    """'fast one' Enter '/search fast' Enter, typed in one go: the search said 'Nothing found
    in your history.' while the message was on screen (it ran before the send had stored
    it); plain mode, which takes lines in turn, found it."""
    from .tmux import make_pair

    pair = make_pair(tmp_path, relay.url)
    tmux = start_peertui(pair.alice_home, 100, 30)
    try:
        tmux.wait_for("you are alice")
        tmux.wait_for("connected")
        tmux.type("a fast line")
        tmux.keys("Enter")
        tmux.type("/search fast")
        tmux.keys("Enter")
        screen = tmux.wait_for("Search: fast")
        screen = tmux.wait_until(
            lambda s: "alice: a fast line" in s.split("Search: fast", 1)[1] or "Nothing found" in s,
            "the search's answer",
        )
        assert "Nothing found" not in screen, screen
        tmux.keys("Escape")
        tmux.keys("C-q")
        tmux.wait_until_shell_runs()
    finally:
        tmux.close()
