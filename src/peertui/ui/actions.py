"""The one action table: every feature of peertui, with its key, slash command and help.

The TUI builds its bindings, palette and footer from it; plain mode builds its command table
and /help from it. Keys are remapped by id (`settings.keybindings`, e.g.
`{"peertui.crisis": "f1,ctrl+l"}`), so an id never changes once released.
"""

from __future__ import annotations

from collections.abc import Mapping
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


ACTIONS: tuple[Action, ...] = (
    # ----- wellbeing: every prompt, locked or not, no network
    Action(
        "peertui.crisis",
        N_("Crisis lines"),
        N_("Crisis lines for your country or any other (works offline)."),
        "wellbeing",
        "crisis",
        slash="crisis",
        args=N_("[country] [more]"),
        key="f1",
        key_scope="app",
        when_locked=True,
        detail_en=N_(
            "Shows the emergency number and the first helplines. /crisis GB shows another "
            "country; /crisis GB more adds hours, sources and directories. Without a country, "
            "uses your country setting, then your locale."
        ),
    ),
    Action(
        "peertui.grounding",
        N_("Grounding"),
        N_("Grounding exercises; paced steps you can stop any time."),
        "wellbeing",
        "grounding",
        slash="ground",
        args=N_("[exercise]"),
        key="f2",
        key_scope="app",
        when_locked=True,
        detail_en=N_(
            "Without a name, lists the exercises. /ground box runs box breathing. Timed steps "
            "follow each other by themselves; a step at your own pace waits for Enter. /stop "
            "(or any other command) ends the exercise."
        ),
    ),
    Action(
        "peertui.safety_plan",
        N_("Safety plan"),
        N_("Show your safety plan."),
        "wellbeing",
        "safety_plan",
        slash="plan",
        key="f3",
        key_scope="app",
        engine_call="safety_plan",
        detail_en=N_("Your plan is kept encrypted on this computer, so it needs the passphrase."),
    ),
    Action(
        "peertui.safety_plan_edit",
        N_("Edit safety plan"),
        N_("Change your safety plan, one step at a time."),
        "wellbeing",
        "safety_plan_edit",
        slash="plan edit",
        engine_call="save_safety_plan",
        detail_en=N_(
            "Walks through the {steps} steps: one entry per answer, an empty answer finishes a "
            "step (an empty first answer keeps what is there, a single - empties the step); "
            "/cancel stops without saving anything."
        ),
    ),
    Action(
        "peertui.safety_plan_export",
        N_("Export safety plan"),
        N_("Write your safety plan to a text file only you can read."),
        "wellbeing",
        "safety_plan_export",
        slash="plan export",
        args=N_("<file>"),
        engine_call="export_safety_plan",
    ),
    Action(
        "peertui.quick_exit",
        N_("Quick exit"),
        N_("Leave at once and clear the screen and scrollback; a half-typed message is kept."),
        "wellbeing",
        "quick_exit",
        slash="x",
        key="f12",
        key_scope="app",
        when_locked=True,
        detail_en=N_(
            "In plain mode /x, or the key Ctrl+\\ at any moment (even at the passphrase "
            "question), leaves at once and clears the screen and scrollback."
        ),
    ),
    # ----- groups
    Action(
        "peertui.host",
        N_("Host"),
        N_("Start a new group, on a relay or on this computer."),
        "groups",
        "host",
        slash="host",
        args=N_("<name> [relay-url]"),
        key="f4",
        key_scope="home",
        engine_call="host_group",
        detail_en=N_(
            "Without a relay URL the group runs on a relay inside this program, reachable "
            "while it runs. You become the group's owner and moderator."
        ),
    ),
    Action(
        "peertui.join",
        N_("Join"),
        N_("Ask to join a group with an invite."),
        "groups",
        "join",
        slash="join",
        args=N_("<invite> [nick]"),
        key="f5",
        key_scope="home",
        engine_call="join",
        detail_en=N_(
            "You read the general guidelines and accept them first. Your request, with your "
            "nickname, is sealed to the group's moderators; you are told when it is answered."
        ),
    ),
    Action(
        "peertui.invite",
        N_("Invite"),
        N_("Make an invite for the current group (shown alone on a line)."),
        "groups",
        "invite",
        slash="invite",
        key="f6",
        key_scope="home",
        role="moderator",
        needs_group=True,
        engine_call="create_invite",
    ),
    Action(
        "peertui.groups",
        N_("Groups"),
        N_("List your groups, with their state and connection."),
        "groups",
        "groups",
        slash="groups",
        engine_call="groups",
    ),
    Action(
        "peertui.switch",
        N_("Switch group"),
        N_("Make another group the current one (name or number from /groups)."),
        "groups",
        "switch",
        slash="switch",
        args=N_("<group>"),
        engine_call="remember_current_group",
    ),
    Action(
        "peertui.members",
        N_("Show members"),
        N_("List the members of the current group."),
        "groups",
        "members",
        slash="members",
        needs_group=True,
        engine_call="members",
    ),
    Action(
        "peertui.nick",
        N_("Change nickname"),
        N_("Change your nickname in the current group."),
        "groups",
        "nick",
        slash="nick",
        args=N_("<name>"),
        needs_group=True,
        engine_call="set_nick",
    ),
    Action(
        "peertui.profile",
        N_("Edit my profile"),
        N_("Set your pronouns and a line about you, shown to this group only."),
        "groups",
        "profile",
        slash="profile",
        args=N_("<pronouns> | <a line about you>"),
        needs_group=True,
        engine_call="set_profile",
    ),
    Action(
        "peertui.guidelines",
        N_("Guidelines"),
        N_("Read the group's guidelines; moderators can change them."),
        "groups",
        "guidelines",
        slash="guidelines",
        needs_group=True,
        engine_call="group",
    ),
    Action(
        "peertui.accept",
        N_("Accept guidelines"),
        N_("Accept the group's guidelines, so you can post."),
        "groups",
        "accept",
        slash="accept",
        needs_group=True,
        engine_call="accept_guidelines",
    ),
    Action(
        "peertui.guidelines_edit",
        N_("Edit guidelines"),
        N_("Change the group's guidelines; every member reads and accepts them again."),
        "moderation",
        "guidelines_edit",
        slash="guidelines edit",
        role="moderator",
        needs_group=True,
        engine_call="set_guidelines",
    ),
    Action(
        "peertui.group_language",
        N_("Group language"),
        N_("Declare the language this group speaks; members and newcomers see it (- for none)."),
        "moderation",
        "group_language",
        slash="group language",
        args=N_("<language code | ->"),
        role="moderator",
        needs_group=True,
        engine_call="set_group_language",
    ),
    Action(
        "peertui.leave",
        N_("Leave group"),
        N_("Leave the current group (asks you to confirm)."),
        "groups",
        "leave",
        slash="leave",
        needs_group=True,
        engine_call="leave",
    ),
    # ----- messages
    Action(
        "peertui.content_warning",
        N_("Content warning"),
        N_("Send a message folded behind a content warning."),
        "messages",
        "content_warning",
        slash="cw",
        args=N_("<topic> | <text>"),
        needs_group=True,
        engine_call="send",
        detail_en=N_("Others see the topic first and open the message when they choose."),
    ),
    Action(
        "peertui.open_warning",
        N_("Open warning"),
        N_("Show a folded, hidden or content-warning message in full."),
        "messages",
        "open_warning",
        slash="open",
        args=N_("<n>"),
        key="enter",
        key_scope="messages",
        on_message=True,
        engine_call="message",
    ),
    Action(
        "peertui.older",
        N_("Older"),
        N_("Show earlier messages of the current group (default 20)."),
        "messages",
        "older",
        slash="history",
        args=N_("[n]"),
        key="pageup",
        key_scope="messages",
        needs_group=True,
        engine_call="history",
    ),
    Action(
        "peertui.search",
        N_("Search"),
        N_("Search your saved messages in all groups."),
        "messages",
        "search",
        slash="search",
        args=N_("<words>"),
        key="f7",
        key_scope="home",
        engine_call="search",
    ),
    Action(
        "peertui.thank",
        N_("Thank the author"),
        N_("Thank the author of a message (they see that you did)."),
        "messages",
        "thank",
        slash="thanks",
        args=N_("<n>"),
        key="t",
        key_scope="messages",
        on_message=True,
        engine_call="thank",
        footer_en=N_("Thanks"),
    ),
    Action(
        "peertui.report",
        N_("Report"),
        N_("Report a message to the moderators privately."),
        "messages",
        "report",
        slash="report",
        args=N_("<n> <reason>"),
        key="r",
        key_scope="messages",
        on_message=True,
        engine_call="report",
        footer_en=N_("Report"),
        detail_en=N_(
            "The moderators see the message and a little context; the person you report is "
            "never told who reported them."
        ),
    ),
    Action(
        "peertui.hide",
        N_("Hide message"),
        N_("Hide one message, for yourself only."),
        "messages",
        "hide",
        slash="hide",
        args=N_("<n>"),
        key="h",
        key_scope="messages",
        on_message=True,
        engine_call="hide_message",
    ),
    Action(
        "peertui.ignore",
        N_("Hide a person for me"),
        N_("Hide a person's messages, for yourself only."),
        "messages",
        "ignore",
        slash="ignore",
        args=N_("<nick>"),
        key="i",
        key_scope="messages",
        on_message=True,
        needs_group=True,
        engine_call="ignore_member",
        detail_en=N_(
            "Hidden messages still get a line saying why you hid them; you can open one. It "
            "is kept on this computer only, until you show that person again."
        ),
    ),
    Action(
        "peertui.ignore_keyword",
        N_("Hide a word for me"),
        N_("Hide messages containing a word, for yourself only."),
        "messages",
        "ignore_keyword",
        slash="ignore word",
        args=N_("<word>"),
        key="k",
        key_scope="messages",
        engine_call="ignore_word",
    ),
    Action(
        "peertui.unhide",
        N_("Unhide"),
        N_("Show a hidden person or word again."),
        "messages",
        "unhide",
        slash="unignore",
        args=N_("<nick> | word <word>"),
        needs_group=True,
        engine_call="unignore",
    ),
    Action(
        "peertui.draft",
        N_("Draft"),
        N_("Show, send or clear what was kept while a question was open."),
        "messages",
        "draft",
        slash="draft",
        args=N_("[send | clear]"),
        needs_group=True,
        engine_call="draft",
    ),
    Action(
        "peertui.warnings",
        N_("My warnings"),
        N_("The warnings moderators sent you in this group (only you see them)."),
        "messages",
        "warnings",
        slash="warnings",
        needs_group=True,
        engine_call="my_warnings",
    ),
    Action(
        "peertui.modlog",
        N_("Moderation log"),
        N_("The group's moderation log, the same for every member."),
        "messages",
        "modlog",
        slash="modlog",
        key="f10",
        key_scope="home",
        footer_en=N_("Log"),
        needs_group=True,
        engine_call="modlog",
    ),
    # ----- moderation
    Action(
        "peertui.requests",
        N_("Join requests"),
        N_("List the people waiting to join the groups you moderate."),
        "moderation",
        "requests",
        slash="requests",
        key="f9",
        key_scope="home",
        footer_en=N_("Requests"),
        role="moderator",
        engine_call="pending_requests",
    ),
    Action(
        "peertui.approve",
        N_("Approve"),
        N_("Let a person who asked to join in."),
        "moderation",
        "approve",
        slash="approve",
        args=N_("<nick>"),
        role="moderator",
        engine_call="approve",
    ),
    Action(
        "peertui.deny",
        N_("Decline"),
        N_("Decline a join request; the reason is sent to them."),
        "moderation",
        "deny",
        slash="deny",
        args=N_("<nick> [reason]"),
        role="moderator",
        engine_call="deny",
    ),
    Action(
        "peertui.warn",
        N_("Warn"),
        N_("Warn a member; only they see the reason."),
        "moderation",
        "warn",
        slash="warn",
        args=N_("<nick> <reason>"),
        key="w",
        key_scope="messages",
        role="moderator",
        on_message=True,
        needs_group=True,
        engine_call="warn",
        footer_en=N_("Warn"),
        detail_en=N_(
            "The reason goes privately to the member alone. The moderation log, which every "
            "member can read, says that a warning happened, without the reason."
        ),
    ),
    Action(
        "peertui.mute",
        N_("Mute"),
        N_("Stop a member posting for a while."),
        "moderation",
        "mute",
        slash="mute",
        args=N_("<nick> <minutes> [reason]"),
        key="m",
        key_scope="messages",
        role="moderator",
        on_message=True,
        needs_group=True,
        engine_call="mute",
        footer_en=N_("Mute"),
    ),
    Action(
        "peertui.unmute",
        N_("Unmute"),
        N_("Let a muted member post again."),
        "moderation",
        "unmute",
        slash="unmute",
        args=N_("<nick>"),
        key="u",
        key_scope="messages",
        role="moderator",
        on_message=True,
        needs_group=True,
        engine_call="unmute",
    ),
    Action(
        "peertui.remove",
        N_("Remove"),
        N_("Remove a member from the group."),
        "moderation",
        "remove",
        slash="remove",
        args=N_("<nick> [reason]"),
        key="x",
        key_scope="messages",
        role="moderator",
        on_message=True,
        needs_group=True,
        engine_call="remove",
        footer_en=N_("Remove"),
    ),
    Action(
        "peertui.ban",
        N_("Ban"),
        N_("Remove a member and refuse them for good."),
        "moderation",
        "ban",
        slash="ban",
        args=N_("<nick> [reason]"),
        key="b",
        key_scope="messages",
        role="moderator",
        on_message=True,
        needs_group=True,
        engine_call="ban",
        footer_en=N_("Ban"),
        detail_en=N_(
            "Afterwards you are asked whether to cancel the group's open invites too, so the "
            "person cannot ask again with one of them."
        ),
    ),
    Action(
        "peertui.delete",
        N_("Delete message"),
        N_("Remove a message for everyone, with a reason."),
        "moderation",
        "delete",
        slash="delete",
        args=N_("<n> <reason>"),
        key="d",
        key_scope="messages",
        role="moderator",
        on_message=True,
        engine_call="delete_message",
        footer_en=N_("Delete"),
    ),
    Action(
        "peertui.slowmode",
        N_("Slow mode"),
        N_("Members may post once per this many seconds; 0 or off turns it off."),
        "moderation",
        "slowmode",
        slash="slowmode",
        args=N_("<seconds>|off"),
        key="s",
        key_scope="messages",
        role="moderator",
        needs_group=True,
        engine_call="set_slowmode",
    ),
    Action(
        "peertui.readonly",
        N_("Read-only"),
        N_("Only moderators may post while read-only is on."),
        "moderation",
        "readonly",
        slash="readonly",
        args=N_("on|off"),
        key="o",
        key_scope="messages",
        role="moderator",
        needs_group=True,
        engine_call="set_readonly",
    ),
    Action(
        "peertui.promote",
        N_("Promote"),
        N_("Make a member a moderator."),
        "moderation",
        "promote",
        slash="promote",
        args=N_("<nick>"),
        key="p",
        key_scope="messages",
        role="owner",
        on_message=True,
        needs_group=True,
        engine_call="promote",
    ),
    Action(
        "peertui.demote",
        N_("Demote"),
        N_("Make a moderator a member again."),
        "moderation",
        "demote",
        slash="demote",
        args=N_("<nick>"),
        key="e",
        key_scope="messages",
        role="owner",
        on_message=True,
        needs_group=True,
        engine_call="demote",
    ),
    Action(
        "peertui.reports",
        N_("Reports"),
        N_("List reports sent to the moderators of the current group."),
        "moderation",
        "reports",
        slash="reports",
        key="f11",
        key_scope="home",
        role="moderator",
        needs_group=True,
        engine_call="reports",
    ),
    Action(
        "peertui.dismiss",
        N_("Dismiss report"),
        N_("Take a report off the list once dealt with."),
        "moderation",
        "dismiss",
        slash="dismiss",
        args=N_("<n>"),
        role="moderator",
        needs_group=True,
        engine_call="dismiss_report",
    ),
    # ----- settings and data
    Action(
        "peertui.settings",
        N_("Settings"),
        N_("Show every setting with its value."),
        "settings",
        "settings",
        slash="settings",
        key="f8",
        key_scope="home",
        engine_call="save_settings",
    ),
    Action(
        "peertui.set",
        N_("Change a setting"),
        N_("Change one setting, for example /set country GB."),
        "settings",
        "set",
        slash="set",
        args=N_("<setting> <value>"),
        engine_call="save_settings",
    ),
    Action(
        "peertui.export",
        N_("Export conversation"),
        N_("Write the current group's history to a plain-text file."),
        "settings",
        "export",
        slash="export",
        args=N_("<file>"),
        needs_group=True,
        engine_call="export",
    ),
    Action(
        "peertui.wipe",
        N_("Erase everything"),
        N_("Erase all peertui data on this computer (asks you to confirm)."),
        "settings",
        "wipe",
        slash="wipe",
        engine_call="wipe",
        detail_en=N_(
            "If you own or moderate groups, you are told first what erasing means for them."
        ),
    ),
    Action(
        "peertui.help",
        N_("Help"),
        N_("List the help topics, or explain one topic or command."),
        "settings",
        "help",
        slash="help",
        args=N_("[topic | command]"),
        when_locked=True,
        aliases=("h", "?"),
    ),
    Action(
        "peertui.quit",
        N_("Quit"),
        N_("Leave peertui (your groups stay; Ctrl+D does the same in plain mode)."),
        "settings",
        "quit",
        slash="quit",
        key="ctrl+q",
        key_scope="app",
        when_locked=True,
        aliases=("exit", "q"),
    ),
    # ----- one front-end only, and why
    Action(
        "peertui.focus_composer",
        N_("Back to typing"),
        N_("Move from the message list back to the composer."),
        "messages",
        "focus_composer",
        key="escape",
        key_scope="messages",
        front_ends=frozenset({"tui"}),
        only_here_because=N_("plain mode has no focus to move: every line is typed at the prompt"),
    ),
    Action(
        "peertui.stop",
        N_("Stop"),
        N_("Stop the grounding exercise that is running."),
        "wellbeing",
        "stop",
        slash="stop",
        when_locked=True,
        front_ends=frozenset({"plain"}),
        only_here_because=N_("here, Escape closes the grounding exercise"),
    ),
    Action(
        "peertui.cancel",
        N_("Cancel"),
        N_("Close the question that is open without answering it."),
        "settings",
        "cancel",
        slash="cancel",
        when_locked=True,
        front_ends=frozenset({"plain"}),
        only_here_because=N_("here, Escape closes the question that is open"),
    ),
)

BY_ID: dict[str, Action] = {action.id: action for action in ACTIONS}


def by_id(action_id: str) -> Action:
    return BY_ID[action_id]


def for_front_end(front_end: FrontEnd) -> tuple[Action, ...]:
    return tuple(a for a in ACTIONS if front_end in a.front_ends)


def slash_table(front_end: FrontEnd = "plain") -> dict[str, Action]:
    """Every slash form and alias (without the slash) -> its action."""
    table: dict[str, Action] = {}
    for action in for_front_end(front_end):
        if action.slash is None:
            continue
        table[action.slash] = action
        for alias in action.aliases:
            table[alias] = action
    return table


def keys(keymap: Mapping[str, str]) -> dict[str, str]:
    """Action id -> the keys in use: the person's own (by id) over the default."""
    return {a.id: keymap.get(a.id, a.key or "") for a in ACTIONS if a.key or a.id in keymap}


def in_topic(topic: str, front_end: FrontEnd = "plain") -> tuple[Action, ...]:
    return tuple(a for a in for_front_end(front_end) if a.topic == topic and a.slash)
