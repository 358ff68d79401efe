"""The encrypted local store: every method, both key sources, and what is (not) left on disk."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import re
import stat
from dataclasses import replace
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest
import sqlcipher3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.core.conftest import PASSPHRASE

from peertui.config import Settings, save_settings
from peertui.core.keys import ForeignFilesKept, KeyringEntryKept, KeyringEntryUnknown, NotDeleted
from peertui.core.store import (
    DatabaseKeyMismatch,
    DatabaseTooNew,
    DatabaseUnopenable,
    ExportRefused,
    Message,
    NoKeyAvailable,
    StorageFull,
    Store,
    StoreError,
    WrongPassphrase,
    order_key,
    wipe,
)
from peertui.paths import resolve_paths
from peertui.ui.problems import leftover, problem
from peertui.ui.wording import export_words

__all__ = ["PASSPHRASE"]  # imported from here by the search and keyring tests

# A passphrase home, as on this machine (no keyring): tests/core/conftest.py.
pytestmark = pytest.mark.usefixtures("no_keyring")


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Stands in for an OS keyring, which this headless machine does not have.

    It deliberately has no `priority`: keyring auto-registers every backend subclass, and one
    with a priority would become the default keyring for every other test in this process.
    """

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such entry")


@pytest.fixture
def memory_keyring():
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


def message(i: int, group: str = "g1", text: str | None = None, **extra) -> Message:
    return Message(
        group_id=group,
        msg_id=f"m{i}",
        seq=i,
        sender=f"key{i % 3}",
        nick=f"nick{i % 3}",
        text=text if text is not None else f"message number {i}",
        ts=1_700_000_000_000 + i * 1000,
        **extra,
    )


def unnumbered(m: Message | None) -> Message | None:
    """A stored message compared with one built here: the store gave it its number."""
    return (
        None
        if m is None
        else replace(m, number=0, extra={k: v for k, v in m.extra.items() if k != "late_before"})
    )


def snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    return {
        str(p.relative_to(root)): (
            p.stat().st_mtime_ns,
            p.stat().st_size,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# -- every method round trips ---------------------------------------------------------------


def test_json_values_round_trip_and_delete(store):
    assert store.get("safety_plan") is None
    assert store.get("safety_plan", {"empty": True}) == {"empty": True}
    plan = {"warning_signs": ["can't sleep", "skipping meals"], "n": 2, "ok": True}
    store.put("safety_plan", plan)
    assert store.get("safety_plan") == plan
    store.put("safety_plan", ["replaced"])
    assert store.get("safety_plan") == ["replaced"]
    store.delete("safety_plan")
    assert store.get("safety_plan") is None


def test_unstorable_value_is_a_clear_error(store):
    with pytest.raises(StoreError) as refused:
        store.put("bad", {"bytes": b"\x00"})
    assert re.search("cannot be stored as JSON", problem(refused.value))
    with pytest.raises(StoreError) as refused:
        store.add_message(message(1, extra={"x": float("nan")}))
    assert re.search("cannot be stored as JSON", problem(refused.value))
    assert store.get("bad") is None and store.get_message("g1", "m1") is None


def test_groups_round_trip_in_creation_order(store):
    store.save_group("g2", {"name": "Tuesday circle", "seq": 4})
    store.save_group("g1", {"name": "Night owls"})
    store.save_group("g2", {"name": "Tuesday circle", "seq": 9})  # update keeps its place
    assert store.load_group("g2") == {"name": "Tuesday circle", "seq": 9}
    assert store.load_group("nope") is None
    assert store.list_groups() == [
        {"name": "Tuesday circle", "seq": 9, "group_id": "g2"},
        {"name": "Night owls", "group_id": "g1"},
    ]


def test_delete_group_forgets_state_history_and_outbox(store):
    store.save_group("g1", {"name": "one"})
    store.save_group("g2", {"name": "two"})
    store.add_messages([message(1, "g1"), message(2, "g2")])
    store.outbox_add("g1", "o1", {"text": "later"})
    store.outbox_add("g2", "o2", {"text": "later too"})
    store.delete_group("g1")
    assert store.load_group("g1") is None
    assert store.latest("g1") == []
    assert [unnumbered(m) for m in store.search("message")] == [message(2, "g2")]
    assert store.outbox_list() == [("g2", "o2", {"text": "later too"})]


def test_messages_round_trip_and_are_idempotent(store):
    full = message(7, cw="self-harm", kind="text", extra={"reply_to": "m3"})
    assert store.add_message(full) is True
    assert store.add_message(message(7, text="a different body")) is False
    assert store.get_message("g1", "m7") == full
    assert store.get_message("g1", "m8") is None
    assert store.get_message("other", "m7") is None
    # The same msg_id in another group is another message.
    assert store.add_message(message(7, group="g2")) is True
    assert store.add_messages([message(7), message(8), message(9), message(8)]) == 2
    assert [m.msg_id for m in store.latest("g1")] == ["m7", "m8", "m9"]


def test_message_by_seq_finds_the_relay_numbered_message(store):
    store.add_messages([message(3), message(4), message(3, group="g2")])
    store.add_message(Message("g1", "unsent", 0, "k", "me", "still in the outbox", 9))
    assert unnumbered(store.message_by_seq("g1", 4)) == message(4)
    assert unnumbered(store.message_by_seq("g2", 3)) == message(3, group="g2")
    assert store.message_by_seq("g1", 5) is None
    assert store.message_by_seq("g1", 0) is None  # 0 means "not yet numbered by the relay"


def test_latest_pages_backwards_without_losing_anything(store):
    store.add_messages(message(i) for i in range(1, 238))
    store.add_messages(message(i, group="other") for i in range(1, 50))
    page = store.latest("g1", limit=50)
    assert [m.seq for m in page] == list(range(188, 238))  # newest page, oldest first
    seen = list(page)
    while page:
        page = store.latest("g1", limit=50, before_ts=page[0].ts)
        seen = page + seen
    assert [m.seq for m in seen] == list(range(1, 238))
    assert all(m.group_id == "g1" for m in seen)


def test_paging_by_message_keeps_messages_that_share_a_millisecond(store):
    stored = [replace(message(i), ts=1000 + i // 4) for i in range(1, 42)]
    store.add_messages(stored)
    page = store.latest("g1", limit=5)
    seen = list(page)
    while page:
        page = store.latest("g1", limit=5, before_ts=page[0].ts, before_msg_id=page[0].msg_id)
        seen = page + seen
    # Every message once, in the shared order (same millisecond: sender, then message id).
    assert [m.msg_id for m in seen] == [m.msg_id for m in sorted(stored, key=order_key)]
    assert [m.msg_id for m in seen] != [m.msg_id for m in stored]  # not the stored order
    # A before_msg_id that is not stored falls back to "strictly before before_ts".
    assert all(m.ts < 1005 for m in store.latest("g1", 50, 1005, before_msg_id="nope"))


def test_latest_uses_the_display_order_index(store):
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    store.latest("g1", 50)
    store.latest("g1", 50, before_ts=5, before_msg_id="m1")
    store._db.set_trace_callback(None)
    pages = [s for s in statements if "ORDER BY ts DESC" in s]
    assert len(pages) == 2
    for sql in pages:
        plan = " ".join(row[-1] for row in store._db.execute("EXPLAIN QUERY PLAN " + sql))
        assert "messages_in_order" in plan and "TEMP B-TREE" not in plan, plan


def test_search_finds_words_prefixes_and_respects_group(store):
    store.add_message(message(1, text="Feeling anxious about tomorrow's appointment"))
    store.add_message(message(2, text="Breathing exercises helped with the anxiety"))
    store.add_message(message(3, group="g2", text="Anxiety again tonight"))
    store.add_message(message(4, text="Café was calm"))
    assert [m.msg_id for m in store.search("anxi")] == ["m3", "m2", "m1"]  # newest first
    assert [m.msg_id for m in store.search("ANXIETY", group_id="g1")] == ["m2"]
    assert [m.msg_id for m in store.search("anxious appointment")] == ["m1"]
    assert [m.msg_id for m in store.search("cafe")] == ["m4"]  # diacritics folded
    assert store.search("anxiety", limit=1) == [store.get_message("g2", "m3")]
    assert store.search("") == [] and store.search("   ") == []


HOSTILE = [
    '"',
    '""',
    '"unterminated',
    "*",
    "**",
    "anx*",
    "AND",
    "OR",
    "NOT",
    "a AND",
    "OR b",
    "-",
    "-anxiety",
    "+",
    "NEAR(a b)",
    "NEAR(",
    "(",
    ")",
    "((",
    "^",
    "^start",
    "text:anxiety",
    "col:x",
    "{a b}",
    "a:b:c",
    "\x00",
    "x\x00y",
    "'; DROP TABLE messages; --",
    "\\",
    "%",
    "_",
    "\u202e",
    "🙂",
    "a" * 5000,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_search_queries_never_raise(store, query):
    store.add_message(message(1, text="anxiety and - OR the words AND NOT NEAR"))
    results = store.search(query)
    assert isinstance(results, list)
    assert all(isinstance(m, Message) for m in results)
    assert store.get_message("g1", "m1") is not None  # nothing was dropped


def test_operator_words_are_searched_as_words(store):
    store.add_message(message(1, text="this AND that"))
    store.add_message(message(2, text="this that"))
    assert [m.msg_id for m in store.search('"AND"')] == ["m1"]
    assert [m.msg_id for m in store.search("NEAR(this")] == []


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=40))
def test_any_typed_query_is_safe(store, query):
    assert isinstance(store.search(query), list)


def test_mark_removed_erases_the_text_and_its_search_entry(store):
    store.add_message(message(1, text="my phone number is 555 0100", cw="personal"))
    assert store.mark_removed("g1", "m1", "personal information") is True
    removed = store.get_message("g1", "m1")
    assert removed.removed_reason == "personal information"
    assert removed.text == "" and removed.cw == ""
    assert store.search("phone") == []
    assert store.mark_removed("g1", "missing", "spam") is False


def test_purge_history_deletes_only_older_messages(store):
    store.add_messages(message(i) for i in range(1, 11))
    cutoff = message(6).ts
    assert store.purge_history(cutoff) == 5
    assert [m.seq for m in store.latest("g1")] == [6, 7, 8, 9, 10]
    assert store.search("message") and all(m.seq >= 6 for m in store.search("message"))
    assert store.purge_history(cutoff) == 0


def test_export_writes_readable_owner_only_text(store, paths):
    store.save_group("g1", {"name": "Night owls"})
    store.add_message(message(1, text="first line\nsecond line"))
    store.add_message(message(2, text="about the hard thing", cw="grief"))
    store.add_message(message(3, text="rude words"))
    store.mark_removed("g1", "m3", "guideline 2")
    store.add_message(message(4, group="g2", text="not in this group"))
    target = paths.exports_dir / "night-owls.txt"
    assert store.export_group("g1", target, export_words()) == 3
    text = target.read_text(encoding="utf-8")
    assert 'group "Night owls"' in text and "NOT encrypted" in text
    assert "nick1: first line\n    second line\n" in text
    assert "nick2: [content warning: grief] about the hard thing" in text
    assert "nick0: (removed by moderators: guideline 2)" in text
    assert "rude words" not in text and "not in this group" not in text
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in paths.exports_dir.iterdir()] == ["night-owls.txt"]


def test_export_pages_through_long_histories(store, tmp_path):
    store.add_messages(message(i) for i in range(1, 4502))
    assert store.export_group("g1", tmp_path / "all.txt", export_words()) == 4501
    lines = (tmp_path / "all.txt").read_text().splitlines()
    assert lines[3].endswith("message number 1") and lines[-1].endswith("message number 4501")


def test_export_to_a_bad_place_is_a_sentence(store, tmp_path):
    with pytest.raises(ExportRefused) as missing:
        store.export_group("g1", tmp_path / "missing" / "out.txt", export_words())
    assert missing.value.fault == "no_folder"
    assert problem(missing.value) == (
        f"The folder {tmp_path / 'missing'} does not exist, so nothing was exported."
    )
    with pytest.raises(ExportRefused) as folder:
        store.export_group("g1", tmp_path, export_words())
    assert problem(folder.value) == f"{tmp_path} is a folder; give a file name to export to."


def test_outbox_survives_close_and_reopen_in_order(paths):
    with Store.open(paths, PASSPHRASE) as first:
        first.outbox_add("g1", "o1", {"text": "typed offline", "cw": ""})
        first.outbox_add("g2", "o2", {"text": "other group"})
        first.outbox_add("g1", "o3", {"text": "second"})
        first.outbox_add("g1", "o1", {"text": "typed offline, edited"})  # same item, same place
    with Store.open(paths, PASSPHRASE) as second:
        assert second.outbox_list() == [
            ("g1", "o1", {"text": "typed offline, edited"}),
            ("g2", "o2", {"text": "other group"}),
            ("g1", "o3", {"text": "second"}),
        ]
        assert [item for _, item, _ in second.outbox_list("g1")] == ["o1", "o3"]
        second.outbox_remove("o1")
        second.outbox_remove("never-added")
    with Store.open(paths, PASSPHRASE) as third:
        assert [item for _, item, _ in third.outbox_list()] == ["o2", "o3"]


# -- nothing readable at rest ---------------------------------------------------------------

SECRETS = [
    "Zanzibar-hedgehog-4471 told me about the bridge",
    "Quillowisp",
    "Thursday Lantern Circle",
    "marmalade-safety-contact-0712",
    "outbox-pelican-secret",
    "cw-topic-obsidian",
]


def scan_for_secrets(root: Path) -> list[tuple[str, str]]:
    found = []
    for file in root.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            for secret in SECRETS:
                for encoded in (secret.encode("utf-8"), secret.encode("utf-16-le")):
                    if encoded in data:
                        found.append((file.name, secret))
    return found


def test_no_plaintext_in_any_file_open_or_closed(paths):
    store = Store.open(paths, PASSPHRASE)
    store.save_group("g1", {"name": SECRETS[2]})
    store.add_messages(message(i, text=f"{SECRETS[0]} #{i}", cw=SECRETS[5]) for i in range(300))
    store.add_message(Message("g1", "x", 1, "k", SECRETS[1], "hi", 5))
    store.put("safety_plan", {"people": [SECRETS[3]]})
    store.outbox_add("g1", "o1", {"text": SECRETS[4]})
    assert store.search("Zanzibar")  # the index holds the words too
    files = {p.name for p in paths.data_dir.iterdir()}
    assert {"peertui.db", "peertui.db-wal", "peertui.db-shm"} <= files
    assert scan_for_secrets(paths.home) == []  # while open, with data still in the WAL
    store.close()
    assert scan_for_secrets(paths.home) == []
    for name in ("peertui.db", "peertui.db-wal", "peertui.db-shm"):
        file = paths.data_dir / name
        if file.exists():
            assert stat.S_IMODE(file.stat().st_mode) == 0o600
    # Sanity check that the scan can see plaintext when it is there.
    (paths.home / "control.txt").write_text(SECRETS[0])
    assert scan_for_secrets(paths.home) == [("control.txt", SECRETS[0])]


# -- where the key comes from ---------------------------------------------------------------


def test_keyring_path_stores_a_random_hex_key(paths, memory_keyring):
    with Store.open(paths) as store:
        store.put("k", "v")
    unlock = json.loads(paths.unlock_file.read_text())
    assert unlock["source"] == "keyring"
    assert "salt" not in unlock
    [(service, _account)] = memory_keyring.entries
    assert service == "peertui"
    key_hex = next(iter(memory_keyring.entries.values()))
    assert len(bytes.fromhex(key_hex)) == 32
    assert key_hex not in paths.unlock_file.read_text()
    with Store.open(paths) as again:
        assert again.get("k") == "v"


def test_two_homes_get_two_keyring_entries(tmp_path, memory_keyring):
    for name in ("a", "b"):
        Store.open(resolve_paths(tmp_path / name)).close()
    assert len(memory_keyring.entries) == 2
    assert len(set(memory_keyring.entries.values())) == 2


def test_keyring_home_with_its_key_gone_says_so(paths, memory_keyring):
    Store.open(paths).close()
    memory_keyring.entries.clear()
    with pytest.raises(NoKeyAvailable) as refused:
        Store.open(paths)
    assert re.search("not there", problem(refused.value))


def test_passphrase_path_with_the_fail_backend(paths, monkeypatch):
    assert isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)
    monkeypatch.setenv("PEERTUI_PASSPHRASE", PASSPHRASE)
    with Store.open(paths) as store:
        store.put("k", 1)
    unlock = json.loads(paths.unlock_file.read_text())
    assert unlock["source"] == "passphrase" and unlock["kdf"] == "argon2id"
    assert len(bytes.fromhex(unlock["salt"])) == 16
    assert PASSPHRASE not in paths.unlock_file.read_text()
    monkeypatch.delenv("PEERTUI_PASSPHRASE")
    with Store.open(paths, PASSPHRASE) as store:  # the argument works as well as the variable
        assert store.get("k") == 1


def test_passphrase_home_keeps_its_passphrase_when_a_keyring_appears(paths, memory_keyring):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    Store.open(paths, PASSPHRASE).close()
    keyring.set_keyring(memory_keyring)
    with pytest.raises(NoKeyAvailable) as refused:
        Store.open(paths)
    assert re.search("protected by a passphrase", problem(refused.value))
    Store.open(paths, PASSPHRASE).close()
    assert memory_keyring.entries == {}


def test_no_keyring_and_no_passphrase_is_no_key_available(paths):
    with pytest.raises(NoKeyAvailable) as refused:
        Store.open(paths)
    assert "PEERTUI_PASSPHRASE" in problem(refused.value) and "keyring" in problem(refused.value)
    assert list(paths.data_dir.iterdir()) == []


def test_wrong_passphrase_is_refused_and_the_home_untouched(paths):
    with Store.open(paths, PASSPHRASE) as store:
        store.add_message(message(1))
    save_settings(paths, Settings(theme="calm"))
    before = snapshot(paths.home)
    assert "data/peertui.db" in before and "data/unlock.json" in before
    with pytest.raises(WrongPassphrase) as refused:
        Store.open(paths, "not the passphrase")
    assert problem(refused.value).startswith("The passphrase does not unlock this peertui home")
    assert str(paths.home) not in str(refused.value)  # a log line names no folder
    assert snapshot(paths.home) == before
    with Store.open(paths, PASSPHRASE) as store:
        assert unnumbered(store.get_message("g1", "m1")) == message(1)


def test_keyring_home_without_a_keyring_is_no_key_available(paths, memory_keyring):
    Store.open(paths).close()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.raises(NoKeyAvailable) as refused:
        Store.open(paths, PASSPHRASE)
    assert re.search("could not be read", problem(refused.value))


def test_database_from_another_home_is_refused_quietly(tmp_path, capfd):
    first, second = resolve_paths(tmp_path / "one"), resolve_paths(tmp_path / "two")
    Store.open(first, PASSPHRASE).close()
    Store.open(second, PASSPHRASE).close()
    second.db_file.write_bytes(first.db_file.read_bytes())
    with pytest.raises(DatabaseKeyMismatch) as refused:
        Store.open(second, PASSPHRASE)
    assert "cannot be read with this home's key" in problem(refused.value)
    assert capfd.readouterr().err == ""  # SQLCipher's own error log stays out of the terminal


def test_unusable_data_folder_is_a_sentence(paths):
    paths.data_dir.rmdir()
    paths.data_dir.write_text("a file where the data folder should be")
    with pytest.raises(StoreError) as refused:
        Store.open(paths, PASSPHRASE)
    assert re.search(r"could not be read \(Not a directory\)", problem(refused.value))


def test_database_path_taken_by_a_folder_is_a_sentence(paths):
    Store.open(paths, PASSPHRASE).close()
    paths.db_file.unlink()
    paths.db_file.mkdir()
    with pytest.raises(DatabaseUnopenable) as refused:
        Store.open(paths, PASSPHRASE)
    assert "could not be opened" in problem(refused.value)


def test_damaged_or_missing_unlock_file_is_a_sentence(paths):
    Store.open(paths, PASSPHRASE).close()
    paths.unlock_file.write_text('{"source": "passphrase"}')
    with pytest.raises(StoreError) as refused:
        Store.open(paths, PASSPHRASE)
    assert re.search("is damaged", problem(refused.value))
    paths.unlock_file.write_text("{not json")
    with pytest.raises(StoreError) as refused:
        Store.open(paths, PASSPHRASE)
    assert re.search("is damaged", problem(refused.value))
    paths.unlock_file.unlink()
    with pytest.raises(StoreError) as refused:
        Store.open(paths, PASSPHRASE)
    assert re.search("no unlock file", problem(refused.value))


# -- full disk --------------------------------------------------------------------------------


def test_full_disk_is_storage_full_and_keeps_what_was_stored(paths):
    store = Store.open(paths, PASSPHRASE)
    store.add_messages(message(i) for i in range(50))
    (pages,) = store._db.execute("PRAGMA page_count").fetchone()
    # SQLite's page limit produces exactly the error a full disk does (SQLITE_FULL).
    store._db.execute(f"PRAGMA max_page_count = {pages + 2}")
    big = "x" * 3000
    with pytest.raises(StorageFull) as full:
        for i in range(50, 200):
            store.add_message(message(i, text=f"{big} {i}"))
    words = problem(full.value)
    assert "disk is full" in words and "nothing saved earlier was lost" in words
    assert full.value.during == "save"
    with pytest.raises(StorageFull):
        store.add_messages(message(i, text=big) for i in range(1000, 1100))
    store.close()
    with Store.open(paths, PASSPHRASE) as reopened:
        kept = reopened.latest("g1", limit=1000)
        assert [m.seq for m in kept[:50]] == list(range(50))
        assert all(m.seq < 1000 for m in kept)  # the failed batch left nothing half-written
        assert unnumbered(reopened.get_message("g1", "m0")) == message(0)


# -- wipe -------------------------------------------------------------------------------------


def test_wipe_leaves_nothing_behind(paths, memory_keyring):
    store = Store.open(paths)
    store.add_messages(message(i) for i in range(20))
    store.export_group("g1", paths.exports_dir / "g1.txt", export_words())
    store.close()
    save_settings(paths, Settings(theme="light"))
    (paths.themes_dir / "mine.toml").write_text("name = 'mine'\n")
    assert memory_keyring.entries
    assert wipe(paths) == []
    assert not paths.home.exists()
    assert memory_keyring.entries == {}
    assert wipe(paths) == []  # wiping twice is harmless


def test_wipe_of_passphrase_home_and_what_it_cannot_remove(paths):
    with Store.open(paths, PASSPHRASE) as store:
        store.add_message(message(1))
    (paths.home / "notes.txt").write_text("the user's own file")
    problems = wipe(paths)
    assert problems == [ForeignFilesKept(paths.home, ("notes.txt",))]
    assert leftover(problems[0]) == (
        f"{paths.home} still holds files peertui did not create (notes.txt); they were left alone."
    )
    assert sorted(p.name for p in paths.home.iterdir()) == ["notes.txt"]


def test_wipe_reports_a_keyring_that_refuses(paths, memory_keyring):
    Store.open(paths).close()

    def refuse(service, username):
        raise keyring.errors.KeyringError("keyring is locked")

    memory_keyring.delete_password = refuse
    problems = wipe(paths)
    assert len(problems) == 1 and isinstance(problems[0], KeyringEntryKept)
    assert problems[0].reason == "keyring is locked"
    assert leftover(problems[0]) == (
        f"The database key in the system keyring (service 'peertui', account "
        f"'{problems[0].account}') could not be removed: keyring is locked."
    )
    assert not paths.db_file.exists()


def test_wipe_names_a_damaged_unlock_file_and_a_file_it_cannot_delete(paths, monkeypatch):
    Store.open(paths, PASSPHRASE).close()
    paths.unlock_file.write_text("{not json")
    real_unlink = Path.unlink

    def refuse_the_config(self, missing_ok=False):
        if self == paths.config_file:
            raise PermissionError(13, "Permission denied")
        return real_unlink(self, missing_ok=missing_ok)

    paths.config_file.write_text("")
    monkeypatch.setattr(Path, "unlink", refuse_the_config)
    problems = wipe(paths)
    assert problems[0] == KeyringEntryUnknown(paths.unlock_file, "peertui")
    assert NotDeleted(paths.config_file, "Permission denied") in problems
    assert leftover(problems[0]).startswith(f"The unlock file {paths.unlock_file} is damaged")
    assert leftover(NotDeleted(paths.config_file, "Permission denied")) == (
        f"{paths.config_file} could not be deleted (Permission denied)."
    )


def test_the_test_keyring_is_never_chosen_automatically():
    import keyring.core

    assert MemoryKeyring not in set(keyring.backend.KeyringBackend.get_viable_backends())
    assert not isinstance(keyring.core._detect_backend(), MemoryKeyring)


def test_search_is_driven_by_the_full_text_index(store):
    """Regression: a plain JOIN let SQLite walk the group by time and match row by row."""
    store.add_messages(message(i) for i in range(1, 100))
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    assert store.search("number", group_id="g1", limit=5)
    store._db.set_trace_callback(None)
    search_sql = [s for s in statements if "MATCH" in s and not s.startswith("--")]
    assert search_sql
    for sql in search_sql:
        plan = [row[-1] for row in store._db.execute("EXPLAIN QUERY PLAN " + sql)]
        assert any(step.startswith("SCAN messages_fts") for step in plan), plan
        # Walking the group's time index would mean one full-text match per stored message.
        assert not any("messages_in_order" in step for step in plan), plan


def test_threads_can_share_one_store(store):
    import threading

    def writer(n: int) -> None:
        store.add_messages(message(n * 1000 + i) for i in range(100))
        for i in range(100, 150):
            store.add_message(message(n * 1000 + i))
            store.latest("g1", 10)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(store.latest("g1", limit=10_000)) == 600


def test_search_lists_a_late_arrival_at_its_place_in_time(store):
    """The documented rule: search pages are cut in the display order (the sender's time,
    then the number), as the conversation shows them, whenever a message was stored."""
    store.add_messages(message(i, text=f"garden note {i}") for i in range(1, 6))
    late = dataclasses.replace(
        message(6, text="garden from last week"), ts=message(1).ts - 7 * 86_400_000
    )
    store.add_message(late)
    store.add_message(message(7, group="g2", text="garden elsewhere"))
    assert [m.msg_id for m in store.search("garden")] == ["m7", "m5", "m4", "m3", "m2", "m1", "m6"]
    # The newest three of g1 by time: the week-old message, stored last, is not among them.
    assert [m.msg_id for m in store.search("garden", group_id="g1", limit=3)] == [
        "m5",
        "m4",
        "m3",
    ]
    (found,) = store.search("garden last week")
    # It keeps its number (the 6th stored) and says which message it comes before.
    assert found.number == 6 and found.extra["late_before"] == 1


def test_search_never_sorts_all_matches(store):
    """Newest-first comes from the index's row order: no sort over every match (that sort made
    a common word cost seconds in a million messages)."""
    store.add_messages(message(i) for i in range(1, 50))
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    store.search("number", group_id="g1")
    store.search("number")
    store._db.set_trace_callback(None)
    for sql in (s for s in statements if "MATCH" in s and not s.startswith("--")):
        plan = [row[-1] for row in store._db.execute("EXPLAIN QUERY PLAN " + sql)]
        assert not any("TEMP B-TREE" in step for step in plan), plan


# As a home written before search keys and the list of search terms (schema version 4).
V4_SEARCH = """
DROP TRIGGER search_terms_insert; DROP TRIGGER search_terms_update;
DROP TABLE search_terms; DROP TABLE search_terms_pending;
DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete; DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;
DROP INDEX messages_by_search_key;
ALTER TABLE messages DROP COLUMN search_key;
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
PRAGMA user_version = 4;
"""
# As a home of schema version 3 (the same order index as version 4 here; it is made again).
V3_SEARCH = V4_SEARCH + "PRAGMA user_version = 3;\n"
# As a home written before message numbers (schema version 2) stored its messages.
V2_MESSAGES = (
    V3_SEARCH
    + """
DROP INDEX messages_by_number; DROP INDEX messages_in_order;
ALTER TABLE messages DROP COLUMN number;
CREATE INDEX messages_by_group_time ON messages (group_id, ts);
DELETE FROM kv WHERE key = 'message_numbers';
PRAGMA user_version = 2;
"""
)
V1_FTS = (
    V2_MESSAGES
    + """
DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete; DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
PRAGMA user_version = 1;
"""
)


def test_a_version_1_history_gets_prefix_indexes_and_keeps_every_message_searchable(paths):
    with Store.open(paths, PASSPHRASE) as store:
        store.add_messages(message(i, text=f"tea number {i}") for i in range(1, 30))
        store._db.executescript(V1_FTS)  # as a home written before prefix indexes
        # The old index answers too, slowly.
        assert store._db.execute(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'te*'"
        ).fetchone() == (29,)
    with Store.open(paths, PASSPHRASE) as store:
        (version,) = store._db.execute("PRAGMA user_version").fetchone()
        (sql,) = store._db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'messages_fts'"
        ).fetchone()
        assert version == 6 and "prefix = '1 2 3'" in sql
        assert [m.msg_id for m in store.search("t", group_id="g1", limit=3)] == [
            "m29",
            "m28",
            "m27",
        ]
        store.add_message(message(30, text="tea after the update"))
        assert store.search("te")[0].msg_id == "m30"  # the triggers feed the new index
        assert len(store.search("tea", limit=100)) == 30


def test_a_transaction_keeps_its_writes_together_or_not_at_all(store):
    with store.transaction("the batch"):
        store.add_message(message(1))
        store.put("cursor", 1)
        with store.transaction("a nested part"):  # joins the open one
            store.put("unread", 1)
    assert store.get("cursor") == 1 and store.get("unread") == 1 and store.get_message("g1", "m1")

    with pytest.raises(StoreError), store.transaction("the batch"):
        store.add_message(message(2))
        store.put("cursor", 2)
        with contextlib.suppress(StoreError):
            store.put("bad", {1, 2})  # cannot be stored as JSON
        raise StoreError("a later step failed")
    assert store.get("cursor") == 1 and store.get_message("g1", "m2") is None


def test_a_write_that_fails_inside_a_transaction_aborts_it_even_when_caught(store, monkeypatch):
    real_execute = store._db.execute

    class Connection:  # the real connection, with one statement failing as on a full disk
        def __getattr__(self, name):
            return getattr(store._db_real, name)

        def execute(self, sql, *args):
            if sql.startswith("INSERT INTO kv") and args and args[0][0] == "cursor":
                raise sqlcipher3.OperationalError("database or disk is full")
            return real_execute(sql, *args)

    store._db_real = store._db
    store._db = Connection()
    try:
        with pytest.raises(StorageFull), store.transaction("the batch"):
            store.add_message(message(3))
            with contextlib.suppress(sqlcipher3.OperationalError):
                store.put("cursor", 3)  # a careless caller: it must still not commit
    finally:
        store._db = store._db_real
    assert store.get_message("g1", "m3") is None and store.get("cursor") is None


# -- message numbers (the rule: peertui.ui.ordering) ------------------------------------------


def test_numbers_follow_arrival_across_groups_and_never_change_on_reopen(paths):
    """Numbers count up in the order this device stores messages, across groups; history is
    in the display order (sender's time, then number), the same after a reopen."""
    with Store.open(paths, PASSPHRASE) as store:
        # B's three messages reach this device only after A's own later message was stored.
        store.add_message(message(10, text="my own message, written last"))
        for i in (1, 2, 3):
            store.add_message(message(i))
        store.add_message(message(4, group="g2"))
        numbers = {m.msg_id: m.number for m in store.latest("g1")}
        assert numbers == {"m10": 1, "m1": 2, "m2": 3, "m3": 4}
        assert [m.msg_id for m in store.latest("g1")] == ["m1", "m2", "m3", "m10"]
        assert store.latest("g2")[0].number == 5
        # The late ones say which message they belong before: #1, the one stored first.
        assert {m.msg_id: m.extra.get("late_before") for m in store.latest("g1")} == {
            "m1": 1, "m2": 1, "m3": 1, "m10": None
        }  # fmt: skip
    with Store.open(paths, PASSPHRASE) as store:
        assert {m.msg_id: m.number for m in store.latest("g1")} == numbers
        assert store.message_by_number(3).msg_id == "m2"
        assert store.message_by_number(5).group_id == "g2"
        assert store.message_by_number(6) is None
        assert store.highest_number() == 5


def test_a_backlog_stored_in_bulk_is_numbered_and_placed_like_one_at_a_time(paths, tmp_path):
    """Catch-up stores a run in one statement (add_new_messages); its messages get numbers
    and late notes exactly as add_message gives them, out-of-order runs included."""
    arrivals = [message(10), message(1), message(2), message(4, group="g2"), message(3)]
    with Store.open(paths, PASSPHRASE) as store:
        stored = store.add_new_messages([message(10), message(1), message(2)])
        stored += store.add_new_messages([message(4, group="g2"), message(3), message(2)])
        bulk = {(m.group_id, m.msg_id): (m.number, m.extra.get("late_before")) for m in stored}
        reread = {
            (m.group_id, m.msg_id): (m.number, m.extra.get("late_before"))
            for g in ("g1", "g2")
            for m in store.latest(g)
        }
        assert store.highest_number() == 5
    other = resolve_paths(tmp_path / "one-by-one")
    with Store.open(other, PASSPHRASE) as store:
        for m in arrivals:
            store.add_message(m)
        single = {
            (m.group_id, m.msg_id): (m.number, m.extra.get("late_before"))
            for g in ("g1", "g2")
            for m in store.latest(g)
        }
    assert bulk == reread == single
    assert sorted(n for n, _ in single.values()) == [1, 2, 3, 4, 5]
    assert single[("g1", "m1")] == (2, 1) and single[("g1", "m3")] == (5, 1)


def test_a_duplicate_uses_no_number_and_a_purged_number_is_never_given_again(store):
    store.add_messages([message(1), message(2)])
    assert store.add_message(message(2)) is False  # the relay delivered it twice
    store.add_message(message(3))
    assert store.get_message("g1", "m3").number == 3
    # The newest message goes (history clean-up): its number stays used.
    assert store.purge_history(message(4).ts) == 3
    store.add_message(message(4))
    assert store.get_message("g1", "m4").number == 4
    assert store.message_by_number(3) is None


def test_a_reserved_number_is_kept_when_the_queued_message_is_stored(store):
    store.add_message(message(1))
    reserved = store.reserve_number()
    store.outbox_add("g1", "mine", {"text": "typed offline", "number": reserved})
    assert store.outbox_number(reserved) and not store.outbox_number(1)
    store.add_message(message(2))  # arrives while mine waits
    store.add_message(replace(message(3), msg_id="mine", number=reserved))
    assert store.get_message("g1", "mine").number == reserved == 2
    assert store.get_message("g1", "m2").number == 3
    # A number that is taken (or was never given out) is not trusted: a fresh one is given.
    store.add_message(replace(message(5), number=3))
    store.add_message(replace(message(6), number=99))
    assert store.get_message("g1", "m5").number == 4
    assert store.get_message("g1", "m6").number == 5


def test_two_devices_that_stored_messages_in_other_orders_show_one_order(tmp_path):
    # Same millisecond from three senders, and one a second earlier arriving last: device A
    # stores them one at a time, device B in one bulk catch-up in the opposite order.
    same = [replace(message(i), ts=5_000) for i in range(1, 7)] + [replace(message(7), ts=4_000)]
    a = Store.open(resolve_paths(tmp_path / "a"), PASSPHRASE)
    b = Store.open(resolve_paths(tmp_path / "b"), PASSPHRASE)
    try:
        for m in same:
            a.add_message(replace(m, extra={}))
        b.add_new_messages([replace(m, extra={}) for m in reversed(same)])
        expected = ["m7", "m3", "m6", "m1", "m4", "m2", "m5"]  # time, sender, message id
        for store in (a, b):
            assert [m.msg_id for m in store.latest("g1")] == expected
            assert [m.msg_id for m in store._all_messages("g1")] == expected
            assert [m.msg_id for m in store.search("message")] == expected[::-1]
            older = store.latest("g1", 3, before_ts=5_000, before_msg_id="m4")
            assert [m.msg_id for m in older] == ["m3", "m6", "m1"]
        # Numbers still follow arrival on each device, and a late one says where it goes.
        assert [m.number for m in a.latest("g1")] == [7, 3, 6, 1, 4, 2, 5]
        assert [m.number for m in b.latest("g1")] == [1, 5, 2, 7, 4, 6, 3]
        assert a.get_message("g1", "m7").extra["late_before"] == 3
        assert "late_before" not in b.get_message("g1", "m7").extra  # it came first there
    finally:
        a.close()
        b.close()


def test_a_version_2_history_keeps_its_order_as_numbers(paths):
    with Store.open(paths, PASSPHRASE) as store:
        store.add_message(message(5))
        store.add_message(message(2))  # an older message stored later
        store._db.executescript(V2_MESSAGES)
    with Store.open(paths, PASSPHRASE) as store:
        (version,) = store._db.execute("PRAGMA user_version").fetchone()
        assert version == 6
        assert [(m.msg_id, m.number) for m in store.latest("g1")] == [("m2", 2), ("m5", 1)]
        store.add_message(message(7))
        assert store.get_message("g1", "m7").number == 3


def test_newest_time_is_the_latest_display_time_of_the_group(store):
    assert store.newest_time("g1") == 0
    store.add_messages([message(3), message(1), message(2, group="g2")])
    assert store.newest_time("g1") == message(3).ts
    assert store.newest_time("g2") == message(2).ts


def test_own_burst_shown_first_does_not_make_a_message_late(paths):
    """FINDINGS7 F3: a message the relay stored before my own burst, read after my burst was
    stored, goes at its place (before my messages) but is not called late; it still is late
    before others' messages, and before my own the relay stored before it."""
    with Store.open(paths, PASSPHRASE) as store:
        store.note_own_sender("g1", "me")
        base = 1_700_000_000_000
        for seq in (14, 15, 16):  # my burst, written a moment after theirs
            store.add_message(replace(message(seq), sender="me", ts=base + 500 + seq))
        newcomer = replace(message(13), sender="river", ts=base + 100)
        store.add_message(newcomer)
        assert "late_before" not in newcomer.extra
        assert [m.msg_id for m in store.latest("g1")] == ["m13", "m14", "m15", "m16"]
        # Before another member's message it already showed: late, as before.
        other = replace(message(20), sender="alder", ts=base + 900)
        store.add_message(other)
        behind = replace(message(19), sender="river", ts=base + 800)
        store.add_message(behind)
        assert behind.extra["late_before"] == other.number


def test_messages_that_crossed_mine_are_not_late_however_the_relay_ordered_them(paths):
    """Written a moment before mine but stored by the relay just after (its first post shared
    a key first): it crossed mine on the way, so it is not late; written minutes before mine
    and stored after (its sender was offline), it is."""
    with Store.open(paths, PASSPHRASE) as store:
        store.note_own_sender("g1", "me")
        base = 1_700_000_000_000
        store.add_message(replace(message(13), sender="me", ts=base + 25))
        crossed = replace(message(14), sender="river", ts=base)
        store.add_message(crossed)
        assert "late_before" not in crossed.extra
        mine = replace(message(20), sender="me", ts=base + 600_000)
        store.add_message(mine)
        offline = replace(message(21), sender="river", ts=base + 60_000)
        store.add_message(offline)
        assert offline.extra["late_before"] == mine.number


def test_a_database_from_a_newer_peertui_is_refused_in_words(paths):
    with Store.open(paths, PASSPHRASE) as store:
        store._db.execute("PRAGMA user_version = 99")
    with pytest.raises(DatabaseTooNew) as refused:
        Store.open(paths, PASSPHRASE)
    assert refused.value.version == 99
    assert problem(refused.value) == (
        "This peertui database was written by a newer version of peertui; update peertui to "
        "open it."
    )
