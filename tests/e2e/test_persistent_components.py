"""Page buttons and every other component keep working after a restart and after any time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import Checkin, Show
from bot.services import checkins, releases, tours
from bot.services.clock import utcnow
from bot.ui.paginator import NOT_OWNER
from bot.uow import UnitOfWork
from tests.double import DiscordDouble
from tests.e2e.harness import (
    ANA,
    BEN,
    GENERAL,
    GUILD,
    BotProcess,
    assert_components_restart_proof,
    running_bot,
    settings_for,
    write_config,
)


async def seed_shows(db_url: str, n: int) -> list:  # type: ignore[type-arg]
    """``n`` shows on consecutive days from 10 days ahead (no wall-clock date in the assertions)."""
    await upgrade(db_url)
    engine = create_engine(db_url)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as s:
            today = utcnow().date()
            for i in range(n):
                f = tours.ShowFields(date=today + timedelta(days=10 + i), city=f"City {i + 1}", venue=f"Venue {i + 1}")
                await tours.add_show(s, GUILD, f, author_id=ANA, channel_id=GENERAL, now=utcnow())
            return [today + timedelta(days=10 + i) for i in range(n)]
    finally:
        await engine.dispose()


def buttons(message: dict) -> list[dict]:  # type: ignore[type-arg]
    return message["components"][0]["components"]


async def test_tour_list_pages_turn_after_a_restart(double: DiscordDouble, db_url: str) -> None:
    days = await seed_shows(db_url, 23)
    settings = settings_for(double, db_url)
    async with running_bot(settings):
        res = await double.invoke(GUILD, GENERAL, ANA, "tour list", {})
        posted = res.message
        assert res.embeds[0]["footer"]["text"] == "Page 1/3 · 23 show(s) · dates are venue-local"
        assert [(b["label"], b["custom_id"], b.get("disabled", False)) for b in buttons(posted)] == [
            ("◀ Previous", "roadie:page:tour:upcoming:0", True),
            ("1/3", "roadie:page:tour:upcoming:0:at", True),
            ("Next ▶", "roadie:page:tour:upcoming:1", False),
        ]
    # a fresh client: nothing of the old process's views exists, only the registered DynamicItems
    async with running_bot(settings) as bot:
        store = bot._connection._view_store
        assert store._views == {} and store._synced_message_views == {}
        page2 = await double.click(double.get_message(posted["id"]), "roadie:page:tour:upcoming:1", ANA)
        assert page2.type == 7  # the list message itself is updated in place
        assert page2.embeds[0]["footer"]["text"] == "Page 2/3 · 23 show(s) · dates are venue-local"
        first = page2.embeds[0]["description"].splitlines()[0]
        assert first == f"`#11` **{tours.format_day(days[10])}** · City 11 · Venue 11 · ✅ confirmed"
        assert [b["label"] for b in buttons(page2.message)] == ["◀ Previous", "2/3", "Next ▶"]
        page3 = await double.click(page2.message, "roadie:page:tour:upcoming:2", ANA)
        assert page3.embeds[0]["footer"]["text"] == "Page 3/3 · 23 show(s) · dates are venue-local"
        assert page3.embeds[0]["description"].splitlines()[-1].startswith("`#23` ")
        assert [b.get("disabled", False) for b in buttons(page3.message)] == [False, True, True]
        back = await double.click(page3.message, "roadie:page:tour:upcoming:1", ANA)
        assert back.embeds[0]["footer"]["text"] == "Page 2/3 · 23 show(s) · dates are venue-local"
        other = await double.click(back.message, "roadie:page:tour:upcoming:2", BEN)
        assert other.ephemeral and other.content == NOT_OWNER
        # the data is re-read on click: 3 shows deleted since -> 20 shows, 2 pages, page 2 clamped
        async with bot.uow() as s:
            await s.execute(update(Show).where(Show.number > 20).values(deleted_at=utcnow()))
        shrunk = await double.click(back.message, "roadie:page:tour:upcoming:2", ANA)
        assert shrunk.embeds[0]["footer"]["text"] == "Page 2/2 · 20 show(s) · dates are venue-local"
        # the data gone: the click answers privately and leaves the message alone
        async with bot.uow() as s:
            await s.execute(update(Show).values(deleted_at=utcnow()))
        gone = await double.click(shrunk.message, "roadie:page:tour:upcoming:0", ANA)
        assert gone.ephemeral
        assert gone.content == (
            "⚠️ The shows on this list are gone (deleted, or no longer upcoming). Run `/tour list` again."
        )
        assert_components_restart_proof(double, bot)
    assert double.rejections == []


async def test_every_list_pager_survives_a_restart(double: DiscordDouble, db_url: str) -> None:
    """/goal list, /remind list (ephemeral), /release list and /checkin history use the same pager."""
    await upgrade(db_url)
    engine = create_engine(db_url)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as s:
            for i in range(11):
                day = (utcnow() + timedelta(days=60 + i)).date().isoformat()
                await releases.add_release(
                    s, GUILD, title=f"Single {i + 1}", date_text=day, author_id=ANA, channel_id=GENERAL, now=utcnow()
                )
            for i in range(7):
                await checkins.post_checkin(
                    s, GUILD, author_id=BEN, wins=f"Win {i + 1}", next_steps="More", channel_id=GENERAL, now=utcnow()
                )
    finally:
        await engine.dispose()
    settings = settings_for(double, db_url)
    async with running_bot(settings) as bot:
        for i in range(12):
            await double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": f"Goal {i + 1}"})
            await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": f"in {i + 2} days", "text": f"R{i + 1}"})
        goal_list = await double.invoke(GUILD, GENERAL, ANA, "goal list", {})
        remind_list = await double.invoke(GUILD, GENERAL, ANA, "remind list", {})
        assert remind_list.ephemeral
        assert buttons(goal_list.message)[2]["custom_id"] == "roadie:page:goal:open:1"
        assert buttons(remind_list.message)[2]["custom_id"] == "roadie:page:reminder::1"
        release_list = await double.invoke(GUILD, GENERAL, ANA, "release list", {})
        history = await double.invoke(GUILD, GENERAL, ANA, "checkin history", {"member": BEN, "limit": 7})
        assert buttons(release_list.message)[2]["custom_id"] == "roadie:page:release::1"
        assert buttons(history.message)[2]["custom_id"] == f"roadie:page:checkins:{BEN}.7:1"
    async with running_bot(settings) as bot:
        page = await double.click(double.get_message(goal_list.message["id"]), "roadie:page:goal:open:1", ANA)
        assert page.embeds[0]["footer"]["text"] == "Page 2/2 · 12 goal(s) · times in UTC"
        page = await double.click(double.get_message(remind_list.message["id"]), "roadie:page:reminder::1", ANA)
        assert page.embeds[0]["footer"]["text"] == "Page 2/2 · 12 reminder(s) · times in UTC"
        page = await double.click(double.get_message(release_list.message["id"]), "roadie:page:release::1", ANA)
        assert page.embeds[0]["footer"]["text"] == "Page 2/2 · 11 release(s)"
        page = await double.click(double.get_message(history.message["id"]), f"roadie:page:checkins:{BEN}.7:1", ANA)
        assert page.embeds[0]["footer"]["text"] == "Page 2/2 · 7 check-in(s)"
        assert_components_restart_proof(double, bot)
    assert double.rejections == []


async def test_a_checkin_form_opened_before_a_restart_still_posts(double: DiscordDouble, db_url: str) -> None:
    settings = settings_for(double, db_url)
    async with running_bot(settings):
        opened = await double.invoke(GUILD, GENERAL, BEN, "checkin post", {})
        assert opened.type == 9  # the form
    async with running_bot(settings) as bot:
        assert bot._connection._view_store._modals == {}  # nothing in memory knows this form
        pulse = "How are you holding up? (1-5)"  # #18's private pulse, read from the form's custom_id too
        res = await double.submit_modal(
            opened, {"Wins": "Booked *two* festivals", "Next steps": "Advance them", pulse: "4"}, BEN
        )
        assert res.embeds[0]["description"].startswith(f"from <@{BEN}> · <t:")
        assert {f["name"]: f["value"] for f in res.embeds[0]["fields"]} == {
            "🏆 Wins": "Booked \\*two\\* festivals",
            "➡️ Next steps": "Advance them",
        }
        assert "pulse" not in str(res.message).lower() and "holding up" not in str(res.message).lower()
        await double.wait_until(lambda: len(res.followups) == 1, what="the private pulse note")
        assert res.followups[0]["ephemeral"]
        assert res.followups[0]["content"].startswith("🫶 Your pulse (4/5) is saved privately")
        async with bot.uow() as s:
            assert (await s.scalars(select(Checkin.pulse))).all() == [4]
        bad = await double.submit_modal(opened, {"Wins": "x", "Next steps": "y", "Link (optional)": "ftp://x"}, BEN)
        assert (
            bad.ephemeral and bad.content == "⚠️ The link must start with `https://` or `http://` (or leave it empty)."
        )
    assert double.rejections == []


async def test_a_new_process_pages_a_list_posted_before_a_kill_9(double: DiscordDouble, db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``python -m bot`` posts the list, dies (kill -9), and another ``python -m bot`` serves the click."""
    await seed_shows(db_url, 23)
    proc = BotProcess(write_config(tmp_path / "config.toml", double, db_url, [GUILD]), tmp_path)
    await proc.start()
    try:
        await double.wait_until(
            lambda: double.connected and GUILD in double.commands_guild, timeout=30, what="bot process ready"
        )
        res = await double.invoke(GUILD, GENERAL, ANA, "tour list", {})
        assert buttons(res.message)[2]["custom_id"] == "roadie:page:tour:upcoming:1"
        await proc.kill9()
        readies = double.ready_count
        await proc.start()
        await double.wait_until(lambda: double.ready_count > readies, timeout=30, what="the new process ready")
        page2 = await double.click(double.get_message(res.message["id"]), "roadie:page:tour:upcoming:1", ANA)
        assert page2.type == 7
        assert page2.embeds[0]["footer"]["text"] == "Page 2/3 · 23 show(s) · dates are venue-local"
        assert await proc.terminate() == 0
    finally:
        if proc.proc and proc.proc.returncode is None:
            await proc.kill9()
    assert "Traceback" not in proc.log.read_text()
    assert double.rejections == []


async def test_a_checklist_of_a_deleted_release_answers_that_it_is_gone(double: DiscordDouble, db_url: str) -> None:
    settings = settings_for(double, db_url)
    day = (utcnow() + timedelta(days=90)).date().isoformat()
    async with running_bot(settings):
        await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "Night Drive", "date": day, "kind": "album"})
        res = await double.invoke(GUILD, GENERAL, ANA, "release checklist", {"release": "#1"})
        nxt = next(
            b["custom_id"] for row in res.message["components"] for b in row["components"] if b.get("label") == "Next ▶"
        )
        confirm = await double.invoke(GUILD, GENERAL, ANA, "release delete", {"release": "#1"})
        await double.click(confirm.message, confirm.components[0]["components"][0]["custom_id"], ANA)
    async with running_bot(settings):
        gone = await double.click(double.get_message(res.message["id"]), nxt, ANA)
        assert gone.ephemeral and gone.content == "⚠️ That release no longer exists. See `/release list`."
    assert double.rejections == []
