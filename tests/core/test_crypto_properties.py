"""Property tests: any altered byte of anything that crosses the relay is refused in words.

"Refused" means one of the library's own errors; any other exception (IndexError, ValueError,
a PyNaCl error) escaping would fail these tests.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.core.cryptokit import HEAD, bundle, secrets

from peertui.core.crypto import (
    CryptoError,
    Identity,
    InboundSessions,
    OutboundSession,
    SessionShare,
    open_sealed,
    open_share,
    seal,
    seal_share,
)
from peertui_wire.ids import group_id_for

ALICE, BOB = Identity.generate(), Identity.generate()
GROUP = group_id_for(ALICE.public_key)
CONTEXT = b"join|" + GROUP.encode()
OUTBOUND = OutboundSession.create(ALICE, GROUP, epoch=5, roster=HEAD)
SHARE = seal_share(ALICE, OUTBOUND, bundle(BOB))
ENVELOPES = [OUTBOUND.encrypt(ALICE, text) for text in (b"", b"hello", b"x" * 5000)]
SEALED = [seal(ALICE, bundle(BOB), p, context=CONTEXT) for p in (b"", b"a join request")]

flip = st.integers(min_value=1, max_value=255)
fast = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def flipped(data: bytes, position: int, mask: int) -> bytes:
    position %= len(data)
    return data[:position] + bytes([data[position] ^ mask]) + data[position + 1 :]


def fresh_inbound() -> InboundSessions:
    inbound = InboundSessions(GROUP)
    inbound.add_share(open_share(BOB, secrets(BOB), SHARE, GROUP))
    return inbound


def refused(action) -> CryptoError:
    try:
        action()
    except CryptoError as exc:
        assert str(exc), "errors must say what is wrong"
        return exc
    raise AssertionError("altered data was accepted")


@fast
@given(which=st.sampled_from(range(len(ENVELOPES))), position=st.integers(0, 10**6), mask=flip)
def test_any_flipped_envelope_byte_is_refused(which, position, mask):
    inbound = fresh_inbound()
    refused(lambda: inbound.decrypt(flipped(ENVELOPES[which], position, mask)))
    assert inbound.decrypt(ENVELOPES[which]).epoch == 5  # and the state was not disturbed


@fast
@given(position=st.integers(0, 10**6), mask=flip)
def test_any_flipped_share_byte_is_refused(position, mask):
    refused(lambda: open_share(BOB, secrets(BOB), flipped(SHARE, position, mask), GROUP))


@fast
@given(which=st.sampled_from(range(len(SEALED))), position=st.integers(0, 10**6), mask=flip)
def test_any_flipped_sealed_byte_is_refused(which, position, mask):
    refused(
        lambda: open_sealed(
            BOB, secrets(BOB), flipped(SEALED[which], position, mask), context=CONTEXT
        )
    )


@fast
@given(cut=st.integers(0, 10**6))
def test_every_truncation_is_refused(cut):
    for blob, action in [
        (ENVELOPES[1], lambda b: fresh_inbound().decrypt(b)),
        (SHARE, lambda b: open_share(BOB, secrets(BOB), b, GROUP)),
        (SEALED[1], lambda b: open_sealed(BOB, secrets(BOB), b, context=CONTEXT)),
    ]:
        refused(lambda a=action, b=blob: a(b[: cut % len(b)]))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_library_errors(data):
    inbound = fresh_inbound()
    for action in (
        lambda: inbound.decrypt(data),
        lambda: open_share(BOB, secrets(BOB), data, GROUP),
        lambda: open_sealed(BOB, secrets(BOB), data, context=CONTEXT),
        lambda: SessionShare.from_bytes(data),
    ):
        refused(action)
    for parse in (InboundSessions.from_bytes, OutboundSession.from_bytes):
        assert_stable_or_refused(parse, data)


def assert_stable_or_refused(parse, data: bytes) -> None:
    """Unauthenticated local state: either a library error, or a value that round-trips."""
    try:
        value = parse(data)
    except CryptoError:
        return
    assert parse(value.to_bytes()).to_bytes() == value.to_bytes()


@settings(max_examples=200, deadline=None)
@given(position=st.integers(0, 10**6), mask=flip)
def test_damaged_stored_state_fails_as_a_library_error(position, mask):
    inbound = fresh_inbound()
    inbound.decrypt(ENVELOPES[2])
    for stored, parse in (
        (inbound.to_bytes(), InboundSessions.from_bytes),
        (OUTBOUND.to_bytes(), OutboundSession.from_bytes),
    ):
        assert_stable_or_refused(parse, flipped(stored, position, mask))
