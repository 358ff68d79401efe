"""Engine events on the home screen: each one becomes the shared words (ui.wording) as a line
in the conversation or a notice, said once; new messages of the group on screen are added
together, and a message that could not go out comes back to the composer."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from peertui.core import events as ev
from peertui.core.errors import PeertuiError
from peertui.core.models import ACTIVE
from peertui.i18n import _
from peertui.tui.home.groups import GroupActions
from peertui.tui.screens.dialogs import ListScreen
from peertui.tui.widgets.conversation import SystemLine
from peertui.ui import actions, ordering, received, wording

if TYPE_CHECKING:
    from textual.timer import Timer

    from peertui.core.store import Message


# While more engine events wait (a catch-up), the notice about late arrivals is said at most
# once in this many seconds, for all of them: said each turn, it was a toast and a line in the
# conversation for every 50 messages of a backlog whose members wrote at the same moment.
LATE_NOTICE_EVERY_S = 1.0
# While more engine events wait (a catch-up), the conversation and the group list take what
# arrived at most this often, in one update: each update lays lines out, and the frame after
# it draws the conversation again, which was about two thirds of the event loop during a
# 20,000-message catch-up when done every turn of 50 events (issue 12). What arrives with
# nothing else waiting is shown at once, as are my own messages and anything before an event
# that is not a message (its line comes after them).
SHOW_EVERY_S = 0.25


class EngineEvents(GroupActions):
    denials: dict[str, str]  # group id -> the reason given, this session (set by the screen)
    _late_waiting: tuple[str, list[Message]] | None = None  # group id, late ones not yet said
    _late_timer: Timer | None = None
    # Messages of the group on screen told but not shown yet (group id, messages), and
    # whether the group list is behind what was told; when they were last shown.
    _arriving: tuple[str, list[Message]] | None = None
    _groups_behind = False
    _shown_at = 0.0

    def handle_events(self, events: list[ev.Event], more: bool = False) -> None:
        """Events in order; new messages of the group on screen are added together (a
        catch-up tells hundreds at once), with the group list refreshed once for them.
        `more`: other events are already waiting for the next turn."""
        arrived: list[ev.MessageReceived | ev.MessageQueued] = []
        for event in events:
            if isinstance(event, (ev.MessageReceived, ev.MessageQueued)):
                arrived.append(event)
                continue
            self._messages_arrived(arrived, more=True)
            arrived = []
            self.handle_event(event)
        self._messages_arrived(arrived, more=more)

    def _messages_arrived(
        self, arrived: list[ev.MessageReceived | ev.MessageQueued], more: bool = False
    ) -> None:
        if self.engine is None:
            return
        here = [e.message for e in arrived if e.group_id == self.current]
        if here and self.current is not None:
            if self._arriving is not None and self._arriving[0] != self.current:
                self.show_arrived()  # (not expected: open_group shows them first)
            if self._arriving is None:
                self._arriving = (self.current, [])
            self._arriving[1].extend(here)
        self._groups_behind = self._groups_behind or bool(arrived)
        mine = any(isinstance(e, ev.MessageQueued) for e in arrived)
        if more and not mine and time.monotonic() - self._shown_at < SHOW_EVERY_S:
            return  # more is waiting: shown with it, in one update
        self.show_arrived(more)

    def show_arrived(self, more: bool = False) -> None:
        """Show the messages told so far and bring the group list up to date."""
        arriving, self._arriving = self._arriving, None
        behind, self._groups_behind = self._groups_behind, False
        self._shown_at = time.monotonic()
        if self.engine is None:
            return
        if arriving is not None and arriving[0] == self.current:
            group_id, here = arriving
            self.messages.extend(here)
            self.engine.mark_read(group_id)
            late = [m for m in here if ordering.late_before(m)]
            if late:
                self._late_arrived(group_id, late, more)
        if behind or arriving is not None:
            self.refresh_groups()

    def _late_arrived(self, group_id: str, late: list[Message], more: bool) -> None:
        """Said now when nothing else waits and nothing was held back; else gathered and said
        once, for all of them, when the timer runs out."""
        waiting = self._late_waiting
        if waiting is not None and waiting[0] == group_id:
            waiting[1].extend(late)
        else:
            self._say_late()
            self._late_waiting = (group_id, list(late))
        if self._late_timer is None:
            if not more:
                self._say_late()
                return
            self._late_timer = self.set_timer(LATE_NOTICE_EVERY_S, self._late_timer_ran)

    def _late_timer_ran(self) -> None:
        self._late_timer = None
        self._say_late()

    def _say_late(self) -> None:
        waiting, self._late_waiting = self._late_waiting, None
        if waiting is not None and waiting[0] == self.current:  # (another group opened: its
            self.tell(wording.late_arrivals(waiting[1]))  # lines say it; no notice here)

    def handle_event(self, event: ev.Event) -> None:
        engine = self.engine
        if engine is None:
            return  # closing: events still in the queue have nothing left to update
        self.show_arrived(more=True)  # what was told before this event comes first
        messages = self.messages
        here = event.group_id == self.current
        name = self.name_of(event.group_id)
        # A list open over the conversation that follows the engine (join requests) is
        # brought up to date by whatever arrives.
        for screen in self.app.screen_stack:
            if isinstance(screen, ListScreen):
                screen.reload()
        match event:
            case ev.MessageReceived() | ev.MessageQueued():
                self._messages_arrived([event])
            case ev.MessageReturned():
                self._message_returned(event, here, name)
            case ev.MessageRemoved():
                if here and (index := messages.find(event.msg_id)) is not None:
                    old = messages.items[index]
                    old.removed_reason = event.reason
                    messages.replace(old)
            case ev.MemberJoined() | ev.MemberLeft():
                if here:
                    for line in self._event_lines(event, name):
                        messages.append(SystemLine(line))
                    self.refresh_members()
            case ev.JoinRequested():
                self.refresh_groups()
                self.tell(
                    _("{nick} asked to join {name} — F9 to approve or deny.").format(
                        nick=event.request.nick, name=name
                    ),
                    title=_("Join request"),
                    timeout=10,
                )
            case ev.JoinApproved():
                self.refresh_groups()
                self.approved(event.group_id, self._event_lines(event, name))
            case ev.JoinDenied():
                self.denials[event.group_id] = event.reason
                self.app.notify(self._declined(event.group_id), severity="warning", timeout=20)
                if here:
                    messages.show([SystemLine(self._declined(event.group_id))])
                self.refresh_groups()
            case ev.ConnectionChanged():
                self.refresh_groups()
            case ev.GapDetected():
                if here:
                    for line in self._event_lines(event, name):
                        messages.append(SystemLine(line))
            case ev.Warned():
                # Never a pop-up: it would take the keyboard mid-sentence. The notice is also
                # a line in the conversation (see `tell`), and comes back when it is rebuilt.
                self.tell(
                    f"{name} — {wording.private_warning(event.reason)}",
                    title=_("Warning from a moderator"),
                    severity="warning",
                    timeout=30,
                )
            case ev.ModAction():
                if here:
                    for line in self._event_lines(event, name):
                        messages.append(SystemLine(line, event.entry.ts))
                if self._about_me(event):
                    # What it means for me, for how long, where the log is, that help still
                    # works: plain mode's sentence, with this front-end's keys.
                    helping = wording.sanction_help(event.entry, name, self.help_keys())
                    if helping:
                        self.tell(
                            helping if here else f"{name} — {helping}",
                            severity="warning",
                            timeout=30,
                        )
                self.refresh_members()
                self.refresh_groups()
            case ev.ReportReceived():
                self.tell(
                    _("A message in {name} was reported — F11 to review.").format(name=name),
                    title=_("Report"),
                    timeout=10,
                )
            case ev.Notice():
                # This front-end's keys: a removal's words name where help and the log are.
                text = wording.told(event, name, self.help_keys())
                lost = event.said in (ev.Said.REMOVED, ev.Said.BANNED)
                self.tell(
                    text if here else f"{name} — {text}",
                    **({"severity": "warning", "timeout": 30} if lost else {}),
                )
                if lost:
                    self._unsent_after_removal(event.group_id, here, name)
            case ev.RosterWarning():  # a fork, a split view, a copied key
                self.tell(f"{name} — {received.roster_warning(event)}", severity="warning")
            case ev.MessagesMissing():  # protocol v2: a gap
                self.tell(f"{name} — {received.messages_missing(event)}", severity="warning")
            case ev.ErrorOccurred():
                text = wording.told(event, name)
                self.tell(text, severity="error", timeout=10)
                self.set_status(text)
            case ev.ReceivingPaused() | ev.RelayRewound():
                for line in self._event_lines(event, name):
                    self.tell(line, severity="error", timeout=10)
                    self.set_status(line)
            case ev.SendingWaits():
                for line in self._event_lines(event, name):
                    self.tell(line if here else f"{name} — {line}")

    def _unsent_after_removal(self, group_id: str, here: bool, name: str) -> None:
        """Removed or banned while typing (or with a kept draft there): the words are shown
        whole, to copy, as plain mode prints them; in the box they also stay."""
        try:
            words = self.composer.value if here else self.ready_engine().draft(group_id)
        except PeertuiError:
            return
        if words.strip():
            self.tell(wording.unsent_after_removal(name, words), severity="warning", timeout=60)

    def _about_me(self, event: ev.ModAction) -> bool:
        # By member id, not by the members list: after a removal I am no longer in it.
        try:
            return bool(event.entry.target_id) and event.entry.target_id == (
                self.ready_engine().my_member_id(event.group_id)
            )
        except PeertuiError:
            return False

    def help_keys(self) -> wording.HelpKeys:
        """The keys this person has for crisis lines, grounding, the plan and the log (their
        own remapping over the defaults), named as the safety line names them: "F1"."""
        keys = actions.keys(self.app.settings.keybindings)

        def key(action_id: str, slash: str) -> str:
            first = keys.get(action_id, "").split(",")[0].strip()
            return first.upper() if first else slash

        return wording.HelpKeys(
            crisis=key("peertui.crisis", "/crisis"),
            ground=key("peertui.grounding", "/ground"),
            plan=key("peertui.safety_plan", "/plan"),
            modlog=key("peertui.modlog", "/modlog"),
        )

    def _event_lines(self, event: ev.Event, name: str) -> list[str]:
        """The words plain mode prints for this event (ui.wording), said the same way here."""
        context = wording.EventContext(name, self._members_of(event.group_id))
        return [line.text for line in wording.event_lines(event, context)]

    def _members_of(self, group_id: str) -> list[Any]:
        engine = self.ready_engine()
        try:
            active = engine.group(group_id).state == ACTIVE
        except PeertuiError:
            return []
        return engine.members(group_id) if active else []

    def _message_returned(self, event: ev.MessageReturned, here: bool, name: str) -> None:
        """The engine put the words into the group's draft; here the composer is the draft, so
        they go back into it — after anything being typed, the cursor left where it was."""
        if here:
            composer = self.composer
            typed, cursor = composer.value, composer.cursor_position
            if typed.strip():
                composer.value = f"{typed} {event.text}"
                composer.cursor_position = cursor
                kept = _(wording.KEPT_AFTER_TYPING)
            else:
                composer.give_back(event.text)
                kept = _(wording.KEPT_IN_COMPOSER)
            self.ready_engine().save_draft(event.group_id, "")
        else:
            kept = wording.kept_in_draft_of(name)
        line = wording.message_returned(event.reason, event.text, kept)
        self.tell(line if here else f"{name} — {line}", severity="warning", timeout=20)

    def _declined(self, group_id: str) -> str:
        reason = self.denials.get(group_id, "")
        if reason:
            return _("Your request to join was declined: {reason}").format(reason=reason)
        return _("Your request to join was declined.")
