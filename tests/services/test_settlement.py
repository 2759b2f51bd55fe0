"""Settlement on a real SQLite file: the four kinds of terms with worked numbers, exact money."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.db.models import Settlement, ShowTerms
from bot.money import format_money
from bot.services import settings, tours
from bot.services import settlement as svc
from bot.services.errors import Forbidden, InvalidInput
from bot.services.permissions import Actor
from bot.ui.settlement import steps

NOW = datetime(2027, 4, 4, 12, 0, tzinfo=UTC)  # the day after the show
G1 = 111
MANAGER = Actor(1, manage_guild=True)
ARTIST = Actor(2)


async def add_show(session, date="2027-04-03", city="Berlin", venue="Huxleys"):  # type: ignore[no-untyped-def]
    cfg = await settings.get_config(session, G1)
    f = tours.parse_fields(cfg, (NOW - timedelta(days=30)).date(), date_text=date, city=city, venue=venue)
    return await tours.add_show(session, G1, f, author_id=5, channel_id=50, now=NOW - timedelta(days=30))


async def terms(session, show, kind, **kw):  # type: ignore[no-untyped-def]
    opts = {k: kw.get(k) for k in ("guarantee", "percentage", "break_even", "currency")}
    return await svc.set_terms_from_options(session, G1, f"#{show.number}", kind, actor=MANAGER, now=NOW, **opts)


async def night(session, show, gross, expenses=None, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("tickets_sold", 400)
    return await svc.settle_night(
        session, G1, f"#{show.number}", gross=gross, expenses=expenses, actor=MANAGER, now=NOW, **kw
    )


def D(x: str) -> Decimal:
    return Decimal(x)


def test_the_four_kinds_with_worked_numbers() -> None:
    g = svc.compute(svc.Terms("guarantee", "USD", guarantee=D("5000.00")), D("12000.00"), D("3000.00"))
    assert g.payout == D("5000.00")
    door = svc.compute(svc.Terms("door", "USD", percentage=D("85.00")), D("10000.00"))
    assert door.payout == D("8500.00")
    # versus where the percentage wins: 80 % of (12,000 − 3,000) = 7,200 > 5,000
    vs = svc.compute(svc.Terms("versus", "USD", D("5000.00"), D("80.00")), D("12000.00"), D("3000.00"))
    assert (vs.base, vs.share, vs.payout, vs.winner) == (D("9000.00"), D("7200.00"), D("7200.00"), "percentage")
    # versus where the guarantee wins: 80 % of (8,000 − 3,000) = 4,000 < 5,000
    vs2 = svc.compute(svc.Terms("versus", "USD", D("5000.00"), D("80.00")), D("8000.00"), D("3000.00"))
    assert (vs2.share, vs2.payout, vs2.winner) == (D("4000.00"), D("5000.00"), "guarantee")
    # plus: 2,000 + 15 % of (11,000 − 8,000) = 2,450; under the break-even the bonus is 0
    plus = svc.compute(svc.Terms("plus", "USD", D("2000.00"), D("15.00"), D("8000.00")), D("11000.00"))
    assert (plus.base, plus.share, plus.payout) == (D("3000.00"), D("450.00"), D("2450.00"))
    under = svc.compute(svc.Terms("plus", "USD", D("2000.00"), D("15.00"), D("8000.00")), D("6000.00"))
    assert (under.base, under.payout) == (D("0"), D("2000.00"))
    # rounding to the minor unit, half up: 33.33 % of 100.01 = 33.333333 -> 33.33; of 0.15 at 50 % = 0.075 -> 0.08
    assert svc.compute(svc.Terms("door", "USD", percentage=D("33.33")), D("100.01")).payout == D("33.33")
    assert svc.compute(svc.Terms("door", "USD", percentage=D("50.00")), D("0.15")).payout == D("0.08")
    # JPY has no minor unit
    assert svc.compute(svc.Terms("door", "JPY", percentage=D("70.00")), D("120001")).payout == D("84001")


async def test_versus_night_is_stored_with_its_steps(session) -> None:
    show = await add_show(session)
    _show, t = await terms(session, show, "versus", guarantee="5,000", percentage="80", currency="usd")
    assert t == svc.Terms("versus", "USD", D("5000.00"), D("80.00"))
    n = await night(session, show, "12,000.00", "3000", merch="1234.50", comps=20, tickets_sold=450)
    assert n.payout.payout == D("7200.00") and n.payout.winner == "percentage"
    assert steps(n, "en-US") == [
        "Deal: versus: $5,000.00 guarantee vs 80.00 % of (gross − expenses)",
        "Gross: $12,000.00 (450 tickets sold)",
        "Gross − expenses: $12,000.00 − $3,000.00 = $9,000.00",
        "80.00 % × $9,000.00 = $7,200.00",
        "max($5,000.00, $7,200.00) = $7,200.00: the percentage wins",
        "Payout: **$7,200.00**",
    ]
    await session.commit()
    row = await session.get(Settlement, show.id)
    assert (row.payout_minor, row.gross_minor, row.expenses_minor, row.merch_minor, row.comps) == (
        720000,
        1200000,
        300000,
        123450,
        20,
    )
    # settling again replaces; the guarantee wins this time
    n2 = await night(session, show, "8000", "3000")
    assert (n2.payout.payout, n2.payout.winner, n2.replaced) == (D("5000.00"), "guarantee", True)
    assert steps(n2, "de")[-2] == "max(5.000,00\xa0$, 4.000,00\xa0$) = 5.000,00\xa0$: the guarantee wins"


async def test_currency_default_and_its_absence(session) -> None:
    show = await add_show(session)
    with pytest.raises(InvalidInput, match=r"Which currency.*/settings currency"):
        await terms(session, show, "guarantee", guarantee="500")
    await settings.set_currency(session, G1, "eur", can_manage=True)
    _s, t = await terms(session, show, "guarantee", guarantee="500")
    assert t.currency == "EUR"
    with pytest.raises(InvalidInput, match="ISO 4217"):
        await settings.set_currency(session, G1, "EUROS", can_manage=True)
    with pytest.raises(Forbidden):
        await settings.set_currency(session, G1, "USD", can_manage=False)


async def test_bad_terms_store_nothing(session) -> None:
    show = await add_show(session)
    bad = [
        ("door", {"percentage": "101", "currency": "USD"}, "at most 100"),
        ("door", {"percentage": "-5", "currency": "USD"}, "isn't a percentage"),
        ("guarantee", {"guarantee": "-5", "currency": "USD"}, "can't be negative"),
        ("guarantee", {"guarantee": "5", "currency": "XYZ"}, "ISO 4217"),
        ("guarantee", {"guarantee": "5.555", "currency": "USD"}, "decimal place"),
        ("plus", {"guarantee": "5", "percentage": "10", "currency": "USD"}, "needs `break_even`"),
        ("guarantee", {"guarantee": "5", "percentage": "10", "currency": "USD"}, "has no `percentage`"),
        ("versus", {"percentage": "10", "currency": "USD"}, "needs `guarantee`"),
    ]
    for kind, opts, msg in bad:
        with pytest.raises(InvalidInput, match=msg):
            await terms(session, show, kind, **opts)
    assert (await session.scalars(select(ShowTerms))).all() == []


async def test_managers_only(session) -> None:
    show = await add_show(session)
    with pytest.raises(Forbidden, match="Only managers can see or change settlements"):
        await svc.set_terms_from_options(
            session,
            G1,
            "#1",
            "guarantee",
            guarantee="5",
            percentage=None,
            break_even=None,
            currency="USD",
            actor=ARTIST,
            now=NOW,
        )
    await terms(session, show, "guarantee", guarantee="5", currency="USD")
    with pytest.raises(Forbidden):
        await svc.settle_night(session, G1, "#1", tickets_sold=1, gross="1", actor=ARTIST, now=NOW)
    with pytest.raises(Forbidden):
        await svc.report(session, G1, "all", actor=ARTIST, now=NOW)


async def test_night_refusals(session) -> None:
    show = await add_show(session)
    with pytest.raises(InvalidInput, match="no deal terms yet"):
        await night(session, show, "100")
    await terms(session, show, "door", percentage="80", currency="USD")
    with pytest.raises(InvalidInput, match="can't be negative"):
        await night(session, show, "-100")
    later = await add_show(session, date="2027-04-10", city="Hamburg", venue="Docks")
    await terms(session, later, "door", percentage="80", currency="USD")
    with pytest.raises(InvalidInput, match="settle it on the night or after"):
        await night(session, later, "100")
    assert (await session.scalars(select(Settlement))).all() == []


async def test_set_terms_for_other_features_takes_decimals(session) -> None:
    show = await add_show(session)
    row = await svc.set_terms(
        session, G1, show.id, "plus", D("1000.00"), D("12.50"), D("4000.00"), "GBP", None, now=NOW
    )
    assert (row.kind, row.guarantee_minor, row.percentage_bp, row.break_even_minor, row.currency) == (
        "plus",
        100000,
        1250,
        400000,
        "GBP",
    )
    assert await svc.get_terms(session, G1, show.id) == svc.Terms("plus", "GBP", D("1000.00"), D("12.50"), D("4000.00"))


async def test_report_totals_are_exact_and_csv_reads_back(session) -> None:
    a = await add_show(session, date="2027-04-01", city="Leipzig", venue="Conne Island")
    b = await add_show(session, date="2027-04-02", city="Dresden", venue="Beatpol")
    c = await add_show(session, date="2027-04-03", city="Wien", venue="Arena")
    for s in (a, b):
        await terms(session, s, "guarantee", guarantee="0.10" if s is a else "0.20", currency="USD")
    await terms(session, c, "door", percentage="70", currency="EUR")
    await night(session, a, "1", merch="0.10")
    await night(session, b, "1", merch="0.20")
    rep = await svc.report(session, G1, "all", actor=MANAGER, now=NOW)
    usd = next(t for t in rep.totals if t.currency == "USD")
    assert (usd.guarantees, usd.payouts, usd.merch) == (D("0.30"), D("0.30"), D("0.30"))
    assert format_money(usd.merch, "USD", "en-US") == "$0.30"
    assert [t.currency for t in rep.totals] == ["EUR", "USD"]
    rows = list(csv.reader(io.StringIO(svc.report_csv(rep).decode("utf-8-sig"))))
    assert rows[0] == list(svc.REPORT_COLUMNS)
    assert rows[1:] == [
        [
            "#1",
            "2027-04-01",
            "Leipzig",
            "Conne Island",
            "",
            "USD",
            "guarantee",
            "0.10",
            "",
            "",
            "400",
            "1.00",
            "0.00",
            "0.10",
            "0.10",
            "",
        ],
        [
            "#2",
            "2027-04-02",
            "Dresden",
            "Beatpol",
            "",
            "USD",
            "guarantee",
            "0.20",
            "",
            "",
            "400",
            "1.00",
            "0.00",
            "0.20",
            "0.20",
            "",
        ],
        ["#3", "2027-04-03", "Wien", "Arena", "", "EUR", "door", "", "70.00", "", "", "", "", "", "", ""],
    ]


def test_money_formats_per_locale() -> None:
    assert format_money(D("1234.50"), "USD", "en-US") == "$1,234.50"
    assert format_money(D("1234.50"), "EUR", "de") == "1.234,50\xa0€"
    assert format_money(D("120000"), "JPY", "ja") == "￥120,000"
