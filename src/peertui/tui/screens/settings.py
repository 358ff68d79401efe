"""Settings: theme, reduced motion, history retention, proxy, country, language."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Select, Switch

from peertui.config import PROXY_SCHEMES, interface_locale
from peertui.i18n import N_, _, available_languages, catalogue_language, language_name
from peertui.tui.typed import PeertuiNode, TranslatedKeys
from peertui.tui.widgets.dialog_frame import DialogBody, DialogFoot, FittedDialog
from peertui.tui.widgets.footer import footer_widgets


def on_off(value: bool) -> str:
    # The switch shows its state by colour and position only; say it in a word too.
    return _("On") if value else _("Off")


def language_options(current: str) -> list[tuple[str, str]]:
    """Every language peertui speaks, each named in its own words, after "from your system";
    a setting for a language it does not speak (kept for crisis lines) stays choosable."""
    system = language_name(catalogue_language(interface_locale("")))
    options = [(_("From your system ({language})").format(language=system), "")]
    options += [(language_name(code), code) for code in available_languages()]
    if current and current not in {value for _label, value in options}:
        options.append((language_name(current), current))
    return options


class SettingsScreen(FittedDialog, TranslatedKeys, PeertuiNode, Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Back")),
        Binding("ctrl+s", "save", N_("Save")),
    ]

    def compose(self) -> ComposeResult:
        settings = self.app.settings
        themes = sorted(self.app.peertui_themes)
        with Vertical(classes="dialog wide"):
            with DialogBody(classes="dialog-body"):
                yield Label(_("Settings"), classes="screen-title")
                yield Label(_("Theme (changes at once):"))
                yield Select(
                    [(name, name) for name in themes],
                    value=settings.theme if settings.theme in themes else "dark",
                    allow_blank=False,
                    id="set-theme",
                )
                # The label first, like every other field, so "On"/"Off" is read after its name.
                yield Label(
                    _("Reduced motion: no animation, no blinking cursor, still breathing guide")
                )
                with Horizontal(classes="inline"):
                    yield Switch(settings.reduced_motion, id="set-motion")
                    yield Label(on_off(settings.reduced_motion), id="set-motion-state")
                yield Label(_("Keep history for how many days (0 keeps it until you delete it):"))
                yield Input(
                    str(settings.history_retention_days), type="integer", id="set-retention"
                )
                yield Label(
                    _(
                        "Proxy for relay connections, e.g. socks5://127.0.0.1:9050 for Tor (empty: "
                        "none; used from the next start):"
                    )
                )
                yield Input(settings.proxy, id="set-proxy")
                yield Label(
                    _(
                        "Country for crisis lines, a name or a code such as Mexico or MX (empty: none):"
                    )
                )
                yield Input(settings.country, id="set-country")
                yield Label(_("Language (changes at once):"))
                options = language_options(settings.language)
                yield Select(
                    options,
                    value=settings.language if settings.language else "",
                    allow_blank=False,
                    id="set-language",
                )
            with DialogFoot(classes="dialog-foot"), Horizontal(classes="buttons"):
                yield Button(_("Save (Ctrl+S)"), id="save", variant="primary")
                yield Button(_("Back"), id="back")
        yield from footer_widgets()

    def on_mount(self) -> None:
        self.query_one("#set-theme", Select).focus()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self.query_one("#set-motion-state", Label).update(on_off(event.value))

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "set-theme" and isinstance(event.value, str):
            self.app.theme = event.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.app.pop_screen()

    def on_screen_suspend(self) -> None:
        # Leaving without saving puts the saved theme back.
        self.app.theme = (
            self.app.settings.theme
            if self.app.settings.theme in self.app.available_themes
            else "dark"
        )

    def action_save(self) -> None:
        retention = self.query_one("#set-retention", Input).value.strip() or "0"
        proxy = self.query_one("#set-proxy", Input).value.strip()
        from peertui.ui.country import resolve, set_country_refusal

        typed_country = self.query_one("#set-country", Input).value.strip()
        problem = ""
        if not retention.isdigit():
            problem = _("Days of history must be a whole number (0 keeps everything).")
        elif proxy and not proxy.startswith(PROXY_SCHEMES):
            problem = _("The proxy must start with socks5://, socks5h://, http:// or https://.")
        else:
            problem = set_country_refusal(typed_country) or ""
        if problem:
            self.app.notify(problem, severity="warning")
            return
        settings = self.app.settings
        settings.theme = str(self.query_one("#set-theme", Select).value)
        settings.reduced_motion = self.query_one("#set-motion", Switch).value
        settings.history_retention_days = int(retention)
        before_proxy = settings.proxy
        settings.proxy = proxy
        settings.country = resolve(typed_country)
        self.query_one("#set-country", Input).value = settings.country
        language = self.query_one("#set-language", Select).value
        settings.language = language if isinstance(language, str) else ""
        self.app.save_settings()
        if proxy != before_proxy:
            from peertui.ui.settings import PROXY_FROM_NEXT_START

            self.app.notify(
                f"{_('Settings saved.')} {_(PROXY_FROM_NEXT_START)}", severity="warning", timeout=15
            )
        else:
            self.app.notify(_("Settings saved."))
        self.app.pop_screen()
