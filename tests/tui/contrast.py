"""WCAG 2 contrast: relative luminance of sRGB colours and the ratio between two of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = (_channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def blend(fg: tuple[int, int, int], bg: tuple[int, int, int], amount: float):
    """`fg` drawn at `amount` opacity over `bg` (how terminals draw dim text, roughly)."""
    return tuple(round(f * amount + b * (1 - amount)) for f, b in zip(fg, bg, strict=True))


@dataclass(frozen=True)
class Pair:
    text: str
    fg: tuple[int, int, int]
    bg: tuple[int, int, int]

    @property
    def ratio(self) -> float:
        return ratio(self.fg, self.bg)


def _rgb(color: RichColor | None, default: tuple[int, int, int]) -> tuple[int, int, int]:
    if color is None or color.is_default:
        return default
    triplet = color.get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


def pairs(segments: Iterable[Segment], fg: tuple, bg: tuple) -> list[Pair]:
    """Every run of visible text with the colours it is drawn in (reverse and dim applied)."""
    found = []
    for segment in segments:
        text = segment.text
        if not text.strip() or segment.control:
            continue
        style = segment.style or Style()
        colour, background = _rgb(style.color, fg), _rgb(style.bgcolor, bg)
        if style.reverse:
            colour, background = background, colour
        if style.dim:
            colour = blend(colour, background, 0.5)
        found.append(Pair(text.strip(), colour, background))
    return found
