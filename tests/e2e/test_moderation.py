"""Moderation in an encrypted group: four real clients (owner, moderator, two members) and a relay."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from tests.e2e.conftest import form_group
from tests.e2e.harness import Person, wait_until

from peertui.core.crypto import CryptoError, InboundSessions
from peertui.core.crypto.invite import InviteFault
from peertui.core.errors import (
    GuidelinesNotAccepted,
    InvalidInput,
    NotAllowed,
    RelayProblem,
    UnusableInvite,
)
from peertui.core.events import (
    JoinApproved,
    JoinDenied,
    JoinRequested,
    MemberLeft,
    MessageQueued,
    MessageRemoved,
    ModAction,
    Notice,
    ReportReceived,
    Said,
    SendingWaits,
    Warned,
)
from peertui.core.relay_client import RelayClient, RelayRefused
from peertui.ui.problems import problem
from peertui.ui.received import hidden_reason
from peertui.ui.wording import EventContext, event_lines, modlog_line
from peertui_wire.encoding import b64d, b64e
from peertui_wire.roster import RosterError, make_event


@pytest.fixture
async def circle(relay, tmp_path, closing):
    gid, people = await form_group(relay.url, tmp_path, ["owner", "mod", "alder", "briar"])
    closing.extend(people)
    owner, mod, alder, briar = people
    await owner.engine.promote(gid, "mod")
    await wait_until(lambda: mod.engine.group(gid).role == "moderator", what="promotion to arrive")
    return gid, owner, mod, alder, briar


def session(person, gid):
    return person.engine._groups[gid]


async def test_ban_refuses_posts_and_stream_and_banned_state_reads_nothing_after(circle, relay):
    gid, owner, mod, alder, briar = circle
    await mod.engine.ban(gid, "briar", "repeated personal attacks")
    await briar.wait_for(lambda e: isinstance(e, Notice) and e.said is Said.BANNED)
    for person in (owner, mod, alder):
        await person.wait_for(
            lambda e: isinstance(e, MemberLeft) and e.member.nick == "briar" and e.how == "banned"
        )
    after = ["said after the ban, one", "said after the ban, two"]
    await owner.engine.send(gid, after[0])
    await alder.engine.send(gid, after[1])
    await mod.wait_for_texts(gid, after)

    banned = session(briar, gid)
    async with RelayClient(relay.url, banned.identity.signing_key) as raw:
        with pytest.raises(RelayRefused) as refused:
            await raw.post_message(gid, b"\x02" * 64)
        assert refused.value.status == 403
        with pytest.raises(RelayRefused):
            await raw.log(gid, 0)
    # The relay's stored ciphertext, fetched by a member, against the banned member's real keys.
    inbound = InboundSessions.from_bytes(b64d(briar.engine.store.get(f"inbound:{gid}")))
    async with RelayClient(relay.url, session(owner, gid).identity.signing_key) as reader:
        events, _gap = await reader.log(gid, 0, limit=500)
    ban_seq = max(e.seq for e in events if e.kind == "roster" and e.body["event"]["kind"] == "ban")
    later = [e for e in events if e.kind == "message" and e.seq > ban_seq]
    assert len(later) >= 2
    for event in later:
        with pytest.raises(CryptoError):
            inbound.decrypt(b64d(event.body["envelope"]))
    assert not any(t in briar.texts(gid) for t in after)


async def test_mute_is_refused_until_it_ends_then_accepted(circle, relay):
    gid, owner, mod, alder, briar = circle
    target = b64d(next(m.key for m in owner.engine.members(gid) if m.nick == "alder"))
    until = int(time.time() * 1000) + 2500
    await session(owner, gid).moderate("mute", target=target, until=until, reason="cool down")
    await wait_until(
        lambda: session(alder, gid).roster.is_muted(target), what="mute to reach alder"
    )
    with pytest.raises(NotAllowed) as muted:
        await alder.engine.send(gid, "can I speak?")
    assert re.fullmatch(
        r"You cannot post: muted by the moderators until \d{4}-\d\d-\d\d \d\d:\d\d UTC\.",
        problem(muted.value),
    )
    async with RelayClient(relay.url, session(alder, gid).identity.signing_key) as raw:
        with pytest.raises(RelayRefused) as refused:
            await raw.post_message(gid, b"\x02" * 64)
    assert refused.value.code == "muted"
    await asyncio.sleep(max(0, until / 1000 - time.time()) + 0.3)
    await alder.engine.send(gid, "thanks for waiting")
    await briar.wait_for_texts(gid, ["thanks for waiting"])


async def test_report_reaches_moderators_only_and_reporter_stays_unknown(circle):
    gid, owner, mod, alder, briar = circle
    await alder.engine.send(gid, "here is my phone number 555 0100")
    await briar.wait_for_texts(gid, ["here is my phone number 555 0100"])
    message = next(m for m in briar.engine.history(gid) if m.nick == "alder")
    await briar.engine.report(gid, message.msg_id, "shared a number (report 7731)")
    for moderator in (owner, mod):
        report = (await moderator.wait_for(lambda e: isinstance(e, ReportReceived))).report
        assert report.reported_nick == "alder" and report.reason == "shared a number (report 7731)"
        assert report.text == message.text
    await asyncio.sleep(1.0)
    assert not any(isinstance(e, ReportReceived) for e in alder.events + briar.events)
    report_id = owner.engine.reports(gid)[0].report_id
    owner.engine.dismiss_report(gid, report_id)
    assert owner.engine.reports(gid) == [] and len(mod.engine.reports(gid)) == 1
    with pytest.raises(NotAllowed):
        briar.engine.reports(gid)
    alder_knows = repr(alder.engine.store.list_groups()) + repr(alder.events)
    assert "report 7731" not in alder_knows
    assert session(alder, gid).reports() == []


async def test_forged_moderation_event_is_rejected_by_relay_and_every_client(circle, relay):
    gid, owner, mod, alder, briar = circle
    forger = session(alder, gid)
    forged = make_event(
        forger.identity.signing_key,
        forger.roster,
        "ban",
        target=b64d(next(m.key for m in alder.engine.members(gid) if m.nick == "briar")),
    )
    async with RelayClient(relay.url, forger.identity.signing_key) as raw:
        with pytest.raises(RelayRefused) as refused:
            await raw.post_roster(gid, forged)
    assert refused.value.status == 403
    for person in (owner, mod, alder, briar):
        before = dict(session(person, gid).roster.roles)
        with pytest.raises(RosterError):
            await session(person, gid)._apply_roster(forged)
        assert session(person, gid).roster.roles == before


async def test_removed_message_shows_reason_everywhere_and_is_no_longer_served(circle, relay):
    gid, owner, mod, alder, briar = circle
    await briar.engine.send(gid, "a message that breaks rule three")
    for person in (owner, mod, alder):
        await person.wait_for_texts(gid, ["a message that breaks rule three"])
    target = next(m for m in mod.engine.history(gid) if m.nick == "briar")
    await mod.engine.delete_message(gid, target.msg_id, "method details")
    for person in (owner, mod, alder, briar):
        removed = await person.wait_for(lambda e: isinstance(e, MessageRemoved))
        assert removed.reason == "method details"
        stored = person.engine.message(gid, target.msg_id)
        assert stored.removed_reason == "method details"
    async with RelayClient(relay.url, session(owner, gid).identity.signing_key) as reader:
        events, _ = await reader.log(gid, 0, limit=500)
    assert target.seq not in [e.seq for e in events]


async def test_slow_mode_is_enforced_by_the_relay_with_a_clear_notice_and_nothing_lost(
    circle, relay
):
    gid, owner, mod, alder, briar = circle
    await mod.engine.set_slowmode(gid, 3)
    await wait_until(lambda: session(alder, gid).roster.slowmode_seconds == 3, what="slow mode")
    await asyncio.sleep(3.2)  # alder's own earlier posts (its profile) count too
    await alder.engine.send(gid, "first thought")
    await alder.engine.send(gid, "second thought right away")
    waits = await alder.wait_for(lambda e: isinstance(e, SendingWaits))
    assert waits.slow_mode and 0 < waits.seconds <= 4
    (said,) = event_lines(waits, EventContext("circle", []))
    assert said.text.startswith("Slow mode is on") and "goes out by itself" in said.text
    assert any(isinstance(e, MessageQueued) for e in alder.events)
    # The relay itself refuses a second post inside the window, with its own clear words.
    async with RelayClient(relay.url, session(alder, gid).identity.signing_key) as raw:
        with pytest.raises(RelayRefused) as refused:
            await raw.post_message(gid, b"\x02" * 64)
    assert refused.value.code == "slow_mode" and refused.value.status == 429
    # Nothing is lost: the waiting message goes out when the relay allows it.
    await briar.wait_for_texts(gid, ["first thought", "second thought right away"], timeout=15)


async def test_moderation_log_reads_the_same_on_every_client(circle):
    gid, owner, mod, alder, briar = circle
    await mod.engine.warn(gid, "alder", "please use content warnings")
    warned = await alder.wait_for(lambda e: isinstance(e, Warned))
    assert warned.reason == "please use content warnings"
    assert [reason for _ts, reason in alder.engine.my_warnings(gid)] == [
        "please use content warnings"
    ]
    assert owner.engine.my_warnings(gid) == []
    await owner.engine.mute(gid, "briar", "10m", "heated thread")
    await owner.engine.set_readonly(gid, True)
    await owner.engine.set_readonly(gid, False)
    last_index = session(owner, gid).roster.next_index - 1
    for person in (mod, alder, briar):
        await wait_until(
            lambda p=person: session(p, gid).roster.next_index - 1 == last_index,
            what="roster to converge",
        )
        await person.wait_for(lambda e: isinstance(e, ModAction) and e.entry.index == last_index)
    logs = [[modlog_line(e) for e in p.engine.modlog(gid)] for p in (owner, mod, alder, briar)]
    assert all(log == logs[0] for log in logs)
    text = "\n".join(logs[0])
    assert "warned alder (the reason went to them privately)" in text
    assert "please use content warnings" not in text, "a warning's reason stays private"
    assert "muted briar" in text and "heated thread" in text and "(moderator)" in text
    assert b64e(session(alder, gid).me) not in text, "the log names people, not keys"


async def test_changed_guidelines_are_shown_again_and_accepted_before_posting(circle):
    gid, owner, mod, alder, briar = circle
    new_rules = "Be gentle.\nNo advice unless asked.\nWe meet on Tuesdays."
    await owner.engine.set_guidelines(gid, new_rules)
    await alder.wait_for(lambda e: isinstance(e, Notice) and e.said is Said.GUIDELINES_CHANGED)
    await wait_until(
        lambda: alder.engine.group(gid).guidelines.startswith("Be gentle."),
        what="new guidelines text",
    )
    with pytest.raises(GuidelinesNotAccepted) as unaccepted:
        await alder.engine.send(gid, "hello again")
    assert "accept this group's guidelines" in problem(unaccepted.value)
    alder.engine.accept_guidelines(gid)
    await alder.engine.send(gid, "hello again")
    await owner.wait_for_texts(gid, ["hello again"])


async def test_received_harmful_messages_fold_with_a_reason_and_content_warnings_travel(circle):
    gid, owner, mod, alder, briar = circle
    await briar.engine.send(gid, "you are such a retard")
    await briar.engine.send(gid, "my week was hard", cw="hospital")
    await alder.wait_for_texts(gid, ["you are such a retard", "my week was hard"])
    received = {m.text: m for m in alder.engine.history(gid)}
    assert received["you are such a retard"].extra["fold"] == "contains a slur"
    assert received["my week was hard"].cw == "hospital"
    assert "fold" not in received["my week was hard"].extra
    # A cry for help is shown (no fold) and marked for a care note; only a method detail folds.
    await briar.engine.send(gid, "I'm going to end my life tonight")
    await briar.engine.send(gid, "I have 40 paracetamol counted out")
    await alder.wait_for_texts(gid, ["I have 40 paracetamol counted out"])
    received = {m.text: m for m in alder.engine.history(gid)}
    cry = received["I'm going to end my life tonight"]
    assert cry.extra.get("care") is True and "fold" not in cry.extra
    method = received["I have 40 paracetamol counted out"]
    assert method.extra["fold"] == "may describe a method of self-harm"
    alder.engine.ignore_member(gid, "briar")
    alder.engine.ignore_word("spoilers")
    why = alder.engine.why_hidden(received["my week was hard"])
    assert hidden_reason(why) == "you hid this member"
    with pytest.raises(InvalidInput) as yourself:
        alder.engine.ignore_member(gid, "alder")
    assert problem(yourself.value) == "You cannot hide yourself."
    members, words = alder.engine.hidden(gid)
    assert [m.nick for m in members] == ["briar"] and words == ["spoilers"]
    assert owner.engine.why_hidden(owner.engine.history(gid)[-1]) is None


async def test_revoked_invites_refuse_a_banned_person_coming_back(circle, tmp_path):
    gid, owner, mod, alder, briar = circle
    invite = await owner.engine.create_invite(gid)
    await owner.engine.ban(gid, "briar", "harassment")
    assert await owner.engine.revoke_invites(gid) >= 1
    newcomer = await Person.open(tmp_path / "briar-again")
    try:
        with pytest.raises(RelayProblem) as refused:
            await newcomer.engine.join(invite, "soft-badger")
        said = problem(refused.value)
        assert said.startswith("The join request was not accepted: ") and "invite" in said
    finally:
        await newcomer.engine.close()


async def test_safety_plan_export_is_private_and_never_overwrites_silently(circle, tmp_path):
    gid, owner, mod, alder, briar = circle
    plan = alder.engine.safety_plan()
    plan.entries["warning_signs"] = ["not sleeping"]
    alder.engine.save_safety_plan(plan)
    target = alder.engine.export_safety_plan(tmp_path / "plan.txt")
    assert target.is_absolute() and "not sleeping" in target.read_text()
    assert target.stat().st_mode & 0o077 == 0, "readable only by its owner"
    with pytest.raises(InvalidInput) as exists:
        alder.engine.export_safety_plan(target)
    assert problem(exists.value) == (
        f"{target} already exists; choose another name or confirm replacing it."
    )
    with pytest.raises(InvalidInput) as no_folder:
        alder.engine.export_safety_plan(tmp_path / "no-such-folder" / "plan.txt")
    assert problem(no_folder.value) == f"The folder {tmp_path / 'no-such-folder'} does not exist."
    with pytest.raises(UnusableInvite) as cut:
        alder.engine.check_invite("peertui:AAAA")
    assert cut.value.fault is InviteFault.TRUNCATED
    assert (
        problem(cut.value)
        == "That invite does not work: the invite is cut off; copy the whole invite."
    )


async def test_a_request_declined_by_one_moderator_cannot_be_approved_by_another(circle, tmp_path):
    gid, owner, mod, alder, briar = circle
    invite = await owner.engine.create_invite(gid)
    newcomer = await Person.open(tmp_path / "eve")
    try:
        await newcomer.engine.join(invite, "eve")
        for moderator in (owner, mod):
            await moderator.wait_for(
                lambda e: isinstance(e, JoinRequested) and e.request.nick == "eve"
            )
        await mod.engine.deny(gid, "eve", "not a good fit right now")
        await owner.wait_for(
            lambda e: isinstance(e, Notice) and e.said is Said.REQUEST_CLOSED and e.nick == "eve"
        )
        assert owner.engine.pending_requests(gid) == []
        denied = await newcomer.wait_for(lambda e: isinstance(e, JoinDenied))
        assert denied.reason == "not a good fit right now"
    finally:
        await newcomer.engine.close()


async def test_a_later_member_reads_the_same_log_with_names_and_reasons(circle, tmp_path):
    gid, owner, mod, alder, briar = circle
    await owner.engine.mute(gid, "briar", "10m", "cooling off")
    invite = await owner.engine.create_invite(gid)
    late = await Person.open(tmp_path / "late")
    try:
        await late.engine.join(invite, "late")
        await owner.wait_for(lambda e: isinstance(e, JoinRequested) and e.request.nick == "late")
        await owner.engine.approve(gid, "late")
        await late.wait_for(lambda e: isinstance(e, JoinApproved))
        last = owner.engine.modlog(gid)[-1].index
        for person in (late, alder):
            await wait_until(
                lambda p=person: p.engine.modlog(gid) and p.engine.modlog(gid)[-1].index == last,
                what="the log to arrive",
            )
        owner_log = [modlog_line(e) for e in owner.engine.modlog(gid)]
        assert [modlog_line(e) for e in late.engine.modlog(gid)] == owner_log
        assert [modlog_line(e) for e in alder.engine.modlog(gid)] == owner_log
        assert any("muted briar" in line and "cooling off" in line for line in owner_log)
        assert any("admitted late" in line for line in owner_log)
    finally:
        await late.engine.close()
