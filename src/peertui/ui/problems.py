"""What went wrong, in words: the typed refusals of the engine and the store, worded through the
message catalogue the same way for the TUI and plain mode.

Core raises facts (which part of an invite, which file, how much is full); this module is where
they become sentences. Anything not typed here is already a sentence (`str(error)`).
"""

from __future__ import annotations

from peertui.core.crypto.invite import InviteFault
from peertui.core.errors import ExportFailed, MemberWithoutKey, UnusableInvite
from peertui.core.keys import StoreError
from peertui.core.models import ConfigNotRewritten, PrivateSettingsMoved, StartupNote
from peertui.core.store import (
    DatabaseKeyMismatch,
    DatabaseUnopenable,
    ExportRefused,
    FolderUnusable,
    OldProtocolHome,
    SaveFailed,
    StorageFull,
)
from peertui.i18n import N_, _, ngettext

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
    match error:
        case UnusableInvite(fault=fault, version=version):
            return _("That invite does not work: {why}.").format(why=invite_fault(fault, version))
        case ExportFailed(problem=cause):
            return problem(cause)
        case MemberWithoutKey(nick=nick):
            return _("{nick} has not published a key yet; try again in a moment.").format(nick=nick)
        case StoreError():
            return store_problem(error)
    return str(error) or type(error).__name__


def store_problem(error: StoreError) -> str:
    """A refusal of the local store: the disk, a folder, the database or an export."""
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
        case OldProtocolHome(data_dir=data_dir, protocol=protocol):
            return _(
                "This peertui home ({folder}) holds groups made by an earlier test version "
                "(protocol {protocol}) that cannot talk to this one. Move the folder aside and "
                "start again; nothing was released, so there is nothing to convert."
            ).format(folder=data_dir, protocol=protocol)
    return str(error) or type(error).__name__


def receiving_paused(error: StoreError) -> str:
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
        case ConfigNotRewritten(config_file=config_file, reason=reason):
            return _("{file} could not be rewritten ({reason}).").format(
                file=config_file, reason=reason
            )
    return note
