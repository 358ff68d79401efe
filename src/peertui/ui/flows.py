"""Flows that ask typed questions: joining, sending, confirmations, the safety plan, wiping.

A flow never prints and never reads: it hands a `Question` to the front-end's `ask` and says
`Line`s through `say`. Each question names its choices; `judge` decides, the same way for both
front-ends, whether what was typed answers it. What does not answer is refused in words and
the question is asked again, and text that is clearly meant for the group is kept as a draft
(`Refusal.keep`), so nothing typed is ever dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from peertui.config import interface_language
from peertui.i18n import N_, NP_, _, pgettext
from peertui.ui.problems import leftover
from peertui.ui.problems import problem as worded
from peertui.ui.wording import (
    ACCEPT_BEFORE_POSTING,
    Line,
    error,
    group_name,
    guideline_lines,
    join_list,
    ngettext,
    notice,
    output,
)

if TYPE_CHECKING:
    from peertui.core.engine import Engine
    from peertui.core.models import GroupInfo
    from peertui.wellbeing.safety_plan import SafetyPlan


@dataclass(frozen=True)
class Choice:
    """One answer to a question. `word` is its id and what Answer.choice says ("yes"); people
    type `typed`, the word in the interface language ("sí"), or the English word, or an alias.
    `means` (a msgid) is what it does, for a button: "Send anyway"."""

    word: str
    means: str = ""
    aliases: tuple[str, ...] = ()
    exact: bool = False  # must be typed exactly as written (ERASE)

    @property
    def typed(self) -> str:
        return pgettext("answer", self.word)

    @property
    def label(self) -> str:
        return _(self.means) if self.means else self.typed

    def matches(self, typed: str) -> bool:
        if self.exact:
            return typed in (self.word, self.typed)
        short = (*self.aliases, *(pgettext("short answer", a) for a in self.aliases))
        return fold_answer(typed) in {fold_answer(w) for w in (self.word, self.typed, *short)}


def fold_answer(typed: str) -> str:
    """An answer word as compared: case and accents do not count, so "si", "SÍ" and "sí" are
    the same answer, and so are "nao" and "não" (people type without dead keys)."""
    decomposed = unicodedata.normalize("NFD", typed.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# TRANSLATORS: the typed answers (context "answer") are single words people type to answer a
# question; "short answer" is the one-letter form of the same answer.
ANSWER_WORDS = (
    NP_("answer", "yes"),
    NP_("answer", "no"),
    NP_("answer", "edit"),
    NP_("answer", "remove"),
    NP_("answer", "ERASE"),
    NP_("short answer", "y"),
    NP_("short answer", "n"),
    NP_("short answer", "e"),
    NP_("short answer", "r"),
)

YES = Choice("yes", N_("Yes"), ("y",))
NO = Choice("no", N_("No"), ("n",))


@dataclass(frozen=True)
class Question:
    """What to ask. `text` is the question without its question mark; `render()` adds the
    choices and the mark. A question with no choices takes free text, which becomes
    `purpose` ("your nickname", "an entry of your plan")."""

    text: str
    choices: tuple[Choice, ...] = ()
    purpose: str = ""
    blank_ok: bool = False  # an empty answer is an answer (finishes a plan step)
    context: tuple[str, ...] = ()  # said before the question, once
    secret: bool = False
    # Free text only: what the TUI's field starts with (plain mode says it in `text` instead),
    # and a rule the typed text must meet, the same in both front-ends.
    prefill: str = ""
    check: Callable[[str], Refusal | None] | None = field(default=None, compare=False)

    def render(self) -> str:
        if self.choices:
            return f"{self.text}: {join_list(c.typed for c in self.choices)}?"
        return f"{self.text}?"

    @property
    def free_text(self) -> bool:
        return not self.choices


@dataclass(frozen=True)
class Answer:
    text: str  # as typed, stripped
    choice: str = ""  # the choice's word; "" for free text


@dataclass(frozen=True)
class Refusal:
    """Not an answer: `line` says why; `keep` is text to keep as a draft (never dropped)."""

    line: Line
    keep: str = ""


class Cancelled(Exception):
    """The person closed the question (/cancel, Escape) or input ended (`ended`)."""

    def __init__(self, ended: bool = False) -> None:
        super().__init__("cancelled")
        self.ended = ended


def judge(question: Question, typed: str) -> Answer | Refusal:
    """Does this line answer the question? The rule both front-ends follow."""
    text = typed.strip()
    if question.free_text:
        if not text and not question.blank_ok:
            return Refusal(error(_("An answer is needed here. Type it, or /cancel.")))
        refused = question.check(text) if question.check is not None else None
        return refused or Answer(text)
    for choice in question.choices:
        if choice.matches(text):
            return Answer(text, choice.word)
    words = join_list((c.typed for c in question.choices), "or")
    if not text:
        return Refusal(error(_("Type {words}, or /cancel.").format(words=words)))
    # Anything else may well be a reply to the group typed while the question was open: it
    # is printed back word for word, kept as a draft when it reads like a message (two words
    # or more), and the question is asked again.
    return Refusal(
        error(
            _(
                "That is not one of the choices ({words}), so it was not taken as the "
                "answer: {text}"
            ).format(words=words, text=text)
        ),
        keep=text if len(text.split()) >= 2 else "",
    )


def is_it_for(question: Question, text: str) -> Question:
    """Asked when a free-text answer came after something arrived while the question was
    open: was the line meant for the question, or a reply to the group?"""
    return Question(
        _('Is "{text}" {purpose} (yes), or a message to keep as a draft (no)').format(
            text=text, purpose=question.purpose or _("your answer")
        ),
        (YES, NO),
    )


class Prompter(Protocol):
    """What a front-end gives a flow: a way to ask and a way to say."""

    async def ask(self, question: Question) -> Answer:
        """Ask until answered; raises Cancelled."""
        ...

    def say(self, line: Line) -> None: ...

    async def waiting_line(self, accept: Callable[[str], bool]) -> str | None:
        """The next line already typed or pasted but not yet read, taken only when `accept`
        says it is wanted (it stays to be read otherwise); None when there is none. A paste
        over several lines reaches plain mode as several lines; the TUI reads a paste whole
        and has none."""
        ...


async def confirm(ui: Prompter, text: str, *context: str) -> bool:
    answer = await ui.ask(Question(text, (YES, NO), context=context))
    return answer.choice == "yes"


# ----------------------------------------------------------------------------- sending

DETAIL_WORDS = {
    "phone": N_("a phone number"),
    "email": N_("an e-mail address"),
    "address": N_("a street address"),
    "name_place": N_("your name with a place"),
    "handle": N_("a social media handle"),
    "school": N_("a school"),
}
# The reason a report of a possible cry for help carries unless the reader writes one: the
# note under such a message promises that r (TUI) or /report N (plain) is all it takes.
CRY_FOR_HELP_REPORT = N_("The writer may be in crisis and need support.")


def default_report_reason(message: object) -> str:
    """ "" for an ordinary message; the cry-for-help reason for one shown with the care note."""
    extra = getattr(message, "extra", None)
    return _(CRY_FOR_HELP_REPORT) if isinstance(extra, dict) and extra.get("care") else ""


HOW_TO_SET_COUNTRY = N_("type /set country and its name, for example /set country Mexico")
CARE_NOTICE = N_(
    "/crisis lists crisis lines, /plan shows your safety plan, /ground starts a grounding "
    "exercise, /ground urge helps ride out an urge. Your message is being sent."
)


def care_lines(assessment: object, settings_country: str, settings_language: str) -> list[str]:
    """The after-send offer, fitted to the moment: the most urgent tier leads with the
    emergency number and the country's top line; worry about someone else gets the guide."""
    from peertui.wellbeing import crisis, responses
    from peertui.wellbeing.detect import Assessment

    assert isinstance(assessment, Assessment)
    choice = crisis.choose_country(settings_country)
    country = crisis.load_directory().get(choice.iso2) if choice.iso2 else None
    offer = responses.after_send_offer(assessment, country, interface_language(settings_language))
    lines = list(offer.lines)
    if choice.guessed and country is not None:
        # The numbers above are the locale's guess: never a silent one (someone elsewhere
        # must not be shown 911 and 988 with no hint).
        lines.append(crisis.guess_line(country, _(HOW_TO_SET_COUNTRY)))
    if not offer.about_someone_else:
        lines.append(_(CARE_NOTICE))
    return lines


@dataclass
class SendFlow:
    """Check a message for personal details (asking first), then send it.

    `run` returns the text that was sent, or None when the person kept it back (then the text
    is in `kept`, for the front-end to keep as a draft)."""

    engine: Engine
    group_id: str
    text: str
    cw: str = ""
    kept: str = ""

    async def run(self, ui: Prompter) -> str | None:
        from peertui.ui.assessing import assess_draft

        # Whether this member may post now is asked first: nothing below may say "Your
        # message is being sent" about a message that cannot go (muted, read-only, waiting).
        if not await self._may_post(ui):
            self.kept = self.text
            return None
        text = self.text
        while True:
            settings = self.engine.settings
            assessment = await assess_draft(text, settings.language, settings.country)
            if assessment is None or not assessment.personal:
                break
            kinds = sorted(
                {
                    _(DETAIL_WORDS[d.kind]) if d.kind in DETAIL_WORDS else d.kind
                    for d in assessment.personal
                }
            )
            try:
                answer = await ui.ask(
                    Question(
                        # The question (Spanish opens it with ¿), not the button's label.
                        pgettext("question", "Send anyway"),
                        (
                            Choice("yes", N_("Send anyway"), ("y",)),
                            Choice("edit", N_("Edit"), ("e",)),
                            Choice("remove", N_("Remove the details"), ("r",)),
                            Choice("no", N_("Keep it back"), ("n",)),
                        ),
                        context=(
                            _(
                                "Your message seems to include {kinds}, which could identify you."
                            ).format(kinds=join_list(kinds, "and")),
                        ),
                    )
                )
                if answer.choice == "edit":
                    edited = await ui.ask(
                        Question(
                            _("What should the message say instead"), purpose=_("the new message")
                        )
                    )
                    text = edited.text
                    continue
            except Cancelled:
                answer = Answer("no", "no")
            if answer.choice == "yes":
                break
            if answer.choice == "remove":
                for detail in assessment.personal:
                    text = text.replace(detail.text, "[removed]")
                break
            self.kept = text
            ui.say(notice(_("Not sent. Kept as your draft: {text}").format(text=text)))
            return None
        if assessment is not None and assessment.tier >= 1:
            for line in care_lines(assessment, settings.country, settings.language):
                ui.say(notice(line))
        await self.engine.send(self.group_id, text, cw=self.cw)
        return text

    async def _may_post(self, ui: Prompter) -> bool:
        """True when the message may go now. Guidelines not yet accepted are shown and asked
        about here (as the TUI's dialog does); a refusal of any other kind is raised, in words."""
        from peertui.core.errors import GuidelinesNotAccepted

        try:
            self.engine.check_can_post(self.group_id)
            return True
        except GuidelinesNotAccepted:
            pass
        if not await accept_group_guidelines(self.engine, self.group_id, ui):
            ui.say(
                notice(
                    _(
                        "Not sent: posting needs the guidelines accepted. Kept as your draft: {text}"
                    ).format(text=self.text)
                )
            )
            return False
        self.engine.check_can_post(self.group_id)  # muted or read-only is still said in words
        return True


# ----------------------------------------------------------------------------- guidelines
#
# One rule for both front-ends: where a member stands with a group's guidelines, what approval
# says about them, and what accepting says. Before, plain mode told a member who had just
# accepted the (same) guidelines at /join to type /accept, and /accept while still waiting for
# approval said "you can post".

GuidelinesStep = Literal["none", "accepted", "to_accept", "waiting"]


def guidelines_step(info: GroupInfo) -> GuidelinesStep:
    """ "waiting": not approved yet (the group's guidelines come with approval); "none": the
    group has none; "accepted": the ones now in force were accepted (at /join, when they are
    the general ones, or later); "to_accept": they must be accepted before posting."""
    if info.state == "pending":
        return "waiting"
    if not info.guidelines.strip():
        return "none"
    return "accepted" if info.guidelines_accepted else "to_accept"


def approval_lines(info: GroupInfo) -> list[Line]:
    """Said after "You are now a member": the group's guidelines and how to accept them, but
    only when they are not the ones already accepted at /join."""
    if guidelines_step(info) != "to_accept":
        return []
    return [*guideline_lines(info.guidelines), notice(_(ACCEPT_BEFORE_POSTING))]


def accept_now(engine: Engine, group_id: str) -> Line:
    """/accept (the TUI's accept button): record the acceptance when there is something to
    accept, and say what it means now: "you can post" only when the member can."""
    from peertui.core.errors import PeertuiError

    info = engine.group(group_id)
    step = guidelines_step(info)
    if step == "waiting":
        return notice(
            _(
                "Your request to join {name} is still waiting for a moderator's approval. "
                "You accepted the general guidelines when you asked; if the group's own differ, "
                "they are shown when you are approved."
            ).format(name=group_name(info.name))
        )
    if step == "none":
        said = _("{name} has no guidelines of its own to accept.").format(
            name=group_name(info.name)
        )
    else:
        engine.accept_guidelines(group_id)
        said = _("You accepted the guidelines of {name}.").format(name=group_name(info.name))
    try:
        engine.check_can_post(group_id)
    except PeertuiError as problem:  # muted, read-only: still true, and said
        return notice(f"{said} {worded(problem)}")
    return notice(f"{said} {_('You can post.')}")


async def accept_group_guidelines(engine: Engine, group_id: str, ui: Prompter) -> bool:
    """Show a group's guidelines and ask whether they are accepted; accepting is recorded."""
    info = engine.group(group_id)
    for line in guideline_lines(
        info.guidelines, _("Guidelines of {name}:").format(name=group_name(info.name))
    ):
        ui.say(line)
    if not await confirm(ui, _("Do you accept this group's guidelines")):
        return False
    engine.accept_guidelines(group_id)
    ui.say(
        notice(
            _("You accepted the guidelines of {name}; you can post.").format(
                name=group_name(info.name)
            )
        )
    )
    return True


# ----------------------------------------------------------------------------- joining


@dataclass
class JoinFlow:
    """Read the general guidelines, accept them, choose a nickname, ask to join."""

    engine: Engine
    invite: str
    nick: str = ""

    async def run(self, ui: Prompter) -> str | None:
        """The group id asked to join, or None when the person stopped."""
        from peertui.core.moderation import default_guidelines
        from peertui.core.payloads import clean_nick

        await self._whole_invite(ui)  # a damaged invite is refused before anything
        nick = self.nick
        if nick:
            # A nickname typed with /join is checked now, not after the guidelines question:
            # refused at once, and another asked for here.
            nick = await self._nickname(ui, nick, clean_nick)
        accepted = default_guidelines()  # what is shown is what is accepted
        items = [line for line in accepted.splitlines() if line.strip()]
        ui.say(output(_("The general guidelines of every peertui group:")))
        for item in items:
            ui.say(output(item))
        if not await confirm(ui, _("Do you accept these guidelines")):
            ui.say(notice(_("Not joined: joining needs the guidelines accepted.")))
            return None
        if not nick:
            nick = await self._nickname(ui, "", clean_nick)
        group = await self.engine.join(self.invite, nick, accepted_guidelines=accepted)
        ui.say(
            notice(
                _(
                    "Asked to join as '{nick}'. A moderator has to approve you; you will see a line "
                    "here when they do."
                ).format(nick=group.nick)
            )
        )
        return group.group_id

    async def _nickname(self, ui: Prompter, nick: str, clean: Callable[[str], str]) -> str:
        """A nickname that can be used: `nick` if it can, else asked until one can."""
        from peertui.core.errors import PeertuiError

        while True:
            if not nick:
                nick = (
                    await ui.ask(
                        Question(
                            _("Nickname to use in this group (one word, or /cancel)"),
                            purpose=_("your nickname"),
                        )
                    )
                ).text
            try:
                return clean(nick)
            except PeertuiError as problem:
                ui.say(
                    error(_("{problem} Type another, or /cancel.").format(problem=worded(problem)))
                )
                nick = ""

    async def _whole_invite(self, ui: Prompter) -> None:
        """An invite pasted over several lines arrives as several lines: they are read as its
        pieces before anything is asked, so the rest is never taken for a message to the
        group; one still cut off asks once for the rest."""
        from peertui.core.crypto.invite import InviteFault
        from peertui.core.errors import InvalidInput, UnusableInvite

        asked = False
        for _piece in range(MAX_INVITE_PIECES + 1):
            try:
                self.engine.check_invite(self.invite)
                return
            except InvalidInput as problem:
                # The invite's fault says when it is cut off rather than damaged, and a
                # piece cut by a terminal's wrapping is a whole line wide; anything shorter is
                # simply not an invite.
                cut_off = isinstance(problem, UnusableInvite) and problem.fault in (
                    InviteFault.TRUNCATED,
                    InviteFault.INCOMPLETE_OR_DAMAGED,
                )
                if not cut_off or len(self.invite) < MIN_WRAPPED_PIECE:
                    raise
            piece = await ui.waiting_line(looks_like_invite_piece)
            if piece is not None:
                self._add_piece(piece)
                continue
            if asked:
                break
            rest = await ui.ask(
                Question(
                    _("The invite looks cut off. Paste the rest of it (or /cancel)"),
                    purpose=_("the rest of the invite"),
                )
            )
            asked = True
            self._add_piece(rest.text)
        self.engine.check_invite(self.invite)

    def _add_piece(self, text: str) -> None:
        """A piece of the invite; a word after it on the same line is the nickname."""
        piece, _sep, nick = text.strip().partition(" ")
        self.invite += piece
        if nick.strip() and not self.nick:
            self.nick = nick.strip()


def looks_like_invite_piece(line: str) -> bool:
    """A line that can be a piece of a wrapped invite: one word of the invite's letters
    (base64url), perhaps followed by the nickname; never a command or a sentence."""
    words = line.split()
    return 1 <= len(words) <= 2 and re.fullmatch(r"[A-Za-z0-9_-]+", words[0]) is not None


MAX_INVITE_PIECES = 4
MIN_WRAPPED_PIECE = 40  # characters: no usable terminal wraps an invite narrower than this


# ----------------------------------------------------------------------------- moderation


async def ban(ui: Prompter, engine: Engine, group_id: str, who: str, reason: str) -> None:
    """Ban, then offer to cancel the open invites so the person cannot ask again."""
    if await engine.ban(group_id, who, reason):
        ui.say(
            notice(
                _(
                    "{who} had only asked to join: the request is denied and they are banned."
                ).format(who=who)
            )
        )
    # The ban has already taken effect: the question is only about invites, and says so, so
    # that "no" is never read as "do not ban".
    if await confirm(
        ui,
        _("Also cancel the group's open invites, so they cannot ask again"),
        _("The ban is done; this only decides what happens to open invites."),
    ):
        cancelled = await engine.revoke_invites(group_id)
        ui.say(
            notice(
                ngettext(
                    "Cancelled {n} open invite; /invite makes a new one.",
                    "Cancelled {n} open invites; /invite makes a new one.",
                    cancelled,
                ).format(n=cancelled)
            )
        )
    else:
        ui.say(notice(_("Open invites stay valid.")))


async def leave(ui: Prompter, engine: Engine, group_id: str) -> bool:
    name = group_name(engine.group(group_id).name)
    if not await confirm(
        ui,
        _("Leave {name}").format(name=name),
        _("You would need a new invite to come back."),
        _("Its history stays on this device unless you delete it (the next question)."),
    ):
        ui.say(notice(_("Stayed in {name}.").format(name=name)))
        return False
    await engine.leave(group_id)  # the engine's own notice says "You left ..."
    await offer_to_forget(ui, engine, group_id, name)
    return True


async def offer_to_forget(ui: Prompter, engine: Engine, group_id: str, name: str) -> bool:
    """After leaving: delete the group's history from this device too, if the person wants."""
    if not await confirm(
        ui,
        _("Also delete {name}'s history from this device").format(name=name),
        _(
            "Its messages, drafts, keys and search entries are erased from this device; other "
            "members keep their own copies. This cannot be undone. No keeps it (/leave again "
            "asks again)."
        ),
    ):
        ui.say(notice(_("{name}'s history stays on this device.").format(name=name)))
        return False
    await engine.forget_group(group_id)
    ui.say(notice(_("Deleted {name} and its history from this device.").format(name=name)))
    return True


async def edit_guidelines(ui: Prompter, engine: Engine, group_id: str) -> bool:
    """Type new guidelines, one item per answer; an empty answer finishes; then publish."""
    ui.say(
        output(
            _(
                "Type the new guidelines, one item per line; an empty line finishes; /cancel keeps the old ones."
            )
        )
    )
    items: list[str] = []
    while True:
        answer = await ui.ask(
            Question(
                _("Guideline {n} (an empty line finishes)").format(n=len(items) + 1),
                purpose=_("a guideline"),
                blank_ok=True,
            )
        )
        if not answer.text:
            break
        items.append(answer.text)
    if not items:
        ui.say(notice(_("No guidelines typed; the old ones stay.")))
        return False
    if not await confirm(
        ui,
        _("Publish these {n} guidelines; every member reads and accepts them again").format(
            n=len(items)
        ),
    ):
        ui.say(notice(_("The old guidelines stay.")))
        return False
    await engine.set_guidelines(group_id, "\n".join(items))
    ui.say(notice(_("The new guidelines are published.")))
    return True


# ----------------------------------------------------------------------------- your data


async def may_replace(ui: Prompter, path: Path, what: str) -> bool | None:
    """False: the file is new; True: the person agreed to replace it; None: keep it."""
    if not path.is_file():
        return False
    if await confirm(
        ui, _("{path} already exists. Replace it with {what}").format(path=path, what=what)
    ):
        return True
    ui.say(notice(_("Nothing was written.")))
    return None


ERASE = Choice("ERASE", N_("Erase everything"), exact=True)


def wipe_warnings(engine: Engine) -> list[str]:
    groups = [g for g in engine.groups() if g.state == "active"]
    owned = [group_name(g.name) for g in groups if g.role == "owner"]
    moderated = [group_name(g.name) for g in groups if g.role == "moderator"]
    lines = []
    if owned:
        lines.append(
            _(
                "You own {names}. After erasing, no one can promote or demote moderators there any "
                "more, and a group on the relay inside this program closes for everyone. /promote "
                "<nick> first if someone should carry on moderating."
            ).format(names=", ".join(owned))
        )
    if moderated:
        lines.append(
            _(
                "You moderate {names}. After erasing, you can no longer approve join requests or "
                "moderate there; the other moderators carry on."
            ).format(names=", ".join(moderated))
        )
    return lines


async def wipe(ui: Prompter, engine: Engine) -> bool:
    """Erase everything after an exact ERASE; True when erased (the front-end then ends)."""
    for line in wipe_warnings(engine):
        ui.say(notice(line))
    answer = await ui.ask(
        Question(
            _("Erase every group, message, key and your safety plan on this computer"),
            (ERASE, NO),
        )
    )
    if answer.choice != "ERASE":
        ui.say(notice(_("Nothing was erased.")))
        return False
    remaining = await engine.wipe()
    for item in remaining:
        ui.say(error(leftover(item)))
    ui.say(
        notice(
            _("peertui's data on this computer is erased.")
            if not remaining
            else _("Some data could not be erased; see above.")
        )
    )
    return True


# ----------------------------------------------------------------------------- safety plan


@dataclass
class PlanEdit:
    """Walk the steps of the safety plan (wellbeing.safety_plan.STEP_IDS). `run` returns the new plan, or None after
    /cancel; `ended` is set when input ended part-way (what was typed is kept)."""

    plan: SafetyPlan
    ended: bool = False
    entries: dict[str, list[str]] = field(default_factory=dict)

    async def run(self, ui: Prompter) -> SafetyPlan | None:
        from peertui.i18n import current_language
        from peertui.wellbeing import safety_plan

        self.entries = {step_id: list(items) for step_id, items in self.plan.entries.items()}
        # The steps in the language the rest of the screen speaks (not always English).
        steps = safety_plan.steps(current_language())
        for number, step in enumerate(steps, start=1):
            ui.say(
                notice(
                    _("Step {n} of {total}: {title}").format(
                        n=number, total=len(steps), title=step.title
                    )
                )
            )
            ui.say(output(step.prompt))
            current = self.entries.get(step.id, [])
            if current:
                ui.say(output(_("Now: {entries}").format(entries="; ".join(current))))
                ui.say(
                    output(
                        _(
                            "An empty line keeps these, a single - empties the step, anything else replaces them."
                        )
                    )
                )
            typed: list[str] = []
            while True:
                try:
                    answer = await ui.ask(
                        Question(
                            _("Entry (an empty line finishes this step)")
                            if typed or not current
                            else _("Entry, or an empty line to keep what is there"),
                            purpose=_("an entry of your safety plan"),
                            blank_ok=True,
                        )
                    )
                except Cancelled as stop:
                    if not stop.ended:
                        return None
                    self.ended = True
                    if typed:
                        self.entries[step.id] = typed
                    return safety_plan.SafetyPlan(entries=self.entries)
                if not answer.text:
                    break
                if answer.text == "-" and not typed:
                    self.entries[step.id] = []
                    break
                typed.append(answer.text)
            if typed:
                self.entries[step.id] = typed
        return safety_plan.SafetyPlan(entries=self.entries)


Say = Callable[[Line], None]
Ask = Callable[[Question], Awaitable[Answer]]
