"""Home: groups, the current conversation, members and the composer.

The features live one per module in `peertui.tui.home` (groups, messages, moderation, engine
events, sending); this screen lays them out, keeps focus visible in words, and reads what is
typed: a message to send, or a slash command from the shared table to run. Engine calls run in
workers so the interface never waits on the network; failures come back as sentences.
"""

from __future__ import annotations

import contextlib
import inspect
import time
from dataclasses import replace
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Label, OptionList

from peertui.core.errors import PeertuiError
from peertui.core.models import ACTIVE
from peertui.i18n import N_, _, ngettext
from peertui.tui import bindings
from peertui.tui.home.base import NOT_A_MODERATOR
from peertui.tui.home.events import EngineEvents
from peertui.tui.home.messages import HISTORY_PAGE
from peertui.tui.home.moderation import ModerationActions, muted_for
from peertui.tui.home.sending import Sending
from peertui.tui.widgets.conversation import MessageList, SystemLine
from peertui.tui.widgets.conversation_pane import ConversationPane
from peertui.tui.widgets.footer import NoticeLine, footer_widgets
from peertui.tui.widgets.group_list import GroupList, group_status
from peertui.tui.widgets.members import MembersPanel
from peertui.ui import commands, wording
from peertui.ui.actions import Action
from peertui.ui.problems import problem as worded
from peertui.ui.received import hidden_reason

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


class HomeScreen(EngineEvents, Sending, ModerationActions):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.HOME]
    NOTICE_LINE = "home-notice"  # notices are said here, never as a toast over the lines

    def __init__(self) -> None:
        super().__init__()
        self.current: str | None = None
        self.next_cw = ""
        self.denials: dict[str, str] = {}  # group id -> the reason given, this session
        self._focus_messages_on_resume = False
        self._follow_on_resume = False  # a dialog about a message is open (on_screen_resume)
        self._mute_ends: Timer | None = None  # the status line said again when my mute ends
        self._offered: tuple[object, ...] | None = None  # as the footer last showed it

    def compose(self) -> ComposeResult:
        yield Label(_("Opening your encrypted history…"), id="status", classes="status-line")
        yield NoticeLine("", id="home-notice", classes="status-line")
        with Horizontal(id="main"):
            yield GroupList(id="groups")
            yield ConversationPane(id="conversation-pane")
            yield MembersPanel(id="members")
        yield from footer_widgets()

    def on_mount(self) -> None:
        self.composer.focus()
        self._mark_focus()
        self.messages.hidden_reason = self._hidden_reason
        self.messages.pages = self
        if self.app.engine is not None:
            self.engine_ready()
        self.app.home_mounted()

    def _hidden_reason(self, message: Any) -> str:
        return hidden_reason(self.engine.why_hidden(message)) if self.engine is not None else ""

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
            wording = focused if pane.has_focus else plain
            title = _(wording) if wording else ""  # _("") would be the catalogue header
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

    def on_screen_suspend(self) -> None:
        if self.focused is self.messages:
            self._follow_on_resume = True
        else:
            # A search result asks for the keyboard on the conversation when its list closes,
            # but the list may close (and this screen resume) before the ask: the wish then
            # outlived it, and after Escape back to typing the next dialog to close sent the
            # keyboard to the message list, where the letters typed became t (thanks) and h
            # (hide). The keyboard goes back to the messages only if they had it now.
            self._focus_messages_on_resume = False

    def on_screen_resume(self) -> None:
        # Back from any dialog: the keyboard belongs to the composer again, so letters typed
        # next are words, never moderation keys — except after jumping to a search result,
        # which is highlighted to be acted on.
        if self._focus_messages_on_resume:
            self._focus_messages_on_resume = False
            self.messages.focus()
            return
        if self._follow_on_resume:
            # A dialog about a highlighted message is over (done or cancelled): back at the
            # composer, the conversation follows the newest messages again.
            self._follow_on_resume = False
            self.messages.jump_to_end()
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

    def on_paste(self, event: events.Paste) -> None:
        """A paste the composer did not take itself reached the screen: it landed while the
        focus was elsewhere (a list) or nowhere yet (a dialog just closed, the composer's focus
        still on its way). Like typed letters, it is words for the message box, never lost."""
        event.stop()
        event.prevent_default()
        self.set_focus(self.composer)  # at once: keys after the paste follow it there
        self.composer.take_paste(event.text)

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
        offered = self._what_is_offered()
        if offered != self._offered:
            # The footer builds all its keys again on every refresh of the bindings (a
            # fifth of the event loop while a catch-up refreshed the group list each turn),
            # so only when something `check_action` reads has changed.
            self._offered = offered
            self.refresh_bindings()

    def _what_is_offered(self) -> tuple[object, ...]:
        """What the screen's `check_action` depends on."""
        group = self.group()
        messages = self.messages
        return (
            self.current,
            group.state if group is not None else None,
            self.role(),
            messages.has_focus,
            messages.selected_message() is None,
        )

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
            _("{name}: you are {nick}").format(
                name=wording.group_name(group.name, state_said=True), nick=group.nick
            ),
            group_status(group),
        ]
        if group.slowmode_seconds:
            words.append(_("slow mode {seconds} s").format(seconds=group.slowmode_seconds))
        if group.readonly:
            words.append(_("read-only"))
        me = self.me_in(group)
        now = int(time.time() * 1000)
        if self._mute_ends is not None:
            self._mute_ends.stop()
            self._mute_ends = None
        muted = me is not None and me.muted_until > now
        if muted or (group.state == ACTIVE and not group.guidelines_accepted):
            # Why I cannot post, and until when: plain mode's /status sentence ("You are muted
            # until 09:36 UTC: ..."). A mute ends by itself, so the line is said again then.
            words.append(wording.posting_status(group, me, now))
            if muted:
                assert me is not None
                self._mute_ends = self.set_timer(
                    (me.muted_until - now) / 1000 + 0.5, self.refresh_groups
                )
        self.set_status(" · ".join(words))

    def open_group(self, group_id: str) -> None:
        engine = self.ready_engine()
        self.show_arrived()  # told before the switch: shown (and marked read) as before
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
            lines = self.conversation_lines(group_id)
        self.messages.show(
            lines, more_above=sum(not isinstance(i, SystemLine) for i in lines) >= HISTORY_PAGE
        )
        engine.mark_read(group_id)
        self.refresh_members()
        self.refresh_groups()

    def conversation_lines(self, group_id: str) -> list[Any]:
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
            self.composer.give_back_command(event.text)
            self.app.notify(worded(problem), severity="warning")
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
            self.composer.give_back_command(typed)
            self.app.notify(worded(problem), severity="warning")
            return None
        self.jump_to(target.group_id, target.msg_id, focus=False)
        if self.messages.selected_message() is None or (
            self.messages.selected_message().msg_id != target.msg_id
        ):
            self.composer.give_back_command(typed)
            self.app.notify(
                _("Message #{n} could not be shown, so nothing was done.").format(n=number),
                severity="warning",
            )
            return None
        return target

    def run_command(self, action: Action, argument: str, typed: str) -> None:
        """A slash command from the shared table, run as its key or palette entry would."""
        if not self.may(action):
            self.composer.give_back_command(typed)
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
                self.composer.give_back_command(typed)
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
            self.app.open_crisis(argument.strip())
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

    def keep_draft(self) -> None:
        """Quick exit: keep what is in the composer as a draft for next time — never send it.

        Someone leaving in a hurry may be mid-sentence; the words stay on this device,
        encrypted, and come back in the composer when the group is opened again.
        """
        if self.engine is None or self.current is None:
            return

        with contextlib.suppress(PeertuiError):
            self.engine.save_draft(self.current, self.composer.value)
