"""Protocol v2 constants shared by the client and the relay.

Every binary format starts with a version byte and a kind byte, so a later protocol can be
introduced next to this one and a blob of one kind can never be mistaken for another. The
byte-exact layouts are documented in docs/PROTOCOL.md; the offsets below are that document's
single source in code. Nothing here imports a crypto library, so the relay can use it freely.
"""

from __future__ import annotations

PROTOCOL_VERSION = 2

# Kind bytes (the second byte of each binary format).
KIND_ENVELOPE = 0x4D  # "M": a group message
KIND_SEALED = 0x53  # "S": a pairwise sealed blob (join request, share, direct payload)
KIND_SHARE = 0x4B  # "K": a sender-session share (travels inside a sealed blob)
KIND_OUTBOUND_STATE = 0x4F  # "O": my stored sending session (local only)
KIND_INBOUND_STATE = 0x49  # "I": my stored receiving sessions (local only)
KIND_PREKEY = 0x50  # "P": a signed X25519 prekey (published through the relay)
KIND_PREKEY_SECRETS = 0x51  # "Q": my stored prekey secrets (local only)

# Sizes in bytes.
GROUP_ID_BYTES = 16  # raw form of the b64u group id (see peertui_wire.ids)
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
SESSION_ID_BYTES = 16
CHAIN_KEY_BYTES = 32
NONCE_BYTES = 24  # XChaCha20-Poly1305
TAG_BYTES = 16

HASH_BYTES = 32  # BLAKE2b-256: roster head hashes, envelope ids

# Envelope: version | kind | epoch u32 | session id | index u32 | sender key | roster index u32 |
# roster head hash | nonce | ciphertext | signature.  The signature covers the domain, the raw
# group id and every byte before it; the AEAD's associated data is version | kind | group id |
# every header byte from the epoch to the roster head hash.
ENVELOPE_SENDER_OFFSET = 1 + 1 + 4 + SESSION_ID_BYTES + 4
ENVELOPE_ROSTER_OFFSET = ENVELOPE_SENDER_OFFSET + PUBLIC_KEY_BYTES
ENVELOPE_NONCE_OFFSET = ENVELOPE_ROSTER_OFFSET + 4 + HASH_BYTES
ENVELOPE_HEADER_BYTES = ENVELOPE_NONCE_OFFSET + NONCE_BYTES
# Inside the ciphertext, before the payload: the sender's clock (u64 ms) and its per-group
# message counter (u32), which continues across the sender's sessions.
INNER_HEADER_BYTES = 8 + 4
MAX_ENVELOPE_BYTES = 48 * 1024  # what the relay accepts in POST /messages

# Join requests and denial replies (peertui.core.joinbox): version | kind | ephemeral X25519
# key | nonce | AEAD(payload padded to exactly JOIN_PADDED_BYTES). Every one has the same size,
# whatever the nickname and introduction, so its length says nothing.
KIND_JOIN_REQUEST = 0x4A  # "J": sealed to the invite's join key, read by moderators
KIND_JOIN_REPLY = 0x52  # "R": a denial reason, sealed to the joiner's reply key
JOIN_PADDED_BYTES = 4096
JOIN_BLOB_BYTES = 1 + 1 + PUBLIC_KEY_BYTES + NONCE_BYTES + JOIN_PADDED_BYTES + TAG_BYTES

# Sealed blob: version | kind | prekey id u32 | ephemeral X25519 key | nonce | AEAD(sender key |
# signature | padded payload), sealed to the recipient's signed prekey (never to its identity).
SEALED_HEADER_BYTES = 1 + 1 + 4 + PUBLIC_KEY_BYTES + NONCE_BYTES

# Padding buckets: 256-byte steps up to 4 KiB, then 4 KiB steps. Padding always adds at least
# one byte (libsodium's ISO/IEC 7816-4 padding), so a bucket holds up to its size minus one.
SMALL_BUCKET_STEP = 256
SMALL_BUCKET_LIMIT = 4096
LARGE_BUCKET_STEP = 4096
MAX_PADDED_BYTES = 44 * 1024  # keeps the largest envelope under MAX_ENVELOPE_BYTES
MAX_PLAINTEXT_BYTES = MAX_PADDED_BYTES - 1
MAX_PAYLOAD_BYTES = MAX_PLAINTEXT_BYTES - INNER_HEADER_BYTES  # what one envelope carries

# Sender-session rules.
MAX_SKIPPED_KEYS = 2_000
MAX_FORWARD_JUMP = 25_000
ROTATE_AFTER_MESSAGES = 100
ROTATE_AFTER_MS = 7 * 24 * 60 * 60 * 1000
# A receiver still accepts a sender session made before a removal it applied for this long
# after the removal's signed time (messages already in flight), then refuses it.
REMOVAL_GRACE_MS = 120_000
# The display order (docs/PROTOCOL.md §9.6): a message's place is its sender's signed time,
# but never after the time the relay stored it with, nor more than MAX_BACKDATE_MS before it.
MAX_BACKDATE_MS = 24 * 60 * 60 * 1000
# ...and never more than this ahead of the receiver's clock (only a relay that lies about its
# times reaches this bound; honest clocks agree far more closely).
MAX_CLOCK_AHEAD_MS = 60 * 60 * 1000

# Prekeys: a member keeps its current prekey secret and the one before it (for shares sealed
# while the new one was travelling) and deletes every older one.
PREKEYS_KEPT = 2
PREKEY_ROTATE_AFTER_MS = ROTATE_AFTER_MS
PREKEY_ROTATE_AFTER_OPENS = 100
# Forward secrecy for shares against a later theft of the device state: a prekey that has
# opened anything is replaced within a day, and the one before it is deleted an hour after it
# was replaced (long enough for shares already sealed to it to arrive).
PREKEY_USED_ROTATE_AFTER_MS = 24 * 60 * 60 * 1000
PREKEY_PREVIOUS_KEPT_MS = 60 * 60 * 1000
MAX_INDEX = 2**32 - 1

# Key schedule: MK_n = BLAKE2b(key=CK_n, data=0x01), CK_{n+1} = BLAKE2b(key=CK_n, data=0x02).
MESSAGE_KEY_INPUT = b"\x01"
CHAIN_KEY_INPUT = b"\x02"

# Domain-separation prefixes for signatures, so no signature is valid in two roles.
ENVELOPE_SIGNATURE_DOMAIN = b"peertui-envelope-v2"
SEAL_SIGNATURE_DOMAIN = b"peertui-seal-v2"
PREKEY_SIGNATURE_DOMAIN = b"peertui-prekey-v2"
DIRECT_CONTEXT = b"peertui-direct-v2|"  # + raw group id

# Invites: "peertui:" + b64u(version | group id | owner key | secret | join key | url length
# u16 | url | checksum), the checksum being the first 4 bytes of BLAKE2b(person=
# "peertui-invchk") of everything before it. The join key is the X25519 public key join
# requests are sealed to; only moderators hold its secret half.
INVITE_PREFIX = "peertui:"
INVITE_SECRET_BYTES = 32
INVITE_JOIN_KEY_BYTES = 32
INVITE_CHECKSUM_BYTES = 4
INVITE_CHECKSUM_PERSON = b"peertui-invchk"
MAX_RELAY_URL_BYTES = 2048
