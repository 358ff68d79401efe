"""One plain-mode session: reads typed lines, runs actions on the engine, prints its events.

What each command does lives in the `cmd_*` modules (one per topic of the action table); this
module is the loop, the questions (`ask`, the plain rendering of `peertui.ui.flows`), paging and
the engine's events in the words of `peertui.ui.wording`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from peertui.core import events as ev
from peertui.core.errors import PeertuiError
from peertui.core.models import CONNECTED
from peertui.core.store import StoreError
from peertui.i18n import N_
from peertui.plain import registry
from peertui.plain.console import Console, OutputClosed, welcome_lines
from peertui.plain.messages import MessageBook
from peertui.plain.reader import LineReader, Pasted
from peertui.plain.wellbeing import LOCKED_IDS, QuickExit
from peertui.ui import actions, commands, wording
from peertui.ui.flows import (
    Answer,
    Cancelled,
    Question,
    Refusal,
    approval_lines,
    is_it_for,
    judge,
)
from peertui.ui.problems import problem as worded
from peertui.ui.problems import startup_note
from peertui.ui.received import hidden_reason
from peertui.ui.wording import EventContext, Line, _, ngettext

if TYPE_CHECKING:
    from peertui.core.engine import Engine
    from peertui.core.models import GroupInfo, JoinRequest, Member
    from peertui.core.store import Message

NOT_IN_A_GROUP = N_(
    "You are not in a group yet: /host <name> starts one, /join <invite> joins one, "
    "/groups lists yours."
)
MODERATING_ROLES = ("owner", "moderator")
# Commands that may run while a question is open: the safety features and help.
# Seconds between two lines of one paste (a pty delivers a paste in pieces at most this far
# apart); a line typed by hand comes later and is read as itself.
PASTE_GAP = 0.2
AT_ANY_QUESTION = LOCKED_IDS - {"peertui.cancel", "peertui.stop", "peertui.quit"}


class Quit(Exception):
    """Raised by /quit and /wipe to end the session after the current command."""


class PlainSession:
    def __init__(
        self,
        engine: Engine,
        console: Console,
        reader: LineReader,
        quick_exit: QuickExit | None = None,
        *,
        greeted: bool = False,
    ):
        self.engine = engine
        self.console = console
        self.reader = reader
        self.quick_exit = quick_exit or QuickExit()
        self._greeted = greeted
        self.book = MessageBook()
        self.handlers = registry.load_all()
        self._connection = wording.ConnectionNews()
        self._announced_requests: set[str] = set()
        self._typed_anything = False
        engine.subscribe(self.on_event)
        # The group current last time comes back; otherwise the first active (or pending) one.
        usable = [g.group_id for g in engine.groups() if g.state in ("active", "pending")]
        last = engine.last_group()
        self._current = last if last in usable else (usable[0] if usable else None)
        self._held: list[str] = []  # kept text waiting for a group to be its draft

    @property
    def current(self) -> str | None:
        return self._current

    @current.setter
    def current(self, group_id: str | None) -> None:
        self._current = group_id
        self.engine.remember_current_group(group_id)
        if group_id is not None and self._held:
            # Typed before there was a group (at /join's guidelines question): now it has one.
            held, self._held = "\n".join(self._held), []
            self.keep_draft(held, say=True)

    # ----------------------------------------------------------------------- the main loop

    async def run(self) -> int:
        try:
            self._greet()
            if not await self._first_run_country():
                self.console.notice(_("Input ended; goodbye."))
                return 0
            while True:
                line = await self._read_line()
                if line is None:
                    self._keep_unfinished()
                    if self.reader.interrupted:
                        self.console.notice(_("Stopped (Ctrl+C); goodbye."))
                    else:
                        self.console.notice(_("Input ended; goodbye."))
                    return 0
                try:
                    await self.handle(line)
                except Quit:
                    return 0
        except OutputClosed:
            return 0

    async def _first_run_country(self) -> bool:
        """The first run asks which country's crisis lines to show; False when input ended."""
        from peertui.ui import country

        settings = self.engine.settings
        if not country.should_ask(self.engine.paths, settings.country):
            return True
        words = country.CountryQuestion(
            where="/crisis", how_to_change=_("/set country and its name or code")
        )
        try:
            settings.country = await country.ask_country(self, words)
        except Cancelled:
            return False
        try:
            self.engine.save_settings()
            country.remember_asked(self.engine.paths)
        except OSError as problem:
            self.console.error(
                _("Your country could not be saved: {why}.").format(why=problem.strerror or problem)
            )
        return True

    async def _read_line(self) -> str | None:
        self.console.prompt()
        line = await self.reader.readline()
        self.console.input_received()
        if line is not None and line.strip() and not self._typed_anything:
            # The Ctrl+R tip is for someone who types; never before they have.
            self._typed_anything = True
            self.console.offer_reprint_hint()
        return line

    first_run = False  # set by the app when there was no config.toml yet

    def _greet(self) -> None:
        if not self._greeted:
            # Unlocked after a question: the first run's words about peertui came before it.
            for line in welcome_lines(self.console.style, self.first_run, about_said=True):
                self.console.notice(line)
        for problem in self.engine.startup_problems:
            self.console.notice(startup_note(problem))
        groups = self.engine.groups()
        if groups:
            self.console.notice(
                ngettext(
                    "You have {n} group; /groups lists it.",
                    "You have {n} groups; /groups lists them.",
                    len(groups),
                ).format(n=len(groups))
            )
        if self.current:
            self.console.notice(_("Current group: {name}.").format(name=self.name(self.current)))
            if self.engine.draft(self.current):
                self.console.notice(
                    _("You have a kept draft: /draft shows it, /draft send sends it.")
                )
        for group_id in self.moderated_groups():
            for request in self.pending_requests(group_id):
                self.announce_request(group_id, request)

    async def handle(self, line: str) -> None:
        if isinstance(line, Pasted):
            line = self._pasted(line)
        try:
            if isinstance(line, Pasted):
                from peertui.plain.cmd_messages import send

                await send(self, str(line))
                return
            parsed = commands.parse(line)
            if parsed.action is None:
                if parsed.text:
                    from peertui.plain.cmd_messages import send

                    await send(self, parsed.text)
                return
            await self.run_action(parsed.action, parsed.argument)
        except Quit:
            raise
        except Cancelled as stop:
            if stop.ended:
                raise Quit from None
            self.console.notice(_("Cancelled; nothing was changed."))
        except (commands.CommandError, commands.UsageError) as problem:
            self.console.error(str(problem))
        except (PeertuiError, StoreError, ValueError, OSError) as problem:
            # StoreError: a full disk or an unreadable store is a fact worded, not a bug.
            self.console.error(worded(problem))
        except OutputClosed:
            raise
        except Exception as problem:  # noqa: BLE001 - a bug must never end a crisis-time session
            self.console.error(
                _(
                    "That did not work because of an internal error ({kind}); please report "
                    "it. /crisis, /ground and /plan still work."
                ).format(kind=type(problem).__name__)
            )

    def _pasted(self, block: Pasted) -> str:
        """A paste over several lines is one message, whatever its lines start with: a
        pasted line is never run as a command. The one exception is `/join` with an invite
        the copy wrapped over lines: it is that command, the invite's pieces put together."""
        from peertui.ui.flows import looks_like_invite_piece

        first, *rest = block.split("\n")
        if first.strip().startswith("/join ") and rest and all(map(looks_like_invite_piece, rest)):
            return first.strip() + "".join(piece.strip() for piece in rest)
        self.console.notice(
            ngettext(
                "Pasted {n} line as one message.",
                "Pasted {n} lines as one message.",
                block.line_count,
            ).format(n=block.line_count)
        )
        return block

    async def run_action(self, action: actions.Action, argument: str) -> None:
        # Who may do what is the engine's to decide (it says so in words); the table's roles
        # are checked first only so that a member is told "only moderators" before being
        # coached on the words of a command they cannot use.
        self._refuse_below(action.role)
        await self.handlers[action.id](self, argument)

    def _refuse_below(self, role: str) -> None:
        if role == "member" or self.current is None:
            return
        group = next((g for g in self.engine.groups() if g.group_id == self.current), None)
        if group is None or group.state != "active":
            return  # not active yet: the engine's own refusal says so
        rank = {"member": 0, "moderator": 1, "owner": 2}
        if rank.get(group.role or "member", 0) >= rank.get(role, 0):
            return
        if role == "owner":
            raise commands.UsageError(_("Only the group's owner can do that."))
        raise commands.UsageError(_("Only the group's owner and moderators can do that."))

    # ----------------------------------------------------------------------- questions

    async def ask(self, question: Question) -> Answer:
        """The plain rendering of a flow's question: `?? text: choices?` then the prompt.

        Safety commands run and the question comes back; /cancel closes it; other commands are
        refused (printed back, so nothing is lost); a line that is not an answer is kept as a
        draft; a free-text answer typed after something arrived is confirmed first."""
        for context in question.context:
            self.console.notice(context)
        while True:
            self.console.question(question.render())
            seen = self.console.interruptions
            typed = await self._read_line()
            if typed is None:
                raise Cancelled(ended=True)
            pasted = isinstance(typed, Pasted)  # never a command, whatever it starts with
            if typed.strip().startswith("/") and not typed.strip().startswith("//") and not pasted:
                await self._command_at_question(typed)
                continue
            verdict = judge(question, typed)
            if isinstance(verdict, Refusal):
                self.console.write_line(verdict.line.kind, verdict.line.text)
                self.keep_draft(verdict.keep, say=True, hold=True)
                continue
            if question.free_text and verdict.text and self.console.interruptions > seen:
                check = await self.ask(is_it_for(question, verdict.text))
                if check.choice != "yes":
                    kept = self.keep_draft(verdict.text)
                    said = (
                        _("Kept as your draft, not sent: {text}")
                        if kept
                        else _("Not taken: {text}")
                    )
                    self.console.notice(said.format(text=verdict.text))
                    continue
            return verdict

    async def _command_at_question(self, typed: str) -> None:
        try:
            parsed = commands.parse(typed)
        except commands.CommandError as problem:
            self.console.error(str(problem))
            return
        assert parsed.action is not None
        if parsed.action.id == "peertui.cancel":
            raise Cancelled
        if parsed.action.id == "peertui.quit":
            # Leaving is never refused: the open question is dropped with nothing done.
            self.console.notice(_("Goodbye."))
            raise Quit
        if parsed.action.id in AT_ANY_QUESTION:
            await self.run_action(parsed.action, parsed.argument)
            self.console.notice(_("Back to the question."))
            return
        self.console.error(
            _(
                "A question is open, so this did not run: {typed}. Answer the question (or "
                "/cancel it), then type the command again."
            ).format(typed=typed.strip())
        )

    def say(self, line: Line) -> None:
        self.console.write_line(line.kind, line.text)

    async def waiting_line(self, accept: Callable[[str], bool]) -> str | None:
        # The lines of one paste come a moment apart at most; nothing typed is waited for.
        line = await self.reader.take_waiting(accept, within=PASTE_GAP)
        if line is not None:
            self.console.input_received()
        return line

    def _keep_unfinished(self) -> None:
        """Ctrl+C ended the session while a line was half typed: it is kept as the draft (or,
        with no group to keep it for, shown back), never lost."""
        text = self.reader.unfinished
        if text.strip() and not self.keep_draft(text, say=True):
            self.console.notice(
                _("Not sent, and there is no group to keep it for: {text}").format(text=text)
            )

    def keep_draft(self, text: str, *, say: bool = False, hold: bool = False) -> bool:
        """Keep text that was typed but not sent, for the current group (survives restarts).
        With no group there is nowhere to send it later: the caller prints it back, or, with
        `hold` (a reply typed at a question such as /join's), it waits for the next group."""
        if not text:
            return False
        if self.current is None:
            if not hold:
                return False
            # No group yet to keep it for (a question of /join is open): held until the group
            # joined or hosted next becomes current, never dropped.
            self._held.append(text)
            self.console.notice(
                _("Kept, not sent: it becomes your draft in the group you join or host next.")
            )
            return True
        earlier = self.engine.draft(self.current)
        self.engine.save_draft(self.current, f"{earlier}\n{text}" if earlier else text)
        if say:
            self.console.notice(
                _("Kept as your draft for {name}, not sent; /draft shows it.").format(
                    name=self.name(self.current)
                )
            )
        return True

    # ----------------------------------------------------------------------- long output

    async def show(self, lines: Sequence[Line]) -> None:
        """Print lines, a screenful at a time on a terminal: "12 more lines: press Enter".

        Anything else typed at the pause ends the listing and is carried out as usual."""
        height = self.console.height()
        if height is None:
            for line in lines:
                self.say(line)
            return
        page = height - 2  # room for the "more" question and the prompt
        used = 0
        for index, line in enumerate(lines):
            needed = len(self.console.rendered(line.kind, line.text))
            if used + needed > page and used:
                rest = sum(len(self.console.rendered(x.kind, x.text)) for x in lines[index:])
                self.console.question(
                    _("{n} more lines: press Enter, or type anything else to stop?").format(n=rest)
                )
                typed = await self._read_line()
                if typed is None:
                    return
                if typed.strip():
                    await self.handle(typed)
                    return
                used = 0
            self.say(line)
            used += needed

    async def show_output(self, texts: Sequence[str]) -> None:
        await self.show([wording.output(text) for text in texts])

    # ----------------------------------------------------------------------- events

    def on_event(self, event: ev.Event) -> None:
        try:
            self._show_event(event)
        except OutputClosed:
            self.reader.stop()
        except Exception as problem:  # noqa: BLE001 - one odd event must not stop the rest
            self.console.error(
                _("An update could not be shown ({kind}).").format(kind=type(problem).__name__)
            )

    def _show_event(self, event: ev.Event) -> None:
        where = self.where(event.group_id)
        match event:
            case ev.MessageReceived(message=message):
                if self.book.first_live_showing(message):
                    self.show_messages([message])
                return
            case ev.MessageQueued(message=message):
                # While connected a message waits only for slow mode or the rate limit, and the
                # engine's own notice already says when it goes out.
                if self.engine.group(event.group_id).connection != CONNECTED:
                    self.console.notice(where + wording.queued_offline(message.number))
                return
            case ev.ConnectionChanged(state=state):
                group = self.groups().get(event.group_id)
                said = self._connection.line(
                    event.group_id, state, group.name if group else _("a group")
                )
                if said is not None:
                    # Nothing to reply to: a line typed at an open question is still its answer.
                    self.console.notice(where + said.text, aside=True)
                return
            case ev.JoinRequested(request=request):
                self.announce_request(event.group_id, request)
                return
            case ev.MessageReturned(text=text, reason=reason):
                # The engine has already put the words into this group's draft.
                self.console.error(
                    where + wording.message_returned(reason, text, _(wording.KEPT_AS_DRAFT))
                )
                return
            case ev.JoinApproved():
                if self.current is None:
                    self.current = event.group_id
        number: int | None = None
        if isinstance(event, ev.MessageRemoved):
            number = self.number_of(event.group_id, event.msg_id)
        context = EventContext(self.name(event.group_id), self.members_of(event.group_id), number)
        for line in wording.event_lines(event, context):
            if line.kind == "output":
                self.say(line)
            else:
                self.console.write_line(line.kind, where + line.text)
        if isinstance(event, ev.ModAction) and self._about_me(event):
            # What it means for me, for how long, where the log is, that help still works.
            helping = wording.sanction_help(event.entry, self.name(event.group_id))
            if helping:
                self.console.notice(where + helping)
        if isinstance(event, ev.JoinApproved):
            # The group's guidelines and how to accept them, unless they are the ones accepted
            # at /join (the shared rule); the first message asks the question itself.
            for line in approval_lines(self.engine.group(event.group_id)):
                self.console.write_line(
                    line.kind, line.text if line.kind == "output" else where + line.text
                )
        if isinstance(event, ev.Notice) and event.said in (ev.Said.REMOVED, ev.Said.BANNED):
            # A kept draft there can no longer be sent: printed whole, to copy (what is being
            # typed now is printed back the same way when Enter sends it: cmd_messages.send).
            kept = self.engine.draft(event.group_id)
            if kept.strip():
                self.console.output(wording.unsent_after_removal(self.name(event.group_id), kept))
        if isinstance(event, ev.JoinApproved) and self.engine.draft(event.group_id):
            self.console.notice(_("You have a kept draft: /draft send sends it now."))

    def _about_me(self, event: ev.ModAction) -> bool:
        try:
            return bool(event.entry.target_id) and event.entry.target_id == (
                self.engine.my_member_id(event.group_id)
            )
        except PeertuiError:
            return False

    def announce_request(self, group_id: str, request: JoinRequest) -> None:
        if request.request_id in self._announced_requests:
            return
        self._announced_requests.add(request.request_id)
        for index, line in enumerate(wording.request_lines(request)):
            prefix = self.where(group_id) if index == 0 else ""
            self.console.write_line(line.kind, prefix + line.text)

    # ----------------------------------------------------------------------- helpers

    def groups(self) -> dict[str, GroupInfo]:
        return {g.group_id: g for g in self.engine.groups()}

    def name(self, group_id: str) -> str:
        group = self.groups().get(group_id)
        return wording.group_name(group.name) if group else _("a group")

    def role(self) -> str:
        group = self.groups().get(self.current or "")
        return group.role if group and group.role else "member"

    def label(self, group_id: str) -> str:
        """The group name when it is not the current group, else nothing."""
        return "" if group_id == self.current else self.name(group_id)

    def where(self, group_id: str) -> str:
        label = self.label(group_id) if group_id else ""
        return f"[{label}] " if label else ""

    def members_of(self, group_id: str) -> list[Member]:
        try:
            return self.engine.members(group_id) if group_id else []
        except PeertuiError:
            return []

    def moderated_groups(self) -> list[str]:
        return [
            g.group_id
            for g in self.engine.groups()
            if g.state == "active" and g.role in MODERATING_ROLES
        ]

    def pending_requests(self, group_id: str) -> list[JoinRequest]:
        try:
            return self.engine.pending_requests(group_id)
        except PeertuiError:
            return []

    def group(self) -> str:
        if self.current is None:
            raise commands.UsageError(_(NOT_IN_A_GROUP))
        return self.current

    def message_by_number(self, text: str, action: actions.Action) -> tuple[str, str]:
        """(group id, message id) of the message numbered as typed; the engine says in words
        when no message has that number (any more)."""
        message = self.engine.message_by_number(commands.message_number(text, action))
        return message.group_id, message.msg_id

    def number_of(self, group_id: str, msg_id: str) -> int | None:
        """This device's number for a message, if it is still here."""
        try:
            return self.engine.message(group_id, msg_id).number or None
        except PeertuiError:
            return None

    def show_messages(self, messages: list[Message]) -> None:
        members: dict[str, list[Member]] = {}
        for message in messages:
            if message.group_id not in members:
                members[message.group_id] = self.members_of(message.group_id)
            hidden = hidden_reason(self.engine.why_hidden(message))
            self.console.message(
                self.book.line(
                    message, self.label(message.group_id), hidden, members[message.group_id]
                )
            )
            if message.extra.get("care") and not hidden and message.removed_reason is None:
                from peertui.config import interface_language
                from peertui.wellbeing.responses import care_note

                number = message.number
                language = interface_language(self.engine.settings.language)
                self.console.notice(care_note(language, f"/report {number}"))
        # Everything printed for the current group has been seen; /groups must not count it.
        if self.current is not None and any(m.group_id == self.current for m in messages):
            self.engine.mark_read(self.current)
