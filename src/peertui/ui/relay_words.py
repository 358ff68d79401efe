"""What this client found wrong with a relay, in words (`peertui.core.relay_client.RelayFault`):
core raises the fact with the relay's address and the numbers, these sentences say it, the same
for the TUI and plain mode. Each msgid is the one core used to word itself, so its
translations carry over. A relay's own refusal sentence (English, its operator's) is shown as
it came, unless `peertui.ui.problems.relay_reason` knows its code."""

from __future__ import annotations

from peertui.core.relay_client import RelayError, RelayFault
from peertui.i18n import N_, _

# Written out one by one: the extractor finds only literal strings.
_SENTENCES = {
    RelayFault.NO_SEQ: N_(
        "The relay at {relay} answered without saying where it stored the request; peertui "
        "keeps it and tries again."
    ),
    RelayFault.STALLED: N_(
        "The relay at {relay} stopped sending events and keepalives; reconnecting."
    ),
    RelayFault.EVENT_TOO_LARGE: N_(
        "The relay at {relay} sent an event larger than {size} KiB; it was not read, reconnecting."
    ),
    RelayFault.TIMEOUT: N_(
        "The relay at {relay} did not answer within {timeout:g} seconds; check your "
        "connection and try again."
    ),
    RelayFault.UNREACHABLE: N_(
        "The relay at {relay} is not reachable; check the address and your connection (or "
        "proxy), then try again."
    ),
    RelayFault.ANSWER_UNREADABLE: N_(
        "The relay at {relay} sent an answer this client cannot read; is the address really a "
        "peertui relay?"
    ),
    RelayFault.HTTP_REFUSED: N_("The relay at {relay} refused the request (HTTP {status})."),
    RelayFault.REDIRECT: N_(
        "The relay at {relay} answered with a redirect (HTTP {status}); signed requests are not "
        "sent elsewhere, so peertui keeps trying this address."
    ),
    RelayFault.SERVER_PROBLEM: N_(
        "The relay at {relay} had a problem (HTTP {status}); peertui keeps what it was sending "
        "and tries again."
    ),
    RelayFault.OLD_PROTOCOL: N_(
        "This relay runs an older peertui relay (protocol {spoken}) that cannot carry protocol "
        "{version}; ask its operator to update it, or use another relay."
    ),
    RelayFault.PREKEYS_UNREADABLE: N_("The relay sent prekeys this client cannot read ({exc})."),
    RelayFault.LIST_MISSING: N_(
        "The relay at {relay} sent an answer without its '{name}' list; peertui tries again."
    ),
    RelayFault.JOIN_NOT_CONFIRMED: N_(
        "The relay at {relay} did not confirm the join request; try again."
    ),
    RelayFault.NO_MEMBERSHIP: N_("The relay at {relay} sent no membership answer."),
    RelayFault.LOG_UNREADABLE: N_("The relay at {relay} sent a log this client cannot read."),
    RelayFault.NOT_AN_EVENT_STREAM: N_(
        "The relay at {relay} did not answer with an event stream; is the address really a "
        "peertui relay?"
    ),
    RelayFault.CLOSED: N_("The relay at {relay} closed the connection; reconnecting."),
}


def relay_said(error: BaseException) -> str:
    """Why the relay could not be used: this client's finding in words, else the relay's own
    sentence (or, for any other error, its own `str()`)."""
    fault = getattr(error, "fault", None)
    if not isinstance(error, RelayError) or fault is None:
        return str(error) or type(error).__name__
    facts = {"relay": error.relay, "status": error.status, **error.facts}
    if fault is RelayFault.EVENT_UNREADABLE:
        if facts.get("detail"):
            return _("The relay sent an event this client cannot read ({exc}).").format(
                exc=facts["detail"]
            )
        return _("The relay at {relay} sent an event this client cannot read.").format(**facts)
    if fault is RelayFault.PREKEYS_UNREADABLE:
        facts["exc"] = facts.get("detail", "")
    return _(_SENTENCES[fault]).format(**facts)
