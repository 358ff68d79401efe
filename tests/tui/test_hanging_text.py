"""The crisis screen's lines keep their indentation when the terminal wraps them: a list item
("  - Ask them directly ...", the someone-else guide) hangs under its first word."""

from __future__ import annotations

import io

from rich.console import Console

from peertui.tui.text import hanging


def rendered(lines: list[str], width: int) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, legacy_windows=False).print(hanging(lines))
    return [line.rstrip() for line in out.getvalue().splitlines()]


def test_list_items_and_indented_lines_hang_under_their_text():
    item = "  - Ask them directly whether they are thinking about suicide; asking is safe."
    note = "  Website: https://www.samaritans.org, free from landlines and mobiles [even no credit]"
    rows = rendered(["How to respond", item, note], 34)
    assert rows[0] == "How to respond"
    assert rows[1].startswith("  - Ask them")
    website = next(i for i, r in enumerate(rows) if "Website" in r)
    assert website > 2, rows  # the item did wrap
    for row in rows[2:website]:
        assert row.startswith("    ") and row[4] != " ", rows  # under "Ask", not under "-"
    assert rows[website].startswith("  Website")
    for row in rows[website + 1 :]:
        assert row.startswith("  ") and row[2] != " ", rows
    # Brackets are text, never markup: nothing typed in the data disappears.
    assert "[even no credit]" in " ".join(r.strip() for r in rows)
