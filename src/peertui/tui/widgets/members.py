"""The members panel: nickname, pronouns, role, mute state and a line about them, in words."""

from __future__ import annotations

import time

from textual.widgets.option_list import Option

from peertui.tui.text import steady_width
from peertui.tui.widgets.focus_cursor import CursorOnHighlight
from peertui.ui.wording import _, state_word


def describe_member(member, now_ms: int | None = None) -> str:
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    words = [state_word(member.role)] if member.role and member.role != "member" else []
    if member.muted_until and member.muted_until > now_ms:
        words.append(state_word("muted"))
    if member.is_me:
        words.append(_("you"))
    pronouns = f" ({member.pronouns})" if member.pronouns else ""
    extra = f" — {', '.join(words)}" if words else ""
    intro = f"\n  {steady_width(member.intro)}" if member.intro else ""
    return f"{steady_width(member.nick)}{pronouns}{extra}{intro}"


class MembersPanel(CursorOnHighlight):
    def show(self, members: list) -> None:
        self.clear_options()
        order = {"owner": 0, "moderator": 1}
        ranked = sorted(members, key=lambda m: (order.get(m.role, 2), m.nick.lower()))
        self.add_options([Option(describe_member(m), id=f"k-{m.member_id}") for m in ranked])
