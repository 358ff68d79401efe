"""Sender sessions (as in Signal's sender keys and Matrix's Megolm) and group envelopes (v2).

Each member encrypts with its own hash ratchet: MK_n = BLAKE2b(key=CK_n, 0x01) encrypts message
n, CK_{n+1} = BLAKE2b(key=CK_n, 0x02) replaces CK_n, and neither is kept once used. Receivers
get the state at some index through a share and can then read that index and later ones only.
"""

from __future__ import annotations

import hashlib
import struct
import time
from dataclasses import dataclass, field
from typing import NamedTuple

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_sign,
    crypto_sign_open,
    crypto_sign_seed_keypair,
)
from nacl.exceptions import BadSignatureError
from nacl.exceptions import CryptoError as NaclCryptoError
from nacl.signing import SigningKey, VerifyKey

from peertui.core.crypto import _random
from peertui.core.crypto.identity import Identity
from peertui.core.crypto.padding import pad, unpad
from peertui.core.crypto.shares import SessionShare
from peertui_wire import binary
from peertui_wire.crypto_errors import (
    CryptoError,
    DecryptionFailed,
    InvalidSignature,
    MalformedData,
    ReplayedMessage,
    TooFarAhead,
    UnknownSession,
)
from peertui_wire.protocol import (
    CHAIN_KEY_BYTES,
    CHAIN_KEY_INPUT,
    ENVELOPE_NONCE_OFFSET,
    ENVELOPE_SENDER_OFFSET,
    ENVELOPE_SIGNATURE_DOMAIN,
    GROUP_ID_BYTES,
    HASH_BYTES,
    KIND_ENVELOPE,
    KIND_INBOUND_STATE,
    KIND_OUTBOUND_STATE,
    MAX_ENVELOPE_BYTES,
    MAX_FORWARD_JUMP,
    MAX_INDEX,
    MAX_SKIPPED_KEYS,
    MESSAGE_KEY_INPUT,
    NONCE_BYTES,
    PUBLIC_KEY_BYTES,
    ROTATE_AFTER_MESSAGES,
    ROTATE_AFTER_MS,
    SESSION_ID_BYTES,
    SIGNATURE_BYTES,
    TAG_BYTES,
)


# Keyed BLAKE2b from hashlib: the same function as libsodium's crypto_generichash (the test
# vectors pin it), without PyNaCl's per-call argument checks, which cost ten times the hash
# itself and made the ratchet the largest part of encrypting and decrypting a message.
def message_key(chain_key: bytes) -> bytes:
    return hashlib.blake2b(MESSAGE_KEY_INPUT, digest_size=CHAIN_KEY_BYTES, key=chain_key).digest()


def next_chain_key(chain_key: bytes) -> bytes:
    return hashlib.blake2b(CHAIN_KEY_INPUT, digest_size=CHAIN_KEY_BYTES, key=chain_key).digest()


def _now_ms() -> int:
    return int(time.time() * 1000)


def envelope_id(envelope: bytes) -> bytes:
    """BLAKE2b-256 of the whole envelope: how a delete names a message end to end."""
    return hashlib.blake2b(envelope, digest_size=HASH_BYTES).digest()


def _signed_part(group_raw: bytes, body: bytes) -> bytes:
    return ENVELOPE_SIGNATURE_DOMAIN + group_raw + body


def _associated_data(group_raw: bytes, header: bytes) -> bytes:
    """version | kind | group id | header bytes from the epoch to the roster head hash."""
    return header[:2] + group_raw + header[2:ENVELOPE_NONCE_OFFSET]


@dataclass(frozen=True)
class RosterHead:
    """The last roster event a sender had applied: its index and raw BLAKE2b-256 hash."""

    index: int
    hash: bytes

    def __post_init__(self) -> None:
        if type(self.index) is not int or not 0 <= self.index <= MAX_INDEX:
            raise MalformedData("roster index must be an integer from 0 to 2**32 - 1")
        if not isinstance(self.hash, bytes) or len(self.hash) != HASH_BYTES:
            raise MalformedData(f"a roster head hash must be {HASH_BYTES} bytes")

    def to_bytes(self) -> bytes:
        return binary.u32(self.index) + self.hash


_ENVELOPE_KIND = binary.header(KIND_ENVELOPE)
# After the version and kind bytes: epoch, session id, index, sender, roster head, nonce.
_ENVELOPE_HEADER = struct.Struct(
    f">2xI{SESSION_ID_BYTES}sI{PUBLIC_KEY_BYTES}sI{HASH_BYTES}s{NONCE_BYTES}s"
)
_ENVELOPE_MIN_BYTES = _ENVELOPE_HEADER.size + TAG_BYTES + SIGNATURE_BYTES
assert _ENVELOPE_HEADER.size == ENVELOPE_NONCE_OFFSET + NONCE_BYTES
# The same header without its nonce, as a sender writes it after the version and kind bytes.
_HEADER_FIELDS = struct.Struct(f">I{SESSION_ID_BYTES}sI{PUBLIC_KEY_BYTES}sI{HASH_BYTES}s")
# Inside the ciphertext, before the payload: the signed time and the per-group counter.
_INNER_HEADER = struct.Struct(">QI")


def _well_formed(raw: object) -> bool:
    """Whether `raw` can be read with one struct unpack (anything else goes through the strict
    reader, which says what is wrong)."""
    return (
        isinstance(raw, bytes)
        and raw[:2] == _ENVELOPE_KIND
        and _ENVELOPE_MIN_BYTES <= len(raw) <= MAX_ENVELOPE_BYTES
    )


def _read_head(index: int, hash_: bytes) -> RosterHead:
    """A RosterHead from a struct unpack, which already guarantees what __post_init__ checks
    (a u32 index, a 32-byte hash): built without the checks, as every message carries one."""
    head = object.__new__(RosterHead)
    object.__setattr__(head, "index", index)
    object.__setattr__(head, "hash", hash_)
    return head


class _Envelope(NamedTuple):  # (a tuple: built once per received message, cheaply)
    epoch: int
    session_id: bytes
    message_index: int  # (not "index": a tuple has an index method)
    sender: bytes
    head: RosterHead
    nonce: bytes
    ciphertext: bytes
    body: bytes  # every byte the signature covers after the domain and group id
    signature: bytes

    @classmethod
    def parse(cls, data: bytes) -> _Envelope:
        """Every received message goes through here: one struct unpack for a well-formed
        envelope; anything else is read field by field to say what is wrong with it."""
        raw = bytes(data) if isinstance(data, (bytearray, memoryview)) else data
        if _well_formed(raw):
            epoch, session_id, index, sender, head_index, head_hash, nonce = (
                _ENVELOPE_HEADER.unpack_from(raw)
            )
            body = raw[:-SIGNATURE_BYTES]
            return cls(
                epoch,
                session_id,
                index,
                sender,
                _read_head(head_index, head_hash),
                nonce,
                body[_ENVELOPE_HEADER.size :],
                body,
                raw[-SIGNATURE_BYTES:],
            )
        return cls._parse_strictly(data)

    @classmethod
    def _parse_strictly(cls, data: bytes) -> _Envelope:
        reader = binary.Reader(data, "message envelope")
        if reader.remaining() > MAX_ENVELOPE_BYTES:
            raise MalformedData(f"message envelope is larger than {MAX_ENVELOPE_BYTES} bytes")
        reader.expect_header(KIND_ENVELOPE)
        epoch = reader.u32()
        session_id = reader.take(SESSION_ID_BYTES)
        index = reader.u32()
        sender = reader.take(PUBLIC_KEY_BYTES)
        head = RosterHead(reader.u32(), reader.take(HASH_BYTES))
        nonce = reader.take(NONCE_BYTES)
        if reader.remaining() < TAG_BYTES + SIGNATURE_BYTES:
            raise MalformedData("message envelope is truncated")
        ciphertext = reader.take(reader.remaining() - SIGNATURE_BYTES)
        signature = reader.take(SIGNATURE_BYTES)
        raw = bytes(data)
        return cls(
            epoch,
            session_id,
            index,
            sender,
            head,
            nonce,
            ciphertext,
            raw[:-SIGNATURE_BYTES],
            signature,
        )


def envelope_sender(envelope: bytes) -> bytes:
    """The sender key an envelope claims, unverified: for routing only, never for trust."""
    reader = binary.Reader(envelope, "message envelope")
    reader.expect_header(KIND_ENVELOPE)
    reader.take(ENVELOPE_SENDER_OFFSET - 2)
    return reader.take(PUBLIC_KEY_BYTES)


def envelope_route(envelope: bytes) -> tuple[bytes, bytes, RosterHead]:
    """(sender key, session id, roster head) an envelope claims, unverified: for deciding how
    to process it only; `InboundSessions.decrypt` checks the same bytes before any are trusted.
    Only the header is read (every received message is routed before it is decrypted)."""
    if _well_formed(envelope):
        _epoch, session_id, _index, sender, head_index, head_hash, _nonce = (
            _ENVELOPE_HEADER.unpack_from(envelope)
        )
        return sender, session_id, _read_head(head_index, head_hash)
    env = _Envelope.parse(envelope)
    return env.sender, env.session_id, env.head


def signed_position(envelope: bytes, group_id: str, verify_key: bytes) -> tuple[bytes, int] | None:
    """(session id, index) of an envelope signed with `verify_key` (a session's) for this group,
    else None. For my own sessions, for which I hold no inbound state: whether an envelope in
    one of them was made by a device holding that session, or forged by the relay."""
    if not _well_formed(envelope):
        return None
    _epoch, session_id, index, _sender, _hi, _hh, _nonce = _ENVELOPE_HEADER.unpack_from(envelope)
    body, signature = envelope[:-SIGNATURE_BYTES], envelope[-SIGNATURE_BYTES:]
    try:
        VerifyKey(verify_key).verify(_signed_part(binary.group_id_bytes(group_id), body), signature)
    except (BadSignatureError, ValueError, TypeError):
        return None
    return session_id, index


def envelope_session(envelope: bytes) -> bytes | None:
    """The session id an envelope claims, unverified (None if it cannot be read)."""
    if not _well_formed(envelope):
        return None
    return bytes(_ENVELOPE_HEADER.unpack_from(envelope)[1])


class OutboundSession:
    """My sending chain in one group, bound to the roster head it was made under."""

    def __init__(
        self,
        *,
        group_id: str,
        sender_key: bytes,
        session_id: bytes,
        epoch: int,
        index: int,
        created_ms: int,
        chain_key: bytes,
        signing_seed: bytes,
        roster: RosterHead,
        counter: int,
    ):
        self.group_id = group_id
        self.sender_key = sender_key
        self.session_id = session_id
        self.epoch = epoch
        self.index = index
        self.created_ms = created_ms
        self.roster = roster
        self.counter = counter  # my next per-group message number; continues across sessions
        self._chain_key = chain_key
        self._signing_seed = signing_seed
        self._signing_key = SigningKey(signing_seed)
        # The same key for libsodium directly: PyNaCl's SigningKey.sign builds a SignedMessage
        # (three more copies of the envelope) around a signature that is then sliced off.
        self._secret_key = crypto_sign_seed_keypair(signing_seed)[1]
        self._group_raw = binary.group_id_bytes(group_id)

    def __repr__(self) -> str:
        return f"OutboundSession(epoch={self.epoch}, index={self.index})"

    @classmethod
    def create(
        cls,
        identity: Identity,
        group_id: str,
        epoch: int,
        *,
        roster: RosterHead,
        counter: int = 0,
        now_ms: int | None = None,
    ) -> OutboundSession:
        if type(epoch) is not int or not 0 <= epoch <= MAX_INDEX:
            raise MalformedData("epoch must be an integer from 0 to 2**32 - 1")
        return cls(
            group_id=group_id,
            sender_key=identity.public_key,
            session_id=_random.random_bytes(SESSION_ID_BYTES),
            epoch=epoch,
            index=0,
            created_ms=_now_ms() if now_ms is None else now_ms,
            chain_key=_random.random_bytes(CHAIN_KEY_BYTES),
            signing_seed=_random.random_bytes(32),
            roster=roster,
            counter=counter,
        )

    def _check_owner(self, identity: Identity) -> None:
        if identity.public_key != self.sender_key:
            raise CryptoError("this session belongs to a different identity")

    def encrypt(
        self,
        identity: Identity,
        payload: bytes,
        *,
        head: RosterHead | None = None,
        sent_ms: int | None = None,
    ) -> bytes:
        """Encrypt one payload; `head` is my roster head now (default: the session's)."""
        self._check_owner(identity)
        if self.index >= MAX_INDEX or self.counter >= MAX_INDEX:
            raise CryptoError("this session is exhausted; start a new one")
        head = head or self.roster
        sent = _now_ms() if sent_ms is None else sent_ms
        padded = pad(binary.u64(sent) + binary.u32(self.counter) + payload)
        nonce = _random.random_bytes(NONCE_BYTES)
        # (Every field has its exact size: checked above, by RosterHead and when made or read.)
        header = _ENVELOPE_KIND + _HEADER_FIELDS.pack(
            self.epoch, self.session_id, self.index, self.sender_key, head.index, head.hash
        )
        ciphertext = crypto_aead_xchacha20poly1305_ietf_encrypt(
            padded, _associated_data(self._group_raw, header), nonce, message_key(self._chain_key)
        )
        body = b"".join((header, nonce, ciphertext))
        signed = b"".join((ENVELOPE_SIGNATURE_DOMAIN, self._group_raw, body))
        signature = crypto_sign(signed, self._secret_key)[:SIGNATURE_BYTES]
        # Forward secrecy within the chain: the key just used can no longer be derived here.
        self._chain_key = next_chain_key(self._chain_key)
        self.index += 1
        self.counter += 1
        return body + signature

    @property
    def verify_key(self) -> bytes:
        """The public half of this session's signing key (what its share carries)."""
        return bytes(self._signing_key.verify_key)

    def needs_rotation(self, now_ms: int | None = None) -> bool:
        now = _now_ms() if now_ms is None else now_ms
        return self.index >= ROTATE_AFTER_MESSAGES or now - self.created_ms >= ROTATE_AFTER_MS

    def share(self, identity: Identity) -> SessionShare:
        """This session's state at its current index, as handed to a member."""
        self._check_owner(identity)
        return SessionShare(
            group_id=self.group_id,
            sender_key=self.sender_key,
            session_id=self.session_id,
            epoch=self.epoch,
            index=self.index,
            chain_key=self._chain_key,
            verify_key=bytes(self._signing_key.verify_key),
            roster_index=self.roster.index,
            roster_hash=self.roster.hash,
        )

    def to_bytes(self) -> bytes:
        return (
            binary.header(KIND_OUTBOUND_STATE)
            + self._group_raw
            + self.sender_key
            + self.session_id
            + binary.u32(self.epoch)
            + binary.u32(self.index)
            + binary.u64(self.created_ms)
            + self._chain_key
            + self._signing_seed
            + self.roster.to_bytes()
            + binary.u32(self.counter)
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> OutboundSession:
        reader = binary.Reader(data, "stored outbound session")
        reader.expect_header(KIND_OUTBOUND_STATE)
        session = cls(
            group_id=binary.group_id_text(reader.take(GROUP_ID_BYTES)),
            sender_key=reader.take(PUBLIC_KEY_BYTES),
            session_id=reader.take(SESSION_ID_BYTES),
            epoch=reader.u32(),
            index=reader.u32(),
            created_ms=reader.u64(),
            chain_key=reader.take(CHAIN_KEY_BYTES),
            signing_seed=reader.take(32),
            roster=RosterHead(reader.u32(), reader.take(HASH_BYTES)),
            counter=reader.u32(),
        )
        reader.end()
        return session


@dataclass(slots=True)
class Decrypted:
    sender_key: bytes
    session_id: bytes
    index: int
    epoch: int
    plaintext: bytes  # the payload, after the signed time and counter
    sent_ms: int  # the sender's clock, signed inside the ciphertext
    counter: int  # the sender's per-group message number
    head: RosterHead  # the sender's roster head when it sent this
    session_roster: RosterHead  # the roster head the sender's session was made under
    envelope_id: bytes

    def __repr__(self) -> str:  # never show message text
        return f"Decrypted(epoch={self.epoch}, index={self.index}, {len(self.plaintext)} bytes)"


@dataclass
class _InboundSession:
    """One sender session as a receiver holds it.

    Indices below `floor` are unreadable (before the share, or their skipped key was dropped);
    indices in [floor, next_index) are readable only through `skipped`; `chain_key` is CK at
    `next_index`.
    """

    epoch: int
    verify_key: bytes
    roster: RosterHead
    start: int
    floor: int
    next_index: int
    chain_key: bytes
    skipped: dict[int, bytes] = field(default_factory=dict)


def _bound_skipped(skipped: dict[int, bytes], floor: int) -> tuple[dict[int, bytes], int]:
    """Keep at most MAX_SKIPPED_KEYS skipped keys, dropping the oldest; return the new floor."""
    if len(skipped) <= MAX_SKIPPED_KEYS:
        return skipped, floor
    ordered = sorted(skipped)
    kept = ordered[-MAX_SKIPPED_KEYS:]
    return {i: skipped[i] for i in kept}, max(floor, kept[0])


class InboundSessions:
    """Every sender session I can read in one group."""

    def __init__(self, group_id: str):
        self.group_id = group_id
        self._group_raw = binary.group_id_bytes(group_id)
        self._sessions: dict[tuple[bytes, bytes], _InboundSession] = {}

    def __repr__(self) -> str:
        return f"InboundSessions({len(self._sessions)} sessions)"

    def add_share(self, share: SessionShare) -> bool:
        """Take a share; True if it gave something new (a new session or earlier index)."""
        if share.group_id != self.group_id:
            raise MalformedData("session share belongs to a different group")
        key = (share.sender_key, share.session_id)
        held = self._sessions.get(key)
        if held is None:
            self._sessions[key] = _InboundSession(
                epoch=share.epoch,
                verify_key=share.verify_key,
                roster=RosterHead(share.roster_index, share.roster_hash),
                start=share.index,
                floor=share.index,
                next_index=share.index,
                chain_key=share.chain_key,
            )
            return True
        if share.index >= held.start:
            return False
        return self._merge_earlier_share(held, share)

    def _merge_earlier_share(self, held: _InboundSession, share: SessionShare) -> bool:
        """Add keys for [share.index, held.start) without forgetting which later ones were used."""
        if (
            share.epoch != held.epoch
            or share.verify_key != held.verify_key
            or RosterHead(share.roster_index, share.roster_hash) != held.roster
        ):
            return False
        if held.next_index - share.index > MAX_FORWARD_JUMP:
            return False
        chain_key, earlier = share.chain_key, {}
        for index in range(share.index, held.next_index):
            if index < held.start:
                earlier[index] = message_key(chain_key)
            chain_key = next_chain_key(chain_key)
        if chain_key != held.chain_key:
            return False  # not the same chain: a sender cannot rewrite history it already sent
        held.skipped, held.floor = _bound_skipped({**earlier, **held.skipped}, share.index)
        held.start = share.index
        return True

    def forget_sender(self, sender_key: bytes) -> None:
        for key in [k for k in self._sessions if k[0] == sender_key]:
            del self._sessions[key]

    def decrypt(self, envelope: bytes) -> Decrypted:
        env = _Envelope.parse(envelope)
        session = self._sessions.get((env.sender, env.session_id))
        if session is None:
            raise UnknownSession(
                "no key has been shared yet for this sender's session; it may arrive shortly"
            )
        try:
            # libsodium directly (as VerifyKey.verify calls it), without a VerifyKey per message.
            crypto_sign_open(
                b"".join((env.signature, ENVELOPE_SIGNATURE_DOMAIN, self._group_raw, env.body)),
                session.verify_key,
            )
        except (BadSignatureError, NaclCryptoError, ValueError):
            raise InvalidSignature(
                "message signature does not match its session: it was altered, moved to "
                "another group or relabelled"
            ) from None
        if env.epoch != session.epoch:
            raise MalformedData("message epoch differs from its session's epoch")
        key, commit = self._key_for(session, env.message_index)
        ad = _associated_data(self._group_raw, env.body)
        try:
            padded = crypto_aead_xchacha20poly1305_ietf_decrypt(env.ciphertext, ad, env.nonce, key)
        except (NaclCryptoError, ValueError):
            raise DecryptionFailed("message cannot be decrypted: it is damaged") from None
        inner = unpad(padded)
        if len(inner) < _INNER_HEADER.size:
            raise MalformedData("message contents is truncated")
        sent_ms, counter = _INNER_HEADER.unpack_from(inner)
        payload = inner[_INNER_HEADER.size :]
        commit()
        return Decrypted(
            sender_key=env.sender,
            session_id=env.session_id,
            index=env.message_index,
            epoch=env.epoch,
            plaintext=payload,
            sent_ms=sent_ms,
            counter=counter,
            head=env.head,
            session_roster=session.roster,
            envelope_id=envelope_id(envelope),
        )

    def has_session(self, sender_key: bytes, session_id: bytes) -> bool:
        return (sender_key, session_id) in self._sessions

    def session_roster(self, sender_key: bytes, session_id: bytes) -> RosterHead | None:
        held = self._sessions.get((sender_key, session_id))
        return held.roster if held else None

    @staticmethod
    def _key_for(session: _InboundSession, index: int):
        """The message key for `index` and a function that commits the ratchet's advance.

        Nothing changes until the message has authenticated, so a bad message costs nothing.
        """
        if index >= MAX_INDEX:
            raise MalformedData("message index is out of range")
        if index in session.skipped:
            return session.skipped[index], lambda: session.skipped.pop(index, None)
        if index < session.start:
            raise DecryptionFailed(
                "message was sent before this device received the sender's session key"
            )
        if index < session.floor:
            raise DecryptionFailed(
                f"message arrived too late: its key was dropped after {MAX_SKIPPED_KEYS} "
                "later messages"
            )
        if index < session.next_index:
            raise ReplayedMessage(f"message index {index} was already received (a replay)")
        if index - session.next_index > MAX_FORWARD_JUMP:
            raise TooFarAhead(
                f"message claims to be {index - session.next_index} messages ahead; "
                f"at most {MAX_FORWARD_JUMP} are accepted"
            )
        chain_key, new_skipped = session.chain_key, {}
        keep_from = index - MAX_SKIPPED_KEYS
        for skipped_index in range(session.next_index, index):
            if skipped_index >= keep_from:
                new_skipped[skipped_index] = message_key(chain_key)
            chain_key = next_chain_key(chain_key)
        key = message_key(chain_key)
        next_key = next_chain_key(chain_key)

        # A jump longer than the skip limit leaves the keys it passed over underived for good.
        floor = keep_from if keep_from > session.next_index else session.floor

        def commit() -> None:
            if new_skipped:
                session.skipped, session.floor = _bound_skipped(
                    {**session.skipped, **new_skipped}, floor
                )
            session.chain_key, session.next_index = next_key, index + 1

        return key, commit

    def to_bytes(self) -> bytes:
        parts = [
            binary.header(KIND_INBOUND_STATE),
            self._group_raw,
            binary.u32(len(self._sessions)),
        ]
        for (sender, session_id), s in self._sessions.items():
            parts += [
                sender,
                session_id,
                binary.u32(s.epoch),
                s.verify_key,
                s.roster.to_bytes(),
                binary.u32(s.start),
                binary.u32(s.floor),
                binary.u32(s.next_index),
                s.chain_key,
                binary.u16(len(s.skipped)),
            ]
            for index, key in sorted(s.skipped.items()):
                parts += [binary.u32(index), key]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> InboundSessions:
        reader = binary.Reader(data, "stored inbound sessions")
        reader.expect_header(KIND_INBOUND_STATE)
        inbound = cls(binary.group_id_text(reader.take(GROUP_ID_BYTES)))
        for _ in range(reader.u32()):
            sender = reader.take(PUBLIC_KEY_BYTES)
            session_id = reader.take(SESSION_ID_BYTES)
            session = _InboundSession(
                epoch=reader.u32(),
                verify_key=reader.take(PUBLIC_KEY_BYTES),
                roster=RosterHead(reader.u32(), reader.take(HASH_BYTES)),
                start=reader.u32(),
                floor=reader.u32(),
                next_index=reader.u32(),
                chain_key=reader.take(CHAIN_KEY_BYTES),
            )
            for _ in range(reader.u16()):
                index = reader.u32()
                session.skipped[index] = reader.take(CHAIN_KEY_BYTES)
            if not session.start <= session.floor <= session.next_index:
                raise MalformedData("stored inbound sessions are inconsistent")
            inbound._sessions[(sender, session_id)] = session
        reader.end()
        return inbound
