"""``/studio``: recording sessions, session musicians, call sheets, track stages and the board."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import budget, releases
from bot.services import studio as st
from bot.services.clock import utcnow
from bot.services.settings import get_config, search_timezones
from bot.ui import studio as ui
from bot.ui.paginator import send_list
from cogs._common import (
    ClockText,
    NameText,
    NumberText,
    RefText,
    WhenText,
    ZoneText,
    actor_of,
    bot_of,
    check_bot_can_post,
    guild_id_of,
)

WHEN_CHOICES = [app_commands.Choice(name=n, value=n) for n in st.WHENS]
STAGE_CHOICES = [app_commands.Choice(name=s, value=s) for s in st.STAGES]
TIME_HELP = "HH:MM, 24-hour, in the session's time zone"
SESSION_HELP = dict(
    date="Session date, e.g. 2027-03-14 or 14 March 2027",
    start=f"Start, {TIME_HELP}",
    end=f"End, {TIME_HELP} (at or before the start: the next day)",
    studio="Studio name",
    engineer="The engineer, if they are on this server",
    engineer_name="The engineer's name, if they are not on this server ('-' clears)",
    day_rate="Studio day rate in the budget's currency, e.g. 800 ('-' clears)",
    notes="Address, parking, what to bring… ('-' clears)",
    timezone="Time zone of the studio (IANA, e.g. Europe/London; default: the server's)",
)


def _locale(interaction: discord.Interaction) -> str | None:
    loc = interaction.guild_locale or interaction.locale
    return str(loc) if loc else None


async def _sheet(s, interaction: discord.Interaction, ss) -> discord.Embed:  # type: ignore[no-untyped-def]
    release = await releases.get_release_by_id(s, guild_id_of(interaction), ss.release_id)
    b = await budget.get_budget(s, ss.release_id)
    return ui.session_embed(ss, release, money_locale=_locale(interaction), currency=b.currency if b else None)


@app_commands.guild_only()
class StudioCog(commands.GroupCog, group_name="studio", group_description="Studio sessions, musicians, track stages"):
    """Recording sessions and production stages, hung on releases."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="book", description="Book a studio session for a release (times are studio-local)")
    @app_commands.describe(release="The release it is for", **SESSION_HELP)
    async def book(
        self,
        interaction: discord.Interaction,
        release: RefText,
        date: WhenText,
        start: ClockText,
        end: ClockText,
        studio: NameText,
        engineer: discord.Member | None = None,
        engineer_name: NameText | None = None,
        day_rate: NumberText | None = None,
        notes: app_commands.Range[str, 1, 1000] | None = None,
        timezone: ZoneText | None = None,
    ) -> None:
        gid = guild_id_of(interaction)
        f = studio_input(date, start, end, studio, engineer, engineer_name, day_rate, notes, timezone)
        async with bot_of(interaction).uow() as s:
            if (await get_config(s, gid)).nudge_channel_id is None:
                check_bot_can_post(interaction, None)
            ss = await st.book(
                s,
                gid,
                release,
                f,
                author_id=interaction.user.id,
                channel_id=interaction.channel_id or 0,
                now=utcnow(),
                actor=actor_of(interaction),
            )
            embed = await _sheet(s, interaction, ss)
        await interaction.response.send_message(ui.session_booked(ss), embed=embed)

    @app_commands.command(name="musician", description="Add a session musician, or change one's instrument/call/fee")
    @app_commands.describe(
        session="The session",
        instrument="What they play, e.g. drums",
        member="The musician, if they are on this server",
        name="The musician's name, if they are not on this server",
        call_time=f"Call time, {TIME_HELP} (default: the session start)",
        fee="Their fee in the budget's currency, e.g. 250 ('-' clears)",
    )
    async def musician(
        self,
        interaction: discord.Interaction,
        session: RefText,
        instrument: app_commands.Range[str, 1, 60],
        member: discord.Member | None = None,
        name: NameText | None = None,
        call_time: ClockText | None = None,
        fee: NumberText | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            res = await st.set_musician(
                s,
                guild_id_of(interaction),
                session,
                instrument,
                now=utcnow(),
                member_id=member.id if member else None,
                name=name,
                display_name=member.display_name if member else None,
                call_time=call_time,
                fee=fee,
                actor=actor_of(interaction),
            )
            embed = await _sheet(s, interaction, res.session)
        await interaction.response.send_message(
            ui.musician_saved(res.musician, res.session, added=res.added), embed=embed
        )

    @app_commands.command(name="musician-remove", description="Take a musician off a session")
    @app_commands.describe(session="The session", musician="The musician (pick from the list)")
    async def musician_remove(self, interaction: discord.Interaction, session: RefText, musician: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            ss, m = await st.remove_musician(
                s, guild_id_of(interaction), session, musician, now=utcnow(), actor=actor_of(interaction)
            )
            embed = await _sheet(s, interaction, ss)
        await interaction.response.send_message(ui.musician_removed(m, ss), embed=embed)

    @app_commands.command(name="sessions", description="Studio sessions: upcoming (default), past or all")
    @app_commands.describe(release="Only this release's sessions", when="upcoming (default), past or all")
    @app_commands.choices(when=WHEN_CHOICES)
    async def sessions(
        self,
        interaction: discord.Interaction,
        release: RefText | None = None,
        when: app_commands.Choice[str] | None = None,
    ) -> None:
        w = when.value if when else "upcoming"
        number = 0
        if release is not None:
            async with bot_of(interaction).uow() as s:
                number = (await releases.get_release(s, guild_id_of(interaction), release)).number
        await send_list(interaction, "studio", f"{w}.{number}")

    @app_commands.command(name="show", description="A session's call sheet: studio, engineer, musicians, call times")
    @app_commands.describe(session="The session")
    async def show(self, interaction: discord.Interaction, session: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            ss = await st.get_session(s, guild_id_of(interaction), session)
            embed = await _sheet(s, interaction, ss)
        await interaction.response.send_message(embed=embed)

    @app_commands.command(name="edit", description="Change a session (only the options you give); nudges move")
    @app_commands.describe(session="The session", **SESSION_HELP)
    async def edit(
        self,
        interaction: discord.Interaction,
        session: RefText,
        date: WhenText | None = None,
        start: ClockText | None = None,
        end: ClockText | None = None,
        studio: NameText | None = None,
        engineer: discord.Member | None = None,
        engineer_name: NameText | None = None,
        day_rate: NumberText | None = None,
        notes: app_commands.Range[str, 1, 1000] | None = None,
        timezone: ZoneText | None = None,
    ) -> None:
        f = studio_input(date, start, end, studio, engineer, engineer_name, day_rate, notes, timezone)
        async with bot_of(interaction).uow() as s:
            ss = await st.edit(s, guild_id_of(interaction), session, f, now=utcnow(), actor=actor_of(interaction))
            embed = await _sheet(s, interaction, ss)
        await interaction.response.send_message(ui.session_updated(ss), embed=embed)

    @app_commands.command(name="cancel", description="Cancel a session (no nudges, no costs)")
    @app_commands.describe(session="The session")
    async def cancel(self, interaction: discord.Interaction, session: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            ss = await st.cancel(s, guild_id_of(interaction), session, now=utcnow(), actor=actor_of(interaction))
            embed = await _sheet(s, interaction, ss)
        await interaction.response.send_message(ui.session_cancelled(ss), embed=embed)

    @app_commands.command(name="export", description="Download studio sessions as a calendar (.ics)")
    @app_commands.describe(release="Only this release's sessions", when="upcoming (default), past or all")
    @app_commands.choices(when=WHEN_CHOICES)
    async def export(
        self,
        interaction: discord.Interaction,
        release: RefText | None = None,
        when: app_commands.Choice[str] | None = None,
    ) -> None:
        w = when.value if when else "upcoming"
        now = utcnow()
        async with bot_of(interaction).uow() as s:
            rows, _ = await st.list_sessions(s, guild_id_of(interaction), now=now, when=w, release_ref=release)
            titles = await st.release_titles(s, {r.release_id for r in rows})
        rows.sort(key=lambda ss: (ss.start_at, ss.number))
        name = interaction.guild.name if interaction.guild else "Studio"
        data = st.export_ics(rows, titles, now=now, calendar_name=f"{name} studio sessions")
        await interaction.response.send_message(
            ui.sessions_exported(len(rows)),
            file=discord.File(io.BytesIO(data), filename="studio-sessions.ics"),
        )

    @app_commands.command(name="stage", description="Move a track to a production stage (any direction)")
    @app_commands.describe(
        release="The release", track="The track (#position or title)", stage="The stage", note="Why, what's left…"
    )
    async def stage(
        self,
        interaction: discord.Interaction,
        release: RefText,
        track: RefText,
        stage: app_commands.Range[str, 1, 20],
        note: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            res = await st.set_stage(
                s,
                guild_id_of(interaction),
                release,
                track,
                stage,
                by_id=interaction.user.id,
                now=utcnow(),
                note=note,
            )
        await interaction.response.send_message(ui.stage_reply(res))

    @app_commands.command(name="board", description="Every track of a release against the production stages")
    @app_commands.describe(release="The release")
    async def board(self, interaction: discord.Interaction, release: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            b = await st.board(s, guild_id_of(interaction), release)
        await send_list(interaction, "studio_board", str(b.release.number))

    # --- autocomplete ---

    @book.autocomplete("release")
    @sessions.autocomplete("release")
    @export.autocomplete("release")
    @stage.autocomplete("release")
    @board.autocomplete("release")
    async def _release_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await releases.autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @musician.autocomplete("session")
    @musician_remove.autocomplete("session")
    @show.autocomplete("session")
    @edit.autocomplete("session")
    @cancel.autocomplete("session")
    async def _session_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await st.autocomplete(s, guild_id_of(interaction), current, now=utcnow())
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @musician_remove.autocomplete("musician")
    async def _musician_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        ref = str(getattr(interaction.namespace, "session", "") or "")
        async with bot_of(interaction).uow() as s:
            pairs = await st.musician_autocomplete(s, guild_id_of(interaction), ref, current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @stage.autocomplete("stage")
    async def _stage_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        q = current.strip().lower()
        return [c for c in STAGE_CHOICES if c.value.startswith(q)] or STAGE_CHOICES

    @stage.autocomplete("track")
    async def _track_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        ref = str(getattr(interaction.namespace, "release", "") or "")
        async with bot_of(interaction).uow() as s:
            pairs = await st.track_autocomplete(s, guild_id_of(interaction), ref, current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @book.autocomplete("timezone")
    @edit.autocomplete("timezone")
    async def _tz_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in search_timezones(current)]


def studio_input(  # type: ignore[no-untyped-def]
    date, start, end, studio_name, engineer, engineer_name, day_rate, notes, timezone
) -> st.SessionInput:
    """Options -> :class:`bot.services.st.SessionInput`."""
    return st.SessionInput(
        date=date,
        start=start,
        end=end,
        studio=studio_name,
        engineer_id=engineer.id if engineer else None,
        engineer_name=engineer_name,
        engineer_display=engineer.display_name if engineer else None,
        day_rate=day_rate,
        notes=notes,
        timezone=timezone,
    )


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(StudioCog(bot))
