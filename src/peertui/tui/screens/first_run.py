"""What peertui is and is not, shown once before anything else."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Button, Markdown

from peertui.i18n import N_, _, current_language
from peertui.paths import Paths, make_private_dir
from peertui.tui.bindings import QUICK_EXIT_KEY
from peertui.tui.typed import PeertuiNode, TranslatedKeys
from peertui.tui.widgets.dialog_frame import StepScroll
from peertui.tui.widgets.footer import footer_widgets

# Markdown, one message a paragraph; {key} is the quick exit key, {language} the language's
# own name ("Español").
WELCOME = (
    N_("# Welcome to peertui"),
    N_(
        "**Peer support, not therapy.** The people here are peers sharing their own experience. "
        "They are not counsellors, and peertui is **not a crisis service**. If you are in "
        "danger, press **F1** for crisis lines in your country — it works without a network."
    ),
    N_(
        "**What stays private.** Messages are end-to-end encrypted; your history is stored "
        "encrypted on this computer only. Each group gets a fresh pseudonymous identity, so "
        "groups cannot be linked."
    ),
    N_(
        "**What the relay can see.** Encrypted messages, their timing and padded sizes, and the "
        "network address you connect from (use a proxy such as Tor in Settings to hide it). "
        "Never names or text."
    ),
    N_(
        "**Quick exit: {key}.** From any screen, {key} closes peertui at once and clears the "
        "terminal and its scrollback. A message half-written in an open group is kept as an "
        "encrypted draft in that group, never sent; text typed anywhere else is not kept."
    ),
    N_("**Always one key away:** F1 crisis lines · F2 grounding exercises · F3 your safety plan."),
    N_("**Language: {language}.** Settings ({settings}) changes it."),
)


def welcome_text() -> str:
    """The welcome in the interface language, naming that language in its own words."""
    from peertui.i18n import language_in_sentence
    from peertui.ui import actions

    # The key the Settings action has (F8), as the key bar names it; it said "Ctrl+P,
    # Settings", the long way round, while F8 opens it.
    settings = (actions.by_id("peertui.settings").key or "ctrl+p").upper()
    words = {
        "key": QUICK_EXIT_KEY.upper(),
        "language": language_in_sentence(current_language()),
        "settings": settings,
    }
    return "\n\n".join(_(paragraph).format(**words) for paragraph in WELCOME) + "\n"


def welcome_seen(paths: Paths) -> bool:
    return paths.welcome_marker.exists()


def remember_welcome(paths: Paths) -> None:
    make_private_dir(paths.config_dir)
    paths.welcome_marker.touch()


class FirstRunScreen(TranslatedKeys, PeertuiNode, Screen):
    BINDINGS = [Binding("escape", "dismiss_welcome", N_("Continue"))]

    def compose(self) -> ComposeResult:
        with StepScroll(id="welcome"):
            yield Markdown(welcome_text())
            yield Button(_("I understand — continue"), id="continue", variant="primary")
        yield from footer_widgets()

    def on_mount(self) -> None:
        self.query_one("#continue", Button).focus(scroll_visible=False)
        # Focusing the button must not scroll the welcome's first lines out of a small terminal.
        self.call_after_refresh(self.query_one("#welcome").scroll_home, animate=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_dismiss_welcome()

    def action_dismiss_welcome(self) -> None:
        try:
            remember_welcome(self.app.paths)
        except OSError as exc:
            self.app.notify(
                _("Could not remember that you have read this: {why}.").format(
                    why=exc.strerror or exc
                ),
                severity="warning",
            )
        self.dismiss()
