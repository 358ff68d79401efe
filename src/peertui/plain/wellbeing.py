"""/crisis, /ground and the locked prompt's safety commands: no network, no group, no store.

These run at every prompt, the passphrase question included, so they take only the console,
the line reader and the settings read from config.toml.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from peertui.i18n import N_, ngettext
from peertui.plain.reader import Pasted
from peertui.ui.wording import _

if TYPE_CHECKING:
    from peertui.config import Settings
    from peertui.plain.console import Console
    from peertui.plain.reader import LineReader
    from peertui.wellbeing.grounding import Exercise, Step

# Tests (and impatient demos) shorten the pauses between grounding steps; nothing else is scaled.
TIME_SCALE_ENV = "PEERTUI_TIME_SCALE"
# What may be typed at a question before anything is unlocked.
LOCKED_IDS = frozenset(
    {"peertui.crisis", "peertui.grounding", "peertui.safety_plan", "peertui.quick_exit",
     "peertui.help", "peertui.quit", "peertui.stop", "peertui.cancel"}
)  # fmt: skip


SOMEONE_WORDS = ("someone", "alguien", "helping")
SOMEONE_HINT = N_("Worried someone you know may be in danger? /crisis someone shows how to help.")


def someone_else_lines(code: str, settings_country: str) -> list[str]:
    """`/crisis someone [CC]`: how to help someone who may be in danger, with their numbers."""
    from peertui.i18n import current_language
    from peertui.wellbeing import crisis, responses

    # A name or a code, as /crisis takes; what names no country is refused in words.
    choice = crisis.choose_country(settings_country, crisis.asked_country(code))
    country = crisis.load_directory().get(choice.iso2) if choice.iso2 else None
    return responses.someone_else_guide(country, current_language())


CHOOSE_COUNTRY = N_(
    "type /crisis and a country's name or two-letter code, for example /crisis {example}"
)


def crisis_lines(argument: str, settings_country: str, width: int | None) -> list[str]:
    """`/crisis [CC] [more]`: the short form fits 8 lines; `more` adds everything."""
    from peertui.ui.screenfuls import crisis_short
    from peertui.wellbeing import crisis

    words = argument.split()
    if words and words[0].casefold() in SOMEONE_WORDS:
        return someone_else_lines(" ".join(words[1:]), settings_country)
    more = bool(words) and words[-1].casefold() == "more"
    if more:
        words = words[:-1]
    code = crisis.asked_country(" ".join(words))  # a code or a name: "GB", "united kingdom"
    choice = crisis.choose_country(settings_country, code)
    if choice.how == "none":
        return crisis.no_country_lines(_(CHOOSE_COUNTRY).format(example=crisis.other_example("")))
    code = choice.iso2
    if not crisis.is_country_code(code):
        return crisis.unlisted_country_lines(crisis.not_a_country(code))
    country = crisis.load_directory().get(code)
    if country is None:
        return crisis.unlisted_country_lines(
            _("peertui's offline crisis directory has no lines for {code} yet.").format(code=code)
        )
    lines = crisis.format_country(country, code) if more else crisis_short(country, width or 80)
    lines.append(_(SOMEONE_HINT))
    if choice.guessed:
        how = _(CHOOSE_COUNTRY).format(example=crisis.other_example(code))
        lines.insert(0, crisis.guess_line(country, how))
    return lines


PAUSE_WORDS = ("/pause", "pause")


def exercise_list(lang: str = "") -> list[str]:
    from peertui.config import interface_language
    from peertui.wellbeing import grounding

    language = interface_language(lang)
    lines = [f"{e.id} - {e.title}: {e.summary}" for e in grounding.list_exercises(language)]
    urge = grounding.urge_surfing(5, language)
    lines.append(f"urge - {urge.title}: {urge.summary} " + _("(/ground urge 15 for 15 minutes)"))
    lines.append(_("Type /ground <name> to start one, for example /ground box."))
    lines.append(
        _(
            "Your own pace: /ground box 2, 3 or 4 (seconds per count) or /ground box step "
            "(step by step). /pause pauses a timed step."
        )
    )
    return lines


def find_exercise(name: str, lang: str = "") -> Exercise:
    """`name` is an exercise id or title, then optionally a pace (2, 3, 4 or step), or for
    `urge` the minutes (5 or 15)."""
    from peertui.config import interface_language
    from peertui.wellbeing import grounding

    language = interface_language(lang)
    words = name.strip().lower().split()
    wanted, option = (words[0] if words else ""), (words[1] if len(words) > 1 else "")
    if wanted == "urge":
        return grounding.urge_surfing(int(option) if option.isdigit() else 5, language)
    for exercise in grounding.list_exercises(language):
        if (
            wanted in (exercise.id, exercise.title.lower())
            or name.strip().lower() == exercise.title.lower()
        ):
            if option in ("step", "paso"):
                return grounding.with_pace(exercise, None)
            if option.isdigit():
                return grounding.with_pace(exercise, int(option))
            return exercise
    names = ", ".join([*(e.id for e in grounding.list_exercises(language)), "urge"])
    raise ValueError(
        _("There is no exercise called '{name}'. The exercises are: {names}.").format(
            name=name.strip(), names=names
        )
    )


def pace_note(argument: str, exercise: Exercise) -> str:
    """What a chosen pace changes, said before the intro's default timings are read out."""
    from peertui.ui import urge
    from peertui.wellbeing import grounding

    words = argument.strip().lower().split()
    option = words[1] if len(words) > 1 and exercise.id != urge.URGE_ID else ""
    # The exercise as written, not as paced: step by step has taken every step's seconds away.
    written = next(
        (e for e in grounding.list_exercises(exercise.lang) if e.id == exercise.id), exercise
    )
    if option and not any(step.seconds for step in written.steps):
        # 5-4-3-2-1 has no clock: "counts of 3 seconds" would contradict its intro.
        return _("This exercise has no clock: every step waits for Enter.")
    if option in ("step", "paso"):
        return _("Step by step: every step waits for Enter, whatever the text says about seconds.")
    if option.isdigit():
        count = int(option)
        return ngettext(
            "Your pace: counts of {n} second; each step below says how long it lasts.",
            "Your pace: counts of {n} seconds; each step below says how long it lasts.",
            count,
        ).format(n=count)
    return ""


def time_scale() -> float:
    try:
        scale = float(os.environ.get(TIME_SCALE_ENV, "1"))
    except ValueError:
        return 1.0
    return scale if scale >= 0 else 1.0


def step_line(step: Step) -> str:
    """One grounding step: timed steps say how long, own-pace steps say how to go on."""
    if not step.seconds:
        return _("{text} (press Enter for the next step, /stop to stop)").format(text=step.text)
    timing = [
        ngettext("{n} second", "{n} seconds", int(step.seconds)).format(n=f"{step.seconds:g}"),
        *([step.round_label] if step.round_label else []),
    ]
    return f"{step.text} ({', '.join(timing)})"


async def ground(
    console: Console,
    reader: LineReader,
    argument: str,
    carry_on: Callable[[str], Awaitable[None]],
    lang: str = "",
    keep: Callable[[str], bool] = lambda text: False,
    country: str = "",
) -> None:
    """Run an exercise; a line typed to stop it (other than /stop) is then carried out by
    `carry_on`, so nothing typed during an exercise is lost.

    Text (not a command) typed at any step is never sent: someone grounding is not choosing to
    post. `keep` keeps it (as a draft, saying so; False when it could not) and the exercise
    goes on: an own-pace step is shown again, a timed one moves to the next step. During urge
    surfing a bare 0-10 is the rating the steps ask for: acknowledged, never kept; "no" at the
    last check-in ends with another round offered and `country`'s crisis numbers."""
    from peertui.ui import urge

    if not argument:
        for line in exercise_list(lang):
            console.output(line)
        return
    exercise = find_exercise(argument, lang)
    scale = time_scale()
    console.notice(_("{title}. Type /stop at any time to stop.").format(title=exercise.title))
    pace = pace_note(argument, exercise)
    if pace:
        console.notice(pace)
    for line in [exercise.intro, *exercise.cautions]:
        if line:
            console.output(line)
    steps = list(exercise.steps)
    index = 0
    while index < len(steps):
        step = steps[index]
        index += 1
        if step.check_in:
            answer = await _check_in(console, reader, step, keep)
            if answer is None:
                return
            if urge.has_passed(answer):
                index = next(
                    (i for i in range(len(steps)) if steps[i].round == 0 and i > index - 1),
                    len(steps),
                )
                continue
            if answer.strip().startswith("/") and not isinstance(answer, Pasted):
                # A command at the check-in (/crisis, say) is carried out, never taken for "no".
                console.notice(_("{title} stopped.").format(title=exercise.title))
                if _stop_id(answer) != "peertui.stop":
                    await carry_on(answer)
                return
            if not any(later.round for later in steps[index:]):  # the last wave: not yet
                for line in urge.not_passed_lines(country):
                    console.output(line)
                console.notice(_("{title} ended.").format(title=exercise.title))
                return
            continue
        console.output(step_line(step))
        stopping_line = await _pace_step(
            console, reader, step.seconds * scale if step.seconds else None
        )
        while stopping_line and (text := _typed_text(stopping_line)):
            value = urge.rating(text) if exercise.id == urge.URGE_ID else None
            if value is not None:
                console.notice(urge.rating_noted(value))
                stopping_line = None  # the rating is what the step asked for: go on
                break
            if not keep(text):
                console.notice(_("Not sent: nothing is sent while a grounding exercise runs."))
            if step.seconds:
                stopping_line = None  # a timed step goes on with the next one
                break
            console.output(step_line(step))
            stopping_line = await _pace_step(console, reader, None)
        if stopping_line is not None:
            console.notice(_("{title} stopped.").format(title=exercise.title))
            if stopping_line.strip() and _stop_id(stopping_line) != "peertui.stop":
                await carry_on(stopping_line)
            return
    console.notice(_("{title} finished. Well done.").format(title=exercise.title))


# An answer longer than this is taken for a message (kept as the draft, never sent) as well as
# for "not yet"; a short one ("not yet", "a bit") is only the answer.
ANSWER_WORDS = 3


async def _check_in(
    console: Console, reader: LineReader, step: Step, keep: Callable[[str], bool]
) -> str | None:
    """Ask "has the urge passed?"; anything but yes or a command means not yet. None when
    input ends."""
    console.question(_("{text} Yes or no?").format(text=step.text))
    answer = await reader.readline()
    console.input_received()
    if answer is None:
        return None
    words = answer.strip()
    typed_command = words.startswith("/") and not isinstance(answer, Pasted)
    if len(words.split()) > ANSWER_WORDS and not typed_command and not keep(words):
        console.notice(_("Not sent: nothing is sent while a grounding exercise runs."))
    return answer


def _stop_id(line: str) -> str:
    """The action id a typed line names ("" when it names none)."""
    from peertui.ui import commands

    if isinstance(line, Pasted):
        return ""  # a pasted line is never a command
    try:
        action = commands.parse(line).action
    except commands.CommandError:
        return ""
    return action.id if action is not None else ""


def _typed_text(line: str) -> str:
    """The message a line would send ("" for a command or an unknown command)."""
    from peertui.ui import commands

    if isinstance(line, Pasted):
        return str(line)
    try:
        parsed = commands.parse(line)
    except commands.CommandError:
        return ""
    return parsed.text if parsed.action is None else ""


async def _pace_step(console: Console, reader: LineReader, seconds: float | None) -> str | None:
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
            await asyncio.wait_for(reader.wait_for_line(), timeout=remaining)
        except TimeoutError:
            return None
        line = await reader.readline()
        console.input_received()
        if line is None:
            return ""
        if line.strip().lower() in PAUSE_WORDS and deadline is None:
            # An own-pace step already waits: /pause here is not a reason to stop the exercise.
            console.notice(_("This step waits for you: press Enter when you are ready, or /stop."))
            continue
        if line.strip().lower() in PAUSE_WORDS and deadline is not None:
            left = max(0.0, deadline - loop.time())
            console.notice(_("Paused. Press Enter to go on, or /stop to stop."))
            line = await reader.readline()
            console.input_received()
            if line is None:
                return ""
            if line.strip():
                return line
            deadline = loop.time() + left
            continue
        if line.strip():
            return line
        if deadline is None:
            return None


class QuickExit:
    """`/x` or Ctrl+\\ anywhere: the program ends at once and clears the screen behind it."""

    def __init__(self) -> None:
        self.requested = asyncio.Event()

    def __call__(self) -> None:
        self.requested.set()


async def locked_command(
    line: str,
    console: Console,
    reader: LineReader,
    settings: Settings,
    quick_exit: QuickExit,
) -> str | None:
    """Run a safety command typed before peertui is unlocked.

    Returns None when `line` is not such a command (so it is the answer, e.g. a passphrase
    that happens to start with a slash), else the action id that ran.
    """
    from peertui.ui import commands, screenfuls

    if not line.strip().startswith("/"):
        return None
    try:
        parsed = commands.parse(line)
    except commands.CommandError:
        return None
    action = parsed.action
    if action is None or action.id not in LOCKED_IDS:
        return None
    if action.id == "peertui.crisis":
        try:
            lines = crisis_lines(parsed.argument, settings.country, console.width())
        except ValueError as problem:
            console.error(str(problem))
        else:
            for text in lines:
                console.output(text)
    elif action.id == "peertui.grounding":

        async def nothing_more(typed: str) -> None:
            console.notice(_("Back at the question."))

        try:
            await ground(
                console,
                reader,
                parsed.argument,
                nothing_more,
                settings.language,
                country=settings.country,
            )
        except ValueError as problem:
            console.error(str(problem))
    elif action.id == "peertui.safety_plan":
        console.notice(
            _(
                "Your safety plan is kept encrypted on this computer, so it opens once the "
                "passphrase is given. /crisis and /ground work now."
            )
        )
    elif action.id == "peertui.help":
        for text in screenfuls.help_index():
            console.output(text)
    elif action.id == "peertui.quick_exit":
        quick_exit()
    elif action.id == "peertui.stop":
        console.notice(_("Nothing to stop: no grounding exercise is running."))
    return action.id
