"""What peertui is and is not, said once on the first start.

The TUI shows this on its first screen (tui/screens/first_run.py, Markdown with its keys);
plain mode prints these lines with its welcome, so a screen-reader user who never sees that
screen is told the same: peer support, not a crisis service, what stays private and what the
relay can see.
"""

from __future__ import annotations

from peertui.i18n import N_, _

FIRST_RUN = (
    N_(
        "Peer support, not therapy. The people here are peers sharing their own experience. "
        "They are not counsellors, and peertui is not a crisis service. If you are in danger, "
        "type {crisis} for crisis lines in your country: it works without a network."
    ),
    N_(
        "What stays private: messages are end-to-end encrypted; your history is stored "
        "encrypted on this computer only. Each group gets a fresh pseudonymous identity, so "
        "groups cannot be linked."
    ),
    N_(
        "What the relay can see: encrypted messages, their timing and padded sizes, and the "
        "network address you connect from (a proxy such as Tor hides it: /set proxy "
        "socks5://127.0.0.1:9050). Never names or text."
    ),
)


def first_run_lines(crisis: str = "/crisis") -> list[str]:
    """The first start's sentences about peertui, naming this front-end's way to the lines."""
    return [_(line).format(crisis=crisis) for line in FIRST_RUN]
