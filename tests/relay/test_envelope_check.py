"""The relay checks a post's envelope (kept as sent) with `b64u_size`, never decoding it: it
must accept exactly what `b64d` accepts, with the same size, and refuse the rest with the
same words."""

from __future__ import annotations

import random

import pytest

from peertui_wire.encoding import EncodingError, b64d, b64e, b64u_size


def _verdict(check, text):
    try:
        result = check(text, field="envelope")
    except EncodingError as exc:
        return ("refused", str(exc))
    return ("size", result if isinstance(result, int) else len(result))


def test_the_size_check_agrees_with_decoding_on_valid_and_broken_text():
    rng = random.Random(12)
    texts: list[object] = ["", "A", "AA", "AB", "AAA", "AAB", "-_", "__8", None, 7, b"AAAA"]
    for size in list(range(0, 40)) + [1024, 1400]:
        good = b64e(rng.randbytes(size))
        texts.append(good)
        for _ in range(6):  # one character changed, dropped or added
            where = rng.randrange(len(good) + 1)
            odd = rng.choice("=+/ \n\t\r.é٣\x00AQw-_~")
            texts += [good[:where] + odd + good[where + 1 :], good[:where] + good[where + 1 :]]
            texts.append(good[:where] + odd + good[where:])
    verdicts = [(_verdict(b64u_size, t), _verdict(b64d, t)) for t in texts]
    assert all(mine == decoded for mine, decoded in verdicts), [
        (t, v) for t, v in zip(texts, verdicts, strict=True) if v[0] != v[1]
    ]
    assert sum(1 for mine, _ in verdicts if mine[0] == "refused") > 100  # broken ones seen


@pytest.mark.parametrize("text", ["AAAA٣", "ÀAAA", "AA\u200bAA", "AAAA\x00"])
def test_text_outside_ascii_or_the_alphabet_is_refused(text):
    with pytest.raises(EncodingError, match="envelope is not"):
        b64u_size(text, field="envelope")
