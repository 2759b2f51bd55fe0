"""Deals on a real SQLite file: history, key-date nudges (14/3/0 days, 09:00 local across DST),
no nudges once closed, the business channel, confidentiality, show-offer terms."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import Deal, DealDate, DealStatusChange, GuildRole, Nudge
from bot.scheduling.dispatcher import NudgeDispatcher
from bot.services import deals, settings, settlement, tours
from bot.services.errors import Forbidden, InvalidInput, NotFound
from bot.services.permissions import Actor
from bot.timeparse import format_local
from bot.uow import UnitOfWork
from tests.services.test_reminders_and_delivery import KINDS, Clock, Recorder, deliver

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
G1, G2 = 111, 222
BUSINESS = 900
BERLIN = ZoneInfo("Europe/Berlin")
MANAGER_ROLE, ARTIST_ROLE, LABEL_ROLE = 71, 72, 73
MANAGER = Actor(10, frozenset({MANAGER_ROLE}))
OWNER = Actor(20)  # a member who owns a deal, no role
ARTIST = Actor(30, frozenset({ARTIST_ROLE}))


async def setup_guild(session, *, business: bool = True, tz: str = "Europe/Berlin") -> None:  # type: ignore[no-untyped-def]
    await settings.set_timezone(session, G1, tz, can_manage=True)
    session.add(GuildRole(guild_id=G1, kind="manager", role_id=MANAGER_ROLE))
    session.add(GuildRole(guild_id=G1, kind="artist", role_id=ARTIST_ROLE))
    if business:
        await settings.set_business_channel(session, G1, BUSINESS, can_manage=True)
    await session.flush()


async def add(session, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("title", "Summer festival offer")
    kw.setdefault("kind", "show-offer")
    kw.setdefault("counterparty", "Live Nation")
    kw.setdefault("owner_id", OWNER.user_id)
    return await deals.add_deal(session, G1, actor=MANAGER, now=NOW, **kw)


async def pending(session) -> list[Nudge]:  # type: ignore[no-untyped-def]
    return list(
        await session.scalars(
            select(Nudge).where(Nudge.kind == deals.KIND_DATE, Nudge.status == "pending").order_by(Nudge.due_at)
        )
    )


async def test_status_history_keeps_who_when_and_note(session) -> None:
    await setup_guild(session)
    deal = await add(session)
    assert (deal.number, deal.status, deal.owner_id, deal.author_id) == (1, "lead", OWNER.user_id, MANAGER.user_id)
    later = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    await deals.set_status(session, G1, "#1", "offer", actor=MANAGER, now=NOW, note="First offer by email")
    await deals.set_status(session, G1, "festival", "negotiating", actor=OWNER, now=later)
    res = await deals.set_status(session, G1, "#1", "declined", actor=OWNER, now=later, note="Fee too low")
    assert res.old == "negotiating"
    # completed -> lead (or declined -> offer) makes no sense without a note: refused, nothing stored
    with pytest.raises(InvalidInput) as err:
        await deals.set_status(session, G1, "#1", "offer", actor=MANAGER, now=later)
    assert str(err.value) == (
        "Moving deal #1 from `declined` back to `offer` is unusual: add a `note` saying why "
        "(it is kept in the history)."
    )
    with pytest.raises(InvalidInput):
        await deals.set_status(session, G1, "#1", "declined", actor=MANAGER, now=later, note="again")
    with pytest.raises(InvalidInput):
        await deals.set_status(session, G1, "#1", "won", actor=MANAGER, now=later)
    await deals.set_status(session, G1, "#1", "offer", actor=MANAGER, now=later, note="They came back at 6k")
    await session.commit()
    rows = (await session.scalars(select(DealStatusChange).order_by(DealStatusChange.id))).all()
    assert [(r.from_status, r.to_status, r.actor_id, r.note, r.created_at) for r in rows] == [
        (None, "lead", MANAGER.user_id, None, NOW),
        ("lead", "offer", MANAGER.user_id, "First offer by email", NOW),
        ("offer", "negotiating", OWNER.user_id, None, later),
        ("negotiating", "declined", OWNER.user_id, "Fee too low", later),
        ("declined", "offer", MANAGER.user_id, "They came back at 6k", later),
    ]


def test_sensible_moves() -> None:
    assert deals.is_sensible("lead", "signed")  # skipping forward is fine
    assert deals.is_sensible("active", "expired")
    assert not deals.is_sensible("completed", "lead")
    assert not deals.is_sensible("signed", "offer")
    assert not deals.is_sensible("signed", "declined")
    assert not deals.is_sensible("expired", "active")


async def test_key_date_nudges_14_3_0_days_at_nine_local_across_dst(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await setup_guild(s)
        await add(s)
        res = await deals.set_date(s, G1, "#1", "offer-expires", "2027-04-02", actor=MANAGER, now=NOW)
    assert (res.waiting, res.closed, res.previous) == (False, False, None)
    # Berlin moves to summer time on 28 Mar 2027: 14 days before is CET, 3 days before and the day CEST
    assert [format_local(t, BERLIN) for t in res.planned] == [
        "Fri 19 Mar 2027 09:00",
        "Tue 30 Mar 2027 09:00",
        "Fri 2 Apr 2027 09:00",
    ]
    assert [t.astimezone(UTC).hour for t in res.planned] == [8, 7, 7]
    async with sessionmaker() as s:
        rows = await pending(s)
    assert [(n.offset_days, n.channel_id) for n in rows] == [(14, BUSINESS), (3, BUSINESS), (0, BUSINESS)]

    sent = []
    for when, offset in ((datetime(2027, 3, 19, 8, 0, tzinfo=UTC), 14), (datetime(2027, 3, 30, 7, 0, tzinfo=UTC), 3)):
        rec = Recorder()
        await deliver(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(when)))
        assert len(rec.sent) == 1, offset
        sent += rec.sent
    rec = Recorder()
    await deliver(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(datetime(2027, 4, 2, 7, 0, tzinfo=UTC))))
    sent += rec.sent
    assert [o.content for o in sent] == [
        f"📅 <@{OWNER.user_id}> deal **#1 Summer festival offer** (show-offer · Live Nation, lead): "
        f"**offer expires** is in **{n}**, Fri 2 Apr 2027 (<t:1806649200:D>).\nSee `/deal show deal:#1`."
        for n in ("14 days", "3 days")
    ] + [
        f"📅 <@{OWNER.user_id}> deal **#1 Summer festival offer** (show-offer · Live Nation, lead): "
        "**offer expires** is **today**, Fri 2 Apr 2027 (<t:1806649200:D>).\nSee `/deal show deal:#1`."
    ]
    assert {(o.channel_id, o.mention_user_ids, o.late) for o in sent} == {(BUSINESS, (OWNER.user_id,), False)}


async def test_no_nudges_after_declined_or_expired_and_back_with_a_note(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await setup_guild(s)
        await add(s, title="Sync licence", kind="sync", counterparty="Netflix")
        await add(s, title="Brand partnership", kind="brand", counterparty="Fender")
        await deals.set_date(s, G1, "#1", "signature-due", "2027-01-20", actor=MANAGER, now=NOW)
        await deals.set_date(s, G1, "#2", "payment-due", "2027-01-20", actor=MANAGER, now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        assert len(await pending(s)) == 6
        r1 = await deals.set_status(s, G1, "#1", "declined", actor=MANAGER, now=NOW)
        r2 = await deals.set_status(s, G1, "#2", "expired", actor=OWNER, now=NOW)
        assert (r1.cancelled, r2.cancelled) == (3, 3)
        # a key date on a closed deal is stored, and says it won't be nudged
        res = await deals.set_date(s, G1, "#1", "other", "2027-02-01", label="Audit window", actor=MANAGER, now=NOW)
        assert (res.closed, res.planned) == (True, [])
    for when in ("2027-01-06", "2027-01-17", "2027-01-20", "2027-02-01"):
        rec = Recorder()
        await deliver(
            NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(datetime.fromisoformat(f"{when}T09:00+01:00")))
        )
        assert rec.sent == [], when
    # reopened (with a note): the dates still ahead are planned again
    async with UnitOfWork(sessionmaker) as s:
        back = await deals.set_status(s, G1, "#1", "offer", actor=MANAGER, now=NOW, note="They reopened it")
        assert len(back.replanned) == 6


async def test_a_due_nudge_is_dropped_if_the_deal_closed_in_between(sessionmaker) -> None:
    """Closing cancels pending rows; a row already claimed/rendered later sees the closed deal."""
    async with UnitOfWork(sessionmaker) as s:
        await setup_guild(s)
        await add(s)
        await deals.set_date(s, G1, "#1", "offer-expires", "2026-12-20", actor=MANAGER, now=NOW)
        deal = await deals.get_deal(s, G1, "#1", MANAGER)
        deal.status = "completed"  # as if closed by another process between planning and delivery
    rec = Recorder()
    await deliver(NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(datetime(2026, 12, 6, 8, 0, tzinfo=UTC))))
    assert rec.sent == []
    async with sessionmaker() as s:
        statuses = (await s.scalars(select(Nudge.status).order_by(Nudge.due_at))).all()
    assert statuses == ["cancelled", "pending", "pending"]


async def test_nudges_wait_for_a_business_channel_then_are_planned(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await setup_guild(s, business=False)
        await add(s)
        res = await deals.set_date(s, G1, "#1", "option-pickup", "2027-06-01", actor=MANAGER, now=NOW)
        assert (res.waiting, res.planned) == (True, [])
        assert await pending(s) == []
        # the goal/release nudge channel is never used for deals
        await settings.set_nudge_channel(s, G1, 555, can_manage=True)
        assert await deals.replan_guild(s, G1, NOW) == 0
        assert await pending(s) == []
    async with UnitOfWork(sessionmaker) as s:
        await settings.set_business_channel(s, G1, BUSINESS, can_manage=True)
        assert await deals.replan_guild(s, G1, NOW) == 1
    async with sessionmaker() as s:
        assert [(n.channel_id, n.offset_days) for n in await pending(s)] == [
            (BUSINESS, 14),
            (BUSINESS, 3),
            (BUSINESS, 0),
        ]


async def test_key_date_bad_input_and_moving_a_date(session) -> None:
    await setup_guild(session)
    await add(session)
    with pytest.raises(InvalidInput) as err:
        await deals.set_date(session, G1, "#1", "offer-expires", "2026-11-01", actor=MANAGER, now=NOW)
    assert str(err.value) == (
        "`2026-11-01` is Sun 1 Nov 2026, which has passed. If it really has, run the command again with "
        "`confirm_past:True` (it is stored, without nudges)."
    )
    with pytest.raises(InvalidInput):
        await deals.set_date(session, G1, "#1", "other", "2027-01-01", actor=MANAGER, now=NOW)  # needs a label
    with pytest.raises(InvalidInput):
        await deals.set_date(session, G1, "#1", "deadline", "2027-01-01", actor=MANAGER, now=NOW)
    assert (await session.scalars(select(DealDate))).all() == []
    past = await deals.set_date(session, G1, "#1", "term-ends", "2026-11-01", actor=MANAGER, now=NOW, confirm_past=True)
    assert (past.key_date.date, past.planned) == (date(2026, 11, 1), [])
    # the same kind again moves that date (and its nudges); 3 days out: only 3 days before... and the day
    first = await deals.set_date(session, G1, "#1", "offer-expires", "2027-03-01", actor=MANAGER, now=NOW)
    moved = await deals.set_date(session, G1, "#1", "offer-expires", "2026-12-03", actor=MANAGER, now=NOW)
    assert moved.key_date.id == first.key_date.id and moved.previous == date(2027, 3, 1)
    assert [format_local(t, BERLIN) for t in moved.planned] == ["Thu 3 Dec 2026 09:00"]  # 14 and 3 days: passed
    assert [n.due_at for n in await pending(session)] == moved.planned
    deal, removed = await deals.remove_date(session, G1, "#1", "offer", actor=OWNER, now=NOW)
    assert removed.what == "offer-expires" and [d.what for d in deal.dates] == ["term-ends"]
    assert await pending(session) == []


async def test_confidential_artist_is_not_told_a_deal_exists(session) -> None:
    await setup_guild(session)
    await add(session)  # owned by OWNER, added by MANAGER
    await add(session, title="Record deal", kind="record", counterparty="Sub Pop", owner_id=MANAGER.user_id)
    with pytest.raises(NotFound) as hidden:
        await deals.get_deal(session, G1, "#1", ARTIST)
    with pytest.raises(NotFound) as missing:
        await deals.get_deal(session, G1, "#99", ARTIST)
    assert str(hidden.value) == "There is no deal #1 in this server. See `/deal list`."
    assert str(missing.value) == "There is no deal #99 in this server. See `/deal list`."
    with pytest.raises(NotFound) as by_title:
        await deals.get_deal(session, G1, "festival", ARTIST)
    assert str(by_title.value) == "No deal matches `festival`. Pick one from the list, or see `/deal list`."
    assert await deals.list_deals(session, G1, ARTIST, status="all") == []
    assert await deals.autocomplete(session, G1, ARTIST, "") == []
    assert await deals.autocomplete(session, G1, ARTIST, "1") == []
    assert await deals.date_autocomplete(session, G1, ARTIST, "#1", "") == []
    for call in (
        deals.set_status(session, G1, "#1", "offer", actor=ARTIST, now=NOW),
        deals.set_date(session, G1, "#1", "offer-expires", "2027-01-01", actor=ARTIST, now=NOW),
        deals.edit_deal(session, G1, "#1", actor=ARTIST, now=NOW, counterparty="Me"),
        deals.remove_date(session, G1, "#1", "#1", actor=ARTIST, now=NOW),
    ):
        with pytest.raises(NotFound):
            await call
    with pytest.raises(NotFound):
        await deals.delete_deal(session, G1, 1, actor=ARTIST, now=NOW)
    # the owner sees only their own; managers see all; another guild sees none
    assert [d.number for d in await deals.list_deals(session, G1, OWNER)] == [1]
    assert [v for _, v in await deals.autocomplete(session, G1, OWNER, "")] == ["#1"]
    assert [d.number for d in await deals.list_deals(session, G1, MANAGER)] == [1, 2]
    assert await deals.autocomplete(session, G1, MANAGER, "") == [
        ("#2 · Record deal (record, lead)", "#2"),
        ("#1 · Summer festival offer (show-offer, lead)", "#1"),
    ]
    assert await deals.list_deals(session, G2, Actor(10, manage_guild=True)) == []
    # a non-manager may only add deals they own, and may not hand one over
    with pytest.raises(Forbidden):
        await deals.add_deal(session, G1, title="x", kind="merch", counterparty="y", actor=ARTIST, now=NOW, owner_id=20)
    mine = await deals.add_deal(session, G1, title="Merch", kind="merch", counterparty="Shop", actor=ARTIST, now=NOW)
    assert mine.owner_id == ARTIST.user_id
    with pytest.raises(Forbidden):
        await deals.edit_deal(session, G1, "#3", actor=ARTIST, now=NOW, owner_id=OWNER.user_id)


async def test_money_is_exact_and_show_terms_on_signing(session) -> None:
    await setup_guild(session)
    show = await tours.add_show(
        session,
        G1,
        tours.ShowFields(date=date(2027, 7, 10), city="Berlin", venue="Columbiahalle"),
        author_id=10,
        channel_id=1,
        now=NOW,
    )
    with pytest.raises(InvalidInput) as err:
        await add(session, value="5000")
    assert str(err.value) == (
        "Give the `currency` (ISO 4217, e.g. `EUR`, `USD`) for the value, or set the server's default with "
        "`/settings currency`."
    )
    with pytest.raises(InvalidInput):
        await add(session, guarantee="5000.555", currency="EUR")
    with pytest.raises(InvalidInput):
        await add(session, percentage="80.125", currency="EUR")
    with pytest.raises(InvalidInput):
        await add(session, kind="record", percentage="18")  # show terms on a record deal
    assert (await session.scalars(select(Deal))).all() == []
    deal = await add(session, guarantee="5,000.50", percentage="80", settle_kind="versus", currency="eur")
    assert (deal.currency, deal.guarantee_minor, deal.percentage_bp) == ("EUR", 500050, 8000)
    assert deals.money_of(deal, deal.guarantee_minor) == Decimal("5000.50")
    res = await deals.set_status(session, G1, "#1", "signed", actor=MANAGER, now=NOW)
    assert res.terms is None  # no show linked yet
    # linked to the show: signing hands over kind, guarantee, percentage and currency, exactly
    await deals.edit_deal(session, G1, "#1", actor=MANAGER, now=NOW, show=f"#{show.number}")
    await deals.set_status(session, G1, "#1", "negotiating", actor=MANAGER, now=NOW, note="reopened")
    assert await settlement.get_terms(session, G1, show.id) is None
    res = await deals.set_status(session, G1, "#1", "signed", actor=MANAGER, now=NOW, note="again")
    assert res.terms == deals.OfferTerms(show.id, "versus", Decimal("5000.50"), Decimal("80.00"), "EUR", None)
    assert (res.settlement_updated, res.settlement_problem) == (True, None)
    assert await settlement.get_terms(session, G1, show.id) == settlement.Terms(
        "versus", "EUR", Decimal("5000.50"), Decimal("80.00"), None
    )
    # a flat fee: `value` is the guarantee; signed by its owner (not a manager) it still reaches settlement
    flat = await add(session, title="Club show", value="1200", currency="USD", show="#1")
    assert deals.show_terms(flat) == deals.OfferTerms(show.id, "guarantee", Decimal("1200.00"), None, "USD", None)
    res = await deals.set_status(session, G1, f"#{flat.number}", "signed", actor=OWNER, now=NOW)
    assert res.settlement_updated
    assert await settlement.get_terms(session, G1, show.id) == settlement.Terms(
        "guarantee", "USD", Decimal("1200.00"), None, None
    )
    both = await add(session, title="Unclear", guarantee="100", percentage="10", currency="USD", show="#1")
    assert deals.show_terms(both).problem == (
        "it has a guarantee and a percentage: set `settle_kind` (`versus` or `plus`)"
    )
    # `plus` needs a break-even no deal carries: the deal is signed, the show's terms stay as they were
    plus = await add(session, title="Plus", guarantee="100", percentage="10", settle_kind="plus", currency="USD")
    await deals.edit_deal(session, G1, f"#{plus.number}", actor=MANAGER, now=NOW, show="#1")
    res = await deals.set_status(session, G1, f"#{plus.number}", "signed", actor=MANAGER, now=NOW)
    assert (res.deal.status, res.settlement_updated) == ("signed", False)
    assert res.settlement_problem.startswith("`plus` also needs a break-even")
    assert (await settlement.get_terms(session, G1, show.id)).kind == "guarantee"
    # a door deal without a currency takes the server's default (/settings currency)
    door = await add(session, title="Door", percentage="70", show="#1")
    res = await deals.set_status(session, G1, f"#{door.number}", "signed", actor=MANAGER, now=NOW)
    assert res.settlement_problem == (
        "it has no currency: give the deal a `currency`, or set the server's with `/settings currency`"
    )
    await settings.set_currency(session, G1, "gbp", can_manage=True)
    await deals.set_status(session, G1, f"#{door.number}", "negotiating", actor=MANAGER, now=NOW, note="redo")
    res = await deals.set_status(session, G1, f"#{door.number}", "signed", actor=MANAGER, now=NOW)
    assert res.settlement_updated
    assert await settlement.get_terms(session, G1, show.id) == settlement.Terms(
        "door", "GBP", None, Decimal("70.00"), None
    )
    # and amounts without a currency are in the server's default too
    gbp = await add(session, title="Merch", kind="merch", value="300")
    assert (gbp.currency, gbp.value_minor) == ("GBP", 30000)


async def test_zone_change_moves_key_date_nudges_to_nine_in_the_new_zone(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await setup_guild(s)
        await add(s)
        await deals.set_date(s, G1, "#1", "renewal-notice", "2027-02-15", actor=MANAGER, now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        await settings.set_timezone(s, G1, "Asia/Tokyo", can_manage=True)
        assert await deals.replan_guild(s, G1, NOW) == 1
    async with sessionmaker() as s:
        rows = await pending(s)
    tokyo = ZoneInfo("Asia/Tokyo")
    assert [format_local(n.due_at, tokyo) for n in rows] == [
        "Mon 1 Feb 2027 09:00",
        "Fri 12 Feb 2027 09:00",
        "Mon 15 Feb 2027 09:00",
    ]


async def test_after_downtime_only_the_nearest_due_nudge_of_a_date_goes_out(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await setup_guild(s)
        await add(s)
        await deals.set_date(s, G1, "#1", "payment-due", "2027-01-20", actor=MANAGER, now=NOW)
    rec = Recorder()  # down from before the 14-day nudge until after the 3-day one
    await deliver(
        NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(datetime(2027, 1, 18, 12, 0, tzinfo=UTC)))
    )
    [out] = rec.sent
    assert out.late and "**payment due** is in **2 days**, Wed 20 Jan 2027" in out.content


async def test_currency_change_keeps_amounts_exact_or_refuses(session) -> None:
    await setup_guild(session)
    await add(session, kind="record", value="12000", currency="EUR")
    deal = await deals.edit_deal(session, G1, "#1", actor=MANAGER, now=NOW, currency="JPY")
    assert (deal.currency, deals.money_of(deal, deal.value_minor)) == ("JPY", Decimal("12000"))
    await deals.edit_deal(session, G1, "#1", actor=MANAGER, now=NOW, currency="USD", value="12,000.50")
    with pytest.raises(InvalidInput) as err:
        await deals.edit_deal(session, G1, "#1", actor=MANAGER, now=NOW, currency="JPY")
    assert str(err.value).startswith("JPY has 0 decimal place(s), so 12000.50 can't be kept exactly")
    with pytest.raises(InvalidInput):
        await deals.edit_deal(session, G1, "#1", actor=MANAGER, now=NOW, currency="-")  # amounts need one
    await session.refresh(deal)
    assert (deal.currency, deal.value_minor) == ("USD", 1200050)
