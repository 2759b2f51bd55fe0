"""Recording budgets on a real migrated SQLite file: exact totals, thresholds, session costs once."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Budget, Expense, GuildRole, GuildSettings, Nudge
from bot.features import nudge_kinds
from bot.money import from_minor
from bot.services import budget, nudges, releases, settings, studio
from bot.services.errors import Forbidden, InvalidInput, NotFound
from bot.services.permissions import Actor
from bot.uow import UnitOfWork

KINDS = nudge_kinds()  # the nudge kinds wired in bot/features.py
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
G = 111
ALICE, BOB = 1, 2
PRODUCER_ROLE, MANAGER_ROLE = 900, 901


async def setup_guild(sm) -> None:  # type: ignore[no-untyped-def]
    async with UnitOfWork(sm) as s:
        await settings.set_timezone(s, G, "Europe/Berlin", can_manage=True)
        s.add(GuildRole(guild_id=G, kind="producer", role_id=PRODUCER_ROLE))
        s.add(GuildRole(guild_id=G, kind="manager", role_id=MANAGER_ROLE))
    async with UnitOfWork(sm) as s:
        await releases.add_release(
            s, G, title="Night Drive", date_text="2027-06-04", author_id=ALICE, channel_id=50, now=NOW
        )


async def alerts(sm) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    async with sm() as s:
        rows = await s.scalars(select(Nudge).where(Nudge.kind == budget.KIND_ALERT).order_by(Nudge.id))
        return [(n.offset_days, n.status) for n in rows]


async def spend(sm, line: str, amount: str, what: str = "x", **kw):  # type: ignore[no-untyped-def]
    async with UnitOfWork(sm) as s:
        return await budget.spend(s, G, "#1", line, amount, what, author_id=ALICE, now=kw.pop("now", NOW), **kw)


async def test_exact_totals_and_currency_fixed_by_the_first_set(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        r = await budget.set_line(s, G, "#1", "studio", "1,000.10", currency="eur", now=NOW)
        assert (r.created, r.summary.currency, r.new) == (True, "EUR", 100010)
    async with UnitOfWork(sessionmaker) as s:
        await budget.set_line(s, G, "#1", "mixing", "0.20", now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        with pytest.raises(InvalidInput, match=r"is in EUR \(fixed by its first `/budget set`\); USD is refused"):
            await budget.set_line(s, G, "#1", "video", "100", currency="USD", now=NOW)
        with pytest.raises(InvalidInput, match=r"^This budget is in EUR; a amount in USD is refused"):
            await budget.spend(s, G, "#1", "studio", "10 USD", "x", author_id=ALICE, now=NOW)
    for amount in ("0.10", "0.10", "0.10"):
        await spend(sessionmaker, "mixing", amount)
    _exp, summary = await spend(sessionmaker, "studio", "EUR 999.99")
    by_line = {x.line: x for x in summary.lines}
    assert from_minor(by_line["mixing"].spent, "EUR") == Decimal("0.30")
    assert by_line["mixing"].over and by_line["mixing"].remaining == -10
    assert from_minor(summary.total_budget, "EUR") == Decimal("1000.30")
    assert from_minor(summary.total_spent, "EUR") == Decimal("1000.29")
    assert from_minor(summary.total_remaining, "EUR") == Decimal("0.01")
    assert budget.money(summary.total_spent, "EUR", "de") == "1.000,29\xa0€"


async def test_bad_input_is_refused_and_nothing_is_stored(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        with pytest.raises(InvalidInput, match="give `currency`"):
            await budget.set_line(s, G, "#1", "studio", "100", now=NOW)
        with pytest.raises(InvalidInput, match="must be more than 0"):
            await budget.set_line(s, G, "#1", "studio", "0", currency="EUR", now=NOW)
        with pytest.raises(InvalidInput, match=r"^`catering` isn.t a budget line"):
            await budget.set_line(s, G, "#1", "catering", "100", currency="EUR", now=NOW)
        with pytest.raises(InvalidInput, match="isn't a number"):
            await budget.set_line(s, G, "#1", "studio", "12a", currency="EUR", now=NOW)
        with pytest.raises(InvalidInput, match="no budget yet"):
            await budget.spend(s, G, "#1", "studio", "1", "x", author_id=ALICE, now=NOW)
        with pytest.raises(InvalidInput, match="JPY has 0 decimal place"):
            await budget.set_line(s, G, "#1", "studio", "10.5", currency="JPY", now=NOW)
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Budget)) == 0


async def test_only_managers_and_producers_edit(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        with pytest.raises(Forbidden, match=r"^Only managers and producers can change budgets"):
            await budget.set_line(s, G, "#1", "studio", "100", currency="EUR", now=NOW, actor=Actor(ALICE))
    async with UnitOfWork(sessionmaker) as s:
        await budget.set_line(
            s, G, "#1", "studio", "100", currency="EUR", now=NOW, actor=Actor(BOB, frozenset({PRODUCER_ROLE}))
        )
    async with UnitOfWork(sessionmaker) as s:
        await budget.set_line(s, G, "#1", "video", "100", now=NOW, actor=Actor(BOB, frozenset({MANAGER_ROLE})))


async def test_threshold_nudges_once_per_crossing(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        await budget.set_line(s, G, "#1", "studio", "1000", currency="EUR", now=NOW)
    await spend(sessionmaker, "studio", "850")  # 85 %
    assert await alerts(sessionmaker) == []
    await spend(sessionmaker, "studio", "60")  # 91 %: crosses 90
    await spend(sessionmaker, "studio", "10")  # 92 %: no second nudge
    assert await alerts(sessionmaker) == [(90, "pending")]
    big, _ = await spend(sessionmaker, "studio", "100")  # 102 %: crosses 100
    assert await alerts(sessionmaker) == [(90, "pending"), (100, "pending")]
    await spend(sessionmaker, "studio", "5")
    async with UnitOfWork(sessionmaker) as s:  # back under 100 % re-arms it; crossing again nudges again
        await budget.unspend(s, G, "#1", f"#{big.number}", now=NOW)
    await spend(sessionmaker, "studio", "200")
    assert [lvl for lvl, _ in await alerts(sessionmaker)] == [90, 100, 100]
    # one jump from 0 to over 100 % is one nudge (for 100 %)
    async with UnitOfWork(sessionmaker) as s:
        await budget.set_line(s, G, "#1", "video", "100", now=NOW)
    await spend(sessionmaker, "video", "150")
    assert [lvl for lvl, _ in await alerts(sessionmaker)] == [90, 100, 100, 100]
    async with UnitOfWork(sessionmaker) as s:  # the four alerts are due together in one channel: one message
        [msg] = await nudges.claim_due(s, NOW + timedelta(seconds=1), kinds=KINDS)
    assert len(msg.row_ids) == 4 and msg.content.startswith("🔔 4 nudges for ")
    assert (
        f"<@&{MANAGER_ROLE}> <@{ALICE}> 🚨 **Night Drive** budget: `video` is at 150 %: spent €150.00 of €100.00 "
        "(€50.00 over).\nSee `/budget show release:#1`."
    ) in "\n\n".join(msg.embeds).split("\n\n")
    assert (msg.mention_user_ids, msg.mention_role_ids) == ((ALICE,), (MANAGER_ROLE,))  # each pinged once


async def test_session_costs_are_posted_once_when_the_day_passes_also_across_a_restart(sessionmaker, db_url) -> None:
    await setup_guild(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        await budget.set_line(s, G, "#1", "studio", "1000", currency="EUR", now=NOW)
        await budget.set_line(s, G, "#1", "musicians", "600", now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        await studio.book(
            s,
            G,
            "#1",
            studio.SessionInput(date="2027-03-10", start="10:00", end="18:00", studio="Hansa", day_rate="800"),
            author_id=ALICE,
            channel_id=50,
            now=NOW,
        )
        await studio.set_musician(s, G, "#1", "drums", name="Sam Jones", fee="250.50", now=NOW)
        await studio.set_musician(s, G, "#1", "bass", member_id=BOB, fee="100", now=NOW)
    async with sessionmaker() as s:
        due = await s.scalar(select(Nudge.due_at).where(Nudge.kind == budget.KIND_COSTS, Nudge.status == "pending"))
    assert due == datetime(2027, 3, 10, 23, tzinfo=UTC)  # local midnight after the session's day
    async with sessionmaker() as s:  # not before
        assert await budget.post_due_costs(s, G, due - timedelta(seconds=1)) == 0
        await s.commit()
    # the process "dies" after claiming and rendering (expenses posted, committed) but before sending
    after = due + timedelta(seconds=20)  # (within a minute: no "late" banner)
    async with UnitOfWork(sessionmaker) as s:
        [out] = [o for o in await nudges.claim_due(s, after, kinds=KINDS) if o.content.startswith("💸")]
    assert out.content == (
        "💸 Studio session #1 (Hansa, Wed 10 Mar 2027) is done: €1,150.50 added to the **Night Drive** budget.\n"
        "• studio: €800.00 · Studio day: Hansa (session #1)\n"
        "• musicians: €250.50 · Sam Jones, drums (session #1)\n"
        f"• musicians: €100.00 · member {BOB}, bass (session #1)\n"
        "See `/budget show release:#1`."
    )
    # restart: a fresh engine; the interrupted nudge is resent (re-rendered) and budgets are read
    eng = create_engine(db_url)
    sm2 = create_sessionmaker(eng)
    try:
        async with sm2() as s:
            assert await nudges.recover_interrupted(s) == 1
            await s.commit()
        async with UnitOfWork(sm2) as s:
            [again] = [
                o
                for o in await nudges.claim_due(s, after + timedelta(seconds=10), kinds=KINDS)
                if o.content.startswith("💸")
            ]
        assert again.content == out.content and again.nonce == out.nonce  # same message, de-duplicated by Discord
        async with UnitOfWork(sm2) as s:
            summary = await budget.show(s, G, "#1", now=after + timedelta(days=1))
        async with sm2() as s:
            rows = list(await s.scalars(select(Expense).where(Expense.deleted_at.is_(None))))
    finally:
        await eng.dispose()
    assert len(rows) == 3
    by_line = {x.line: x.spent for x in summary.lines}
    assert by_line == {"studio": 80000, "musicians": 35050}
    # the musicians line went past 90 % (350.50 of 600 is 58 %: no) and studio 80 %: no alerts
    assert await alerts(sessionmaker) == []

    # editing a fee afterwards adjusts its expense; removing a musician removes theirs
    async with UnitOfWork(sessionmaker) as s:
        await studio.set_musician(s, G, "#1", "drums", name="Sam Jones", fee="300", now=after)
    async with UnitOfWork(sessionmaker) as s:
        summary = await budget.show(s, G, "#1", now=after)
    assert {x.line: x.spent for x in summary.lines} == {"studio": 80000, "musicians": 40000}
    async with UnitOfWork(sessionmaker) as s:
        await studio.remove_musician(s, G, "#1", f"<@{BOB}>", now=after)
    async with UnitOfWork(sessionmaker) as s:
        summary = await budget.show(s, G, "#1", now=after)
    assert {x.line: x.spent for x in summary.lines} == {"studio": 80000, "musicians": 30000}
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Expense)) == 3  # removed one kept, marked deleted
    async with UnitOfWork(sessionmaker) as s:
        _exp, _ = await budget.spend(s, G, "#1", "studio", "1", "x", author_id=ALICE, now=after)
        with pytest.raises(InvalidInput, match=r"^Expense #1 comes from studio session #1"):
            await budget.unspend(s, G, "#1", "#1", now=after)


async def test_cancelled_before_its_day_posts_no_costs(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        await budget.set_line(s, G, "#1", "studio", "1000", currency="EUR", now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        await studio.book(
            s,
            G,
            "#1",
            studio.SessionInput(date="2027-03-10", start="10:00", end="18:00", studio="Hansa", day_rate="800"),
            author_id=ALICE,
            channel_id=50,
            now=NOW,
        )
    async with UnitOfWork(sessionmaker) as s:
        await studio.cancel(s, G, "#1", now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        summary = await budget.show(s, G, "#1", now=NOW + timedelta(days=30))
    assert summary.total_spent == 0 and summary.expense_count == 0


async def test_csv_export_lists_every_expense(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        await budget.set_line(s, G, "#1", "artwork", "500", currency="GBP", now=NOW)
    await spend(sessionmaker, "artwork", "120.5", what='Cover shoot, "day 1"', date_text="2027-02-20")
    async with UnitOfWork(sessionmaker) as s:
        _release, data = await budget.export_csv(s, G, "#1", now=NOW)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["number", "date", "line", "what", "amount", "currency", "source", "added_by", "added_at"],
        ["1", "2027-02-20", "artwork", 'Cover shoot, "day 1"', "120.50", "GBP", "manual", str(ALICE), NOW.isoformat()],
    ]


async def test_budgets_are_scoped_by_guild(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        await budget.set_line(s, G, "#1", "studio", "100", currency="EUR", now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        with pytest.raises(NotFound, match="no release #1 in this server"):
            await budget.show(s, 222, "#1", now=NOW)
        assert await budget.expense_autocomplete(s, 222, "#1", "") == []


@pytest.mark.skipif(not hasattr(GuildSettings, "currency"), reason="/settings currency (#14) is not merged yet")
async def test_the_server_default_currency_starts_a_budget(sessionmaker) -> None:
    await setup_guild(sessionmaker)
    async with UnitOfWork(sessionmaker) as s:
        await settings.set_currency(s, G, "sek", can_manage=True)  # type: ignore[attr-defined]
    async with UnitOfWork(sessionmaker) as s:
        r = await budget.set_line(s, G, "#1", "studio", "100", now=NOW)
    assert (r.created, r.summary.currency) == (True, "SEK")
