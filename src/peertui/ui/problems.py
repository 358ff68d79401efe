"""What went wrong, in words: the typed refusals of the engine and the store, worded through the
message catalogue the same way for the TUI and plain mode.

Core raises facts (which part of an invite, which file, how much is full); this module is where
they become sentences. Anything not typed here is already a sentence (`str(error)`).
"""

from __future__ import annotations

from peertui.core.crypto.invite import InviteFault
from peertui.core.errors import (
    ExportFailed,
    GroupNotActive,
    MemberWithoutKey,
    NotOnYourself,
    PeertuiError,
    RelayAction,
    RelayFailed,
    UnusableInvite,
)
from peertui.core.homelock import HomeInUse
from peertui.core.keys import (
    ForeignFilesKept,
    KeyringEntryKept,
    KeyringEntryUnknown,
    KeyringRefused,
    Leftover,
    NotDeleted,
    StoreError,
)
from peertui.core.models import ConfigNotRewritten, PrivateSettingsMoved, StartupNote
from peertui.core.store import (
    DatabaseKeyMismatch,
    DatabaseTooNew,
    DatabaseUnopenable,
    ExportRefused,
    FolderUnusable,
    OldProtocolHome,
    SaveFailed,
    StorageFull,
)
from peertui.i18n import N_, _, ngettext
from peertui.ui.refusals import refusal
from peertui.ui.relay_words import relay_said
from peertui.ui.unlock import keyring_refused, unlock_problem

# Written out one by one: the extractor finds only literal strings.
_INVITE_FAULTS = {
    InviteFault.NOT_TEXT: N_("an invite is text that starts with 'peertui:'"),
    InviteFault.NO_PREFIX: N_("this is not a peertui invite: it should start with 'peertui:'"),
    InviteFault.EMPTY: N_("the invite is empty after 'peertui:'; copy the whole invite"),
    InviteFault.BAD_CHARACTERS: N_(
        "the invite contains characters that are not part of a peertui invite; copy it again "
        "exactly"
    ),
    InviteFault.TRUNCATED: N_("the invite is cut off; copy the whole invite"),
    InviteFault.INCOMPLETE_OR_DAMAGED: N_(
        "the invite is incomplete or damaged; copy the whole invite again exactly"
    ),
    InviteFault.CHECKSUM: N_(
        "the invite is damaged (its checksum does not match); copy it again exactly"
    ),
    InviteFault.BAD_ENCODING: N_("the invite is damaged (bad encoding); copy it again exactly"),
    InviteFault.EXTRA_DATA: N_("the invite has extra data after its end; copy it again exactly"),
    InviteFault.RELAY_NOT_TEXT: N_("the relay address in the invite is not valid text"),
    InviteFault.RELAY_NOT_HTTP: N_(
        "the relay address in the invite is not an http:// or https:// address"
    ),
    InviteFault.RELAY_TOO_LONG: N_("the relay address in the invite is too long"),
    InviteFault.OWNER_KEY: N_("the owner key in the invite is not a valid public key"),
    InviteFault.GROUP_MISMATCH: N_(
        "the invite's group id does not match its owner key; it was altered — ask the host "
        "for a new invite"
    ),
}


def invite_fault(fault: InviteFault, version: int = 0) -> str:
    """What is wrong with an invite, as the end of "That invite does not work: ..."."""
    if fault is InviteFault.UNKNOWN_VERSION:
        return _(
            "the invite uses format version {version}, which this version of peertui does not "
            "understand; update peertui or ask for a new invite"
        ).format(version=version)
    return _(_INVITE_FAULTS[fault])


def problem(error: BaseException) -> str:
    """The sentence for a refusal the person should read: typed facts worded here, any other
    error's own sentence as it is."""
    if isinstance(error, PeertuiError) and (said := refusal(error)) is not None:
        return said
    match error:
        case UnusableInvite(fault=fault, version=version):
            return _("That invite does not work: {why}.").format(why=invite_fault(fault, version))
        case ExportFailed(problem=cause):
            return problem(cause)
        case GroupNotActive(name=name, status=status):
            from peertui.ui.wording import group_name, state_word

            return _("The group {name!r} is {status}, not active.").format(
                name=group_name(name), status=state_word(status)
            )
        case NotOnYourself(nick=nick):
            return _(
                "Moderators cannot warn, mute, remove or ban themselves, and {nick} is you."
            ).format(nick=nick)
        case RelayFailed(action=action, cause=cause, relay=relay):
            return relay_failed(action, relay_reason(cause), relay)
        case MemberWithoutKey(nick=nick):
            return _("{nick} has not published a key yet; try again in a moment.").format(nick=nick)
        case StoreError():
            return store_problem(error)
    return str(error) or type(error).__name__


# The relay's refusals whose meaning is fixed, by code: the relay's own sentence is English
# (its operator's language), so these are worded here. Any other code keeps the relay's words
# (a technical refusal a person reports rather than acts on).
_RELAY_CODES = {
    "banned": N_("You are banned from this group."),
    "not_member": N_("You are not a member of this group; ask the host for an invite."),
    "not_moderator": N_("Only the owner or a moderator of this group can do this."),
    "read_only": N_("The group is read-only for now: only moderators may post."),
    "group_not_found": N_("This relay has no group with that id; check the invite."),
    "group_exists": N_("A group with this owner key already exists on this relay."),
    "already_member": N_("You are already a member of this group."),
    "join_request_not_found": N_("That join request is no longer waiting."),
    "creation_refused": N_("This relay creates groups only for people its operator allows."),
    "creation_rate_limited": N_("This relay is creating too many groups now; try again later."),
    "rate_limited": N_("The relay is limiting how fast requests are sent; try again shortly."),
    "quota_exceeded": N_("This group has used the space the relay allows it."),
    "storage_full": N_("The relay's disk is full; try again later."),
    "too_many_streams": N_("Too many connections to this relay are open from here."),
}


def relay_reason(cause: BaseException) -> str:
    """Why the relay refused, in the person's language where its code is known."""
    code = getattr(cause, "code", "")
    if code in _RELAY_CODES:
        return _(_RELAY_CODES[code])
    return relay_said(cause)


def relay_failed(action: RelayAction, why: str, relay: str = "") -> str:
    """A refused request to the relay: what was asked, then why."""
    match action:
        case RelayAction.CREATE_GROUP:
            return _("Could not create the group on {url}: {exc}").format(url=relay, exc=why)
        case RelayAction.PUBLISH_KEY:
            return _("Could not publish this group's key on {url}: {exc}").format(
                url=relay, exc=why
            )
        case RelayAction.REGISTER_INVITE:
            return _("Could not register the invite: {exc}").format(exc=why)
        case RelayAction.REQUEST_JOIN:
            return _("The join request was not accepted: {exc}").format(exc=why)
        case RelayAction.DENY_REQUEST:
            return _("Could not deny the request: {exc}").format(exc=why)
        case RelayAction.CANCEL_INVITE:
            return _("Could not cancel an invite: {exc}").format(exc=why)
        case RelayAction.CHECK_REQUEST:
            return _("Could not check the request with the relay: {exc}").format(exc=why)
    return why


def store_problem(error: StoreError) -> str:
    """A refusal of the local store: the disk, a folder, the database, its key or an export."""
    if (said := unlock_problem(error)) is not None:
        return said
    match error:
        case StorageFull(during="open", place=place):
            return _(
                "The disk is full, so peertui could not open its database in {folder}. Free "
                "some space and try again."
            ).format(folder=place)
        case StorageFull(during="setup", place=place):
            return _("The disk is full, so peertui could not set up {folder}.").format(folder=place)
        case StorageFull(during="export", place=place):
            return _("The disk is full, so the export to {file} was not written.").format(
                file=place
            )
        case StorageFull():
            return _(
                "The disk is full, so peertui could not save your latest change. Free some "
                "space and try again; nothing saved earlier was lost."
            )
        case DatabaseUnopenable(db_file=db_file, reason=reason):
            return _("The peertui database {file} could not be opened ({reason}).").format(
                file=db_file, reason=reason
            )
        case DatabaseTooNew():
            return _(
                "This peertui database was written by a newer version of peertui; update "
                "peertui to open it."
            )
        case DatabaseKeyMismatch(db_file=db_file):
            return _(
                "The peertui database {file} cannot be read with this home's key; it may be "
                "damaged or from another home."
            ).format(file=db_file)
        case FolderUnusable(path=path, reason=reason):
            return _("peertui could not use {folder} ({reason}).").format(
                folder=path, reason=reason
            )
        case SaveFailed(reason=reason):
            return _("peertui could not save your latest change ({reason}).").format(reason=reason)
        case ExportRefused(fault="is_folder", target=target):
            return _("{target} is a folder; give a file name to export to.").format(target=target)
        case ExportRefused(fault="no_folder", target=target):
            return _("The folder {folder} does not exist, so nothing was exported.").format(
                folder=target.parent
            )
        case ExportRefused(target=target, reason=reason):
            return _("The export to {target} could not be written ({reason}).").format(
                target=target, reason=reason
            )
        case HomeInUse(home=home):
            return _(
                "peertui is already open with this home ({home}). Switch to that window, or "
                "close it first: two copies at once could lose messages. peertui --crisis "
                "shows crisis lines without it."
            ).format(home=home)
        case OldProtocolHome(data_dir=data_dir, protocol=protocol):
            return _(
                "This peertui home ({folder}) holds groups made by an earlier test version "
                "(protocol {protocol}) that cannot talk to this one. Move the folder aside and "
                "start again; nothing was released, so there is nothing to convert."
            ).format(folder=data_dir, protocol=protocol)
    return str(error) or type(error).__name__


def leftover(item: Leftover) -> str:
    """One thing `/wipe` could not delete, and what the person can do about it."""
    match item:
        case NotDeleted(path=path, reason=reason):
            return _("{path} could not be deleted ({reason}).").format(path=path, reason=reason)
        case ForeignFilesKept(folder=folder, names=names):
            return _(
                "{folder} still holds files peertui did not create ({names}); they were left alone."
            ).format(folder=folder, names=", ".join(names))
        case KeyringEntryKept(service=service, account=account, reason=""):
            return _(
                "The database key in the system keyring (service '{service}', account "
                "'{account}') could not be removed: no safe keyring is active now."
            ).format(service=service, account=account)
        case KeyringEntryKept(service=service, account=account, reason=reason):
            return _(
                "The database key in the system keyring (service '{service}', account "
                "'{account}') could not be removed: {exc}."
            ).format(service=service, account=account, exc=reason)
        case KeyringEntryUnknown(unlock_file=unlock_file, service=service):
            return _(
                "The unlock file {file} is damaged, so any keyring entry for this home could "
                "not be found; look for service '{service}' in your keyring."
            ).format(file=unlock_file, service=service)
    return str(item)


def message_not_saved(error: StoreError, front_end: str, kept_on_disk: bool = True) -> str:
    """A message this device could not save before sending (peertui stores each message
    first, so it can go out later): not sent, where its words are, and what to do — one
    sentence for one event. `front_end` is "plain" (kept as the draft) or "tui" (back in the
    composer); `kept_on_disk` is False when even the draft only fits in memory."""
    if isinstance(error, StorageFull):
        why = _(
            "The disk is full, so your message was not sent: peertui saves each message on "
            "this device before it goes out."
        )
    else:
        why = _("{problem} Your message was not sent.").format(problem=store_problem(error))
    if front_end == "tui":
        kept = _("It is back in the box; free some space on the disk, then send it again.")
    elif kept_on_disk:
        kept = _(
            "It is kept as your draft; free some space on the disk, then /draft send sends it."
        )
    else:
        kept = _(
            "It is kept as your draft while peertui stays open (the disk has no room for it "
            "either); free some space on the disk, then /draft send sends it."
        )
    return f"{why} {kept}"


def plan_not_saved(error: StoreError, front_end: str) -> str:
    """The safety plan could not be saved: said so, and that what was written is not lost
    (`front_end` "tui": back in the step's editor; "plain": kept for the question after)."""
    if isinstance(error, StorageFull):
        why = _(
            "The disk is full, so your safety plan was not saved; nothing saved earlier was lost."
        )
    else:
        why = _("{problem} Your safety plan was not saved.").format(problem=store_problem(error))
    if front_end == "tui":
        kept = _("What you wrote is back in the editor: free some space, then press Ctrl+S again.")
    else:
        kept = _("What you wrote is kept while you free some space.")
    return f"{why} {kept}"


def receiving_paused(error: StoreError) -> str:
    if isinstance(error, StorageFull):
        # Not "your latest change": nothing the person did failed, the arrivals did.
        return _(
            "The disk is full, so messages that arrive cannot be saved on this device. "
            "Receiving is paused and resumes by itself once there is space; no message is "
            "skipped."
        )
    return _(
        "{problem} Receiving is paused and resumes by itself once there is space; no message "
        "is skipped."
    ).format(problem=store_problem(error))


def relay_rewound(restored: bool, log_end: int, already_read: int) -> str:
    if restored:
        why = _("its store was restored from a backup or reset")
    else:
        why = ngettext(
            "its log now ends at {end}, before the {n} event this device had already read",
            "its log now ends at {end}, before the {n} events this device had already read",
            already_read,
        ).format(end=log_end, n=already_read)
    return _(
        "The relay's copy of this group went back in time ({why}). peertui is reading it "
        "again from the start; messages sent meanwhile may be missing from the relay, and "
        "your own are still on this device."
    ).format(why=why)


def sending_waits(slow_mode: bool, seconds: int, ahead: int) -> str:
    held = (
        _("Slow mode is on in this group.")
        if slow_mode
        else _("The relay is limiting how fast messages are sent.")
    )
    waits = ngettext(
        "Your message waits and goes out by itself in about {seconds} second.",
        "Your message waits and goes out by itself in about {seconds} seconds.",
        seconds,
    ).format(seconds=seconds)
    if not ahead:
        return f"{held} {waits}"
    first = ngettext(
        "{n} of your messages goes out before it.",
        "{n} of your messages go out before it.",
        ahead,
    ).format(n=ahead)
    return f"{held} {waits} {first}"


def startup_note(note: StartupNote) -> str:
    """What the engine found when it opened: settings moved out of config.toml, or not."""
    match note:
        case PrivateSettingsMoved(names=names, config_file=config_file):
            from peertui.ui.wording import join_list

            return ngettext(
                "Moved {names} from {file} into your encrypted history, where it no longer "
                "shows to anyone who can read the file.",
                "Moved {names} from {file} into your encrypted history, where they no longer "
                "show to anyone who can read the file.",
                len(names),
            ).format(names=join_list(names, "and"), file=config_file.name)
        case KeyringRefused():
            return keyring_refused(note)
        case ConfigNotRewritten(config_file=config_file, reason=reason):
            return _("{file} could not be rewritten ({reason}).").format(
                file=config_file, reason=reason
            )
    return note
