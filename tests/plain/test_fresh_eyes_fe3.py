"""What the third fresh-eyes tester found in plain mode, typed through a real pty on a real
relay: the after-send offer claiming a refused message was being sent and approval never
saying the guidelines must be accepted, "si"/"nao" refused as answers, a reply typed at
/join's question lost, and digit-by-digit reading breaking an address."""

from __future__ import annotations

import pytest
from tests.plain.people import PlainUser, admitted, ask_to_join, host_group, invite_of

from peertui import i18n

pytestmark = pytest.mark.timeout(200)

CRISIS = "I want to kill myself, I already said goodbye to everyone"
BEING_SENT = "Your message is being sent."
ASKED = (
    "Asked to join as '{nick}'. A moderator has to approve you; you will see a line here when "
    "they do."
)
NOT_JOINED = "Not joined: joining needs the guidelines accepted."


def host_with_guidelines(plain_user, relay_url: str) -> tuple[PlainUser, str]:
    host = plain_user("host").ready()
    host.run(f"/host Tuesday circle {relay_url}", "-- Tuesday circle is ready")
    # Connected first, so the group's lines come in a known order (the connection line is an
    # aside: typed at a guideline after it, a line is still the answer; test_questions.py).
    host.wait_connected()
    host.run("/guidelines edit", "?? Guideline 1 (an empty line finishes)?")
    host.run("Be gentle with each other.", "?? Guideline 2")
    host.type("")
    host.run("yes", "-- The new guidelines are published.")
    return host, invite_of(host)


def test_approval_says_how_to_accept_and_a_first_message_asks_before_saying_it_is_sent(
    plain_user, relay
):
    host, token = host_with_guidelines(plain_user, relay.url)
    guest = plain_user("guest").ready()
    admitted(host, guest, token)
    guest.expect_exact("-- You are now a member of Tuesday circle.")
    guest.expect_exact("  Be gentle with each other.")
    guest.expect_exact("-- Before your first message, accept this group's guidelines: type /accept")
    start = len(guest.transcript)
    guest.type(CRISIS)
    guest.expect_exact("?? Do you accept this group's guidelines: yes or no?")
    # Nothing said the message was going out while it could not go.
    assert BEING_SENT not in guest.transcript[start:]
    assert "!! Read and accept this group's guidelines" not in guest.transcript[start:]
    guest.run("yes", "-- You accepted the guidelines of Tuesday circle; you can post.")
    guest.expect_exact(BEING_SENT)
    host.expect_exact(f"robin: {CRISIS}")


def test_a_muted_member_is_refused_before_any_offer_says_the_message_is_being_sent(
    plain_user, relay
):
    host, token = host_with_guidelines(plain_user, relay.url)
    guest = plain_user("guest").ready()
    admitted(host, guest, token)
    guest.expect_exact("-- You are now a member of Tuesday circle.")
    guest.run("/accept", "-- You accepted the guidelines")
    host.run("/mute robin 10 cooling off", "muted robin until")
    guest.expect_exact("muted robin")
    start = len(guest.transcript)
    guest.type(CRISIS)
    guest.expect_exact("!! You cannot post: muted by the moderators")
    guest.expect_exact("kept as your draft")
    assert BEING_SENT not in guest.transcript[start:]


@pytest.mark.parametrize(
    ("language", "lang", "typed", "outcome"),
    [
        ("es", "es_ES.UTF-8", "si", ASKED),
        ("pt_BR", "pt_BR.UTF-8", "nao", NOT_JOINED),
        ("pt_BR", "pt_BR.UTF-8", "SIM", ASKED),
    ],
)
def test_yes_and_no_typed_without_accents_are_answers(
    plain_user, relay, language, lang, typed, outcome
):
    w = i18n.translator(language)
    host = plain_user("host").ready()
    token = host_group(host, relay.url)
    guest = plain_user("guest", lang=lang)
    guest.child.expect_exact("> ")
    guest.type(f"/join {token} sage")
    guest.expect_exact("?? " + w.gettext("Do you accept these guidelines"))
    guest.type(typed)
    guest.expect_exact(w.gettext(outcome).format(nick="sage"))
    refused = w.gettext("That is not one of the choices ({words}), so it was not taken as the ")
    assert refused.split("(")[0] not in guest.transcript


def test_a_reply_typed_at_the_join_question_is_kept_as_the_new_groups_draft(plain_user, relay):
    host = plain_user("host").ready()
    token = host_group(host, relay.url)
    guest = plain_user("guest").ready()
    guest.type(f"/join {token} robin")
    guest.expect_exact("?? Do you accept these guidelines: yes or no?")
    guest.type("hello everyone, glad to be here")
    guest.expect_exact("-- Kept, not sent: it becomes your draft in the group you join or host")
    guest.expect_exact("?? Do you accept these guidelines: yes or no?")
    guest.run("yes", "-- Asked to join as 'robin'")
    guest.expect_exact("-- Kept as your draft for ")
    guest.run("/draft", "hello everyone, glad to be here")
    host.run("/approve robin", "admitted robin.")
    guest.expect_exact("-- You are now a member of Tuesday circle.")
    guest.type("/draft send")
    host.expect_exact("robin: hello everyone, glad to be here")


def test_digit_by_digit_reading_leaves_addresses_and_commands_as_typed(plain_user):
    user = plain_user("home").ready()
    user.run("/set read_digits on", "-- Saved")
    user.type("/host Test group http://127.0.0.1:1")
    user.expect_exact("!! ")
    user.expect_exact("\r\n")
    line = user.transcript.split("!! ")[-1]
    assert "http://127.0.0.1:1" in line, line
    assert "1 2 7" not in line, line


def test_setting_a_proxy_says_this_session_still_connects_directly(plain_user):
    user = plain_user("home").ready()
    user.run("/set proxy socks5://127.0.0.1:9050", "-- Saved: proxy = socks5://127.0.0.1:9050.")
    user.expect_exact("this session still connects directly, without it.")
    # Saving the same proxy again changes nothing, so nothing more is claimed.
    start = len(user.transcript)
    user.run("/set proxy socks5://127.0.0.1:9050", "-- Saved: proxy")
    user.expect_exact("> ")
    assert "connects directly" not in user.transcript[start:]


def test_banning_someone_who_only_asked_to_join_denies_and_bans_them(plain_user, relay):
    host = plain_user("host").ready()
    token = host_group(host, relay.url)
    asker = plain_user("asker").ready()
    ask_to_join(host, asker, token, "sage2")
    host.run("/ban sage2 spam", "-- sage2 had only asked to join: the request is denied and they")
    host.run("no", "-- Open invites stay valid.")
    assert "Nobody called 'sage2'" not in host.transcript
    assert "Moderation: host (owner) banned" in host.transcript
    # Told that the request was declined (the membership poll backs off: give it time).
    asker.expect_exact("-- Your request to join", timeout=90)
    asker.expect_exact("was declined")
    host.run("/approve sage2", "!! ")
