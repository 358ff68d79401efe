"""Why a home's database key could not be had, in words: the keyring, the passphrase and the
unlock file (`peertui.core.keys`). Core raises the facts; both front-ends show these
sentences (through `peertui.ui.problems.problem`). Each msgid is the one core used to word
itself, so its translations carry over."""

from __future__ import annotations

from peertui.core.keys import (
    PASSPHRASE_ENV,
    KeyringKeyMismatch,
    KeyringRefused,
    NoKey,
    NoKeyAvailable,
    StoreError,
    UnlockFileMissing,
    UnlockFileUnusable,
    WrongPassphrase,
)
from peertui.i18n import _


def keyring_refused(refused: KeyringRefused) -> str:
    """Why the keyring that answers here is not used."""
    return _(
        "The system keyring here is {name}, which keeps keys in a plain file that anyone with "
        "this disk can read, so peertui does not use it and protects your history with a "
        "passphrase instead."
    ).format(name=refused.name)


def unlock_problem(error: StoreError) -> str | None:
    """The sentence for a key that could not be had, or None for any other store error."""
    match error:
        case NoKeyAvailable():
            return no_key(error)
        case WrongPassphrase(home=home):
            return _(
                "The passphrase does not unlock this peertui home ({home}). Check it and try "
                "again; nothing was changed."
            ).format(home=home)
        case KeyringKeyMismatch(account=account, home=home):
            return _(
                "The key in the system keyring (account '{account}') does not unlock this "
                "peertui home ({home}); it may have been replaced."
            ).format(account=account, home=home)
        case UnlockFileMissing(data_dir=data_dir, name=name):
            return _(
                "The peertui database in {folder} has no unlock file ({name}), so its key "
                "cannot be found. Restore that file, or wipe this home to start again."
            ).format(folder=data_dir, name=name)
        case UnlockFileUnusable(unlock_file=file, fault="unreadable", reason=reason):
            return _("The unlock file {file} could not be read ({why}).").format(
                file=file, why=reason
            )
        case UnlockFileUnusable(unlock_file=file, fault="not_json"):
            return _(
                "The unlock file {file} is damaged (not JSON), so the database key cannot be "
                "found. Restore it from a backup, or wipe this home to start again."
            ).format(file=file)
        case UnlockFileUnusable(unlock_file=file):
            return _(
                "The unlock file {file} is damaged, so the database key cannot be found. "
                "Restore it from a backup, or wipe this home to start again."
            ).format(file=file)
    return None


def no_key(error: NoKeyAvailable) -> str:
    match error.why:
        case NoKey.KEYRING_WOULD_NOT_STORE:
            return _(
                "The system keyring refused to store the database key ({exc}). Unlock your "
                "keyring, or set {variable} to protect peertui with a passphrase."
            ).format(exc=error.reason, variable=PASSPHRASE_ENV)
        case NoKey.NO_KEYRING_NO_PASSPHRASE:
            why = (
                keyring_refused(error.refused)
                if error.refused
                else _("There is no usable system keyring to keep the database key.")
            )
            return (
                why
                + " "
                + _(
                    "No passphrase was given: set {variable} (or enter a passphrase) to protect "
                    "peertui with a passphrase, or install and unlock a system keyring."
                ).format(variable=PASSPHRASE_ENV)
            )
        case NoKey.KEYRING_GONE:
            return _(
                "This peertui home ({home}) keeps its database key in the system keyring, which "
                "could not be read: no safe keyring is active now{why}. Unlock or restore the "
                "keyring the home was made with."
            ).format(
                home=error.home,
                why=f" ({keyring_refused(error.refused)})" if error.refused else "",
            )
        case NoKey.KEYRING_UNREADABLE:
            return _(
                "This peertui home keeps its database key in the system keyring, which could "
                "not be read ({exc}). Unlock the keyring and try again."
            ).format(exc=error.reason)
        case NoKey.KEY_NOT_IN_KEYRING:
            return _(
                "This peertui home ({home}) keeps its database key in the system keyring, but "
                "the key is not there (service '{service}', account '{account}'). Unlock or "
                "restore the keyring; without the key the history cannot be read."
            ).format(home=error.home, service=error.service, account=error.account)
    return _(
        "This peertui home ({home}) is protected by a passphrase. Set {variable} or enter the "
        "passphrase to open it."
    ).format(home=error.home, variable=PASSPHRASE_ENV)
