"""A catch-up's batches merged into the conversation at once (issue 12, sixth pass).

Several members writing at the same moment put a batch's first messages above the newest line
shown, so the conversation merges the batch into the lines below its first place in one go and
trims the window keeping the kept lines' heights. Whatever the batches, the lines must be what
laying the whole list out from scratch gives: the display order, one option per line with its
id, each line's height, exactly one "▶" on the highlighted line, and the window's size.
"""

from __future__ import annotations

import random

from textual.app import App

from peertui.core.store import Message
from peertui.tui.widgets.conversation import SLACK, WINDOW, MessageList, SystemLine
from peertui.ui import ordering


def message(number: int, ts: int, sender: str, text: str) -> Message:
    return Message("g", f"m{number}", number, sender, sender, text, ts, number=number)


class One(App):
    def compose(self):
        yield MessageList(id="messages")


def check_like_a_fresh_layout(messages: MessageList) -> None:
    shown = [i for i in messages.items if not isinstance(i, SystemLine)]
    assert shown == sorted(shown, key=ordering.display_key), "display order"
    assert messages.option_count == len(messages.items)
    for index, item in enumerate(messages.items):
        option = messages.get_option_at_index(index)
        if not isinstance(item, SystemLine):
            assert option.id == f"m-{item.msg_id}"
            assert messages.get_option(option.id) is option
    marked = [
        i
        for i in range(messages.option_count)
        if str(messages.get_option_at_index(i).prompt).startswith("▶")
    ]
    assert marked == [messages.highlighted], "one marker, on the highlighted line"
    cache = messages._line_cache  # noqa: SLF001 - what the frame draws from
    heights = dict(cache.heights)
    lines = list(cache.lines)
    messages._clear_caches()  # noqa: SLF001 - lay every line out again, as set_options would
    messages._update_lines()  # noqa: SLF001
    assert heights == cache.heights, "each line's height as a fresh layout gives"
    assert lines == cache.lines


async def test_interleaved_batches_end_up_as_a_fresh_layout_of_the_window():
    rng = random.Random(12)
    app = One()
    async with app.run_test(size=(60, 20)) as pilot:
        messages = app.query_one(MessageList)
        messages.show([message(0, 0, "a", "hello")])
        merged = []
        splice = messages.splice_options
        messages.splice_options = lambda index, options: (  # type: ignore[method-assign]
            merged.append(index),
            splice(index, options),
        )
        number = 1
        for round_ in range(60):
            batch = []
            for _ in range(rng.randint(1, 40)):
                # Four members at nearly the same moment, some lines reaching back before
                # the newest shown (the batch is merged then); some lines wrap.
                ts = 1000 + round_ * 10 + rng.randint(-15, 3)
                text = " ".join("word" for _ in range(rng.choice((1, 3, 30))))
                batch.append(message(number, ts, rng.choice("abcd"), text))
                number += 1
            messages.extend(batch)
            await pilot.pause()
            check_like_a_fresh_layout(messages)
            assert len(messages.items) <= WINDOW + SLACK
            assert messages.selected_message() is messages.items[-1], "following: the newest"
        assert messages.more_above, "the window trimmed the oldest lines"
        assert len(merged) > 30, "most batches reached back above the newest line"


async def test_a_reader_further_up_keeps_their_line_while_batches_merge_below():
    app = One()
    async with app.run_test(size=(60, 20)) as pilot:
        messages = app.query_one(MessageList)
        messages.show([message(n, 1000 + n * 10, "a", f"line {n}") for n in range(20)])
        messages.highlighted = 5
        reading = messages.selected_message()
        # Each batch starts above the newest line shown (same moment, a sender before "a"...
        # and after it), the rest after it.
        number = 100
        for step in range(5):
            newest_ts = 1000 + 19 * 10 + step * 100
            batch = [message(number, newest_ts - 5, "b", "written just before the newest")]
            batch += [message(number + i, newest_ts + i, "c", "after") for i in range(1, 30)]
            number += 30
            merged_before = messages.option_count
            messages.extend(batch)
            await pilot.pause()
            assert messages.option_count == merged_before + len(batch)
            check_like_a_fresh_layout(messages)
            assert messages.selected_message() is reading, "the highlight stays on its line"
