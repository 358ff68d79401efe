"""Plain handlers for the wellbeing actions: crisis lines, grounding, the safety plan, quick
exit, help, and the words that close a question or an exercise."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from peertui.config import interface_language
from peertui.plain import wellbeing
from peertui.plain.registry import handles
from peertui.ui import actions, commands, flows, screenfuls
from peertui.ui.wording import _

if TYPE_CHECKING:
    from peertui.plain.session import PlainSession
    from peertui.wellbeing.safety_plan import SafetyPlan


@handles("peertui.crisis")
async def crisis(s: PlainSession, argument: str) -> None:
    lines = wellbeing.crisis_lines(argument, s.engine.settings.country, s.console.width())
    await s.show_output(lines)


@handles("peertui.grounding")
async def grounding(s: PlainSession, argument: str) -> None:
    await wellbeing.ground(
        s.console,
        s.reader,
        argument,
        s.handle,
        s.engine.settings.language,
        keep=lambda text: s.keep_draft(text, say=True),
        country=s.engine.settings.country,
    )


@handles("peertui.safety_plan")
async def safety_plan(s: PlainSession, argument: str) -> None:
    if argument:
        raise commands.UsageError(_("Usage: /plan, /plan edit or /plan export <file>"))
    from peertui.wellbeing import safety_plan as plans

    # The same plan the TUI shows: an empty professionals step lists the country's crisis lines.
    plan = plans.for_settings(s.engine.safety_plan(), s.engine.settings.country)
    await s.show_output(plans.format_lines(plan, interface_language(s.engine.settings.language)))


@handles("peertui.safety_plan_edit")
async def safety_plan_edit(s: PlainSession, argument: str) -> None:
    from peertui.wellbeing import safety_plan as plans

    # An empty professionals step starts with the country's crisis lines.
    edit = flows.PlanEdit(plans.for_settings(s.engine.safety_plan(), s.engine.settings.country))
    plan = await edit.run(s)
    if plan is None:
        s.console.notice(_("Edit cancelled; your safety plan is as it was."))
        return
    if not await _save_plan(s, plan):
        return
    s.console.notice(_("Safety plan saved (encrypted on this computer). /plan shows it."))
    if edit.ended:
        from peertui.plain.session import Quit

        raise Quit


@handles("peertui.safety_plan_export")
async def safety_plan_export(s: PlainSession, argument: str) -> None:
    action = actions.by_id("peertui.safety_plan_export")
    path = Path(commands.need(argument, action)).expanduser()
    overwrite = await flows.may_replace(s, path, _("your safety plan"))
    if overwrite is None:
        return
    written = s.engine.export_safety_plan(
        path, lang=interface_language(s.engine.settings.language), overwrite=overwrite
    )
    s.console.notice(
        _(
            "Safety plan written to {path}, readable only by you. That file is not encrypted."
        ).format(path=written)
    )


@handles("peertui.quick_exit")
async def quick_exit(s: PlainSession, argument: str) -> None:
    # Drafts are already saved; the app cancels everything, closes the engine and clears.
    s.quick_exit()


@handles("peertui.help")
async def help_(s: PlainSession, argument: str) -> None:
    lines = screenfuls.help_for(argument)
    if lines is None:
        suggestion = commands.suggest(argument.strip().lstrip("/").casefold())
        hint = " " + _("Did you mean /help {name}?").format(name=suggestion) if suggestion else ""
        raise commands.UsageError(
            _("There is no help topic or command '{name}'.{hint} /help lists the topics.").format(
                name=argument.strip(), hint=hint
            )
        )
    await s.show_output(lines)


@handles("peertui.stop")
async def stop(s: PlainSession, argument: str) -> None:
    s.console.notice(_("Nothing to stop: no grounding exercise is running."))


@handles("peertui.cancel")
async def cancel(s: PlainSession, argument: str) -> None:
    s.console.notice(_("Nothing to cancel: no question is waiting for an answer."))


async def _save_plan(s: PlainSession, plan: SafetyPlan) -> bool:
    """Save, and on a full disk keep the answers and offer to try again: typing seven steps
    again is too much to ask of anyone, least of all in a hard moment."""
    from peertui.core.store import StoreError
    from peertui.ui.problems import plan_not_saved

    while True:
        try:
            s.engine.save_safety_plan(plan)
            return True
        except StoreError as exc:
            s.console.error(plan_not_saved(exc, "plain"))
        if not await flows.confirm(s, _("Try saving your safety plan again")):
            s.console.notice(_("Your safety plan is as it was; what you wrote was not saved."))
            return False
