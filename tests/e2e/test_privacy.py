"""Privacy is tested, not promised: after a real conversation nothing readable is left on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.e2e.conftest import form_group

from peertui.core.engine import Engine
from peertui.core.store import WrongPassphrase
from peertui.paths import resolve_paths
from peertui.ui.problems import problem
from peertui.ui.wording import export_words

SECRETS = [
    "my brother does not know about the panic attacks",
    "I relapsed on the weekend and feel ashamed",
    "the night shift makes everything worse",
]


def files_under(*roots: Path) -> list[Path]:
    found = []
    for root in roots:
        for dirpath, _dirs, names in os.walk(root):
            found.extend(Path(dirpath) / n for n in names)
    return found


async def test_no_plaintext_on_the_relay_or_in_any_home(relay, tmp_path, closing):
    group_name = "Harbour Lights Circle"
    nicks = ["quietfalcon", "mossylantern", "velvetheron"]
    gid, people = await form_group(relay.url, tmp_path, nicks, name=group_name)
    closing.extend(people)
    for person, text in zip(people, SECRETS, strict=True):
        await person.engine.send(gid, text)
    for person in people:
        await person.wait_for_texts(gid, SECRETS)
    safety = people[1].engine.safety_plan()
    safety.entries[next(iter(safety.entries)) if safety.entries else "warning_signs"] = [
        "cold tea at 3am"
    ]
    people[1].engine.save_safety_plan(safety)
    for person in people:
        await person.engine.close()
    closing.clear()

    needles = [s.encode() for s in SECRETS + nicks + [group_name, "cold tea at 3am"]]
    needles += [n.encode("utf-16-le") for n in nicks]
    files = files_under(relay.data_dir, *(p.home for p in people))
    assert any(f.name.endswith("-wal") or f.suffix == ".db" for f in files), (
        "the scan saw the databases"
    )
    leaks = [
        (str(f), n.decode(errors="replace")) for f in files for n in needles if n in f.read_bytes()
    ]
    assert leaks == []


async def test_wrong_passphrase_is_refused_and_changes_nothing(tmp_path):
    paths = resolve_paths(tmp_path / "home")
    engine = await Engine.open(paths, passphrase="the right one")
    engine.save_safety_plan(engine.safety_plan())
    await engine.close()
    before = {f: f.read_bytes() for f in files_under(paths.home)}
    with pytest.raises(WrongPassphrase) as info:
        await Engine.open(paths, passphrase="the wrong one")
    assert "passphrase" in problem(info.value).lower()
    assert {f: f.read_bytes() for f in files_under(paths.home)} == before


async def test_wipe_leaves_nothing_behind(relay, tmp_path, closing):
    gid, (host, member) = await form_group(relay.url, tmp_path, ["host", "linden"])
    closing.append(host)
    await member.engine.send(gid, "something to forget")
    _path, exported = member.engine.export(
        gid, member.engine.paths.exports_dir / "history.txt", export_words()
    )
    assert exported >= 1
    leftovers = await member.engine.wipe()
    assert leftovers == []
    assert files_under(member.home) == []
