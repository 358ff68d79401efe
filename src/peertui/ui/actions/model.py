"""What an action is: one thing a person can do, the same in both front-ends, and the help
topics actions belong to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from peertui.i18n import N_, _

Role = Literal["member", "moderator", "owner"]
KeyScope = Literal["app", "home", "messages"]
FrontEnd = Literal["tui", "plain"]
BOTH: frozenset[FrontEnd] = frozenset({"tui", "plain"})

# The order /help lists its topics in; each action belongs to one.
# Values are msgids: `topic_summary` says them in the interface language.
TOPICS: dict[str, str] = {
    "wellbeing": N_("crisis lines, grounding, your safety plan (work offline)"),
    "groups": N_("host, invite, join, switch, members, guidelines, leave"),
    "messages": N_("content warnings, history, search, reports, hiding"),
    "moderation": N_("requests, warnings, mutes, bans (moderators)"),
    "settings": N_("settings, export, wipe, quit"),
}


def topic_summary(topic: str) -> str:
    return _(TOPICS[topic])


_RANK: dict[str, int] = {"member": 0, "moderator": 1, "owner": 2}


@dataclass(frozen=True)
class Action:
    """One thing a person can do, the same in both front-ends.

    `slash` is the command as typed without the slash ("crisis", "ignore word"); `args` is how
    its arguments are written. `handler` is the front-end's name for it (the TUI's action
    name). `engine_call` names the Engine method it ends in ("" when it stays on this device
    and needs no engine, such as crisis lines). `role` is the least role that may use it;
    `when_locked` means it works before the passphrase is given (safety features).

    The words are kept as written in English (`*_en`, the catalogue's msgids, fixed at import)
    and said in the interface language by `title`, `help`, `detail` and `footer`, so a change
    of language reaches every table built from this one.
    """

    id: str
    title_en: str
    help_en: str
    topic: str
    handler: str
    slash: str | None = None
    args: str = ""
    key: str | None = None
    key_scope: KeyScope | None = None
    role: Role = "member"
    when_locked: bool = False
    needs_group: bool = False
    on_message: bool = False
    engine_call: str = ""
    detail_en: str = ""
    aliases: tuple[str, ...] = ()
    footer_en: str = ""  # short label in the TUI footer (message keys: while the list has focus)
    front_ends: frozenset[FrontEnd] = BOTH
    only_here_because: str = (
        ""  # msgid: why an action exists in one front-end only; told when typed in the other
    )

    @property
    def title(self) -> str:
        return _(self.title_en)

    @property
    def help(self) -> str:
        return _(self.help_en)

    @property
    def detail(self) -> str:
        if not self.detail_en:
            return ""
        text = _(self.detail_en)
        if "{steps}" in text:
            # Counted from the plan itself, so the help cannot drift from what /plan edit asks.
            from peertui.wellbeing.safety_plan import STEP_IDS

            text = text.replace("{steps}", str(len(STEP_IDS)))
        return text

    @property
    def footer(self) -> str:
        return _(self.footer_en) if self.footer_en else ""

    @property
    def usage(self) -> str:
        if self.slash is None:
            return ""
        args = _(self.args) if self.args else ""  # placeholders such as <nick> are words too
        return f"/{self.slash} {args}".rstrip()

    def allowed(self, role: str, *, locked: bool = False) -> bool:
        """May someone with this role in the current group use it now?"""
        if locked and not self.when_locked:
            return False
        return _RANK.get(role, 0) >= _RANK[self.role]
