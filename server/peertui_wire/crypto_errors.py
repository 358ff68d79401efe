"""The crypto package's own errors: every refusal is one of these, with a sentence in `str()`."""

from __future__ import annotations


class CryptoError(Exception):
    """Base class; `str()` says what is wrong in words."""


class InvalidSignature(CryptoError):
    """A signature does not match the data and the key it claims."""


class DecryptionFailed(CryptoError):
    """Authenticated decryption failed, or the needed key is no longer (or not yet) held."""


class ReplayedMessage(CryptoError):
    """A message index that was already used."""


class TooFarAhead(CryptoError):
    """A message claims an index too far past the last one seen."""


class MalformedData(CryptoError):
    """Bytes that are not a well-formed value of the expected format."""


class InvalidInvite(CryptoError):
    """An invite token that cannot be used; `str()` says exactly why."""


class UnknownSession(CryptoError):
    """No share has been received yet for this sender session."""
