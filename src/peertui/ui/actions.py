"""The one action table: every feature of peertui, with its key, slash command and help.

The TUI builds its bindings, palette and footer from it; plain mode builds its command table
and /help from it. Keys are remapped by id (`settings.keybindings`, e.g.
`{"peertui.crisis": "f1,ctrl+l"}`), so an id never changes once released.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from peertui.ui.wording import _

Role = Literal["member", "moderator", "owner"]
KeyScope = Literal["app", "home", "messages"]
FrontEnd = Literal["tui", "plain"]
BOTH: frozenset[FrontEnd] = frozenset({"tui", "plain"})

# The order /help lists its topics in; each action belongs to one.
TOPICS: dict[str, str] = {
    "wellbeing": _("crisis lines, grounding, your safety plan (work offline)"),
    "groups": _("host, invite, join, switch, members, guidelines, leave"),
    "messages": _("content warnings, history, search, reports, hiding"),
    "moderation": _("requests, warnings, mutes, bans (moderators)"),
    "settings": _("settings, export, wipe, quit"),
}

_RANK: dict[str, int] = {"member": 0, "moderator": 1, "owner": 2}


@dataclass(frozen=True)
class Action:
    """One thing a person can do, the same in both front-ends.

    `slash` is the command as typed without the slash ("crisis", "ignore word"); `args` is how
    its arguments are written. `handler` is the front-end's name for it (the TUI's action
    name). `engine_call` names the Engine method it ends in ("" when it stays on this device
    and needs no engine, such as crisis lines). `role` is the least role that may use it;
    `when_locked` means it works before the passphrase is given (safety features).
    """

    id: str
    title: str
    help: str
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
    detail: str = ""
    aliases: tuple[str, ...] = ()
    footer: str = ""  # short label in the TUI footer (message keys: while the list has focus)
    front_ends: frozenset[FrontEnd] = BOTH
    only_here_because: str = ""  # why an action exists in one front-end only

    @property
    def usage(self) -> str:
        if self.slash is None:
            return ""
        return f"/{self.slash} {self.args}".rstrip()

    def allowed(self, role: str, *, locked: bool = False) -> bool:
        """May someone with this role in the current group use it now?"""
        if locked and not self.when_locked:
            return False
        return _RANK.get(role, 0) >= _RANK[self.role]


ACTIONS: tuple[Action, ...] = (
    # ----- wellbeing: every prompt, locked or not, no network
    Action(
        "peertui.crisis",
        _("Crisis lines"),
        _("Crisis lines for your country or any other (works offline)."),
        "wellbeing",
        "crisis",
        slash="crisis",
        args="[country] [more]",
        key="f1",
        key_scope="app",
        when_locked=True,
        detail=_(
            "Shows the emergency number and the first helplines. /crisis GB shows another "
            "country; /crisis GB more adds hours, sources and directories. Without a country, "
            "uses your country setting, then your locale."
        ),
    ),
    Action(
        "peertui.grounding",
        _("Grounding"),
        _("Grounding exercises; paced steps you can stop any time."),
        "wellbeing",
        "grounding",
        slash="ground",
        args="[exercise]",
        key="f2",
        key_scope="app",
        when_locked=True,
        detail=_(
            "Without a name, lists the exercises. /ground box runs box breathing. Timed steps "
            "follow each other by themselves; a step at your own pace waits for Enter. /stop "
            "(or any other command) ends the exercise."
        ),
    ),
    Action(
        "peertui.safety_plan",
        _("Safety plan"),
        _("Show your safety plan."),
        "wellbeing",
        "safety_plan",
        slash="plan",
        key="f3",
        key_scope="app",
        engine_call="safety_plan",
        detail=_("Your plan is kept encrypted on this computer, so it needs the passphrase."),
    ),
    Action(
        "peertui.safety_plan_edit",
        _("Edit safety plan"),
        _("Change your safety plan, one step at a time."),
        "wellbeing",
        "safety_plan_edit",
        slash="plan edit",
        engine_call="save_safety_plan",
        detail=_(
            "Walks through the six steps: one entry per answer, an empty answer finishes a "
            "step (an empty first answer keeps what is there, a single - empties the step); "
            "/cancel stops without saving anything."
        ),
    ),
    Action(
        "peertui.safety_plan_export",
        _("Export safety plan"),
        _("Write your safety plan to a text file only you can read."),
        "wellbeing",
        "safety_plan_export",
        slash="plan export",
        args="<file>",
        engine_call="export_safety_plan",
    ),
    Action(
        "peertui.quick_exit",
        _("Quick exit"),
        _("Leave at once and clear the screen and scrollback; a half-typed message is kept."),
        "wellbeing",
        "quick_exit",
        slash="x",
        key="f12",
        key_scope="app",
        when_locked=True,
        detail=_(
            "In plain mode /x, or the key Ctrl+\\ at any moment (even at the passphrase "
            "question), leaves at once and clears the screen and scrollback."
        ),
    ),
    # ----- groups
    Action(
        "peertui.host",
        _("Host"),
        _("Start a new group, on a relay or on this computer."),
        "groups",
        "host",
        slash="host",
        args="<name> [relay-url]",
        key="f4",
        key_scope="home",
        engine_call="host_group",
        detail=_(
            "Without a relay URL the group runs on a relay inside this program, reachable "
            "while it runs. You become the group's owner and moderator."
        ),
    ),
    Action(
        "peertui.join",
        _("Join"),
        _("Ask to join a group with an invite."),
        "groups",
        "join",
        slash="join",
        args="<invite> [nick]",
        key="f5",
        key_scope="home",
        engine_call="join",
        detail=_(
            "You read the general guidelines and accept them first. Your request, with your "
            "nickname, is sealed to the group's moderators; you are told when it is answered."
        ),
    ),
    Action(
        "peertui.invite",
        _("Invite"),
        _("Make an invite for the current group (shown alone on a line)."),
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
        _("Groups"),
        _("List your groups, with their state and connection."),
        "groups",
        "groups",
        slash="groups",
        engine_call="groups",
    ),
    Action(
        "peertui.switch",
        _("Switch group"),
        _("Make another group the current one (name or number from /groups)."),
        "groups",
        "switch",
        slash="switch",
        args="<group>",
        engine_call="remember_current_group",
    ),
    Action(
        "peertui.members",
        _("Show members"),
        _("List the members of the current group."),
        "groups",
        "members",
        slash="members",
        needs_group=True,
        engine_call="members",
    ),
    Action(
        "peertui.nick",
        _("Change nickname"),
        _("Change your nickname in the current group."),
        "groups",
        "nick",
        slash="nick",
        args="<name>",
        needs_group=True,
        engine_call="set_nick",
    ),
    Action(
        "peertui.profile",
        _("Edit my profile"),
        _("Set your pronouns and a line about you, shown to this group only."),
        "groups",
        "profile",
        slash="profile",
        args="<pronouns> | <a line about you>",
        needs_group=True,
        engine_call="set_profile",
    ),
    Action(
        "peertui.guidelines",
        _("Guidelines"),
        _("Read the group's guidelines; moderators can change them."),
        "groups",
        "guidelines",
        slash="guidelines",
        needs_group=True,
        engine_call="group",
    ),
    Action(
        "peertui.accept",
        _("Accept guidelines"),
        _("Accept the group's guidelines, so you can post."),
        "groups",
        "accept",
        slash="accept",
        needs_group=True,
        engine_call="accept_guidelines",
    ),
    Action(
        "peertui.guidelines_edit",
        _("Edit guidelines"),
        _("Change the group's guidelines; every member reads and accepts them again."),
        "moderation",
        "guidelines_edit",
        slash="guidelines edit",
        role="moderator",
        needs_group=True,
        engine_call="set_guidelines",
    ),
    Action(
        "peertui.leave",
        _("Leave group"),
        _("Leave the current group (asks you to confirm)."),
        "groups",
        "leave",
        slash="leave",
        needs_group=True,
        engine_call="leave",
    ),
    # ----- messages
    Action(
        "peertui.content_warning",
        _("Content warning"),
        _("Send a message folded behind a content warning."),
        "messages",
        "content_warning",
        slash="cw",
        args="<topic> | <text>",
        needs_group=True,
        engine_call="send",
        detail=_("Others see the topic first and open the message when they choose."),
    ),
    Action(
        "peertui.open_warning",
        _("Open warning"),
        _("Show a folded, hidden or content-warning message in full."),
        "messages",
        "open_warning",
        slash="open",
        args="<n>",
        key="enter",
        key_scope="messages",
        on_message=True,
        engine_call="message",
    ),
    Action(
        "peertui.older",
        _("Older"),
        _("Show earlier messages of the current group (default 20)."),
        "messages",
        "older",
        slash="history",
        args="[n]",
        key="pageup",
        key_scope="messages",
        needs_group=True,
        engine_call="history",
    ),
    Action(
        "peertui.search",
        _("Search"),
        _("Search your saved messages in all groups."),
        "messages",
        "search",
        slash="search",
        args="<words>",
        key="f7",
        key_scope="home",
        engine_call="search",
    ),
    Action(
        "peertui.thank",
        _("Thank the author"),
        _("Thank the author of a message (they see that you did)."),
        "messages",
        "thank",
        slash="thanks",
        args="<n>",
        key="t",
        key_scope="messages",
        on_message=True,
        engine_call="thank",
        footer=_("Thanks"),
    ),
    Action(
        "peertui.report",
        _("Report"),
        _("Report a message to the moderators privately."),
        "messages",
        "report",
        slash="report",
        args="<n> <reason>",
        key="r",
        key_scope="messages",
        on_message=True,
        engine_call="report",
        footer=_("Report"),
        detail=_(
            "The moderators see the message and a little context; the person you report is "
            "never told who reported them."
        ),
    ),
    Action(
        "peertui.hide",
        _("Hide message"),
        _("Hide one message, for yourself only."),
        "messages",
        "hide",
        slash="hide",
        args="<n>",
        key="h",
        key_scope="messages",
        on_message=True,
        engine_call="hide_message",
    ),
    Action(
        "peertui.ignore",
        _("Hide a person for me"),
        _("Hide a person's messages, for yourself only."),
        "messages",
        "ignore",
        slash="ignore",
        args="<nick>",
        key="i",
        key_scope="messages",
        on_message=True,
        needs_group=True,
        engine_call="ignore_member",
        detail=_(
            "Hidden messages still get a line saying why you hid them; you can open one. It "
            "is kept on this computer only, until you show that person again."
        ),
    ),
    Action(
        "peertui.ignore_keyword",
        _("Hide a word for me"),
        _("Hide messages containing a word, for yourself only."),
        "messages",
        "ignore_keyword",
        slash="ignore word",
        args="<word>",
        key="k",
        key_scope="messages",
        engine_call="ignore_word",
    ),
    Action(
        "peertui.unhide",
        _("Unhide"),
        _("Show a hidden person or word again."),
        "messages",
        "unhide",
        slash="unignore",
        args="<nick> | word <word>",
        needs_group=True,
        engine_call="unignore",
    ),
    Action(
        "peertui.draft",
        _("Draft"),
        _("Show, send or clear what was kept while a question was open."),
        "messages",
        "draft",
        slash="draft",
        args="[send | clear]",
        needs_group=True,
        engine_call="draft",
    ),
    Action(
        "peertui.warnings",
        _("My warnings"),
        _("The warnings moderators sent you in this group (only you see them)."),
        "messages",
        "warnings",
        slash="warnings",
        needs_group=True,
        engine_call="my_warnings",
    ),
    Action(
        "peertui.modlog",
        _("Moderation log"),
        _("The group's moderation log, the same for every member."),
        "messages",
        "modlog",
        slash="modlog",
        key="f10",
        key_scope="home",
        footer=_("Log"),
        needs_group=True,
        engine_call="modlog",
    ),
    # ----- moderation
    Action(
        "peertui.requests",
        _("Join requests"),
        _("List the people waiting to join the groups you moderate."),
        "moderation",
        "requests",
        slash="requests",
        key="f9",
        key_scope="home",
        footer=_("Requests"),
        role="moderator",
        engine_call="pending_requests",
    ),
    Action(
        "peertui.approve",
        _("Approve"),
        _("Let a person who asked to join in."),
        "moderation",
        "approve",
        slash="approve",
        args="<nick>",
        role="moderator",
        engine_call="approve",
    ),
    Action(
        "peertui.deny",
        _("Decline"),
        _("Decline a join request; the reason is sent to them."),
        "moderation",
        "deny",
        slash="deny",
        args="<nick> [reason]",
        role="moderator",
        engine_call="deny",
    ),
    Action(
        "peertui.warn",
        _("Warn"),
        _("Warn a member; only they see the reason."),
        "moderation",
        "warn",
        slash="warn",
        args="<nick> <reason>",
        key="w",
        key_scope="messages",
        role="moderator",
        on_message=True,
        needs_group=True,
        engine_call="warn",
        footer=_("Warn"),
        detail=_(
            "The reason goes privately to the member alone. The moderation log, which every "
            "member can read, says that a warning happened, without the reason."
        ),
    ),
    Action(
        "peertui.mute",
        _("Mute"),
        _("Stop a member posting for a while."),
        "moderation",
        "mute",
        slash="mute",
        args="<nick> <minutes> [reason]",
        key="m",
        key_scope="messages",
        role="moderator",
        on_message=True,
        needs_group=True,
        engine_call="mute",
        footer=_("Mute"),
    ),
    Action(
        "peertui.unmute",
        _("Unmute"),
        _("Let a muted member post again."),
        "moderation",
        "unmute",
        slash="unmute",
        args="<nick>",
        key="u",
        key_scope="messages",
        role="moderator",
        on_message=True,
        needs_group=True,
        engine_call="unmute",
    ),
    Action(
        "peertui.remove",
        _("Remove"),
        _("Remove a member from the group."),
        "moderation",
        "remove",
        slash="remove",
        args="<nick> [reason]",
        key="x",
        key_scope="messages",
        role="moderator",
        on_message=True,
        needs_group=True,
        engine_call="remove",
        footer=_("Remove"),
    ),
    Action(
        "peertui.ban",
        _("Ban"),
        _("Remove a member and refuse them for good."),
        "moderation",
        "ban",
        slash="ban",
        args="<nick> [reason]",
        key="b",
        key_scope="messages",
        role="moderator",
        on_message=True,
        needs_group=True,
        engine_call="ban",
        footer=_("Ban"),
        detail=_(
            "Afterwards you are asked whether to cancel the group's open invites too, so the "
            "person cannot ask again with one of them."
        ),
    ),
    Action(
        "peertui.delete",
        _("Delete message"),
        _("Remove a message for everyone, with a reason."),
        "moderation",
        "delete",
        slash="delete",
        args="<n> <reason>",
        key="d",
        key_scope="messages",
        role="moderator",
        on_message=True,
        engine_call="delete_message",
        footer=_("Delete"),
    ),
    Action(
        "peertui.slowmode",
        _("Slow mode"),
        _("Members may post once per this many seconds; 0 turns it off."),
        "moderation",
        "slowmode",
        slash="slowmode",
        args="<seconds>",
        key="s",
        key_scope="messages",
        role="moderator",
        needs_group=True,
        engine_call="set_slowmode",
    ),
    Action(
        "peertui.readonly",
        _("Read-only"),
        _("Only moderators may post while read-only is on."),
        "moderation",
        "readonly",
        slash="readonly",
        args="on|off",
        key="o",
        key_scope="messages",
        role="moderator",
        needs_group=True,
        engine_call="set_readonly",
    ),
    Action(
        "peertui.promote",
        _("Promote"),
        _("Make a member a moderator."),
        "moderation",
        "promote",
        slash="promote",
        args="<nick>",
        key="p",
        key_scope="messages",
        role="owner",
        on_message=True,
        needs_group=True,
        engine_call="promote",
    ),
    Action(
        "peertui.demote",
        _("Demote"),
        _("Make a moderator a member again."),
        "moderation",
        "demote",
        slash="demote",
        args="<nick>",
        key="e",
        key_scope="messages",
        role="owner",
        on_message=True,
        needs_group=True,
        engine_call="demote",
    ),
    Action(
        "peertui.reports",
        _("Reports"),
        _("List reports sent to the moderators of the current group."),
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
        _("Dismiss report"),
        _("Take a report off the list once dealt with."),
        "moderation",
        "dismiss",
        slash="dismiss",
        args="<n>",
        role="moderator",
        needs_group=True,
        engine_call="dismiss_report",
    ),
    # ----- settings and data
    Action(
        "peertui.settings",
        _("Settings"),
        _("Show every setting with its value."),
        "settings",
        "settings",
        slash="settings",
        key="f8",
        key_scope="home",
        engine_call="save_settings",
    ),
    Action(
        "peertui.set",
        _("Change a setting"),
        _("Change one setting, for example /set country GB."),
        "settings",
        "set",
        slash="set",
        args="<setting> <value>",
        engine_call="save_settings",
    ),
    Action(
        "peertui.export",
        _("Export conversation"),
        _("Write the current group's history to a plain-text file."),
        "settings",
        "export",
        slash="export",
        args="<file>",
        needs_group=True,
        engine_call="export",
    ),
    Action(
        "peertui.wipe",
        _("Erase everything"),
        _("Erase all peertui data on this computer (asks you to confirm)."),
        "settings",
        "wipe",
        slash="wipe",
        engine_call="wipe",
        detail=_("If you own or moderate groups, you are told first what erasing means for them."),
    ),
    Action(
        "peertui.help",
        _("Help"),
        _("List the help topics, or explain one topic or command."),
        "settings",
        "help",
        slash="help",
        args="[topic | command]",
        when_locked=True,
        aliases=("h", "?"),
    ),
    Action(
        "peertui.quit",
        _("Quit"),
        _("Leave peertui (your groups stay; Ctrl+D does the same in plain mode)."),
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
        _("Back to typing"),
        _("Move from the message list back to the composer."),
        "messages",
        "focus_composer",
        key="escape",
        key_scope="messages",
        front_ends=frozenset({"tui"}),
        only_here_because=_("plain mode has no focus to move: every line is typed at the prompt"),
    ),
    Action(
        "peertui.stop",
        _("Stop"),
        _("Stop the grounding exercise that is running."),
        "wellbeing",
        "stop",
        slash="stop",
        when_locked=True,
        front_ends=frozenset({"plain"}),
        only_here_because=_("the TUI's grounding screen closes with Escape"),
    ),
    Action(
        "peertui.cancel",
        _("Cancel"),
        _("Close the question that is open without answering it."),
        "settings",
        "cancel",
        slash="cancel",
        when_locked=True,
        front_ends=frozenset({"plain"}),
        only_here_because=_("the TUI's dialogs close with Escape"),
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
