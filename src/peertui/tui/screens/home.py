"""Home: groups, the current conversation, members and the composer.

The features live one per module in `peertui.tui.home` (groups, messages, moderation); this
screen lays them out, keeps focus visible in words, turns engine events into lines, and sends
what is typed — or runs it, for a slash command from the shared table. Engine calls run in
workers so the interface never waits on the network; failures come back as sentences.
"""

from __future__ import annotations

import contextlib
import inspect
from dataclasses import replace
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.containers import Horizontal
from textual.widgets import Label, OptionList

from peertui.config import interface_language
from peertui.core import events as ev
from peertui.core.errors import PeertuiError
from peertui.core.models import ACTIVE
from peertui.i18n import N_, _, ngettext
from peertui.tui import bindings
from peertui.tui.home.base import NOT_A_MODERATOR
from peertui.tui.home.groups import GroupActions
from peertui.tui.home.messages import HISTORY_PAGE, MessageActions
from peertui.tui.home.moderation import ModerationActions, muted_for
from peertui.tui.screens.dialogs import ListScreen
from peertui.tui.widgets.conversation import MessageList, SystemLine
from peertui.tui.widgets.conversation_pane import ConversationPane
from peertui.tui.widgets.footer import footer_widgets
from peertui.tui.widgets.group_list import GroupList, group_status
from peertui.tui.widgets.members import MembersPanel
from peertui.ui import commands, ordering, screenfuls, wording
from peertui.ui.actions import Action

__all__ = ["HomeScreen", "muted_for"]

NARROW_COLUMNS = 100
# Short enough never to cut off their own words: the side panes leave 20 columns for a title,
# the conversation 54 at 80 columns.
# Msgids, translated where drawn; translations must stay as short (the 80x24 tests check).
PANE_TITLES = {
    "groups": (N_("Groups"), N_("Focus: Groups")),
    "messages": (N_("Conversation"), N_("Focus: Conversation · ↑↓ t thanks r report Esc")),
    "members": (N_("Members"), N_("Focus: Members")),
    "composer": ("", N_("Focus: Message · Enter sends · /help")),
}
# Run by the app, whatever screen is in front (the safety keys among them).
APP_HANDLERS = {"crisis", "grounding", "safety_plan", "quick_exit", "quit"}


class HomeScreen(GroupActions, MessageActions, ModerationActions):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.HOME]

    def __init__(self) -> None:
        super().__init__()
        self.current: str | None = None
        self.next_cw = ""
        self.denials: dict[str, str] = {}  # group id -> the reason given, this session
        self._focus_messages_on_resume = False

    def compose(self) -> ComposeResult:
        yield Label(_("Opening your encrypted history…"), id="status", classes="status-line")
        with Horizontal(id="main"):
            yield GroupList(id="groups")
            yield ConversationPane(id="conversation-pane")
            yield MembersPanel(id="members")
        yield from footer_widgets()

    def on_mount(self) -> None:
        self.composer.focus()
        self._mark_focus()
        self.messages.hidden_reason = self._hidden_reason
        if self.app.engine is not None:
            self.engine_ready()

    def _hidden_reason(self, message: Any) -> str:
        return self.engine.is_hidden(message) if self.engine is not None else ""

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW_COLUMNS
        self.set_class(narrow, "narrow")
        # The members panel is hidden when narrow: the way to them is said where it was.
        self.query_one("#groups").border_subtitle = _("see /members") if narrow else ""

    def refresh_words(self) -> None:
        """After a change of language: the pane titles and the composer's hint in the new one."""
        from peertui.tui.widgets.conversation_pane import HINT

        self._mark_focus()
        self.composer.placeholder = _(HINT)
        if self.engine is not None:
            # The group list, the status line and the current group's line, said again.
            self.refresh_groups()
            if not self.engine.groups():
                self.set_status(_("Ready. No groups yet: F4 hosts one, F5 joins with an invite."))

    # ----- focus: always visible in words, typing never lost --------------------------------
    def _mark_focus(self) -> None:
        for pane_id, (plain, focused) in PANE_TITLES.items():
            pane = self.query_one(f"#{pane_id}")
            title = _(focused if pane.has_focus else plain) if (focused or plain) else ""
            if isinstance(pane, MembersPanel) and pane.options:
                count = len(pane.options)
                people = ngettext("{n} member", "{n} members", count).format(n=count)
                title = (
                    _("Focus: {people}").format(people=people)
                    if pane.has_focus
                    else people[:1].upper() + people[1:]
                )
            pane.border_title = title

    def on_descendant_focus(self) -> None:
        self._mark_focus()

    def on_descendant_blur(self) -> None:
        self._mark_focus()

    def on_screen_resume(self) -> None:
        # Back from any dialog: the keyboard belongs to the composer again, so letters typed
        # next are words, never moderation keys — except after jumping to a search result,
        # which is highlighted to be acted on.
        if self._focus_messages_on_resume:
            self._focus_messages_on_resume = False
            self.messages.focus()
        else:
            self.composer.focus()

    def action_focus_composer(self) -> None:
        self.composer.focus()

    def on_key(self, event: events.Key) -> None:
        if event.key in self._moderator_keys() and not self._is_moderator():
            # The key is hidden for members; pressing it anyway gets an answer, not silence.
            event.stop()
            self.app.notify(_(NOT_A_MODERATOR), severity="warning")
            return
        # Also with nothing focused yet (a dialog just closed): typed ahead, still words.
        if not isinstance(self.focused, GroupList | MembersPanel | MessageList | None):
            return
        if not event.is_printable or not event.character:
            return
        bound = self.active_bindings.get(event.key)
        if bound is not None and bound.enabled:
            return
        event.stop()
        event.prevent_default()
        self.composer.focus()
        self.composer.insert_text_at_cursor(event.character)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """With a message highlighted, the footer offers what can be done to it; the F4–F11
        keys still work and stay listed in the palette."""
        active = super().active_bindings
        messages = self.query(MessageList)
        if not (messages and messages.first().has_focus):
            return active
        home_actions = {binding.action for binding in bindings.HOME}
        shown = {}
        for key, entry in active.items():
            binding = entry.binding
            if binding.action in home_actions:
                binding = replace(binding, show=False)
            elif binding.action in bindings.MESSAGE_FOOTER:
                binding = replace(
                    binding, show=True, description=_(bindings.MESSAGE_FOOTER[binding.action])
                )
            shown[key] = entry._replace(binding=binding)
        return shown

    def _moderator_keys(self) -> set[str]:
        keymap = self.app.settings.keybindings
        return {
            key.strip()
            for binding in bindings.HOME
            if binding.action in bindings.MODERATOR_ACTIONS and binding.id
            for key in keymap.get(binding.id, binding.key).split(",")
        }

    def _is_moderator(self) -> bool:
        return self.role() in ("owner", "moderator")

    def offers(self, action: str) -> bool:
        """Whether this person may use `action` in the current group (the palette asks too)."""
        role = bindings.ROLE.get(action.removeprefix("screen."), "member")
        return (
            role == "member"
            or self.role() == "owner"
            or (role == "moderator" and self._is_moderator())
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (
            f"screen.{action.removeprefix('screen.')}" in bindings.ON_A_MESSAGE
            and self.is_mounted
            and self.messages.has_focus
            and self.messages.selected_message() is None
        ):
            # A letter that acts on a message, with a notice (or nothing) highlighted: it is
            # the start of a word, so it goes on to the composer instead of a "highlight" toast.
            return False
        return self.offers(action)

    # ----- engine state ---------------------------------------------------------------------
    def engine_ready(self) -> None:
        engine = self.ready_engine()
        groups = engine.groups()
        if self.current is None and groups:
            active = [g for g in groups if g.state == ACTIVE] or groups
            self.open_group(engine.last_group() or active[0].group_id)
        else:
            self.refresh_groups()
        if not groups:
            self.set_status(_("Ready. No groups yet: F4 hosts one, F5 joins with an invite."))

    def refresh_all(self) -> None:
        self.refresh_groups()
        self.refresh_members()
        self.messages.rerender()

    def refresh_groups(self) -> None:
        if self.engine is None:
            return
        self.query_one(GroupList).show(self.engine.groups(), self.current, self._waiting())
        self._describe_current()
        self.refresh_bindings()

    def _waiting(self) -> dict[str, int]:
        """How many people wait to join each group this person moderates."""
        engine = self.ready_engine()
        return {
            g.group_id: len(engine.pending_requests(g.group_id))
            for g in engine.groups()
            if g.state == ACTIVE and g.role in ("owner", "moderator")
        }

    def _describe_current(self) -> None:
        group = self.group()
        if group is None:
            return
        words = [
            _("{name}: you are {nick}").format(name=group.name, nick=group.nick),
            group_status(group),
        ]
        if group.slowmode_seconds:
            words.append(_("slow mode {seconds} s").format(seconds=group.slowmode_seconds))
        if group.readonly:
            words.append("read-only")
        self.set_status(" · ".join(words))

    def open_group(self, group_id: str) -> None:
        engine = self.ready_engine()
        composer = self.composer
        if self.current is not None and self.current != group_id:
            engine.save_draft(self.current, composer.value)
            composer.value = ""
        self.current = group_id
        engine.remember_current_group(group_id)
        if not composer.value:
            composer.give_back(engine.draft(group_id))
            engine.save_draft(group_id, "")
        group = self.group()
        lines: list[Any]
        if group is not None and group.state == "pending":
            lines = [SystemLine(_("Your request to join is waiting for a moderator's approval."))]
        elif group is not None and group.state == "denied":
            lines = [SystemLine(self._declined(group_id))]
        else:
            lines = self._conversation(group_id)
        self.messages.show(lines)
        engine.mark_read(group_id)
        self.refresh_members()
        self.refresh_groups()

    def _declined(self, group_id: str) -> str:
        reason = self.denials.get(group_id, "")
        if reason:
            return _("Your request to join was declined: {reason}").format(reason=reason)
        return _("Your request to join was declined.")

    def _conversation(self, group_id: str) -> list[Any]:
        """The latest page of history with the moderation lines and the private warnings of
        the same period, by time."""
        engine = self.ready_engine()
        history = engine.history(group_id, limit=HISTORY_PAGE)
        since = history[0].ts if len(history) >= HISTORY_PAGE else 0
        members = self._members_of(group_id)
        lines: list[Any] = [
            SystemLine(wording.mod_action(entry, members), entry.ts)
            for entry in engine.modlog(group_id)
            if entry.ts >= since
        ]
        lines += [
            SystemLine(wording.private_warning(reason), ts)
            for ts, reason in engine.my_warnings(group_id)
            if ts >= since
        ]
        # Stable sort: at the same millisecond a message stays before the action on it.
        return sorted([*history, *lines], key=lambda item: item.ts)

    def refresh_members(self) -> None:
        if self.engine is None or self.current is None:
            return
        group = self.group()
        members = self.engine.members(self.current) if group and group.state == ACTIVE else []
        self.query_one(MembersPanel).show(members)
        self._mark_focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, GroupList) and event.option.id:
            event.stop()
            self.open_group(event.option.id)
            self.composer.focus()
        elif isinstance(event.option_list, MessageList):
            event.stop()

    # ----- events from the engine -----------------------------------------------------------
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

    # ----- what is typed --------------------------------------------------------------------
    @on(ConversationPane.PastedLines)
    def _pasted_lines(self, event: ConversationPane.PastedLines) -> None:
        self.app.notify(
            _(
                "{count} lines pasted: a message is one line, so they are kept joined with ' / '. Nothing is sent until you press Enter."
            ).format(count=event.count)
        )

    @on(ConversationPane.Send)
    def _typed(self, event: ConversationPane.Send) -> None:
        try:
            parsed = commands.parse(event.text, "tui")
        except commands.CommandError as problem:
            self.composer.give_back(event.text)
            self.app.notify(str(problem), severity="warning")
            return
        if parsed.action is None:
            if parsed.text.strip():
                self.send(parsed.text, self.next_cw, typed=event.text)
            return
        self.run_command(parsed.action, parsed.argument, event.text)

    def _highlight_number(self, number: int, typed: str):
        """Open the message numbered `number` and highlight it; None after saying why not."""
        from peertui.core.errors import PeertuiError

        try:
            target = self.ready_engine().message_by_number(number)
        except PeertuiError as problem:
            self.composer.give_back(typed)
            self.app.notify(str(problem), severity="warning")
            return None
        self.jump_to(target.group_id, target.msg_id, focus=False)
        if self.messages.selected_message() is None or (
            self.messages.selected_message().msg_id != target.msg_id
        ):
            self.composer.give_back(typed)
            self.app.notify(
                _("Message #{n} could not be shown, so nothing was done.").format(n=number),
                severity="warning",
            )
            return None
        return target

    def run_command(self, action: Action, argument: str, typed: str) -> None:
        """A slash command from the shared table, run as its key or palette entry would."""
        if not self.may(action):
            self.composer.give_back(typed)
            self.app.notify(_(NOT_A_MODERATOR), severity="warning")
            return
        handler = action.handler
        number, rest = commands.leading_number(argument) if action.on_message else (None, "")
        if number is not None:
            # `/report 12 ...` acts on #12, wherever it is: it is highlighted first, so what is
            # acted on is what is seen (and the dialogs show it).
            target = self._highlight_number(number, typed)
            if target is None:
                return
            if handler == "report":
                group = self.group(target.group_id)
                if group is not None:
                    self.report(group, target, rest)
                return
            argument = rest
        elif action.on_message and self.messages.selected_message() is None:
            # Typed, not keyed: with a notice highlighted, the newest message from someone
            # else is the one meant; it is highlighted, so what is acted on is seen.
            self.messages.highlight_latest(not_from=self._my_member_id())
        if handler == "content_warning":
            topic, bar, text = argument.partition("|")
            if bar and topic.strip() and text.strip():
                self.send(text.strip(), topic.strip(), typed=typed)
            elif bar:
                self.composer.give_back(typed)
                self.app.notify(
                    _(
                        "Write it as /cw topic | your message — the topic is shown, the message "
                        "is folded."
                    ),
                    severity="warning",
                )
            else:
                self.action_content_warning(argument.strip())
            return
        if handler == "help":
            self.show_help(argument)
        elif handler == "crisis":
            self.app.open_crisis(argument.split()[0] if argument.split() else "")
        elif handler == "grounding":
            self.app.open_grounding(argument.strip())
        elif handler in ("safety_plan", "safety_plan_edit", "safety_plan_export"):
            self.app.open_safety_plan(handler.removeprefix("safety_plan").strip("_"))
        elif hasattr(self, f"command_{handler}"):
            getattr(self, f"command_{handler}")(argument)
        else:
            target = self.app if handler in APP_HANDLERS else self
            method = getattr(target, f"action_{bindings.method_name(action)}")
            takes_argument = bool(inspect.signature(method).parameters)
            result = method(argument) if takes_argument else method()
            if inspect.isawaitable(result):
                self.run_worker(result)

    def _my_member_id(self) -> str:
        group = self.group()
        if group is None or self.engine is None or group.state != ACTIVE:
            return ""
        return next((m.member_id for m in self.engine.members(group.group_id) if m.is_me), "")

    @work(group="dialog")
    async def show_help(self, argument: str) -> None:
        lines = screenfuls.help_for(argument, "tui")
        if lines is None:
            self.app.notify(
                _("There is no help topic or command '{name}'. /help lists them.").format(
                    name=argument.strip()
                ),
                severity="warning",
            )
            return
        await self.app.push_screen_wait(
            ListScreen(
                _("Help: {topic}").format(topic=argument.strip())
                if argument.strip()
                else _("Help"),
                [(None, line) for line in lines],
                "",
                _("Keys and every action: ctrl+p. Escape closes."),
            )
        )

    @work(group="send")
    async def send(self, text: str, cw: str, typed: str) -> None:
        """Check for personal details (asking first), send, and offer support after a hard
        message. Whatever is not sent comes back to the composer."""
        from peertui.wellbeing import detect

        group = self.group()
        if group is None or group.state != ACTIVE:
            self.composer.give_back(typed)
            self.app.notify(
                _(
                    "Choose an active group first (host with F4 or join with F5). "
                    "Your text is still in the box."
                ),
                severity="warning",
            )
            return
        settings = self.app.settings
        assessment = detect.assess(
            text, interface_language(settings.language), region=settings.country or None
        )
        if assessment.personal:
            from peertui.ui.flows import DETAIL_WORDS

            # In words ("an e-mail address"), as plain mode says them, never the internal kind.
            kinds = ", ".join(
                sorted({_(DETAIL_WORDS.get(d.kind, d.kind)) for d in assessment.personal})
            )
            choice = await self.choose(
                _("This message may contain personal details"),
                _("It looks like it includes: {kinds}. Others in the group will see it.").format(
                    kinds=kinds
                ),
                [
                    ("edit", _("Edit")),
                    ("remove", _("Remove them and send")),
                    ("send", _("Send anyway")),
                ],
            )
            if choice == "remove":
                for detail in assessment.personal:
                    text = text.replace(detail.text, "[removed]")
            elif choice != "send":  # "edit" or Escape: back in the composer to change
                self.composer.give_back(typed)
                return
        # Having just written, the person wants to see their message: back to the end.
        self.messages.jump_to_end()
        self.next_cw = ""
        try:
            await self.ready_engine().send(group.group_id, text, cw=cw)
        except PeertuiError as exc:
            self.composer.give_back(typed)
            if "guidelines" in str(exc) and group.guidelines:
                # The guidelines changed (or were never accepted): show them, then it can be sent.
                self.accept_guidelines(group.group_id, group.guidelines, force=True)
                return
            self.app.notify(
                _("{why} Your message is back in the box.").format(why=exc), severity="error"
            )
            return
        if assessment.tier >= 1:
            await self._offer_support(assessment)

    async def _offer_support(self, assessment) -> None:
        """The after-send offer from ui.flows: the most urgent tier leads with the emergency
        number and top line; worry about someone else offers the someone-else guide."""
        from peertui.tui.screens.crisis import CrisisScreen
        from peertui.ui.flows import care_lines

        settings = self.app.settings
        lines = care_lines(assessment, settings.country, settings.language)
        if assessment.about_someone_else:
            choices = [
                ("someone", _("How to help them")),
                ("crisis", _("Crisis lines")),
                ("no", _("Not now")),
            ]
        else:
            choices = [
                ("crisis", _("Crisis lines")),
                ("plan", _("Safety plan")),
                ("ground", _("Grounding")),
                ("no", _("Not now")),
            ]
        from peertui.ui.flows import CARE_NOTICE

        body = [line for line in lines[1:] if line != _(CARE_NOTICE)]
        choice = await self.choose(lines[0], "\n".join(body), choices)
        if choice == "someone":
            self.app.push_screen(CrisisScreen(someone_else=True))
            return
        wellbeing = {"crisis": "crisis", "plan": "safety_plan", "ground": "grounding"}
        if choice in wellbeing:
            self.app.call_later(self.app.run_action, wellbeing[choice])

    def keep_draft(self) -> None:
        """Quick exit: keep what is in the composer as a draft for next time — never send it.

        Someone leaving in a hurry may be mid-sentence; the words stay on this device,
        encrypted, and come back in the composer when the group is opened again.
        """
        if self.engine is None or self.current is None:
            return

        with contextlib.suppress(PeertuiError):
            self.engine.save_draft(self.current, self.composer.value)
