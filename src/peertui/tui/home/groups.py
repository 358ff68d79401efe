"""Groups: host, join, invite, switch, members, nickname and profile, guidelines, leave;
and this person's data: export, settings, wipe."""

from __future__ import annotations

import time

from textual import work

from peertui.core.models import ACTIVE, Member
from peertui.i18n import _
from peertui.tui.home.base import HomeBase
from peertui.tui.home.prompter import DialogPrompter
from peertui.tui.screens.dialogs import Field, InviteScreen, ListScreen, TextScreen
from peertui.tui.text import reflow
from peertui.ui import commands, flows, wording
from peertui.ui import settings as shared_settings


class GroupActions(HomeBase):
    def action_host(self, argument: str = "") -> None:
        from peertui.tui.screens.host import HostScreen

        name, relay_url = commands.host_arguments(argument)
        self.app.push_screen(HostScreen(name, relay_url or ""), self._opened)

    def _opened(self, group_id: str | None) -> None:
        if group_id:
            self.open_group(group_id)

    def action_join(self, argument: str = "") -> None:
        from peertui.tui.screens.join import JoinScreen

        invite, nick = commands.invite_and_nick(argument)
        self.app.push_screen(JoinScreen(invite, nick), self._opened)

    def command_invite(self, argument: str) -> None:
        """/invite typed: words after it are refused as in plain mode, never ignored."""
        try:
            commands.nothing_after_invite(argument)
        except commands.UsageError as problem:
            self.composer.give_back_command(f"/invite {argument}".rstrip())
            self.app.notify(str(problem), severity="warning", timeout=10)
            return
        self.action_invite()

    @work(group="engine-call")
    async def action_invite(self) -> None:
        group = self.need_group()
        if group is None:
            return
        token = await self.call("create_invite", group.group_id)
        if isinstance(token, str):
            self.app.push_screen(
                InviteScreen(wording.group_name(group.name), token, group.language)
            )

    @work(group="dialog")
    async def action_groups(self) -> None:
        from peertui.tui.widgets.group_list import group_status
        from peertui.ui.wording import state_word

        engine = self.ready_engine()
        rows: list[tuple[str | None, str]] = [
            (
                g.group_id,
                f"{wording.group_name(g.name)} — {state_word(g.role or 'member')}, {group_status(g)}",
            )
            for g in engine.groups()
        ]
        picked = await self.app.push_screen_wait(
            ListScreen(
                _("Your groups"),
                rows,
                _("No groups yet: F4 hosts one, F5 joins."),
                _("Enter opens it."),
            )
        )
        if picked:
            self.open_group(picked)

    def action_switch(self, argument: str = "") -> None:
        name = argument.strip().casefold()
        if not name or self.engine is None:
            self.action_groups()
            return
        groups = self.engine.groups()
        matches = [g for g in groups if g.name.casefold() == name] or [
            g for g in groups if g.name.casefold().startswith(name)
        ]
        if len(matches) != 1:
            self.app.notify(
                _("No single group is called '{name}'; /groups lists them.").format(
                    name=argument.strip()
                ),
                severity="warning",
            )
            return
        self.open_group(matches[0].group_id)

    @work(group="dialog")
    async def action_members(self) -> None:
        """The members list as a dialog, for screens too narrow to show the panel."""
        from peertui.tui.widgets.members import describe_member

        group = self.need_group()
        if group is None:
            return
        rows: list[tuple[str | None, str]] = [
            (None, describe_member(m)) for m in self.ready_engine().members(group.group_id)
        ]
        await self.app.push_screen_wait(
            ListScreen(
                _("Members — {name}").format(name=wording.group_name(group.name)),
                rows,
                _("No members yet."),
            )
        )

    @work(group="dialog")
    async def action_nick(self, nick: str = "") -> None:
        group = self.need_group()
        if group is None:
            return
        if not nick:
            values = await self.form(
                _("Change your nickname in this group"),
                [Field("nick", _("New nickname:"), group.nick)],
            )
            if values is None:
                return
            nick = values["nick"]
        await self.call("set_nick", group.group_id, nick, done=_("Nickname changed."))

    @work(group="dialog")
    async def action_profile(self, argument: str = "") -> None:
        group = self.need_group()
        if group is None:
            return
        me = next((m for m in self.ready_engine().members(group.group_id) if m.is_me), None)
        pronouns, _bar, intro = argument.partition("|")
        values = await self.form(
            _("Your profile in {name}").format(name=wording.group_name(group.name)),
            [
                Field(
                    "pronouns",
                    _("Pronouns (optional):"),
                    pronouns.strip() or (me.pronouns if me else ""),
                ),
                Field(
                    "intro",
                    _("One line about you (optional):"),
                    intro.strip() or (me.intro if me else ""),
                ),
            ],
            _("Save"),
            explanation=_("Shown next to your nickname in this group's members list only."),
        )
        if values is not None:
            await self.call(
                "set_profile",
                group.group_id,
                values["pronouns"],
                values["intro"],
                done=_("Your profile is updated."),
            )

    # ----- guidelines -----------------------------------------------------------------------
    def action_guidelines(self) -> None:
        """Read them, moderators too (as in plain mode); /guidelines edit changes them."""
        group = self.need_group()
        if group is None:
            return
        moderator = group.role in ("owner", "moderator")
        self.app.push_screen(
            TextScreen(
                _("Guidelines — {name}").format(name=wording.group_name(group.name)),
                reflow(group.guidelines) or _("(none written)"),
                _("/guidelines edit changes them.") if moderator else "",
            )
        )

    @work(group="dialog")
    async def action_group_language(self, argument: str = "") -> None:
        """Declare the group's language: from /group language es, or chosen from a list."""
        from peertui.i18n import available_languages, language_name

        group = self.need_moderator()
        if group is None:
            return
        typed = argument.strip()
        if not typed:
            rows: list[tuple[str | None, str]] = [
                (code, language_name(code)) for code in available_languages()
            ]
            rows.append(("-", _("No declared language")))
            picked = await self.app.push_screen_wait(
                ListScreen(
                    _("Group language — {name}").format(name=wording.group_name(group.name)),
                    rows,
                    "",
                )
            )
            if not picked:
                return
            typed = picked
        language = await self.call(
            "set_group_language", group.group_id, "" if typed == "-" else typed
        )
        if language:
            self.tell(wording.group_language_line(language))
        elif language == "":
            self.tell(
                _("{name} declares no language now.").format(name=wording.group_name(group.name))
            )

    @work(group="dialog")
    async def action_guidelines_edit(self) -> None:
        group = self.need_moderator()
        if group is None:
            return
        values = await self.form(
            _("Edit the group's guidelines (everyone accepts them again)"),
            [Field("text", _("Guidelines:"), group.guidelines, multiline=True)],
            _("Save"),
        )
        if values is not None:
            await self.call(
                "set_guidelines", group.group_id, values["text"], done=_("Guidelines updated.")
            )

    def action_accept(self) -> None:
        """/accept: the guidelines to read and accept when there are some (the dialog, whose
        accept button says what it means now); while still waiting for approval, or in a group
        without any, the shared sentence says so instead of "you can post"."""
        group = self.need_group(active=False)
        if group is None:
            return
        if flows.guidelines_step(group) in ("waiting", "none"):
            self.tell(flows.accept_now(self.ready_engine(), group.group_id).text)
            return
        self.accept_guidelines(group.group_id, group.guidelines, force=True)

    def approved(self, group_id: str, said: list[str]) -> None:
        """My request was approved. The group's guidelines are asked about only when they
        are not the ones accepted at /join (the shared rule, `flows.guidelines_step`); else
        the conversation opens at once with plain mode's lines (`said`: "You are now a
        member of ...", the group's language)."""
        from peertui.core.errors import PeertuiError

        try:
            group = self.ready_engine().group(group_id)
        except PeertuiError:
            return  # left or wiped meanwhile: nothing to open
        if flows.guidelines_step(group) == "to_accept":
            self.accept_guidelines(group_id, group.guidelines)
            return
        self.open_group(group_id)
        for line in said:
            self.tell(line)

    @work(group="dialog")
    async def accept_guidelines(self, group_id: str, guidelines: str, force: bool = False) -> None:
        """The group's guidelines in a dialog, to accept (or leave the group); `force` when
        asked for (/accept, a message refused for them), not by approval."""
        if not force and group_id == self.current:
            from peertui.tui.widgets.conversation import SystemLine

            # "Waiting for approval" is no longer true while the guidelines are being read.
            self.messages.show(
                [SystemLine(_("You were approved. Please read the group's guidelines."))]
            )
        group = self.group(group_id)
        language = group.language if group is not None else ""
        # One guideline a line, as they were written and as plain mode lists them: never
        # joined into one paragraph.
        items = [line.strip() for line in guidelines.splitlines() if line.strip()]
        text = "\n".join(items) or _("(This group has no written guidelines.)")
        choice = await self.choose(
            _("Please read this group's guidelines"),
            f"{wording.group_language_line(language)}\n\n{text}" if language else text,
            [("accept", _("I accept — open the conversation")), ("leave", _("Leave the group"))],
        )
        if choice == "accept":
            # Recorded, and said as plain mode's /accept says it: "you can post" only when
            # this member can (not while muted, not in a read-only group).
            said = flows.accept_now(self.ready_engine(), group_id)
            self.open_group(group_id)
            self.tell(said.text)
        elif choice == "leave":
            await self.call("leave", group_id, done=_("You left the group."))

    def action_status(self) -> None:
        """/status, as in plain mode: the current group, its relay, and whether I can post
        now (muted until when, read-only, guidelines to accept)."""
        group = self.need_group(active=False)
        if group is None:
            return
        me = self.me_in(group)
        for line in wording.status_lines(group, me, int(time.time() * 1000)):
            self.tell(line)

    def me_in(self, group) -> Member | None:
        """This device's member in a group ('' while pending or after removal: None)."""
        from peertui.core.errors import PeertuiError

        engine = self.ready_engine()
        if group.state != ACTIVE:
            return None
        try:
            mine = engine.my_member_id(group.group_id)
            return next((m for m in engine.members(group.group_id) if m.member_id == mine), None)
        except PeertuiError:
            return None

    @work(group="dialog")
    async def action_leave(self) -> None:
        group = self.need_group(active=False)
        if group is None:
            return
        choice = await self.confirm(
            _("Leave {name}?").format(name=wording.group_name(group.name)),
            _(
                "You will need a new invite to come back. Its history stays on this device "
                "unless you also delete it: messages, drafts, keys and search entries are then "
                "erased from this device (other members keep theirs). This cannot be undone."
            ),
            [
                ("keep", _("Leave, keep the history")),
                ("forget", _("Leave and delete the history")),
            ],
        )
        if choice not in ("keep", "forget"):
            return
        left = await self.call(
            "leave",
            group.group_id,
            done=_("You left {name}.").format(name=wording.group_name(group.name)),
        )
        if left is not None and choice == "forget":
            await self.call(
                "forget_group",
                group.group_id,
                done=_("Deleted {name} and its history from this device.").format(
                    name=wording.group_name(group.name)
                ),
            )

    # ----- your data ------------------------------------------------------------------------
    @work(group="dialog")
    async def action_export(self, file: str = "") -> None:
        group = self.need_group(active=False)
        if group is None:
            return
        from pathlib import Path

        path = (
            Path(file).expanduser()
            if file
            else self.app.paths.exports_dir / f"{group.group_id[:12]}.txt"
        )
        choice = await self.choose(
            _("Export this conversation?"),
            _("It will be written as plain, unencrypted text to {path}.").format(path=path),
            [("yes", _("Export")), ("no", _("Cancel"))],
        )
        if choice == "yes":
            await self.call(
                "export",
                group.group_id,
                path,
                wording.export_words(),
                done=_("Exported to {path} — it is NOT encrypted.").format(path=path),
            )

    def action_settings(self) -> None:
        from peertui.tui.screens.settings import SettingsScreen

        self.app.push_screen(SettingsScreen())

    def action_set(self, argument: str = "") -> None:
        """`/set country GB` changes one setting in the shared words; `/set` alone lists every
        setting with its value and how to change one, as plain mode does. A value that is not
        usable is said, and the typed line is given back."""
        if not argument.strip():
            from peertui.tui.screens.dialogs import ListScreen

            lines = shared_settings.listing(self.app.settings)
            self.app.push_screen(
                ListScreen(
                    _("Settings"),
                    [(None, line) for line in lines],
                    "",
                    hint=_("/settings opens the Settings form; Escape closes this list."),
                )
            )
            return
        try:
            saved = shared_settings.change(
                self.app.settings, argument, themes=self.app.peertui_themes
            )
        except commands.UsageError as problem:
            self.composer.give_back_command(f"/set {argument}")
            self.app.notify(str(problem), severity="warning")
            return
        self.app.save_settings()
        self.app.notify(saved)

    @work(group="dialog", exclusive=True)
    async def action_wipe(self) -> None:
        """Erase everything on this computer, after the shared flow's exact confirmation."""
        engine = self.engine
        if engine is None:
            self.app.notify(_("Your history is still opening; try again in a moment."))
            return
        try:
            erased = await flows.wipe(DialogPrompter(self, _("Erase everything?")), engine)
        except flows.Cancelled:
            self.app.notify(_("Nothing was erased."))
            return
        if erased:
            self.app.engine = None
            self.app.exit(0)

    def refresh_groups_state(self) -> None:
        """Kept for the screen: whether a group is active changes what is offered."""
        group = self.group()
        if group is not None and group.state != ACTIVE:
            self.refresh_bindings()
