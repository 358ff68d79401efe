"""fresh-eyes3 item 11: leaving a group can delete its whole history from this device.

Real relay, real crypto, plain mode. Robin says something, leaves and deletes the history; the
home is then scanned (every file, raw) and the decrypted store read for the group's text,
Robin's nickname in it and the group's name: none is left. Another group on the same device
keeps everything, and the host keeps its own copy.
"""

from __future__ import annotations

from tests.plain.people import PASSPHRASE, start_pair

from peertui.core.store import Store
from peertui.paths import resolve_paths

SAID = "zanzibar marmalade confession"
REPLY = "quokka lighthouse answer"


def raw_files(home) -> bytes:
    return b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())


def test_leave_says_history_stays_and_can_delete_it_everywhere_on_the_device(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    guest.type(SAID)
    host.expect_exact(f"robin: {SAID}")
    host.type(REPLY)
    guest.expect_exact(f"host: {REPLY}")
    guest.run("/leave", "?? Leave Tuesday circle: yes or no?")
    assert "history stays on this device unless you delete it" in guest.transcript
    guest.run("yes", "?? Also delete Tuesday circle's history from this device: yes or no?")
    guest.run("yes", "-- Deleted Tuesday circle and its history from this device.")
    guest.run("/groups", "You are not in a group yet")
    assert guest.quit() == 0

    home = guest.home
    raw = raw_files(home)
    for word in (SAID, REPLY, "zanzibar", "quokka", "Tuesday circle"):
        assert word.encode() not in raw
    with Store.open(resolve_paths(home), PASSPHRASE) as store:
        db = store._db
        assert db.execute("SELECT COUNT(*) FROM messages").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM groups").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM outbox").fetchone() == (0,)
        assert store.search("zanzibar") == [] and store.search("quokka") == []
        everything = " ".join(
            str(row)
            for table in ("kv", "groups", "messages")
            for row in db.execute(f"SELECT * FROM {table}")
        )
        for word in ("zanzibar", "quokka", "Tuesday circle", "robin"):
            assert word not in everything, word
        # The decrypted pages hold no leftover either (zeroed on delete, then rebuilt).
        pages = (
            b"".join(bytes(row[0]) for row in db.execute("SELECT data FROM sqlite_dbpage"))
            if _has_dbpage(db)
            else b""
        )
        for word in (b"zanzibar", b"quokka", b"Tuesday circle"):
            assert word not in pages

    # The host keeps its own copy.
    host.run("/history 5", f"robin: {SAID}")
    assert host.quit() == 0


def _has_dbpage(db) -> bool:
    try:
        db.execute("SELECT 1 FROM sqlite_dbpage LIMIT 1").fetchall()
    except Exception:  # noqa: BLE001 - the page table is compiled in or not
        return False
    return True


def test_leave_and_keep_says_so_and_the_history_is_still_there(plain_user, relay):
    host, guest = start_pair(plain_user, relay.url)
    guest.type(SAID)
    host.expect_exact(f"robin: {SAID}")
    guest.run("/leave", "?? Leave Tuesday circle: yes or no?")
    guest.run("yes", "?? Also delete Tuesday circle's history from this device: yes or no?")
    guest.run("no", "-- Tuesday circle's history stays on this device.")
    assert guest.quit() == 0
    assert host.quit() == 0
    with Store.open(resolve_paths(guest.home), PASSPHRASE) as store:
        assert [m.text for m in store.search("zanzibar")] == [SAID]
