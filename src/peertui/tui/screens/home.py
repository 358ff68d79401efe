"""Home: groups, the current conversation, members and the composer, with every group action.

All engine calls run in workers so the interface never waits on the network; failures come
back as sentences in a notice and in the status line, never as a traceback.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label

from peertui.core import events as ev
from peertui.core.models import ACTIVE
from peertui.core.moderation import describe
from peertui.tui import bindings, slash
from peertui.tui.screens.dialogs import ChoiceScreen, Field, FormScreen, InviteScreen, ListScreen
from peertui.tui.text import reflow, steady_width
from peertui.tui.widgets.conversation import MessageList, SystemLine, describe_message
from peertui.tui.widgets.footer import footer_widgets
from peertui.tui.widgets.group_list import GroupList, group_status
from peertui.tui.widgets.members import MembersPanel

HISTORY_PAGE = 50
NARROW_COLUMNS = 100
PANE_TITLES = {
    "groups": ("Groups", "Groups (focused: ↑↓ Enter opens)"),
    "messages": (
        "Conversation",
        "Conversation (focused: ↑↓ choose · Enter opens · t thanks · r report · i hide · "
        "Esc typing)",
    ),
    "members": ("Members", "Members (focused)"),
    "composer": ("", "Message (focused: Enter sends · /help)"),
}
NOT_A_MODERATOR = "Only the group's owner and moderators can do that."


def private_warning(reason: str) -> str:
    return f"A moderator warned you privately: {reason}"


def muted_for(who: str, minutes: int, now: float | None = None) -> str:
    """'muted bob for 1 minute, until 10:12 UTC' — the length the moderator really gave."""
    until = time.gmtime((time.time() if now is None else now) + minutes * 60)
    unit = "minute" if minutes == 1 else "minutes"
    return f"Muted {who} for {minutes} {unit}, until {time.strftime('%H:%M', until)} UTC."


def conversation_line(entry) -> str:
    """A moderation log entry as a line in the conversation, which is already in time order:
    the log's number and date would only clutter it."""
    return describe(entry).split(" UTC ", 1)[-1]


class HomeScreen(Screen):
    BINDINGS = bindings.HOME

    def __init__(self) -> None:
        super().__init__()
        self.current: str | None = None
        self.next_cw = ""
        self.denials: dict[str, str] = {}  # group id -> the reason given, this session

    def compose(self) -> ComposeResult:
        yield Label("Opening your encrypted history…", id="status", classes="status-line")
        with Horizontal(id="main"):
            yield GroupList(id="groups")
            with Vertical(id="conversation-pane"):
                yield MessageList(id="messages")
                # Not select-on-focus: a letter redirected here must not be replaced by the next.
                yield Input(
                    # Short enough to be read whole in the 80-column layout.
                    placeholder="Enter sends · Shift+Tab: messages · /help",
                    id="composer",
                    select_on_focus=False,
                )
            yield MembersPanel(id="members")
        yield from footer_widgets()

    def on_mount(self) -> None:
        self.query_one("#composer", Input).focus()
        self._mark_focus()
        self.query_one(MessageList).hidden_reason = self._hidden_reason
        if self.app.engine is not None:
            self.engine_ready()

    def _hidden_reason(self, message) -> str:
        return self.engine.is_hidden(message) if self.engine is not None else ""

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_COLUMNS, "narrow")

    # ----- focus: always visible in words, typing never lost --------------------------------
    def _mark_focus(self) -> None:
        for pane_id, (plain, focused) in PANE_TITLES.items():
            pane = self.query_one(f"#{pane_id}")
            title = focused if pane.has_focus else plain
            if pane_id == "members":
                count = len(pane.options)
                title = f"{title} ({count})" if count else title
            pane.border_title = title

    def on_descendant_focus(self) -> None:
        self._mark_focus()

    def on_descendant_blur(self) -> None:
        self._mark_focus()

    def on_screen_resume(self) -> None:
        # Back from any dialog: the keyboard belongs to the composer again, so letters typed
        # next are words, never moderation keys.
        self.query_one("#composer", Input).focus()

    def action_focus_composer(self) -> None:
        self.query_one("#composer", Input).focus()

    def on_key(self, event) -> None:
        if event.key in self._moderator_keys() and not self._is_moderator():
            # The key is hidden for members; pressing it anyway gets an answer, not silence.
            event.stop()
            self.app.notify(NOT_A_MODERATOR, severity="warning")
            return
        focused = self.focused
        if not isinstance(focused, GroupList | MembersPanel | MessageList):
            return
        if not event.is_printable or not event.character:
            return
        if event.key in self.active_bindings:
            return
        event.stop()
        event.prevent_default()
        composer = self.query_one("#composer", Input)
        composer.focus()
        composer.insert_text_at_cursor(event.character)

    @property
    def active_bindings(self):
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
                    binding, show=True, description=bindings.MESSAGE_FOOTER[binding.action]
                )
            shown[key] = entry._replace(binding=binding)
        return shown

    def _moderator_keys(self) -> set[str]:
        keymap = self.app.settings.keybindings
        return {
            key.strip()
            for binding in bindings.HOME
            if binding.action in bindings.MODERATOR_ACTIONS
            for key in keymap.get(binding.id, binding.key).split(",")
        }

    def _is_moderator(self) -> bool:
        group = self.group()
        return group is not None and group.role in ("owner", "moderator")

    def offers(self, action: str) -> bool:
        """Whether this person may use `action` in the current group (the palette asks too)."""
        return action not in bindings.MODERATOR_ACTIONS or self._is_moderator()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.offers(action)

    def _need_moderator(self):
        group = self._need_group()
        if group is not None and group.role not in ("owner", "moderator"):
            self.app.notify(NOT_A_MODERATOR, severity="warning")
            return None
        return group

    # ----- engine state ---------------------------------------------------------------------
    @property
    def engine(self):
        return self.app.engine

    def engine_ready(self) -> None:
        groups = self.engine.groups()
        if self.current is None and groups:
            active = [g for g in groups if g.state == ACTIVE] or groups
            self.open_group(self.engine.last_group() or active[0].group_id)
        else:
            self.refresh_groups()
        if not groups:
            self.set_status("Ready. No groups yet: F4 hosts one, F5 joins with an invite.")

    def set_status(self, text: str) -> None:
        self.query_one("#status", Label).update(text)

    def group(self, group_id: str | None = None):
        group_id = group_id or self.current
        if self.engine is None or group_id is None:
            return None
        return next((g for g in self.engine.groups() if g.group_id == group_id), None)

    def refresh_groups(self) -> None:
        if self.engine is None:
            return
        self.query_one(GroupList).show(self.engine.groups(), self.current, self._waiting())
        self._describe_current()
        self.refresh_bindings()

    def _waiting(self) -> dict[str, int]:
        """How many people wait to join each group this person moderates."""
        return {
            g.group_id: len(self.engine.pending_requests(g.group_id))
            for g in self.engine.groups()
            if g.state == ACTIVE and g.role in ("owner", "moderator")
        }

    def _describe_current(self) -> None:
        group = self.group()
        if group is None:
            return
        words = [f"{group.name}: you are {group.nick}", group_status(group)]
        if group.slowmode_seconds:
            words.append(f"slow mode {group.slowmode_seconds} s")
        if group.readonly:
            words.append("read-only")
        self.set_status(" · ".join(words))

    def open_group(self, group_id: str) -> None:
        composer = self.query_one("#composer", Input)
        if self.current is not None and self.current != group_id:
            self.engine.save_draft(self.current, composer.value)
            composer.value = ""
        self.current = group_id
        self.engine.remember_current_group(group_id)
        if not composer.value:
            self._fill_composer(self.engine.draft(group_id))
            self.engine.save_draft(group_id, "")
        messages = self.query_one(MessageList)
        group = self.group()
        if group is not None and group.state == "pending":
            lines = [SystemLine("Your request to join is waiting for a moderator's approval.")]
        elif group is not None and group.state == "denied":
            lines = [SystemLine(self._declined(group_id))]
        else:
            lines = self._conversation(group_id)
        messages.show(lines)
        self.engine.mark_read(group_id)
        self.refresh_members()
        self.refresh_groups()

    def _declined(self, group_id: str) -> str:
        reason = self.denials.get(group_id, "")
        return "Your request to join was declined" + (f": {reason}" if reason else ".")

    def _conversation(self, group_id: str) -> list:
        """The latest page of history with the moderation lines and the private warnings of
        the same period, by time."""
        history = self.engine.history(group_id, limit=HISTORY_PAGE)
        since = history[0].ts if len(history) >= HISTORY_PAGE else 0
        lines = [
            SystemLine(conversation_line(entry), entry.ts)
            for entry in self.engine.modlog(group_id)
            if entry.ts >= since
        ]
        lines += [
            SystemLine(private_warning(reason), ts)
            for ts, reason in self.engine.my_warnings(group_id)
            if ts >= since
        ]
        # Stable sort: at the same millisecond a message stays before the action on it.
        return sorted(history + lines, key=lambda item: item.ts)

    def refresh_members(self) -> None:
        if self.engine is None or self.current is None:
            return
        group = self.group()
        members = self.engine.members(self.current) if group and group.state == ACTIVE else []
        self.query_one(MembersPanel).show(members)
        self._mark_focus()

    def on_option_list_option_selected(self, event) -> None:
        if isinstance(event.option_list, GroupList) and event.option.id:
            event.stop()
            self.open_group(event.option.id)
            self.query_one("#composer", Input).focus()
        elif isinstance(event.option_list, MessageList):
            event.stop()

    # ----- events from the engine -----------------------------------------------------------
    def handle_event(self, event: ev.Event) -> None:
        if self.engine is None:
            return  # closing: events still in the queue have nothing left to update
        messages = self.query_one(MessageList)
        here = event.group_id == self.current
        match event:
            case ev.MessageReceived() | ev.MessageQueued():
                if here:
                    messages.append(event.message)
                    self.engine.mark_read(event.group_id)
                self.refresh_groups()
            case ev.MessageRemoved():
                if here and (index := messages.find(event.msg_id)) is not None:
                    old = messages.items[index]
                    old.removed_reason = event.reason
                    messages.replace(old)
            case ev.MemberJoined():
                if here:
                    messages.append(SystemLine(f"{event.member.nick} joined."))
                    self.refresh_members()
            case ev.MemberLeft():
                if here:
                    messages.append(SystemLine(f"{event.member.nick} {event.how}."))
                    self.refresh_members()
            case ev.JoinRequested():
                self.refresh_groups()
                self.tell(
                    f"{event.request.nick} asked to join {self._event_group_name(event)} — "
                    "F9 to approve or deny.",
                    title="Join request",
                    timeout=10,
                )
            case ev.JoinApproved():
                self.refresh_groups()
                self._accept_guidelines(event.group_id, event.guidelines)
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
                    messages.append(
                        SystemLine(
                            "Some older messages expired on the relay before this device fetched them."
                        )
                    )
            case ev.Warned():
                # Never a pop-up: it would take the keyboard mid-sentence. The notice is also
                # a line in the conversation (see `tell`), and comes back when it is rebuilt.
                self.tell(
                    f"{self._event_group_name(event)} — {private_warning(event.reason)}",
                    title="Warning from a moderator",
                    severity="warning",
                    timeout=30,
                )
            case ev.ModAction():
                if here:
                    messages.append(SystemLine(conversation_line(event.entry), event.entry.ts))
                self.refresh_members()
                self.refresh_groups()
            case ev.ReportReceived():
                self.tell(
                    f"A message in {self._event_group_name(event)} was reported — F11 to review.",
                    title="Report",
                    timeout=10,
                )
            case ev.Notice():
                self.tell(event.text if here else f"{self._event_group_name(event)} — {event.text}")
            case ev.RosterWarning() | ev.MessagesMissing():  # protocol v2: fork, split, gap
                self.tell(f"{self._event_group_name(event)} — {event.text}", severity="warning")
            case ev.ErrorOccurred():
                self.tell(event.text, severity="error", timeout=10)
                self.set_status(event.text)

    def tell(self, text: str, **notice) -> None:
        """A notice about the group, which is also a line in the conversation so it can be
        read again after the pop-up has gone. Hints about the interface are only notices."""
        self.app.notify(text, **notice)
        messages = self.query_one(MessageList)
        last = messages.items[-1] if messages.items else None
        if not (isinstance(last, SystemLine) and last.text == text):
            messages.append(SystemLine(text))

    def _event_group_name(self, event: ev.Event) -> str:
        return self._name_of(event.group_id)

    def _name_of(self, group_id: str) -> str:
        group = self.group(group_id)
        return group.name if group else "a group"

    def _accept_guidelines(self, group_id: str, guidelines: str, force: bool = False) -> None:
        from peertui.core.moderation import DEFAULT_GUIDELINES

        if not force and guidelines.strip() == DEFAULT_GUIDELINES.strip():
            # Already read and accepted on the join screen.
            self.open_group(group_id)
            self.tell(f"You were approved: welcome to {self._name_of(group_id)}.")
            return
        if not force and group_id == self.current:
            # "Waiting for approval" is no longer true while the guidelines are being read.
            self.query_one(MessageList).show(
                [SystemLine("You were approved. Please read the group's guidelines.")]
            )

        def answered(choice: str | None) -> None:
            if choice == "accept":
                self.engine.accept_guidelines(group_id)
                self.open_group(group_id)
            elif choice == "leave":
                self.run_engine("leave", group_id, done="You left the group.")

        self.app.push_screen(
            ChoiceScreen(
                "Please read this group's guidelines",
                reflow(guidelines) or "(This group has no written guidelines.)",
                [("accept", "I accept — open the conversation"), ("leave", "Leave the group")],
            ),
            answered,
        )

    # ----- sending --------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "composer":
            return
        event.stop()
        command = slash.parse(event.value)
        if command.name == "say" and not command.text.strip():
            return
        if command.name not in ("say", "cw"):
            self._run_command(command)
            return
        text, cw = command.text, command.argument
        group = self.group()
        if group is None or group.state != ACTIVE:
            self.app.notify(
                "Choose an active group first (host with F4 or join with F5). "
                "Your text is still in the box.",
                severity="warning",
            )
            return
        from peertui.wellbeing import detect

        assessment = detect.assess(
            text, self.app.settings.language or "en", region=self.app.settings.country or None
        )
        if assessment.personal:
            self._nudge_personal(text, assessment, cw)
            return
        self._send(text, assessment.tier, assessment.reason, cw)

    def _run_command(self, command: slash.Command) -> None:
        composer = self.query_one("#composer", Input)
        if command.name == "problem":
            self.app.notify(command.text, severity="warning")
            return
        composer.value = ""
        if command.name == "help":
            self.query_one(MessageList).append(SystemLine(slash.HELP))
        elif command.name == "crisis":
            self.app.open_crisis(command.argument)
        elif command.name == "ground":
            self.app.open_grounding(command.argument)
        elif command.name == "plan":
            self.app.action_safety_plan()
        elif command.name == "modlog":
            self.action_modlog()
        elif command.name == "report":
            self._report_last()

    def _report_last(self) -> None:
        """/report: the message highlighted in the conversation, else the latest one written
        by someone else (one's own messages are not reported)."""
        group = self._need_group()
        if group is None:
            return
        messages = self.query_one(MessageList)
        me = next((m.member_id for m in self.engine.members(group.group_id) if m.is_me), "")
        chosen = messages.selected_message()
        if chosen is None or chosen.sender == me:
            others = [
                item
                for item in messages.items
                if not isinstance(item, SystemLine) and item.sender != me
            ]
            chosen = others[-1] if others else None
        if chosen is None:
            self.app.notify(
                "There is no message from someone else to report. To report one, highlight "
                "it (Shift+Tab) and press r."
            )
            return
        self._report(group, chosen)

    def _nudge_personal(self, text: str, assessment, cw: str) -> None:
        kinds = ", ".join(sorted({d.kind for d in assessment.personal}))

        def answered(choice: str | None) -> None:
            if choice == "send":
                self._send(text, assessment.tier, assessment.reason, cw)
            elif choice == "remove":
                cleaned = text
                for detail in assessment.personal:
                    cleaned = cleaned.replace(detail.text, "[removed]")
                self._send(cleaned, assessment.tier, assessment.reason, cw)
            # "edit" or Escape: the text stays in the composer for the person to change.

        self.app.push_screen(
            ChoiceScreen(
                "This message may contain personal details",
                f"It looks like it includes: {kinds}. Others in the group will see it.",
                [("edit", "Edit"), ("remove", "Remove them and send"), ("send", "Send anyway")],
            ),
            answered,
        )

    def _send(self, text: str, tier: int, reason: str = "", cw: str = "") -> None:
        composer = self.query_one("#composer", Input)
        composer.value = ""
        # Having just written, the person wants to see their message: back to the end.
        self.query_one(MessageList).jump_to_end()
        cw, self.next_cw = cw or self.next_cw, ""
        self.send_message(self.current, text, cw)
        if tier >= 1:
            self._offer_support(reason)

    def _offer_support(self, reason: str) -> None:
        def answered(choice: str | None) -> None:
            actions = {"crisis": "crisis", "plan": "safety_plan", "ground": "grounding"}
            if choice in actions:
                self.app.call_later(self.app.run_action, actions[choice])

        self.app.push_screen(
            ChoiceScreen(
                "Your message was sent. Would some support help right now?",
                f"{reason} You can look at crisis lines, your safety plan or a grounding "
                "exercise — or just carry on.",
                [
                    ("crisis", "Crisis lines"),
                    ("plan", "Safety plan"),
                    ("ground", "Grounding"),
                    ("no", "Not now"),
                ],
            ),
            answered,
        )

    @work(group="send")
    async def send_message(self, group_id: str, text: str, cw: str) -> None:
        from peertui.core.errors import PeertuiError

        try:
            await self.engine.send(group_id, text, cw=cw)
        except PeertuiError as exc:
            composer = self.query_one("#composer", Input)
            if not composer.value:
                self._fill_composer(text)
            group = self.group(group_id)
            if group is not None and "guidelines" in str(exc) and group.guidelines:
                # The guidelines changed (or were never accepted): show them, then it can be sent.
                self._accept_guidelines(group_id, group.guidelines, force=True)
                return
            self.app.notify(f"{exc} Your message is back in the box.", severity="error")

    def _fill_composer(self, text: str) -> None:
        """Put text back in the composer with the cursor after it, so typing carries on the
        sentence instead of being put in front of it."""
        composer = self.query_one("#composer", Input)
        composer.value = text
        composer.cursor_position = len(text)

    def keep_draft(self) -> None:
        """Quick exit: keep what is in the composer as a draft for next time — never send it.

        Someone leaving in a hurry may be mid-sentence; the words stay on this device,
        encrypted, and come back in the composer when the group is opened again.
        """
        if self.engine is None or self.current is None:
            return
        from peertui.core.errors import PeertuiError

        with contextlib.suppress(PeertuiError):
            self.engine.save_draft(self.current, self.query_one("#composer", Input).value)

    # ----- generic engine calls -------------------------------------------------------------
    @work(group="engine-call")
    async def run_engine(self, method: str, *args, done: str = "", **kwargs):
        from peertui.core.errors import PeertuiError

        if self.engine is None:
            self.app.notify("Your history is still opening; try again in a moment.")
            return None
        try:
            result = getattr(self.engine, method)(*args, **kwargs)
            if hasattr(result, "__await__"):
                result = await result
        except PeertuiError as exc:
            self.tell(str(exc), severity="error", timeout=10)
            self.set_status(str(exc))
            return None
        if done:
            self.tell(done)
        self.refresh_groups()
        self.refresh_members()
        self.query_one(MessageList).rerender()
        return result

    def _need_group(self, *, active: bool = True):
        group = self.group()
        if group is None:
            self.app.notify("Choose a group first.", severity="warning")
            return None
        if active and group.state != ACTIVE:
            self.app.notify("That group is not active yet.", severity="warning")
            return None
        return group

    # ----- host, join, invite ---------------------------------------------------------------
    def action_host(self) -> None:
        from peertui.tui.screens.host import HostScreen

        self.app.push_screen(HostScreen(), self._hosted)

    def _hosted(self, group_id: str | None) -> None:
        if group_id:
            self.open_group(group_id)

    def action_join(self) -> None:
        from peertui.tui.screens.join import JoinScreen

        self.app.push_screen(JoinScreen(), self._joined)

    def _joined(self, group_id: str | None) -> None:
        if group_id:
            self.open_group(group_id)

    def action_invite(self) -> None:
        group = self._need_group()
        if group is None:
            return
        self._make_invite(group)

    @work(group="engine-call")
    async def _make_invite(self, group) -> None:
        from peertui.core.errors import PeertuiError

        try:
            token = await self.engine.create_invite(group.group_id)
        except PeertuiError as exc:
            self.app.notify(str(exc), severity="error")
            return
        self.app.push_screen(InviteScreen(group.name, token))

    # ----- search, history, settings --------------------------------------------------------
    def action_search(self) -> None:
        if self.engine is None:
            return

        def search(values: dict | None) -> None:
            if not values or not values["query"]:
                return
            results = self.engine.search(values["query"], group_id=None)
            names = {g.group_id: g.name for g in self.engine.groups()}
            rows = [
                (
                    f"{m.group_id}|{m.msg_id}",
                    f"{names.get(m.group_id, '?')} · "
                    + describe_message(m, self.engine.is_hidden(m)).plain,
                )
                for m in results
            ]
            self.app.push_screen(
                ListScreen(
                    f"Search: {values['query']}",
                    rows,
                    "Nothing found in your history.",
                    "Enter opens the conversation.",
                ),
                self._open_result,
            )

        self.app.push_screen(
            FormScreen(
                "Search your history",
                [Field("query", "Words to find (searched on this computer only):")],
                "Search",
            ),
            search,
        )

    def _open_result(self, row_id: str | None) -> None:
        if not row_id:
            return
        group_id, msg_id = row_id.split("|", 1)
        self.open_group(group_id)
        messages = self.query_one(MessageList)
        index = messages.find(msg_id)
        if index is not None:
            messages.highlighted = index

    def action_older(self) -> None:
        if self.engine is None or self.current is None:
            return
        messages = self.query_one(MessageList)
        oldest = messages.oldest()
        if oldest is None:
            return
        older = self.engine.history(
            self.current, limit=HISTORY_PAGE, before_ts=oldest.ts, before_msg_id=oldest.msg_id
        )
        if older:
            messages.prepend(older)
        else:
            self.app.notify("That is the start of the history on this computer.")

    def action_open_warning(self) -> None:
        messages = self.query_one(MessageList)
        message = messages.selected_message()
        if message is not None and (message.cw or message.extra.get("fold")):
            messages.opened ^= {message.msg_id}
            messages.replace(message)

    def action_settings(self) -> None:
        from peertui.tui.screens.settings import SettingsScreen

        self.app.push_screen(SettingsScreen())

    def action_export(self) -> None:
        group = self._need_group(active=False)
        if group is None:
            return
        path = self.app.paths.exports_dir / f"{group.group_id[:12]}.txt"

        def answered(choice: str | None) -> None:
            if choice == "yes":
                self.run_engine(
                    "export",
                    group.group_id,
                    path,
                    done=f"Exported to {path} — it is NOT encrypted.",
                )

        self.app.push_screen(
            ChoiceScreen(
                "Export this conversation?",
                f"It will be written as plain, unencrypted text to {path}.",
                [("yes", "Export"), ("no", "Cancel")],
            ),
            answered,
        )

    def action_leave(self) -> None:
        group = self._need_group(active=False)
        if group is None:
            return

        def answered(choice: str | None) -> None:
            if choice == "yes":
                self.run_engine("leave", group.group_id, done=f"You left {group.name}.")

        self.app.push_screen(
            ChoiceScreen(
                f"Leave {group.name}?",
                "You will need a new invite to come back.",
                [("yes", "Leave"), ("no", "Stay")],
            ),
            answered,
        )

    def action_nick(self) -> None:
        group = self._need_group()
        if group is None:
            return
        self._form(
            "Change your nickname in this group",
            [Field("nick", "New nickname:", group.nick)],
            lambda v: self.run_engine(
                "set_nick", group.group_id, v["nick"], done="Nickname changed."
            ),
        )

    def action_content_warning(self) -> None:
        def chosen(values: dict) -> None:
            self.next_cw = values["cw"]
            self.app.notify(
                f"Your next message will be folded behind: {self.next_cw}"
                if self.next_cw
                else "No content warning on your next message."
            )

        self._form(
            "Content warning for your next message",
            [Field("cw", "Topic (e.g. self-harm, loss):", self.next_cw)],
            chosen,
        )

    # ----- moderation -----------------------------------------------------------------------
    def _form(
        self,
        title: str,
        fields: list[Field],
        then,
        submit: str = "OK",
        *,
        explanation: str = "",
        focus: str = "",
    ) -> None:
        def answered(values: dict | None) -> None:
            if values is not None:
                then(values)

        self.app.push_screen(FormScreen(title, fields, submit, explanation, focus=focus), answered)

    def _confirm(self, title: str, text: str, choices: list[tuple[str, str]], then) -> None:
        """Ask first; "Cancel" comes first so a stray Enter changes nothing."""

        def answered(choice: str | None) -> None:
            if choice and choice != "cancel":
                then(choice)

        self.app.push_screen(ChoiceScreen(title, text, [("cancel", "Cancel"), *choices]), answered)

    def _target_nick(self) -> str:
        members = self.query_one(MembersPanel)
        if members.has_focus and members.highlighted_option is not None:
            return str(members.highlighted_option.prompt).split()[0]
        message = self.query_one(MessageList).selected_message()
        return message.nick if message is not None else ""

    def _moderate(
        self,
        method: str,
        title: str,
        *,
        minutes: bool = False,
        reason: str = "Reason (shown in the moderation log):",
        confirm: str = "",
    ) -> None:
        """A form for one moderation action; with `confirm`, a question before it is done."""
        group = self._need_moderator()
        if group is None:
            return
        target = self._target_nick()
        fields = [Field("who", "Member (nickname or id):", target)]
        if minutes:
            fields.append(Field("minutes", "For how many minutes:", "60", number=True))
        if reason:
            fields.append(Field("reason", reason))

        def act(values: dict, revoke: bool = False) -> None:
            extra = {"reason": values["reason"]} if reason else {}
            if minutes:
                extra["minutes"] = values["minutes"]
            # The moderation log line that comes back says what was done; a mute also says
            # for how long in words, so a mistyped length is seen at once.
            done = muted_for(values["who"], values["minutes"]) if minutes else ""
            self.run_engine(method, group.group_id, values["who"], done=done, **extra)
            if revoke:
                self.run_engine("revoke_invites", group.group_id, done="Open invites cancelled.")

        def confirm_first(values: dict) -> None:
            choices = [(method, confirm)]
            text = f"{confirm}: {values['who']}."
            if method == "ban":
                choices.append(("revoke", "Ban and cancel open invites"))
                text += " Also cancel open invites so they cannot ask again?"
            self._confirm(
                f"{confirm} {values['who']}?",
                text,
                choices,
                lambda choice: act(values, revoke=choice == "revoke"),
            )

        # With the member already filled in, typing starts in the reason.
        focus = fields[-1].name if target and len(fields) > 1 else "who"
        self._form(title, fields, confirm_first if confirm else act, title, focus=focus)

    def action_warn(self) -> None:
        self._moderate("warn", "Warn a member", reason="Reason (sent to them privately):")

    def action_mute(self) -> None:
        self._moderate("mute", "Mute a member", minutes=True)

    def action_unmute(self) -> None:
        self._moderate("unmute", "Unmute a member")

    def action_remove(self) -> None:
        self._moderate("remove", "Remove a member", confirm="Remove from the group")

    def action_ban(self) -> None:
        self._moderate("ban", "Ban a member", confirm="Ban")

    def action_promote(self) -> None:
        self._moderate("promote", "Make a moderator", reason="")

    def action_demote(self) -> None:
        self._moderate("demote", "Remove moderator role", reason="")

    def _group_and_message(self, need_group):
        """The group (checked by `need_group`) and the highlighted message, or None after
        saying what is missing."""
        group = need_group()
        if group is None:
            return None
        message = self.query_one(MessageList).selected_message()
        if message is None:
            self.app.notify("Highlight a message first (Shift+Tab to the conversation).")
            return None
        return group, message

    def action_delete(self) -> None:
        picked = self._group_and_message(self._need_moderator)
        if picked is None:
            return
        group, message = picked
        self._form(
            f"Remove {message.nick}'s message",
            [Field("reason", "Reason (shown to everyone):")],
            lambda v: self.run_engine(
                "delete_message",
                group.group_id,
                message.msg_id,
                v["reason"],
                done="Message removed.",
            ),
            "Remove",
            explanation=f"The message: {describe_message(message).plain}",
        )

    def action_report(self) -> None:
        picked = self._group_and_message(self._need_group)
        if picked is not None:
            self._report(*picked)

    def _report(self, group, message) -> None:
        self._form(
            "Report this message to the moderators",
            [Field("reason", "What is wrong (they will not learn who reported):")],
            lambda v: self.run_engine(
                "report", group.group_id, message.msg_id, v["reason"], done="Reported. Thank you."
            ),
            "Report",
            explanation=f"The message: {describe_message(message).plain}",
        )

    def action_slowmode(self) -> None:
        group = self._need_moderator()
        if group is None:
            return

        def confirm(values: dict) -> None:
            seconds = values["seconds"]
            self._confirm(
                "Change slow mode?",
                f"Everyone will wait {seconds} s between messages."
                if seconds
                else "Slow mode will be turned off.",
                [("yes", "Turn it on" if seconds else "Turn it off")],
                lambda _choice: self.run_engine(
                    "set_slowmode", group.group_id, seconds, done="Slow mode updated."
                ),
            )

        self._form(
            "Slow mode",
            [
                Field(
                    "seconds",
                    "Seconds between messages (0 turns it off):",
                    str(group.slowmode_seconds),
                    number=True,
                )
            ],
            confirm,
        )

    def action_readonly(self) -> None:
        group = self._need_moderator()
        if group is None:
            return
        on = not group.readonly
        self._confirm(
            "Make the group read-only?" if on else "Let members post again?",
            "Only moderators will be able to post." if on else "Read-only will be lifted.",
            [("yes", "Read-only on" if on else "Read-only off")],
            lambda _choice: self.run_engine(
                "set_readonly",
                group.group_id,
                on,
                done="The group is now read-only." if on else "Members can post again.",
            ),
        )

    def action_ignore(self) -> None:
        group = self._need_group()
        nick = self._target_nick()
        if group is None or not nick:
            return

        def chosen(values: dict) -> None:
            from peertui.core.errors import PeertuiError
            from peertui.core.moderation import resolve_member

            try:
                member = resolve_member(self.engine.members(group.group_id), values["who"])
            except PeertuiError as exc:
                self.app.notify(str(exc), severity="warning")
                return
            if member.is_me:
                self.app.notify("You cannot mute yourself.", severity="warning")
                return
            self.run_engine(
                "ignore_member",
                group.group_id,
                member.member_id,
                done=f"{member.nick} is muted for you only (ctrl+p, Unhide, to undo).",
            )

        self._form(
            "Mute a member for yourself only",
            [Field("who", "Member (nickname or id):", nick)],
            chosen,
            "Mute for me",
        )

    def action_ignore_keyword(self) -> None:
        def chosen(values: dict) -> None:
            self.run_engine(
                "ignore_word", values["word"], done="Messages with that word are hidden for you."
            )

        self._form(
            "Mute a word for yourself only",
            [Field("word", "Hide messages containing:")],
            chosen,
            "Mute word",
        )

    def action_requests(self) -> None:
        group = self._need_moderator()
        if group is None:
            return
        requests = self.engine.pending_requests(group.group_id)
        rows = [
            (
                r.member_id,
                f"{r.nick}{f' ({r.pronouns})' if r.pronouns else ''}"
                f"{f' — {r.intro}' if r.intro else ''}",
            )
            for r in requests
        ]

        def picked(member_id: str | None) -> None:
            if member_id is None:
                return
            request = next(r for r in requests if r.member_id == member_id)
            nick = request.nick

            def decided(choice: str | None) -> None:
                if choice == "approve":
                    self.run_engine("approve", group.group_id, member_id, done=f"{nick} approved.")
                elif choice == "deny":
                    self._form(
                        f"Deny {nick}",
                        [Field("reason", "Reason (sent to them privately):")],
                        lambda v: self.run_engine(
                            "deny",
                            group.group_id,
                            member_id,
                            reason=v["reason"],
                            done=f"{nick} denied.",
                        ),
                    )

            self.app.push_screen(
                ChoiceScreen(
                    f"Join request from {nick}",
                    f"Pronouns: {request.pronouns or '(none given)'}\n"
                    f"About them: {request.intro or '(nothing written)'}\n\nApprove or deny?",
                    [("approve", "Approve"), ("deny", "Deny"), ("later", "Later")],
                ),
                decided,
            )

        self.app.push_screen(
            ListScreen(
                f"Join requests — {group.name}",
                rows,
                "No one is waiting to join.",
                "Enter to approve or deny.",
            ),
            picked,
        )

    def action_guidelines(self) -> None:
        group = self._need_group()
        if group is None:
            return
        if group.role not in ("owner", "moderator"):
            self.app.push_screen(
                ListScreen(
                    f"Guidelines — {group.name}",
                    [(None, reflow(group.guidelines) or "(none written)")],
                    "",
                )
            )
            return
        self._form(
            "Edit the group's guidelines (everyone accepts them again)",
            [Field("text", "Guidelines:", group.guidelines, multiline=True)],
            lambda v: self.run_engine(
                "set_guidelines", group.group_id, v["text"], done="Guidelines updated."
            ),
            "Save",
        )

    def action_unhide(self) -> None:
        """Undo personal mutes in this group: members, and words hidden in every group."""
        group = self._need_group()
        if group is None:
            return
        members, words = self.engine.hidden(group.group_id)
        rows = [(m.key, f"member: {m.nick}") for m in members]
        rows += [(word, f"word: {word}") for word in words]

        def picked(item: str | None) -> None:
            if item:
                self.run_engine("unignore", item, done="Shown again.")

        self.app.push_screen(
            ListScreen(
                f"Unhide — what you hid for yourself in {group.name}",
                rows,
                "You have not hidden anyone here or any word.",
                "Enter shows it again.",
            ),
            picked,
        )

    def action_thank(self) -> None:
        picked = self._group_and_message(self._need_group)
        if picked is None:
            return
        group, message = picked
        self.run_engine(
            "thank", group.group_id, message.msg_id, done=f"You thanked {message.nick}."
        )

    def action_profile(self) -> None:
        group = self._need_group()
        if group is None:
            return
        me = next((m for m in self.engine.members(group.group_id) if m.is_me), None)
        self._form(
            f"Your profile in {group.name}",
            [
                Field("pronouns", "Pronouns (optional):", me.pronouns if me else ""),
                Field("intro", "One line about you (optional):", me.intro if me else ""),
            ],
            lambda v: self.run_engine(
                "set_profile",
                group.group_id,
                v["pronouns"],
                v["intro"],
                done="Your profile is updated.",
            ),
            "Save",
            explanation="Shown next to your nickname in this group's members list only.",
        )

    def action_members(self) -> None:
        """The members list as a dialog, for screens too narrow to show the panel."""
        group = self._need_group()
        if group is None:
            return
        from peertui.tui.widgets.members import describe_member

        rows = [(None, describe_member(m)) for m in self.engine.members(group.group_id)]
        self.app.push_screen(ListScreen(f"Members — {group.name}", rows, "No members yet."))

    def action_modlog(self) -> None:
        group = self._need_group()
        if group is None:
            return
        rows = [(None, describe(e)) for e in self.engine.modlog(group.group_id)]
        self.app.push_screen(
            ListScreen(f"Moderation log — {group.name}", rows, "No moderation actions yet.")
        )

    def action_reports(self) -> None:
        group = self._need_moderator()
        if group is None:
            return
        from peertui.core.errors import PeertuiError

        try:
            reports = self.engine.reports(group.group_id)
        except PeertuiError as exc:
            self.app.notify(str(exc), severity="warning")
            return
        rows = [
            (
                r.report_id,
                f"{r.reported_nick}: {steady_width(r.text)}\n  reason: {r.reason or '(none given)'}",
            )
            for r in reports
        ]

        def remove(report) -> None:
            self._form(
                "Remove the reported message",
                [Field("reason", "Reason (shown to everyone):")],
                lambda v: self.run_engine(
                    "delete_message",
                    group.group_id,
                    report.msg_id,
                    v["reason"],
                    done="Message removed.",
                ),
                "Remove",
            )

        def decided(report, choice: str | None) -> None:
            if choice == "remove":
                remove(report)
            elif choice == "dismiss":
                self.run_engine(
                    "dismiss_report", group.group_id, report.report_id, done="Report dismissed."
                )

        def picked(report_id: str | None) -> None:
            report = next((r for r in reports if r.report_id == report_id), None)
            if report is None:
                return
            self.app.push_screen(
                ChoiceScreen(
                    f"Report about {report.reported_nick}'s message",
                    f"{steady_width(report.text)}\n\nReason: {report.reason or '(none given)'}",
                    [
                        ("later", "Later"),
                        ("remove", "Remove the message"),
                        ("dismiss", "Dismiss the report"),
                    ],
                ),
                lambda choice: decided(report, choice),
            )

        self.app.push_screen(
            ListScreen(
                f"Reports — {group.name}",
                rows,
                "No reports.",
                "Enter: remove the message or dismiss the report.",
            ),
            picked,
        )
