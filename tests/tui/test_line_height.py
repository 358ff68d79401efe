"""A conversation line's height, found without wrapping it, is the height Textual draws (issue 12).

During a catch-up every new line of the conversation is measured once, and Textual measured it
by wrapping it and throwing the lines away. `line_list.line_height` finds only the cuts. A
height that is wrong by one line shifts every line below it and the mouse and the scroll with
it (an earlier attempt at this got the invite's row wrong and was taken out), so these compare
it with Textual's own measurement (`Content.get_height`) and with the lines Textual renders
for the option, for long words, an invite (`peertui:` and 300 base64 characters, unbroken),
markup, wide characters and emoji, combining marks, runs of spaces, and narrow widths.
"""

from __future__ import annotations

import base64
import random

from rich.text import Text
from textual.app import App
from textual.content import Content
from textual.widgets.option_list import Option

from peertui.tui.widgets.conversation import MessageList
from peertui.tui.widgets.line_list import line_height

INVITE = "peertui:" + base64.urlsafe_b64encode(random.Random(3).randbytes(225)).decode()
PIECES = [
    "word",
    "a",
    "longerwordthanmost",
    "x" * 37,
    INVITE,
    "peertui:" + "A" * 300,
    "日本語のテキスト",
    "😀",
    "👩‍👩‍👧",  # one emoji joined from three
    "🇵🇹",
    "❤️",
    "é",  # e and a combining accent
    "\u0301",  # a combining accent on its own (after a space)
    "\u200b",  # zero-width space
    "ñandú",
    " ",
    "   ",
    "-",
    "—",
    "[b]",  # markup characters, as text
    "\x1b",
]
WIDTHS = [1, 2, 3, 4, 5, 7, 10, 13, 20, 38, 61, 96]
RULE_SETS = [
    {},
    {"text_overflow": "ellipsis"},
    {"text_overflow": "clip"},
    {"line_pad": 1},
    {"text_wrap": "nowrap"},
]


def texts(rng: random.Random, count: int) -> list[str]:
    out = ["", " ", INVITE, f"host: {INVITE}", f"  — {INVITE} ", "x" * 96, "x" * 97]
    for _ in range(count):
        words = rng.choices(PIECES, k=rng.randint(1, 12))
        seps = [rng.choice([" ", " ", "  ", "", "\u3000"]) for _ in words]
        out.append("".join(w + s for w, s in zip(words, seps, strict=True)))
    return out


def fresh(visual: Content) -> Content:
    """A copy with nothing measured yet (a visual keeps the height it was last asked for)."""
    return Content(visual.plain, list(visual.spans))


def same(visual: Content, rules: dict, width: int) -> bool:
    """The same height as Textual's, each found on its own copy, or the same error (Textual
    has none to give when the line padding leaves no room)."""
    try:
        expected = fresh(visual).get_height(rules, width)
    except ValueError as error:
        try:
            line_height(fresh(visual), rules, width)
        except ValueError as mine:
            return str(mine) == str(error)
        return False
    return line_height(fresh(visual), rules, width) == expected


def test_counted_height_is_textuals_height():
    rng = random.Random(12)
    checked = 0
    for plain in texts(rng, 250):
        for visual in (
            Content(plain),
            Content.from_rich_text(Text("▶ ") + Text(plain, style="bold")),
        ):
            for width in [*WIDTHS, rng.randint(1, 120)]:
                for rules in RULE_SETS:
                    assert same(visual, rules, width), (plain, width, rules)
                    checked += 1
    assert checked > 20_000


def test_markup_is_measured_as_shown():
    """A prompt given as markup: the tags are not text (the invite dialog's first row)."""
    for markup in (
        f"[b]Invite[/b] {INVITE}",
        f"[bold]{INVITE}[/bold]",
        "[i]" + "word " * 40 + "[/i]",
        r"\[not a tag] " + INVITE,
    ):
        visual = Content.from_markup(markup)
        for width in WIDTHS:
            assert same(visual, {}, width)


class One(App):
    CSS = "MessageList { height: 1fr; }"

    def compose(self):
        yield MessageList(id="messages")


PROMPTS = [
    Text("▶ ") + Text(f"#1 host: {INVITE}"),
    Text("  ") + Text(INVITE),
    f"[b]Invite:[/b] {INVITE}",  # markup, as an option list reads a string prompt
    Text("  #2 ") + Text("robin: ", style="bold") + Text("I keep thinking about it " * 9),
    Text("  #3 ") + Text("kai: ") + Text("日本語のテキストです。" * 12),
    Text("  #4 ") + Text("sam: ") + Text("😀👩‍👩‍👧🇵🇹❤️ " * 20),
    Text("  #5 ") + Text("é ñandú \u0301 " * 25),
    Text("  — ") + Text("a notice with  runs   of    spaces " * 6, style="italic"),
    Text("  #6 ") + Text("short"),
    Text("  #7 two\n  lines"),
]


async def test_list_heights_are_the_lines_textual_renders():
    """In a real list at wide and narrow widths: each line's height in the line map is the
    number of lines Textual renders for that option, and Textual's own measurement."""
    for width in (100, 41, 24, 12, 8):
        app = One()
        async with app.run_test(size=(width, 40)) as pilot:
            messages = app.query_one(MessageList)
            messages.add_options([Option(prompt) for prompt in PROMPTS])
            await pilot.pause()
            await pilot.pause()  # the scrollbar that the lines bring changes the width
            messages._clear_caches()  # noqa: SLF001 - laid out at that width, as on a resize
            messages._update_lines()  # noqa: SLF001
            inner = messages.scrollable_content_region.width - messages._get_left_gutter_width()  # noqa: SLF001
            padding = messages.get_component_styles("option-list--option").padding
            style = messages.get_visual_style("option-list--option")
            heights = messages._line_cache.heights  # noqa: SLF001 - what the frame draws from
            for index in range(messages.option_count):
                option = messages.get_option_at_index(index)
                visual = messages._get_visual(option)  # noqa: SLF001
                rendered = messages._get_option_render(option, style)  # noqa: SLF001
                measured = fresh(visual).get_height(messages.styles, inner - padding.width)
                assert heights[index] == len(rendered), (width, index)
                assert heights[index] == measured, (width, index)
            assert messages.virtual_size.height == sum(heights.values())
            assert max(heights.values()) > 1 if width < 100 else True


async def test_new_lines_are_not_wrapped_to_be_measured(monkeypatch):
    """Laying out new lines finds their heights without Textual wrapping them (what a
    catch-up of 20,000 lines spent its time on); lines with a newline still are."""
    app = One()
    async with app.run_test(size=(60, 30)) as pilot:
        messages = app.query_one(MessageList)
        # Lines enough for the scrollbar first: its arrival re-wraps every line once (it takes
        # two columns), which is not what is measured here.
        messages.add_options([Option(Text(f"  #{n} earlier")) for n in range(50)])
        await pilot.pause()
        assert messages.show_vertical_scrollbar
        wrapped = []
        original = Content._wrap_and_format  # noqa: SLF001

        def counting(self, *args, **kwargs):
            wrapped.append(self.plain)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(Content, "_wrap_and_format", counting)
        one_line = [Option(Text(f"  #{n} member: ") + Text("word " * n)) for n in range(200)]
        messages._options.extend(one_line)  # noqa: SLF001 - measured as add_options does
        for i, option in enumerate(one_line):
            messages._option_to_index[option] = 50 + i  # noqa: SLF001
        messages._update_lines()  # noqa: SLF001
        assert wrapped == []
        assert len(messages._line_cache.heights) == 250  # noqa: SLF001
        two_lines = Option(Text("  a\n  b"))
        messages._options.append(two_lines)  # noqa: SLF001
        messages._option_to_index[two_lines] = 250  # noqa: SLF001
        messages._update_lines()  # noqa: SLF001
        assert wrapped == ["  a\n  b"]
