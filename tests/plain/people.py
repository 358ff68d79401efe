"""A person at a plain-mode terminal, and the steps most tests start with."""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pexpect

from peertui.paths import resolve_paths

INVITE_LINE = r"\n(peertui:\S+)\r\n"
PASSPHRASE = "plain mode test passphrase"
PROMPT = "> "
PASTE_ON = "\x1b[?2004h"
PASTE_OFF = "\x1b[?2004l"


class PlainUser:
    """One `peertui --plain` process in its own pty; `transcript` holds everything it printed."""

    def __init__(
        self,
        home: Path,
        *,
        offline: bool = False,
        passphrase: str | None = PASSPHRASE,
        args: tuple[str, ...] = ("--plain",),
        timeout: float = 20.0,
        dimensions: tuple[int, int] = (60, 400),
        term: str = "xterm-256color",
        ask_country: bool = False,
        lang: str = "C.UTF-8",  # the locale, which chooses the language when nothing is set
        time_scale: str = "0.01",  # grounding's pauses: 1 for real seconds
    ):
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "PEERTUI_PASSPHRASE")}
        env.update(
            PEERTUI_HOME=str(home),
            PEERTUI_TIME_SCALE=time_scale,
            TERM=term,
            LANG=lang,
        )
        env.pop("LC_ALL", None)
        env.pop("LC_MESSAGES", None)
        if passphrase is not None:
            env["PEERTUI_PASSPHRASE"] = passphrase
        if not ask_country:
            # The first run's country question is tested on its own (test_first_run_country.py).
            config_dir = resolve_paths(home).config_dir
            (config_dir / "country-asked").touch()
        command = [sys.executable, "-m", "peertui", *args]
        if offline:
            # A new network namespace has no interfaces up, not even loopback: truly offline.
            command = ["unshare", "-n", *command]
        self.home = home
        self._log = io.StringIO()
        self.child = pexpect.spawn(
            command[0],
            command[1:],
            env=env,
            encoding="utf-8",
            timeout=timeout,
            dimensions=dimensions,
        )
        self.child.logfile_read = self._log

    @property
    def raw_transcript(self) -> str:
        return self._log.getvalue()

    @property
    def transcript(self) -> str:
        """What was printed, without the bracketed-paste switches (ESC[?2004h at the start and
        ESC[?2004l at the end, on a terminal), so tests can insist on no other escapes."""
        return self.raw_transcript.replace(PASTE_ON, "").replace(PASTE_OFF, "")

    def paste(self, *lines: str, end: str = "\r") -> None:
        """Paste as a terminal with bracketed paste does: the lines between ESC[200~ and
        ESC[201~, each ended by a carriage return as a terminal sends it, then `end`."""
        self.child.send("\x1b[200~" + "\r".join(lines) + "\x1b[201~" + end)

    def lines(self, skip: tuple[int, int] = (0, 0)) -> list[str]:
        """Printed lines with the prompt taken off; `skip` leaves out a stretch of the transcript."""
        text = (
            self.transcript[: skip[0]] + self.transcript[skip[1] :] if skip[1] else self.transcript
        )
        text = text.replace("\r\n", "\n")
        return [line.removeprefix(PROMPT) for line in text.split("\n")]

    def join(self, token: str, nick: str = "robin") -> None:
        """/join, accepting the general guidelines at the question."""
        self.type(f"/join {token} {nick}")
        self.expect_exact("?? Do you accept these guidelines: yes or no?")
        self.type("yes")

    def ready(self) -> PlainUser:
        self.child.expect_exact("-- peertui plain mode.")
        self.child.expect_exact(PROMPT)
        return self

    def type(self, line: str) -> None:
        self.child.sendline(line)

    def expect(self, pattern: str, timeout: float | None = None) -> re.Match:
        self.child.expect(pattern, timeout=timeout if timeout is not None else self.child.timeout)
        return self.child.match

    def expect_exact(self, text: str, timeout: float | None = None) -> None:
        self.child.expect_exact(
            text, timeout=timeout if timeout is not None else self.child.timeout
        )

    def wait_connected(self, timeout: float | None = None) -> None:
        """Until the relay's "-- Connected to …" line has been printed (at once if it was)."""
        if "-- Connected to" not in self.transcript:
            self.expect_exact("-- Connected to", timeout=timeout)

    def run(self, line: str, until: str) -> None:
        """Type a line and wait for a given text to be printed after it."""
        self.type(line)
        self.expect_exact(until)

    def quit(self) -> int:
        self.type("/quit")
        self.child.expect(pexpect.EOF, timeout=20)
        self.child.close()
        return self.child.exitstatus

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)


def message_lines(user, nick: str, text: str, skip: tuple[int, int] = (0, 0)) -> list[str]:
    """Printed lines carrying this message (the terminal's echo of typed input has no nick)."""
    return [
        line
        for line in user.lines(skip)
        if re.fullmatch(rf"(\[[^\]]*\] )?#\d+ {re.escape(nick)}: {re.escape(text)}", line)
    ]


def invite_of(host: PlainUser) -> str:
    """/invite for the current group: the token it prints."""
    host.type("/invite")
    return host.expect(INVITE_LINE).group(1)


def host_group(host: PlainUser, relay_url: str | None, name: str = "Tuesday circle") -> str:
    """/host a group (on the relay, or this computer's own without one); returns an invite."""
    host.run(f"/host {name} {relay_url}" if relay_url else f"/host {name}", f"-- {name} is ready")
    return invite_of(host)


def ask_to_join(host: PlainUser, guest: PlainUser, token: str, nick: str = "robin") -> None:
    """The guest joins with the invite, accepting the general guidelines; the host sees it."""
    guest.join(token, nick)
    guest.expect_exact(f"-- Asked to join as '{nick}'")
    host.expect_exact(f"-- {nick} asks to join.")


def admitted(host: PlainUser, guest: PlainUser, token: str, nick: str = "robin") -> None:
    """The guest asks to join and the host approves them."""
    ask_to_join(host, guest, token, nick)
    host.run(f"/approve {nick}", f"admitted {nick}.")


def start_pair(plain_user, relay_url: str | None, **guest_options):
    host = plain_user("host").ready()
    token = host_group(host, relay_url)
    guest = plain_user("guest", **guest_options).ready()
    admitted(host, guest, token)
    guest.expect_exact("-- You are now a member of Tuesday circle.")
    return host, guest
