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
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import nacl.encoding
import nacl.hash
import nacl.pwhash
import nacl.utils

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


@dataclass(frozen=True)
class NotDeleted:
    """Something `wipe` could not delete: `path`, and the system's `reason` (its own words)."""

    path: Path
    reason: str


@dataclass(frozen=True)
class ForeignFilesKept:
    """A folder `wipe` left in place because it holds files peertui did not create."""

    folder: Path
    names: tuple[str, ...]


@dataclass(frozen=True)
class KeyringEntryKept:
    """The keyring entry holding this home's key was not removed: `reason` is the keyring's
    own words, or "" when no safe keyring is active now."""

    service: str
    account: str
    reason: str = ""


@dataclass(frozen=True)
class KeyringEntryUnknown:
    """The unlock file is damaged, so which keyring entry this home used is not known."""

    unlock_file: Path
    service: str


# What `wipe` reports for each thing that remains; worded by `peertui.ui.problems.leftover`.
Leftover = NotDeleted | ForeignFilesKept | KeyringEntryKept | KeyringEntryUnknown


class StoreError(Exception):
    """The local store cannot do what was asked. The typed ones carry facts, worded by
    `peertui.ui.problems.problem`; their `str()` is a short English line for logs."""


@dataclass(frozen=True)
class KeyringRefused:
    """The active keyring keeps keys in a file anyone with the disk can read, so peertui does
    not use it: `name` is its backend's class (module and name)."""

    name: str


class NoKey(Enum):
    """Why no key is available (`NoKeyAvailable.why`)."""

    KEYRING_WOULD_NOT_STORE = "keyring_would_not_store"  # reason: the keyring's words
    NO_KEYRING_NO_PASSPHRASE = "no_keyring_no_passphrase"  # refused: a keyring not used
    KEYRING_GONE = "keyring_gone"  # home; refused: the keyring answering now, if unsafe
    KEYRING_UNREADABLE = "keyring_unreadable"  # reason: the keyring's words
    KEY_NOT_IN_KEYRING = "key_not_in_keyring"  # home, service, account
    PASSPHRASE_NEEDED = "passphrase_needed"  # home


class NoKeyAvailable(StoreError):
    """Neither a usable keyring nor a passphrase is available to unlock the database: `why`
    (a `NoKey`) and the facts its sentence names."""

    def __init__(
        self,
        why: NoKey,
        home: Path | None = None,
        reason: str = "",
        refused: KeyringRefused | None = None,
        service: str = "",
        account: str = "",
    ) -> None:
        super().__init__(f"no key available ({why.value})")
        self.why = why
        self.home = home
        self.reason = reason
        self.refused = refused
        self.service = service
        self.account = account


class WrongPassphrase(StoreError):
    """The passphrase given does not unlock this home (`home`)."""

    def __init__(self, home: Path) -> None:
        super().__init__("the passphrase does not unlock this home")
        self.home = home


class KeyringKeyMismatch(StoreError):
    """The key the keyring holds under `account` does not unlock this home (`home`)."""

    def __init__(self, account: str, home: Path) -> None:
        super().__init__("the keyring's key does not unlock this home")
        self.account = account
        self.home = home


class UnlockFileMissing(StoreError):
    """The database in `data_dir` exists but its unlock file (`name`) does not."""

    def __init__(self, data_dir: Path, name: str) -> None:
        super().__init__("the database has no unlock file")
        self.data_dir = data_dir
        self.name = name


UnlockFault = Literal["unreadable", "not_json", "invalid"]


class UnlockFileUnusable(StoreError):
    """The unlock file `unlock_file` could not be read (`reason`, the system's words), is not
    JSON, or does not hold what an unlock file holds."""

    def __init__(self, unlock_file: Path, fault: UnlockFault, reason: str = "") -> None:
        super().__init__(f"the unlock file is unusable ({fault})")
        self.unlock_file = unlock_file
        self.fault: UnlockFault = fault
        self.reason = reason


def database_key(paths: Paths, passphrase: str | None = None) -> bytes:
    """The raw key for this home's database, creating one (and its unlock file) for a new home."""
    info = _read_unlock_file(paths)
    if info is None:
        if paths.db_file.exists() and paths.db_file.stat().st_size > 0:
            raise UnlockFileMissing(paths.data_dir, paths.unlock_file.name)
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


def forget_key(paths: Paths) -> list[Leftover]:
    """Remove this home's keyring entry, if it has one; returns what could not be removed."""
    try:
        info = _read_unlock_file(paths)
    except StoreError:
        return [KeyringEntryUnknown(paths.unlock_file, KEYRING_SERVICE)]
    if info is None or info["source"] != "keyring":
        return []
    backend = _secure_keyring()
    if backend is None:
        return [KeyringEntryKept(KEYRING_SERVICE, info["account"])]
    try:
        backend.delete_password(KEYRING_SERVICE, info["account"])
    except keyring.errors.PasswordDeleteError:
        pass  # already gone: exactly what was wanted
    except keyring.errors.KeyringError as exc:
        return [KeyringEntryKept(KEYRING_SERVICE, info["account"], str(exc) or type(exc).__name__)]
    return []


def keyring_usable() -> bool:
    return _secure_keyring() is not None


def keyring_refusal() -> KeyringRefused | None:
    """The active keyring, when it is not used because it would keep the key in a file anyone
    with the disk can read; None when there is a safe keyring or none at all."""
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
    return KeyringRefused(type(insecure[0]).__module__ + "." + type(insecure[0]).__name__)


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
                raise NoKeyAvailable(NoKey.KEYRING_WOULD_NOT_STORE, reason=str(exc)) from exc
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
    if passphrase is None:
        raise NoKeyAvailable(NoKey.NO_KEYRING_NO_PASSPHRASE, refused=keyring_refusal())
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
        raise NoKeyAvailable(NoKey.KEYRING_GONE, paths.home, refused=keyring_refusal())
    try:
        stored = backend.get_password(info["service"], info["account"])
    except keyring.errors.KeyringError as exc:
        raise NoKeyAvailable(NoKey.KEYRING_UNREADABLE, reason=str(exc)) from exc
    if stored is None:
        raise NoKeyAvailable(
            NoKey.KEY_NOT_IN_KEYRING,
            paths.home,
            service=info["service"],
            account=info["account"],
        )
    try:
        key = bytes.fromhex(stored)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES or not hmac.compare_digest(_check_value(key), info["check"]):
        raise KeyringKeyMismatch(info["account"], paths.home)
    return key


def _key_from_passphrase(paths: Paths, info: dict[str, Any], passphrase: str | None) -> bytes:
    if passphrase is None:
        raise NoKeyAvailable(NoKey.PASSPHRASE_NEEDED, paths.home)
    key = _derive(passphrase, bytes.fromhex(info["salt"]), info["opslimit"], info["memlimit"])
    if not hmac.compare_digest(_check_value(key), info["check"]):
        raise WrongPassphrase(paths.home)
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
        raise UnlockFileUnusable(paths.unlock_file, "unreadable", exc.strerror or str(exc)) from exc
    except ValueError as exc:
        raise UnlockFileUnusable(paths.unlock_file, "not_json") from exc
    if not _valid_unlock(info):
        raise UnlockFileUnusable(paths.unlock_file, "invalid")
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
