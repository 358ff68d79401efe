"""Where the 32-byte database key comes from: the OS keyring, or Argon2id over a passphrase.

A small non-secret "unlock file" next to the database records which of the two a home uses
(and, for a passphrase, the salt and cost), so a home created with a passphrase keeps using
the passphrase even if a keyring appears later. It also holds a keyed check value so a wrong
passphrase is refused before the database is touched; the check reveals nothing the encrypted
database itself does not (both allow the same offline guessing).
"""

from __future__ import annotations

import hmac
import json
import os
from typing import Any

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import nacl.encoding
import nacl.hash
import nacl.pwhash
import nacl.utils

from peertui.i18n import _
from peertui.paths import Paths, write_private_file

KEYRING_SERVICE = "peertui"
PASSPHRASE_ENV = "PEERTUI_PASSPHRASE"
KEY_BYTES = 32
argon = nacl.pwhash.argon2id
SALT_BYTES = argon.SALTBYTES
# Measured at about 0.15 s on a 2-core machine (bench/history.py): slow for guessing, quick to open.
KDF_OPSLIMIT = 3
KDF_MEMLIMIT = 128 * 1024 * 1024
_CHECK_LABEL = b"peertui database key check v1"
_UNLOCK_VERSION = 1


class StoreError(Exception):
    """The local store cannot do what was asked; str() is a sentence a person can act on."""


class NoKeyAvailable(StoreError):
    """Neither a usable keyring nor a passphrase is available to unlock the database."""


class WrongPassphrase(StoreError):
    """The passphrase given does not unlock this home."""


def database_key(paths: Paths, passphrase: str | None = None) -> bytes:
    """The raw key for this home's database, creating one (and its unlock file) for a new home."""
    info = _read_unlock_file(paths)
    if info is None:
        if paths.db_file.exists() and paths.db_file.stat().st_size > 0:
            raise StoreError(
                _(
                    "The peertui database in {folder} has no unlock file ({name}), so its key cannot be found. Restore that file, or wipe this home to start again."
                ).format(folder=paths.data_dir, name=paths.unlock_file.name)
            )
        return _create_key(paths, _passphrase_from(passphrase))
    if info["source"] == "keyring":
        return _key_from_keyring(paths, info)
    return _key_from_passphrase(paths, info, _passphrase_from(passphrase))


def keeps_key_in_keyring(paths: Paths) -> bool:
    """Whether this home's database key lives in a keyring (so it has no passphrase to ask
    for when the keyring cannot be reached, e.g. over SSH)."""
    try:
        info = _read_unlock_file(paths)
    except StoreError:
        return False
    return info is not None and info["source"] == "keyring"


def forget_key(paths: Paths) -> list[str]:
    """Remove this home's keyring entry, if it has one; returns problems as sentences."""
    try:
        info = _read_unlock_file(paths)
    except StoreError:
        return [
            _(
                "The unlock file {file} is damaged, so any keyring entry for this home could not be found; look for service '{service}' in your keyring."
            ).format(file=paths.unlock_file, service=KEYRING_SERVICE)
        ]
    if info is None or info["source"] != "keyring":
        return []
    backend = _secure_keyring()
    if backend is None:
        return [
            _(
                "The database key in the system keyring (service '{service}', account '{account}') could not be removed: no safe keyring is active now."
            ).format(service=KEYRING_SERVICE, account=info["account"])
        ]
    try:
        backend.delete_password(KEYRING_SERVICE, info["account"])
    except keyring.errors.PasswordDeleteError:
        pass  # already gone: exactly what was wanted
    except keyring.errors.KeyringError as exc:
        return [
            _(
                "The database key in the system keyring (service '{service}', account '{account}') could not be removed: {exc}."
            ).format(service=KEYRING_SERVICE, account=info["account"], exc=exc)
        ]
    return []


def keyring_usable() -> bool:
    return _secure_keyring() is not None


def keyring_refusal() -> str | None:
    """Why the active keyring is not used, when it is one that would keep the key in a file
    anyone with the disk can read; None when there is a safe keyring or none at all."""
    backend = keyring.get_keyring()
    candidates = (
        backend.backends
        if isinstance(backend, keyring.backends.chainer.ChainerBackend)
        else [backend]
    )
    if _secure_keyring() is not None:
        return None
    insecure = [b for b in candidates if _is_insecure(b)]
    if not insecure:
        return None
    name = type(insecure[0]).__module__ + "." + type(insecure[0]).__name__
    return _(
        "The system keyring here is {name}, which keeps keys in a plain file that anyone with this disk can read, so peertui does not use it and protects your history with a passphrase instead."
    ).format(name=name)


def _secure_keyring() -> Any | None:
    """The keyring backend to use, or None. In a chain, the first backend that is safe: the
    chain itself would fall through to a plaintext one whenever a better one fails."""
    backend = keyring.get_keyring()
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        return next((b for b in backend.backends if not _is_unusable(b)), None)
    return None if _is_unusable(backend) else backend


def _is_unusable(backend: Any) -> bool:
    return _is_placeholder(backend) or _is_insecure(backend)


def _is_placeholder(backend: Any) -> bool:
    return isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring)


def _is_insecure(backend: Any) -> bool:
    """keyrings.alt backends (plaintext, base64 or self-encrypted files, the Windows registry)
    and any backend that keeps its secrets in a file of its own: none is an OS keyring."""
    module = type(backend).__module__
    return (
        module == "keyrings.alt"
        or module.startswith("keyrings.alt.")
        or (hasattr(type(backend), "file_path"))
    )


def _passphrase_from(argument: str | None) -> str | None:
    if argument:
        return argument
    return os.environ.get(PASSPHRASE_ENV) or None


def _create_key(paths: Paths, passphrase: str | None) -> bytes:
    backend = _secure_keyring()
    if backend is not None:
        key = nacl.utils.random(KEY_BYTES)
        account = "database-" + nacl.utils.random(8).hex()
        try:
            backend.set_password(KEYRING_SERVICE, account, key.hex())
        except keyring.errors.KeyringError as exc:
            if passphrase is None:
                raise NoKeyAvailable(
                    _(
                        "The system keyring refused to store the database key ({exc}). Unlock your keyring, or set {variable} to protect peertui with a passphrase."
                    ).format(exc=exc, variable=PASSPHRASE_ENV)
                ) from exc
        else:
            _write_unlock_file(
                paths,
                {
                    "source": "keyring",
                    "service": KEYRING_SERVICE,
                    "account": account,
                    "check": _check_value(key),
                },
            )
            return key
    refusal = keyring_refusal()
    if passphrase is None:
        raise NoKeyAvailable(
            (refusal or _("There is no usable system keyring to keep the database key."))
            + " "
            + _(
                "No passphrase was given: set {variable} (or enter a passphrase) to protect peertui with a passphrase, or install and unlock a system keyring."
            ).format(variable=PASSPHRASE_ENV)
        )
    salt = nacl.utils.random(SALT_BYTES)
    key = _derive(passphrase, salt, KDF_OPSLIMIT, KDF_MEMLIMIT)
    _write_unlock_file(
        paths,
        {
            "source": "passphrase",
            "kdf": "argon2id",
            "salt": salt.hex(),
            "opslimit": KDF_OPSLIMIT,
            "memlimit": KDF_MEMLIMIT,
            "check": _check_value(key),
        },
    )
    return key


def _key_from_keyring(paths: Paths, info: dict[str, Any]) -> bytes:
    backend = _secure_keyring()
    if backend is None:
        raise NoKeyAvailable(
            _(
                "This peertui home ({home}) keeps its database key in the system keyring, which "
                "could not be read: no safe keyring is active now{why}. Unlock or restore the "
                "keyring the home was made with."
            ).format(home=paths.home, why=f" ({keyring_refusal()})" if keyring_refusal() else "")
        )
    try:
        stored = backend.get_password(info["service"], info["account"])
    except keyring.errors.KeyringError as exc:
        raise NoKeyAvailable(
            _(
                "This peertui home keeps its database key in the system keyring, which could not be read ({exc}). Unlock the keyring and try again."
            ).format(exc=exc)
        ) from exc
    if stored is None:
        raise NoKeyAvailable(
            _(
                "This peertui home ({home}) keeps its database key in the system keyring, but the key is not there (service '{service}', account '{account}'). Unlock or restore the keyring; without the key the history cannot be read."
            ).format(home=paths.home, service=info["service"], account=info["account"])
        )
    try:
        key = bytes.fromhex(stored)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES or not hmac.compare_digest(_check_value(key), info["check"]):
        raise StoreError(
            _(
                "The key in the system keyring (account '{account}') does not unlock this peertui home ({home}); it may have been replaced."
            ).format(account=info["account"], home=paths.home)
        )
    return key


def _key_from_passphrase(paths: Paths, info: dict[str, Any], passphrase: str | None) -> bytes:
    if passphrase is None:
        raise NoKeyAvailable(
            _(
                "This peertui home ({home}) is protected by a passphrase. Set {variable} or enter the passphrase to open it."
            ).format(home=paths.home, variable=PASSPHRASE_ENV)
        )
    key = _derive(passphrase, bytes.fromhex(info["salt"]), info["opslimit"], info["memlimit"])
    if not hmac.compare_digest(_check_value(key), info["check"]):
        raise WrongPassphrase(
            _(
                "The passphrase does not unlock this peertui home ({home}). Check it and try again; nothing was changed."
            ).format(home=paths.home)
        )
    return key


def _derive(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return argon.kdf(
        KEY_BYTES, passphrase.encode("utf-8"), salt, opslimit=opslimit, memlimit=memlimit
    )


def _check_value(key: bytes) -> str:
    return nacl.hash.blake2b(
        _CHECK_LABEL, key=key, digest_size=16, encoder=nacl.encoding.HexEncoder
    ).decode()


def _read_unlock_file(paths: Paths) -> dict[str, Any] | None:
    try:
        info = json.loads(paths.unlock_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(
            _("The unlock file {file} could not be read ({why}).").format(
                file=paths.unlock_file, why=exc.strerror or exc
            )
        ) from exc
    except ValueError as exc:
        raise StoreError(
            _(
                "The unlock file {file} is damaged (not JSON), so the database key cannot be found. Restore it from a backup, or wipe this home to start again."
            ).format(file=paths.unlock_file)
        ) from exc
    if not _valid_unlock(info):
        raise StoreError(
            _(
                "The unlock file {file} is damaged, so the database key cannot be found. Restore it from a backup, or wipe this home to start again."
            ).format(file=paths.unlock_file)
        )
    return info


def _valid_unlock(info: Any) -> bool:
    if not isinstance(info, dict) or not isinstance(info.get("check"), str):
        return False
    if info.get("source") == "keyring":
        return all(isinstance(info.get(k), str) for k in ("service", "account"))
    if info.get("source") == "passphrase":
        salt = info.get("salt")
        return (
            info.get("kdf") == "argon2id"
            and isinstance(salt, str)
            and len(salt) == 2 * SALT_BYTES
            and all(c in "0123456789abcdef" for c in salt)
            and _in_range(info.get("opslimit"), argon.OPSLIMIT_MIN, argon.OPSLIMIT_MAX)
            and _in_range(info.get("memlimit"), argon.MEMLIMIT_MIN, argon.MEMLIMIT_MAX)
        )
    return False


def _in_range(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _write_unlock_file(paths: Paths, info: dict[str, Any]) -> None:
    write_private_file(
        paths.unlock_file, json.dumps({"version": _UNLOCK_VERSION, **info}, indent=2)
    )
