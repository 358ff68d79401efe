"""Engine events on the home screen: each one becomes the shared words (ui.wording) as a line
in the conversation or a notice, said once; new messages of the group on screen are added
together, and a message that could not go out comes back to the composer."""

from __future__ import annotations

from typing import Any

from peertui.core import events as ev
from peertui.core.errors import PeertuiError
from peertui.core.models import ACTIVE
from peertui.i18n import _
from peertui.tui.home.groups import GroupActions
from peertui.tui.screens.dialogs import ListScreen
from peertui.tui.widgets.conversation import SystemLine
from peertui.ui import ordering, wording


class EngineEvents(GroupActions):
    denials: dict[str, str]  # group id -> the reason given, this session (set by the screen)

    def handle_events(self, events: list[ev.Event]) -> None:
        """Events in order; new messages of the group on screen are added together (a
        catch-up tells hundreds at once), with the group list refreshed once for them."""
        arrived: list[ev.MessageReceived | ev.MessageQueued] = []
        for event in events:
            if isinstance(event, (ev.MessageReceived, ev.MessageQueued)):
                arrived.append(event)
                continue
            self._messages_arrived(arrived)
            arrived = []
            self.handle_event(event)
        self._messages_arrived(arrived)

    def _messages_arrived(self, arrived: list[ev.MessageReceived | ev.MessageQueued]) -> None:
        if not arrived or self.engine is None:
            return
        here = [e.message for e in arrived if e.group_id == self.current]
        if here:
            self.messages.extend(here)
            self.engine.mark_read(here[0].group_id)
            late = [m for m in here if ordering.late_before(m)]
            if late:
                self.tell(wording.late_arrivals(late))
        self.refresh_groups()

    def handle_event(self, event: ev.Event) -> None:
        engine = self.engine
        if engine is None:
            return  # closing: events still in the queue have nothing left to update
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
                self.accept_guidelines(event.group_id, event.guidelines)
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
                self.refresh_members()
                self.refresh_groups()
            case ev.ReportReceived():
                self.tell(
                    _("A message in {name} was reported — F11 to review.").format(name=name),
                    title=_("Report"),
                    timeout=10,
                )
            case ev.Notice():
                self.tell(event.text if here else f"{name} — {event.text}")
            case ev.RosterWarning() | ev.MessagesMissing():  # protocol v2: fork, split, gap
                self.tell(f"{name} — {event.text}", severity="warning")
            case ev.ErrorOccurred():
                self.tell(event.text, severity="error", timeout=10)
                self.set_status(event.text)
            case ev.ReceivingPaused() | ev.RelayRewound():
                for line in self._event_lines(event, name):
                    self.tell(line, severity="error", timeout=10)
                    self.set_status(line)
            case ev.SendingWaits():
                for line in self._event_lines(event, name):
                    self.tell(line if here else f"{name} — {line}")

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
