"""One plain-mode session: reads typed lines, runs commands on the engine, prints its events."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peertui.core import events as ev
from peertui.core.errors import PeertuiError
from peertui.core.models import CONNECTED
from peertui.core.payloads import clean_nick
from peertui.plain import commands, wellbeing
from peertui.plain.console import BANNER, Console
from peertui.plain.messages import MessageBook
from peertui.plain.reader import LineReader

if TYPE_CHECKING:
    from peertui.core.engine import Engine
    from peertui.core.models import GroupInfo, JoinRequest, ModLogEntry
    from peertui.core.store import Message

NOT_IN_A_GROUP = (
    "You are not in a group yet: /host <name> starts one, /join <invite> joins one, "
    "/groups lists yours."
)
CARE_NOTICE = (
    "That sounds hard. If you want support now: /crisis lists crisis lines, /plan shows your "
    "safety plan, /ground starts a grounding exercise. Your message is being sent."
)
MODERATING_ROLES = ("owner", "moderator")
DETAIL_WORDS = {
    "phone": "a phone number",
    "email": "an e-mail address",
    "address": "a street address",
}


class Quit(Exception):
    """Raised by /quit and /wipe to end the session after the current command."""


class UsageError(Exception):
    """The command was typed wrongly; str() says how to type it."""


class PlainSession:
    def __init__(
        self, engine: Engine, console: Console, reader: LineReader, *, greeted: bool = False
    ):
        self.engine = engine
        self._greeted = greeted
        self.console = console
        self.reader = reader
        self.book = MessageBook()
        self._current: str | None = None
        self._connection: dict[str, str] = {}
        # A request can reach us twice (announced at start-up, then replayed by the relay).
        self._announced_requests: set[str] = set()
        engine.subscribe(self.on_event)
        # The group current last time comes back; otherwise the first active one.
        active = [g.group_id for g in engine.groups() if g.state == "active"]
        last = engine.last_group()
        self._current = last if last in active else (active[0] if active else None)

    @property
    def current(self) -> str | None:
        return self._current

    @current.setter
    def current(self, group_id: str | None) -> None:
        self._current = group_id
        self.engine.remember_current_group(group_id)

    # ----------------------------------------------------------------------- the main loop

    async def run(self) -> int:
        self._greet()
        while True:
            self.console.prompt()
            line = await self.reader.readline()
            self.console.input_received()
            if line is None:
                self.console.notice("Input ended; goodbye.")
                return 0
            try:
                await self.handle(line)
            except Quit:
                return 0

    def _greet(self) -> None:
        if not self._greeted:
            self.console.notice(BANNER)
        for problem in self.engine.startup_problems:
            self.console.notice(problem)
        groups = self.engine.groups()
        if groups:
            self.console.notice(f"You have {len(groups)} group(s); /groups lists them.")
        if self.current:
            self.console.notice(f"Current group: {self._name(self.current)}.")
        for group_id in self._moderated_groups():
            for request in self._pending_requests(group_id):
                self._announce_request(group_id, request)
        self.console.offer_reprint_hint()

    async def handle(self, line: str) -> None:
        typed = commands.parse(line)
        try:
            if not typed.command:
                if typed.argument:
                    await self.send(typed.argument)
                return
            handler = getattr(self, f"cmd_{typed.command}", None)
            if handler is None:
                self._unknown(typed.command)
                return
            await handler(typed.argument)
        except Quit:
            raise
        except UsageError as problem:
            self.console.error(str(problem))
        except (PeertuiError, ValueError, OSError) as problem:
            self.console.error(str(problem) or type(problem).__name__)
        except Exception as problem:  # noqa: BLE001 - a bug must never end a crisis-time session
            self.console.error(
                f"That did not work because of an internal error ({type(problem).__name__}); "
                "please report it. /crisis, /ground and /plan still work."
            )

    def _unknown(self, name: str) -> None:
        suggestion = commands.suggest(name)
        hint = f" Did you mean /{suggestion}?" if suggestion else ""
        self.console.error(f"There is no command /{name}.{hint} /help lists the commands.")

    async def ask(self, question: str) -> str | None:
        """Ask one question and wait for the answer line (None if input ended)."""
        self.console.question(question)
        self.console.prompt()
        answer = await self.reader.readline()
        self.console.input_received()
        return answer

    # ----------------------------------------------------------------------- events

    def on_event(self, event: ev.Event) -> None:
        try:
            self._show_event(event)
        except Exception as problem:  # noqa: BLE001 - one odd event must not stop the rest
            self.console.error(f"An update could not be shown ({type(problem).__name__}).")

    def _show_event(self, event: ev.Event) -> None:
        where = self._where(event.group_id)
        match event:
            case ev.MessageReceived(message=message):
                if self.book.first_live_showing(message):
                    self._show_messages([message])
            case ev.MessageQueued(message=message):
                number = self.book.number(message.group_id, message.msg_id)
                # While connected a message waits only for slow mode or the rate limit, and the
                # engine's own notice already says when it goes out.
                if self.engine.group(event.group_id).connection != CONNECTED:
                    self.console.notice(
                        f"{where}Not connected: message #{number} is saved and will be sent when the relay is reachable."
                    )
            case ev.MessageRemoved(msg_id=msg_id, reason=reason):
                number = self.book.shown_number(event.group_id, msg_id)
                which = f"Message #{number}" if number else "A message"
                self.console.notice(f"{where}{which} was removed by moderators: {reason}")
            case ev.MemberJoined(member=member):
                self.console.notice(f"{where}{member.nick} joined.")
            case ev.MemberLeft(member=member, how=how):
                verb = {"removed": "was removed", "banned": "was banned"}.get(how, "left")
                self.console.notice(f"{where}{member.nick} {verb}.")
            case ev.JoinRequested(request=request):
                self._announce_request(event.group_id, request)
            case ev.JoinApproved(guidelines=guidelines):
                if self.current is None:
                    self.current = event.group_id
                self.console.notice(f"You are now a member of {self._name(event.group_id)}.")
                self._show_guidelines(guidelines)
            case ev.JoinDenied(reason=reason):
                why = f": {reason}" if reason else "."
                self.console.notice(
                    f"Your request to join {self._name(event.group_id)} was declined{why}"
                )
            case ev.ConnectionChanged(state=state, detail=detail):
                self._show_connection(event.group_id, state, detail)
            case ev.GapDetected(missed_from=first, missed_to=last):
                self.console.notice(
                    f"{where}Some messages (relay numbers {first} to {last}) expired on the relay before "
                    "this computer could fetch them."
                )
            case ev.Warned(reason=reason):
                self.console.notice(f"{where}A moderator warned you: {reason}")
            case ev.ModAction(entry=entry):
                self.console.notice(f"{where}Moderation: {modlog_text(entry)}")
            case ev.ReportReceived(report=report):
                self.console.notice(
                    f"{where}New report about {report.reported_nick}'s message: {report.reason}. "
                    "/reports lists reports."
                )
            case ev.ErrorOccurred(text=text):
                self.console.error(f"{where}{text}")
            case ev.Notice(text=text):
                self.console.notice(f"{where}{text}")
            case ev.RosterWarning(text=text) | ev.MessagesMissing(text=text):
                self.console.error(f"{where}{text}")  # protocol v2: fork, split view, gap

    def _announce_request(self, group_id: str, request: JoinRequest) -> None:
        if request.request_id in self._announced_requests:
            return
        self._announced_requests.add(request.request_id)
        pronouns = f" ({request.pronouns})" if request.pronouns else ""
        self.console.notice(
            f"{self._where(group_id)}{request.nick}{pronouns} asks to join. Type /approve "
            f"{request.nick} to let them in, or /deny {request.nick} [reason] to decline."
        )
        if request.intro:
            self.console.output(f"Their introduction: {request.intro}")

    def _show_guidelines(self, guidelines: str) -> None:
        lines = [line for line in guidelines.splitlines() if line.strip()]
        if lines:
            self.console.output("Group guidelines:")
            for line in lines:
                self.console.output(line)

    def _show_connection(self, group_id: str, state: str, detail: str) -> None:
        """One line when a group goes offline and one when it is back; retries are not news."""
        before = self._connection.get(group_id)
        if state == before or state == "connecting":
            return
        self._connection[group_id] = state
        where = self._where(group_id)
        name = self._name(group_id)
        if state == CONNECTED and before is None:
            self.console.notice(f"{where}{detail or f'Connected to the relay of {name}.'}")
        elif state == CONNECTED:
            self.console.notice(f"{where}Connected to the relay of {name} again.")
        else:
            self.console.notice(
                f"{where}The relay of {name} is not reachable; peertui keeps trying by itself."
            )

    def _moderated_groups(self) -> list[str]:
        return [
            g.group_id
            for g in self.engine.groups()
            if g.state == "active" and g.role in MODERATING_ROLES
        ]

    def _pending_requests(self, group_id: str) -> list[JoinRequest]:
        try:
            return self.engine.pending_requests(group_id)
        except PeertuiError:
            return []

    def _groups(self) -> dict[str, GroupInfo]:
        return {g.group_id: g for g in self.engine.groups()}

    def _name(self, group_id: str) -> str:
        group = self._groups().get(group_id)
        return group.name if group else "a group"

    def _label(self, group_id: str) -> str:
        """The group name when it is not the current group, else nothing."""
        return "" if group_id == self.current else self._name(group_id)

    def _where(self, group_id: str) -> str:
        label = self._label(group_id) if group_id else ""
        return f"[{label}] " if label else ""

    # ----------------------------------------------------------------------- helpers

    def _group(self) -> str:
        if self.current is None:
            raise UsageError(NOT_IN_A_GROUP)
        return self.current

    @staticmethod
    def _need(argument: str, usage: str) -> str:
        if not argument:
            raise UsageError(f"Usage: {usage}")
        return argument

    def _message_by_number(self, text: str, usage: str) -> tuple[str, str]:
        try:
            number = int(text.lstrip("#"))
        except ValueError:
            raise UsageError(f"'{text}' is not a message number. Usage: {usage}") from None
        found = self.book.lookup(number)
        if found is None:
            raise UsageError(
                f"No message #{number} has been shown yet; /history shows recent ones."
            )
        return found

    def _show_messages(self, messages: list[Message]) -> None:
        for message in messages:
            label = self._label(message.group_id)
            self.console.message(self.book.line(message, label, self.engine.is_hidden(message)))
        # Everything printed for the current group has been seen; /groups must not count it.
        if self.current is not None and any(m.group_id == self.current for m in messages):
            self.engine.mark_read(self.current)

    # ----------------------------------------------------------------------- sending

    async def send(self, text: str, cw: str = "") -> None:
        group_id = self._group()
        from peertui.wellbeing import detect

        while True:
            assessment = detect.assess(
                text,
                self.engine.settings.language or "en",
                region=self.engine.settings.country or None,
            )
            if not assessment.personal:
                break
            kinds = sorted({DETAIL_WORDS.get(d.kind, d.kind) for d in assessment.personal})
            answer = await self.ask(
                f"Your message seems to include {' and '.join(kinds)}, which could identify you. "
                "Send anyway? (y/edit/remove)"
            )
            choice = (answer or "").strip().lower()
            if choice in ("y", "yes"):
                break
            if choice in ("r", "remove"):
                for detail in assessment.personal:
                    text = text.replace(detail.text, "[removed]")
                break
            if choice in ("e", "edit"):
                edited = await self.ask("Type the message again:")
                if edited and edited.strip():
                    text = edited.strip()
                    continue
            self.console.notice(f"Not sent. Your draft was: {text}")
            return
        if assessment.tier >= 1:
            self.console.notice(CARE_NOTICE)
        try:
            await self.engine.send(group_id, text, cw=cw)
        except PeertuiError as problem:
            # Muted, read-only, waiting for approval...: say why, and give the words back so
            # nothing typed is lost.
            self.console.error(str(problem))
            self.console.output(f"Not sent: {text}")

    async def cmd_cw(self, argument: str) -> None:
        topic, bar, text = argument.partition("|")
        if not bar or not topic.strip() or not text.strip():
            raise UsageError(
                "Usage: /cw <topic> | <text>, for example /cw loss | my dog died today"
            )
        await self.send(text.strip(), cw=topic.strip())

    async def cmd_open(self, argument: str) -> None:
        group_id, msg_id = self._message_by_number(self._need(argument, "/open <n>"), "/open <n>")
        message = self.engine.message(group_id, msg_id)
        self.book.open(self.book.number(group_id, msg_id))
        self.console.message(self.book.line(message, self._label(group_id)))

    # ----------------------------------------------------------------------- help, wellbeing

    async def cmd_help(self, argument: str) -> None:
        try:
            lines = commands.help_lines(argument)
        except KeyError:
            self._unknown(argument.lstrip("/"))
            return
        for line in lines:
            self.console.output(line)

    async def cmd_crisis(self, argument: str) -> None:
        for line in wellbeing.crisis_lines(argument, self.engine.settings.country):
            self.console.output(line)

    async def cmd_ground(self, argument: str) -> None:
        if not argument:
            for line in wellbeing.exercise_list():
                self.console.output(line)
            return
        exercise = wellbeing.find_exercise(argument)
        scale = wellbeing.time_scale()
        self.console.notice(f"{exercise.title}. Type /stop at any time to stop.")
        for line in [exercise.intro, *exercise.cautions]:
            if line:
                self.console.output(line)
        for step in exercise.steps:
            self.console.output(wellbeing.step_line(step))
            stopping_line = await self._pace_step(step.seconds * scale if step.seconds else None)
            if stopping_line is not None:
                self.console.notice(f"{exercise.title} stopped.")
                # Whatever was typed to stop the exercise is still carried out: nothing is lost.
                if stopping_line.strip() and commands.parse(stopping_line).command != "stop":
                    await self.handle(stopping_line)
                return
        self.console.notice(f"{exercise.title} finished. Well done.")

    async def _pace_step(self, seconds: float | None) -> str | None:
        """Wait out a timed step, or for Enter on an own-pace one (seconds None).

        Returns the line that stops the exercise: anything typed but an empty line, or "" when
        input ends. Enter during a timed step changes nothing; the pacing goes on.
        """
        loop = asyncio.get_running_loop()
        deadline = None if seconds is None else loop.time() + seconds
        while True:
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return None
            try:
                await asyncio.wait_for(self.reader.wait_for_line(), timeout=remaining)
            except TimeoutError:
                return None
            line = await self.reader.readline()
            self.console.input_received()
            if line is None:
                return ""
            if line.strip():
                return line
            if deadline is None:
                return None

    async def cmd_stop(self, argument: str) -> None:
        self.console.notice("Nothing to stop: no grounding exercise is running.")

    async def cmd_cancel(self, argument: str) -> None:
        self.console.notice("Nothing to cancel: no question is waiting for an answer.")

    async def cmd_plan(self, argument: str) -> None:
        action, _, rest = argument.partition(" ")
        if not action:
            lines = wellbeing.plan_lines(self.engine.safety_plan())
            for line in lines:
                self.console.output(line)
            return
        if action == "edit":
            plan, input_ended = await wellbeing.edit_plan(
                self.engine.safety_plan(), self.console, self.ask
            )
            if plan is None:
                self.console.notice("Edit cancelled; your safety plan is as it was.")
                return
            self.engine.save_safety_plan(plan)
            self.console.notice("Safety plan saved (encrypted on this computer). /plan shows it.")
            if input_ended:
                raise Quit
            return
        if action == "export":
            await self._export_plan(self._need(rest.strip(), "/plan export <file>"))
            return
        raise UsageError("Usage: /plan, /plan edit or /plan export <file>")

    async def _export_plan(self, target: str) -> None:
        path = Path(target).expanduser()
        overwrite = await self._may_replace(path, "your safety plan")
        if overwrite is None:
            return
        written = self.engine.export_safety_plan(
            path, lang=self.engine.settings.language or "en", overwrite=overwrite
        )
        self.console.notice(
            f"Safety plan written to {written}, readable only by you. That file is not encrypted."
        )

    # ----------------------------------------------------------------------- groups

    async def cmd_host(self, argument: str) -> None:
        words = self._need(argument, "/host <name> [relay-url]").split()
        relay_url = (
            words.pop()
            if len(words) > 1 and words[-1].startswith(("http://", "https://"))
            else None
        )
        name = " ".join(words)
        where = relay_url or "a relay inside this program (reachable while peertui runs)"
        self.console.notice(f"Starting {name} on {where}...")
        group = await self.engine.host_group(name, relay_url)
        self.current = group.group_id
        self.console.notice(
            f"{group.name} is ready and is now your current group; you are '{group.nick}' "
            "(/nick changes it). /invite makes an invite."
        )

    async def cmd_invite(self, argument: str) -> None:
        group_id = self._group()
        token = await self.engine.create_invite(group_id)
        self.console.notice(
            f"Invite for {self._name(group_id)}, valid for 7 days and 10 uses. Share it privately; "
            "you approve each person who uses it:"
        )
        self.console.raw(token)

    async def cmd_join(self, argument: str) -> None:
        invite, _, nick = self._need(argument, "/join <invite> [nick]").partition(" ")
        # A damaged invite is refused before anything is asked.
        self.engine.check_invite(invite)
        nick = nick.strip() or await self._ask_nick()
        if not nick:
            return
        group = await self.engine.join(invite, nick)
        self.console.notice(
            f"Asked to join as '{group.nick}'. A moderator has to approve you; you will see a line here when they do."
        )

    async def _ask_nick(self) -> str:
        """A nickname typed at the question; "" when the person cancels or input ends."""
        while True:
            answer = await self.ask("Nickname to use in this group (one word), or /cancel:")
            if answer is None:
                return ""
            typed = commands.parse(answer)
            if typed.command == "cancel":
                self.console.notice("Not joined.")
                return ""
            if typed.command:
                self.console.error(
                    f"/{typed.command} is a command, not a nickname. Type a nickname, or /cancel."
                )
            elif typed.argument:
                try:
                    return clean_nick(typed.argument)
                except PeertuiError as problem:
                    self.console.error(f"{problem} Type another, or /cancel.")
            else:
                self.console.error("A nickname is needed to join. Type one, or /cancel.")

    async def cmd_groups(self, argument: str) -> None:
        groups = self.engine.groups()
        if not groups:
            self.console.output(NOT_IN_A_GROUP)
            return
        for number, group in enumerate(groups, start=1):
            current = ", current" if group.group_id == self.current else ""
            role = f", {group.role}" if group.role else ""
            unread = f", {group.unread} unread" if group.unread else ""
            self.console.output(
                f"{number}. {group.name} - {group.state}{role}, {group.connection}{unread}{current}"
            )

    async def cmd_switch(self, argument: str) -> None:
        wanted = self._need(argument, "/switch <group>")
        groups = self.engine.groups()
        if wanted.isdigit() and 1 <= int(wanted) <= len(groups):
            chosen = [groups[int(wanted) - 1]]
        else:
            exact = [g for g in groups if g.name.casefold() == wanted.casefold()]
            chosen = exact or [g for g in groups if g.name.casefold().startswith(wanted.casefold())]
        if len(chosen) != 1:
            problem = "Several groups match" if chosen else "No group matches"
            raise UsageError(f"{problem} '{wanted}'; /groups lists them with numbers.")
        self.current = chosen[0].group_id
        self.console.notice(f"Current group: {chosen[0].name}.")

    async def cmd_nick(self, argument: str) -> None:
        await self.engine.set_nick(self._group(), self._need(argument, "/nick <name>"))
        self.console.notice(f"You are now '{argument}' in {self._name(self._group())}.")

    async def cmd_profile(self, argument: str) -> None:
        pronouns, _, intro = self._need(
            argument, "/profile <pronouns> | <a line about you>"
        ).partition("|")
        await self.engine.set_profile(self._group(), pronouns.strip(), intro.strip())
        self.console.notice(
            f"Your profile in {self._name(self._group())} is updated; /members shows it."
        )

    async def cmd_thanks(self, argument: str) -> None:
        group_id, msg_id = self._message_by_number(argument.strip(), "/thanks <n>")
        await self.engine.thank(group_id, msg_id)
        self.console.notice(f"Thanked the author of message #{argument.strip().lstrip('#')}.")

    async def cmd_members(self, argument: str) -> None:
        from datetime import datetime

        for member in self.engine.members(self._group()):
            parts = [member.role]
            if member.pronouns:
                parts.append(member.pronouns)
            if member.muted_until:
                parts.append(
                    "muted until "
                    + datetime.fromtimestamp(member.muted_until / 1000).strftime("%H:%M")
                )
            if member.is_me:
                parts.append("you")
            about = f" - {member.intro}" if member.intro else ""
            self.console.output(f"{member.nick} ({', '.join(parts)}) id {member.member_id}{about}")

    async def cmd_approve(self, argument: str) -> None:
        who = self._need(argument, "/approve <nick>")
        group_id = self._group_with_request(who)
        await self.engine.approve(group_id, who)
        self.console.notice(f"Approved {who} in {self._name(group_id)}.")

    async def cmd_deny(self, argument: str) -> None:
        who, _, reason = self._need(argument, "/deny <nick> [reason]").partition(" ")
        group_id = self._group_with_request(who)
        await self.engine.deny(group_id, who, reason.strip())
        self.console.notice(f"Declined {who}'s request to join {self._name(group_id)}.")

    def _group_with_request(self, who: str) -> str:
        """The current group, or the one other group you moderate where `who` asked to join."""
        wanted = who.casefold()

        def waiting_in(group_id: str) -> bool:
            return any(
                r.nick.casefold() == wanted or r.member_id.startswith(wanted)
                for r in self._pending_requests(group_id)
            )

        if self.current is None or waiting_in(self.current):
            return self._group()
        elsewhere = [g for g in self._moderated_groups() if g != self.current and waiting_in(g)]
        return elsewhere[0] if len(elsewhere) == 1 else self._group()

    async def cmd_requests(self, argument: str) -> None:
        from datetime import datetime

        moderated = self._moderated_groups()
        if not moderated:
            self.console.error("Only the group's owner and moderators see join requests.")
            return
        waiting = [(g, r) for g in moderated for r in self._pending_requests(g)]
        if not waiting:
            self.console.notice("No one is waiting to join.")
        for group_id, request in waiting:
            where = self._where(group_id)
            when = datetime.fromtimestamp(request.ts / 1000).strftime("%Y-%m-%d %H:%M")
            pronouns = f" ({request.pronouns})" if request.pronouns else ""
            intro = f": {request.intro}" if request.intro else ", no introduction"
            self.console.output(
                f"{where}{request.nick}{pronouns}, id {request.member_id}, asked {when}{intro}"
            )

    async def cmd_leave(self, argument: str) -> None:
        group_id = self._group()
        name = self._name(group_id)
        answer = await self.ask(f"Leave {name}? You would need a new invite to come back. (y/n)")
        if (answer or "").strip().lower() not in ("y", "yes"):
            self.console.notice("Stayed.")
            return
        # The engine's own notice says "You left ..."; it is the one line about it.
        await self.engine.leave(group_id)
        others = [g for g in self.engine.groups() if g.group_id != group_id and g.state == "active"]
        self.current = others[0].group_id if others else None
        if others:
            self.console.notice(f"Current group: {others[0].name}.")

    # ----------------------------------------------------------------------- history

    async def cmd_history(self, argument: str) -> None:
        usage = (
            "Usage: /history [n], where n is how many messages (1 or more), for example /history 50"
        )
        try:
            limit = int(argument) if argument else 20
        except ValueError:
            raise UsageError(usage) from None
        if limit < 1:
            raise UsageError(usage)
        group_id = self._group()
        messages = self.engine.history(group_id, limit=limit)
        if not messages:
            self.console.notice("No messages yet.")
        self._show_messages(messages)
        self.engine.mark_read(group_id)

    async def cmd_search(self, argument: str) -> None:
        found = self.engine.search(self._need(argument, "/search <words>"))
        self.console.notice(f"{len(found)} message(s) found.")
        self._show_messages(found)

    async def cmd_export(self, argument: str) -> None:
        path = Path(self._need(argument, "/export <file>")).expanduser()
        overwrite = await self._may_replace(path, "this group's history")
        if overwrite is None:
            return
        written, count = self.engine.export(self._group(), path, overwrite=overwrite)
        self.console.notice(f"Wrote {count} message(s) to {written}. That file is not encrypted.")

    async def _may_replace(self, path: Path, what: str) -> bool | None:
        """False: the file is new; True: the person agreed to replace it; None: keep it."""
        if not path.is_file():
            return False
        answer = await self.ask(f"{path} already exists. Replace it with {what}? (y/n)")
        if (answer or "").strip().lower() in ("y", "yes"):
            return True
        self.console.notice("Nothing was written.")
        return None

    async def cmd_wipe(self, argument: str) -> None:
        self._warn_moderators_before_wipe()
        answer = await self.ask(
            "This erases every group, message, key and your safety plan on this computer. "
            "Type ERASE to confirm, anything else to keep them:"
        )
        if (answer or "").strip() != "ERASE":
            self.console.notice("Nothing was erased.")
            return
        remaining = await self.engine.wipe()
        for problem in remaining:
            self.console.error(problem)
        self.console.notice(
            "peertui's data on this computer is erased."
            if not remaining
            else "Some data could not be erased; see above."
        )
        raise Quit

    def _warn_moderators_before_wipe(self) -> None:
        groups = [g for g in self.engine.groups() if g.state == "active"]
        owned = [g.name for g in groups if g.role == "owner"]
        moderated = [g.name for g in groups if g.role == "moderator"]
        if owned:
            self.console.notice(
                f"You own {', '.join(owned)}. After erasing, no one can promote or demote "
                "moderators there any more, and a group on the relay inside this program closes "
                "for everyone. /promote <nick> first if someone should carry on moderating."
            )
        if moderated:
            self.console.notice(
                f"You moderate {', '.join(moderated)}. After erasing, you can no longer approve "
                "join requests or moderate there; the other moderators carry on."
            )

    async def cmd_quit(self, argument: str) -> None:
        self.console.notice("Goodbye.")
        raise Quit

    # ----------------------------------------------------------------------- personal ignores

    async def cmd_ignore(self, argument: str) -> None:
        kind, _, word = self._need(argument, "/ignore <nick> | /ignore word <w>").partition(" ")
        if kind.lower() == "word" and word.strip():
            self.engine.ignore_word(word.strip())
            self.console.notice(
                f"You hid messages containing '{word.strip()}' (for you only); "
                f"/unignore word {word.strip()} shows them again."
            )
            return
        member = self.engine.ignore_member(self._group(), argument)
        self.console.notice(
            f"You hid {member.nick}'s messages (for you only); /unignore {member.nick} shows them again."
        )

    async def cmd_unignore(self, argument: str) -> None:
        kind, _, word = self._need(argument, "/unignore <nick> | /unignore word <w>").partition(" ")
        hidden_members, hidden_words = self.engine.hidden(self._group())
        if kind.lower() == "word" and word.strip():
            if word.strip().casefold() not in hidden_words:
                raise UsageError(f"'{word.strip()}' is not a hidden word.")
            self.engine.unignore(word.strip())
            self.console.notice(f"Messages containing '{word.strip()}' are shown again.")
            return
        wanted = argument.casefold()
        matches = [
            m
            for m in hidden_members
            if m.nick.casefold() == wanted or m.member_id.startswith(wanted)
        ]
        if len(matches) != 1:
            raise UsageError(f"You have not hidden anyone called '{argument}' in this group.")
        self.engine.unignore(matches[0].key)
        self.console.notice(f"Messages from {matches[0].nick} are shown again.")

    # ----------------------------------------------------------------------- moderation
    # Each action is confirmed by the engine's own ModAction event, printed once by on_event.

    async def cmd_report(self, argument: str) -> None:
        number, _, reason = argument.partition(" ")
        usage = "/report <n> <reason>"
        if not reason.strip():
            raise UsageError(f"Usage: {usage}; the reason helps the moderators.")
        group_id, msg_id = self._message_by_number(number, usage)
        await self.engine.report(group_id, msg_id, reason.strip())
        self.console.notice(
            f"Reported message #{number.lstrip('#')} to the moderators. Its author is not told who reported it."
        )

    async def cmd_warn(self, argument: str) -> None:
        who, _, reason = argument.partition(" ")
        if not who or not reason.strip():
            raise UsageError("Usage: /warn <nick> <reason>")
        await self.engine.warn(self._group(), who, reason.strip())

    async def cmd_mute(self, argument: str) -> None:
        usage = "Usage: /mute <nick> <minutes> [reason], for example /mute sam 30 cooling off"
        who, minutes_text, reason = (argument.split(" ", 2) + ["", ""])[:3]
        try:
            minutes = int(minutes_text)
        except ValueError:
            raise UsageError(usage) from None
        if not who or minutes <= 0:
            raise UsageError(usage)
        await self.engine.mute(self._group(), who, minutes, reason.strip())

    async def cmd_unmute(self, argument: str) -> None:
        who = self._need(argument, "/unmute <nick>")
        await self.engine.unmute(self._group(), who)

    async def cmd_remove(self, argument: str) -> None:
        who, _, reason = self._need(argument, "/remove <nick> [reason]").partition(" ")
        await self.engine.remove(self._group(), who, reason.strip())

    async def cmd_ban(self, argument: str) -> None:
        who, _, reason = self._need(argument, "/ban <nick> [reason]").partition(" ")
        group_id = self._group()
        await self.engine.ban(group_id, who, reason.strip())
        answer = await self.ask("Also cancel open invites so they cannot ask again? (y/n)")
        if (answer or "").strip().lower() in ("y", "yes"):
            cancelled = await self.engine.revoke_invites(group_id)
            self.console.notice(
                f"Cancelled {cancelled} open invite(s) of {self._name(group_id)}; "
                "/invite makes a new one."
            )
        else:
            self.console.notice("Open invites stay valid.")

    async def cmd_delete(self, argument: str) -> None:
        number, _, reason = argument.partition(" ")
        usage = "/delete <n> <reason>"
        if not reason.strip():
            raise UsageError(f"Usage: {usage}; members see the reason.")
        group_id, msg_id = self._message_by_number(number, usage)
        await self.engine.delete_message(group_id, msg_id, reason.strip())

    async def cmd_slowmode(self, argument: str) -> None:
        text = self._need(argument, "/slowmode <seconds>")
        if not text.isdigit():
            raise UsageError("Usage: /slowmode <seconds>, a whole number; 0 turns slow mode off.")
        await self.engine.set_slowmode(self._group(), int(text))

    async def cmd_readonly(self, argument: str) -> None:
        choice = argument.strip().lower()
        if choice not in ("on", "off"):
            raise UsageError("Usage: /readonly on|off")
        await self.engine.set_readonly(self._group(), choice == "on")

    async def cmd_promote(self, argument: str) -> None:
        who = self._need(argument, "/promote <nick>")
        await self.engine.promote(self._group(), who)

    async def cmd_demote(self, argument: str) -> None:
        who = self._need(argument, "/demote <nick>")
        await self.engine.demote(self._group(), who)

    async def cmd_reports(self, argument: str) -> None:
        from datetime import datetime

        group_id = self._group()
        reports = self.engine.reports(group_id)  # NotAllowed for members: an error line
        if not reports:
            self.console.notice("No reports.")
        for number, report in enumerate(reports, start=1):
            when = datetime.fromtimestamp(report.ts / 1000).strftime("%Y-%m-%d %H:%M")
            shown = self.book.shown_number(group_id, report.msg_id)
            which = f"message #{shown}" if shown else "a message"
            self.console.output(
                f"{number}. {when} report about {which} by {report.reported_nick} "
                f"(id {report.reported_member_id}): {report.reason}"
            )
            self.console.output(f"The message: {report.text}")
            for context in report.context:
                self.console.output(f"Before it: {context}")
        if reports:
            self.console.notice("/dismiss <n> takes a report you have dealt with off the list.")

    async def cmd_dismiss(self, argument: str) -> None:
        group_id = self._group()
        reports = self.engine.reports(group_id)
        text = self._need(argument, "/dismiss <n>").lstrip("#")
        if not text.isdigit() or not 1 <= int(text) <= len(reports):
            raise UsageError(f"There is no report {text}; /reports lists them with numbers.")
        report = reports[int(text) - 1]
        self.engine.dismiss_report(group_id, report.report_id)
        self.console.notice(
            f"Dismissed report {text} (about {report.reported_nick}'s message: {report.reason}); "
            "the other reports are renumbered."
        )

    async def cmd_warnings(self, argument: str) -> None:
        from datetime import datetime

        warnings = self.engine.my_warnings(self._group())
        if not warnings:
            self.console.notice("No moderator has warned you in this group.")
        for ts, reason in warnings:
            when = datetime.fromtimestamp(ts / 1000).strftime("%Y-%m-%d %H:%M")
            self.console.output(f"{when} a moderator warned you: {reason}")

    async def cmd_modlog(self, argument: str) -> None:
        entries = self.engine.modlog(self._group())
        if not entries:
            self.console.notice("The moderation log is empty.")
        for entry in entries:
            self.console.output(modlog_text(entry))


def modlog_text(entry: ModLogEntry) -> str:
    """One moderation log entry in words; identical for every member who reads it."""
    from datetime import datetime

    when = datetime.fromtimestamp(entry.ts / 1000).strftime("%Y-%m-%d %H:%M")
    parts: list[Any] = [
        f"{entry.index}. {when} {entry.actor_nick} ({entry.actor_role}) {entry.action}"
    ]
    if entry.target_nick:
        parts.append(entry.target_nick)
    if entry.until:
        parts.append(
            "until " + datetime.fromtimestamp(entry.until / 1000).strftime("%Y-%m-%d %H:%M")
        )
    if entry.detail:
        parts.append(entry.detail)
    if entry.action == "warn" and not entry.reason:
        parts.append("(the reason went to them privately)")
    text = " ".join(parts)
    return f"{text}: {entry.reason}" if entry.reason else text
