"""The one place the crypto package draws randomness from.

Keeping it in one seam lets the test vectors in docs/PROTOCOL.md be reproduced byte for byte
(`deterministic`), while production always uses libsodium's CSPRNG.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import nacl.utils
from nacl.encoding import RawEncoder
from nacl.hash import blake2b

_source: Callable[[int], bytes] = nacl.utils.random


def random_bytes(size: int) -> bytes:
    return _source(size)


@contextmanager
def deterministic(seed: bytes) -> Iterator[None]:
    """For test vectors only: draw "random" bytes from keyed BLAKE2b over a counter."""
    global _source
    counter = 0

    def stream(size: int) -> bytes:
        nonlocal counter
        out = b""
        while len(out) < size:
            out += blake2b(counter.to_bytes(8, "big"), key=seed, encoder=RawEncoder)
            counter += 1
        return out[:size]

    previous, _source = _source, stream
    try:
        yield
    finally:
        _source = previous
