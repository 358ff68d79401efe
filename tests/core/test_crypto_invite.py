"""Invite tokens: round trip, and a clear sentence for every way a paste can go wrong."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peertui.core.crypto import Identity, InvalidInvite, Invite
from peertui.core.crypto.invite import BadInvite, InviteFault, _checksum
from peertui_wire.encoding import b64d, b64e
from peertui_wire.ids import group_id_for

OWNER = Identity.from_seed(bytes(range(32)))
INVITE = Invite.create("https://relay.example.org:8443/base", OWNER.public_key)
TOKEN = INVITE.token()


def _reencode(body: bytes) -> str:
    return "peertui:" + b64e(body + _checksum(body))


def test_round_trip_and_fresh_secret():
    parsed = Invite.parse(TOKEN)
    assert parsed == INVITE
    assert parsed.group_id == group_id_for(OWNER.public_key)
    assert TOKEN.startswith("peertui:") and not any(c.isspace() for c in TOKEN)
    assert Invite.create(INVITE.relay_url, OWNER.public_key).secret != INVITE.secret
    assert INVITE.secret.hex() not in repr(INVITE)
    # The join key's secret half never travels in the token: a parsed invite lacks it.
    assert len(INVITE.join_secret) == 32 and parsed.join_secret == b""
    assert parsed.join_key == INVITE.join_key and INVITE.join_secret not in b64d(TOKEN[8:])


def test_a_paste_broken_over_lines_still_parses():
    wrapped = "  " + "\n".join(TOKEN[i : i + 40] for i in range(0, len(TOKEN), 40)) + "\n"
    assert Invite.parse(wrapped) == INVITE


@pytest.mark.parametrize(
    ("token", "fault"),
    [
        ("https://example.org/join", InviteFault.NO_PREFIX),
        ("peertui:", InviteFault.EMPTY),
        (TOKEN[:-7] + "!" + TOKEN[-6:], InviteFault.BAD_CHARACTERS),
        (TOKEN[:60], InviteFault.TRUNCATED),
        (TOKEN[:12], InviteFault.TRUNCATED),
        (TOKEN[:-6], InviteFault.INCOMPLETE_OR_DAMAGED),
        (TOKEN[:-2], InviteFault.INCOMPLETE_OR_DAMAGED),
        (TOKEN[:-1], InviteFault.TRUNCATED),
    ],
    # The token is generated at import, so ids name the case, not the random token (pytest-xdist
    # workers must collect the same ids).
    ids=["url", "empty", "bad-char", "cut-60", "cut-12", "cut-6", "cut-2", "cut-1"],
)
def test_bad_tokens_say_what_is_wrong(token, fault):
    """Each refusal names the part that is wrong (the front-ends word it, see tests/ui)."""
    with pytest.raises(BadInvite) as refused:
        Invite.parse(token)
    assert refused.value.fault is fault


def test_checksum_version_group_and_url_are_checked():
    raw = b64d(TOKEN[len("peertui:") :])
    body = raw[:-4]
    flipped = TOKEN[:30] + ("A" if TOKEN[30] != "A" else "B") + TOKEN[31:]
    with pytest.raises(InvalidInvite, match="checksum"):
        Invite.parse(flipped)
    # A protocol-1 invite (nothing was released, so no converter): refused, saying what to do.
    with pytest.raises(BadInvite, match="format version 1") as old:
        Invite.parse(_reencode(b"\x01" + body[1:]))
    assert (old.value.fault, old.value.version) == (InviteFault.UNKNOWN_VERSION, 1)
    other_group = b64d(group_id_for(Identity.generate().public_key))
    with pytest.raises(InvalidInvite, match="group id does not match the owner key"):
        Invite.parse(_reencode(body[:1] + other_group + body[17:]))
    with pytest.raises(InvalidInvite, match="extra data"):
        Invite.parse(_reencode(body + b"\x00"))
    ftp = b"ftp://x"
    with pytest.raises(InvalidInvite, match="http"):
        Invite.parse(_reencode(body[:113] + len(ftp).to_bytes(2, "big") + ftp))
    with pytest.raises(InvalidInvite, match="not a valid public key"):
        bad_owner = b"\xff" * 32
        Invite.parse(_reencode(body[:1] + b64d(group_id_for(bad_owner)) + bad_owner + body[49:]))
    with pytest.raises(InvalidInvite, match="http"):
        Invite.create("relay.example.org", OWNER.public_key)
    with pytest.raises(InvalidInvite):
        Invite.parse(None)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    position=st.integers(min_value=0, max_value=len(TOKEN) - 1),
    replacement=st.characters(codec="ascii", exclude_characters=" \t\n\r\x0b\x0c"),
)
def test_any_changed_character_is_caught(position, replacement):
    mangled = TOKEN[:position] + replacement + TOKEN[position + 1 :]
    if mangled.lower() == TOKEN.lower() and position < len("peertui:"):
        return  # the prefix is case-insensitive on purpose
    if mangled == TOKEN:
        return
    with pytest.raises(InvalidInvite):
        Invite.parse(mangled)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_escapes_as_another_error(text):
    try:
        Invite.parse(text)
    except InvalidInvite as exc:
        assert str(exc)
