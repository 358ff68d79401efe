"""The personal safety plan: its steps to view, edit one at a time, and export as text.

The plan is stored encrypted through the engine; it needs no network and no group.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from peertui.config import interface_language
from peertui.core.store import StoreError
from peertui.i18n import N_, _
from peertui.paths import make_private_dir
from peertui.tui.typed import PeertuiNode, TranslatedKeys
from peertui.tui.widgets.footer import footer_widgets
from peertui.ui.problems import plan_not_saved
from peertui.ui.problems import problem as worded
from peertui.wellbeing import safety_plan


class SafetyPlanScreen(TranslatedKeys, PeertuiNode, Screen):
    HINT_LINE = "plan-status"  # notices are shown here, never as a toast over the plan
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Back")),
        Binding("enter", "edit", N_("Edit step"), show=True),
        Binding("ctrl+e", "export", N_("Export to file")),
    ]

    def __init__(self, then: str = "") -> None:
        super().__init__()
        self.plan: safety_plan.SafetyPlan | None = None
        self.then = then  # "edit" or "export": go on to it once the plan is shown
        # The step Enter was pressed on while the store was still opening (F3 works at once,
        # before it has): its editor opens as soon as the plan is read, not never.
        self._edit_when_open: int | None = None

    def compose(self) -> ComposeResult:
        yield Label(
            _("Your safety plan — private, stored encrypted on this computer."),
            classes="screen-title",
        )
        yield OptionList(id="plan-steps")
        yield Label("", id="plan-status", classes="status-line")
        yield from footer_widgets()

    def _lang(self) -> str:
        return interface_language(self.app.settings.language)

    def on_mount(self) -> None:
        self.refresh_plan()
        if self.then:
            self.call_after_refresh(self._go_on)

    def _go_on(self) -> None:
        if not self.then:
            return  # done already
        if self.plan is None:  # the store is still opening
            self.set_timer(0.3, self._go_on)
            return
        then, self.then = self.then, ""
        getattr(self, f"action_{then}")()

    def on_screen_resume(self) -> None:
        self.refresh_plan()

    def refresh_plan(self) -> None:
        engine = self.app.engine
        status = self.query_one("#plan-status", Label)
        if engine is None:
            status.update(
                _("Your encrypted store is still opening; the plan will appear in a moment.")
            )
            self.set_timer(0.3, self.refresh_plan)
        else:
            # An empty professionals step starts with the country's crisis lines.
            self.plan = safety_plan.for_settings(engine.safety_plan(), self.app.settings.country)
            status.update(
                _("Enter edits the highlighted step; Ctrl+E exports the plan to a text file.")
            )
            if self._edit_when_open is not None:
                self.call_after_refresh(self.action_edit, self._edit_when_open)
                self._edit_when_open = None
        steps = self.query_one("#plan-steps", OptionList)
        highlighted = steps.highlighted
        steps.clear_options()
        for number, step in enumerate(safety_plan.steps(self._lang()), start=1):
            entries = self.plan.entries.get(step.id, []) if self.plan is not None else []
            body = "\n".join(f"   • {entry}" for entry in entries) or "   " + _("(nothing yet)")
            steps.add_option(Option(f"{number}. {step.title}\n{body}", id=step.id))
        steps.highlighted = highlighted if highlighted is not None else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_edit()

    def action_edit(self, index: int | None = None) -> None:
        steps = self.query_one("#plan-steps", OptionList)
        index = steps.highlighted if index is None else index
        if index is None:
            return
        plan = self.plan
        if plan is None:
            self._edit_when_open = index  # the steps are shown already, their entries not yet
            return
        step_id = steps.get_option_at_index(index).id or ""
        info = next(s for s in safety_plan.steps(self._lang()) if s.id == step_id)
        current = plan.entries.get(step_id, [])

        def saved(lines: list[str] | None) -> None:
            if lines is None:
                return
            plan.entries[step_id] = lines
            try:
                self.app.ready_engine().save_safety_plan(plan)
            except StoreError as exc:
                # Not saved: the plan stays as it was, and what was typed comes back in the
                # step's editor, so a full disk never costs the person their words.
                plan.entries[step_id] = current
                self.app.push_screen(EditStepScreen(info.title, info.prompt, lines), saved)
                # Said on the editor's own notice line, once it is the screen in front.
                words = plan_not_saved(exc, "tui")
                self.app.call_after_refresh(
                    lambda: self.app.notify(words, severity="error", timeout=15)
                )
                return
            except Exception as exc:  # noqa: BLE001 - shown to the user in words
                plan.entries[step_id] = current
                self.app.notify(worded(exc), severity="error")
                return
            self.app.notify(_("Saved “{title}”.").format(title=info.title))
            self.refresh_plan()

        self.app.push_screen(EditStepScreen(info.title, info.prompt, current), saved)

    def action_export(self) -> None:
        if self.plan is None:  # pressed while the store opens: exported once it has
            if not self.then:
                self.then = "export"
                self._go_on()
            return
        path = self.app.paths.exports_dir / f"safety-plan-{datetime.now():%Y-%m-%d}.txt"
        if path.exists():
            from peertui.tui.screens.dialogs import ChoiceScreen

            def answered(choice: str | None) -> None:
                if choice == "replace":
                    self._export(path, overwrite=True)

            self.app.push_screen(
                ChoiceScreen(
                    _("Replace the earlier export?"),
                    _("{path} already exists.").format(path=path),
                    [("keep", _("Keep it")), ("replace", _("Replace it"))],
                ),
                answered,
            )
            return
        self._export(path)

    def _export(self, path, overwrite: bool = False) -> None:
        from peertui.core.errors import PeertuiError

        try:
            make_private_dir(path.parent)
            written = self.app.ready_engine().export_safety_plan(
                path, self._lang(), overwrite=overwrite
            )
        except OSError as exc:
            self.app.notify(
                _("Could not export the plan: {why}.").format(why=exc.strerror or exc),
                severity="error",
            )
            return
        except PeertuiError as exc:
            self.app.notify(worded(exc), severity="error")
            return
        self.app.notify(
            _(
                "Safety plan exported to {written} (plain text, readable only by you: keep it somewhere safe)."
            ).format(written=written)
        )


class EditStepScreen(TranslatedKeys, ModalScreen[list[str] | None]):
    BINDINGS = [Binding("escape", "cancel", N_("Cancel")), Binding("ctrl+s", "save", N_("Save"))]

    def __init__(self, title: str, prompt: str, lines: list[str]) -> None:
        super().__init__()
        self.step_title, self.prompt, self.lines = title, prompt, lines

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.step_title, classes="screen-title")
            yield Label(
                _("{prompt}\nOne item per line.").format(prompt=self.prompt), classes="hint"
            )
            yield TextArea("\n".join(self.lines), id="step-editor")
            yield Button(_("Save (Ctrl+S)"), id="save", variant="primary")
            yield Button(_("Cancel (Escape)"), id="cancel")
        yield from footer_widgets()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        self.dismiss([line.strip() for line in text.splitlines() if line.strip()])

    def action_cancel(self) -> None:
        """Escape is "Back" everywhere else, so it is pressed out of habit: lines typed here
        are never thrown away without asking (Escape at the question keeps editing)."""
        if self.query_one(TextArea).text.strip() == "\n".join(self.lines).strip():
            self.dismiss(None)
            return
        from peertui.tui.screens.dialogs import ChoiceScreen

        def answered(choice: str | None) -> None:
            if choice == "discard":
                self.dismiss(None)
            elif choice == "save":
                self.action_save()
            else:
                self.query_one(TextArea).focus()

        self.app.push_screen(
            ChoiceScreen(
                _("Discard these lines?"),
                _("What you typed in “{title}” is not saved yet.").format(title=self.step_title),
                [
                    ("keep", _("Keep editing")),
                    ("save", _("Save them")),
                    ("discard", _("Discard them")),
                ],
            ),
            answered,
        )
