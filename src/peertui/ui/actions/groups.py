"""Groups: host, join, invite, switch, members, nickname, profile, guidelines and leaving
(the moderators' guidelines and language commands sit here too, next to reading them).

Part of the one action table (`peertui.ui.actions`): the order here is the order in /help.
"""

from __future__ import annotations

from peertui.i18n import N_
from peertui.ui.actions.model import Action

ACTIONS: tuple[Action, ...] = (
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
)
