"""``/tour``: shows with venue-local times, calendar import/export, day sheets."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.money import format_money
from bot.services import advance, clock, settings, tour_files, tours
from bot.ui import charts
from bot.ui import events as show_events
from bot.ui import tours as ui
from bot.ui.advance import day_sheet_fields
from bot.ui.confirm import confirm_view
from bot.ui.paginator import send_list
from cogs._common import (
    ClockText,
    NameText,
    RefText,
    WhenText,
    ZoneText,
    actor_of,
    bot_of,
    check_bot_can_post,
    guild_id_of,
)

STATUS_CHOICES = [
    app_commands.Choice(name=n, value=v)
    for n, v in (
        ("confirmed", "confirmed"),
        ("hold (1st)", "hold"),
        ("hold (2nd)", "hold-2"),
        ("hold (3rd)", "hold-3"),
        ("cancelled", "cancelled"),
    )
]
KEEP_CHOICES = [
    app_commands.Choice(name="times: the same local times, a new moment (default)", value="times"),
    app_commands.Choice(name="instant: the same moment, local times re-read in the new zone", value="instant"),
]
WHEN_CHOICES = [app_commands.Choice(name=n, value=n) for n in ("upcoming", "past", "all")]
TIME_HELP = "HH:MM venue time, e.g. 19:30"
SHOW_OPTION_HELP = dict(
    date="Show date, e.g. 2027-04-03 or 3 April 2027",
    city="City",
    venue="Venue name",
    country="Country",
    timezone="Venue time zone (IANA, e.g. Asia/Tokyo; default: server's)",
    load_in=f"Load-in, {TIME_HELP}",
    soundcheck=f"Soundcheck, {TIME_HELP}",
    doors=f"Doors, {TIME_HELP}",
    set_time=f"Set time, {TIME_HELP}",
    curfew=f"Curfew: when the set must end, {TIME_HELP}",
    status="confirmed, hold (1st/2nd/3rd) or cancelled",
    tickets="Ticket link (https://…)",
    capacity="Venue capacity",
    notes="Notes for the day sheet",
    support="Support acts",
)
VENUE_MAX, TICKETS_MAX, NOTES_MAX, SUPPORT_MAX, CAPACITY_MAX = 150, 500, 1000, 300, 1_000_000  # our input bounds
VenueText = app_commands.Range[str, 1, VENUE_MAX]
Tickets = app_commands.Range[str, 1, TICKETS_MAX]
Capacity = app_commands.Range[int, 1, CAPACITY_MAX]
Notes = app_commands.Range[str, 1, NOTES_MAX]
Support = app_commands.Range[str, 1, SUPPORT_MAX]


@app_commands.guild_only()
class ToursCog(commands.GroupCog, group_name="tour", group_description="Tour dates: shows, day sheets, calendars"):
    """Shows with venue-local dates and times."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def _fields(self, interaction: discord.Interaction, **raw: object) -> tours.ShowFields:
        async with bot_of(interaction).uow() as s:
            cfg = await settings.get_config(s, guild_id_of(interaction))
        capacity = raw.pop("capacity", None)
        date_text = raw.pop("date", None)
        return tours.parse_fields(
            cfg,
            clock.utcnow().astimezone(cfg.tz).date(),
            date_text=date_text,  # type: ignore[arg-type]
            capacity=str(capacity) if capacity is not None else None,
            **raw,
        )  # type: ignore[arg-type]

    @app_commands.command(name="add", description="Add a show (times are venue-local)")
    @app_commands.describe(**SHOW_OPTION_HELP)
    @app_commands.choices(status=STATUS_CHOICES)
    async def add(
        self,
        interaction: discord.Interaction,
        date: WhenText,
        city: NameText,
        venue: VenueText,
        country: NameText | None = None,
        timezone: ZoneText | None = None,
        load_in: ClockText | None = None,
        soundcheck: ClockText | None = None,
        doors: ClockText | None = None,
        set_time: ClockText | None = None,
        curfew: ClockText | None = None,
        status: app_commands.Choice[str] | None = None,
        tickets: Tickets | None = None,
        capacity: Capacity | None = None,
        notes: Notes | None = None,
        support: Support | None = None,
    ) -> None:
        gid = guild_id_of(interaction)
        f = await self._fields(
            interaction,
            date=date,
            city=city,
            venue=venue,
            country=country,
            timezone=timezone,
            load_in=load_in,
            soundcheck=soundcheck,
            doors=doors,
            set_time=set_time,
            curfew=curfew,
            status=status.value if status else None,
            tickets=tickets,
            capacity=capacity,
            notes=notes,
            support=support,
        )
        async with bot_of(interaction).uow() as s:
            if (await settings.get_config(s, gid)).nudge_channel_id is None:
                check_bot_can_post(interaction, None)
            show = await tours.add_show(
                s,
                gid,
                f,
                author_id=interaction.user.id,
                channel_id=interaction.channel_id or 0,
                now=clock.utcnow(),
                planners=bot_of(interaction).show_planners,
            )
        extra = await show_events.sync_for_reply(interaction, show.id)
        await interaction.response.send_message(ui.with_note(ui.added_text(show), extra), embed=ui.day_sheet(show))

    @app_commands.command(name="list", description="List shows: upcoming (default), past or all")
    @app_commands.describe(when="upcoming (default), past or all")
    @app_commands.choices(when=WHEN_CHOICES)
    async def list_(self, interaction: discord.Interaction, when: app_commands.Choice[str] | None = None) -> None:
        await send_list(interaction, "tour", when.value if when else "upcoming")

    @app_commands.command(name="show", description="A show's day sheet: every time, in venue time and yours")
    @app_commands.describe(show="The show (#number, city or venue)")
    async def show(self, interaction: discord.Interaction, show: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            sh = await tours.get_show(s, guild_id_of(interaction), show)
            cl = await advance.checklist_by_id(s, guild_id_of(interaction), sh.id, create=False)  # contacts, open items
        embed = day_sheet_fields(ui.day_sheet(sh), cl, today=advance.venue_today(sh, clock.utcnow()))
        await interaction.response.send_message(embed=embed)

    @app_commands.command(name="edit", description="Change a show (only the options you give; '-' clears one)")
    @app_commands.describe(
        show="The show (#number, city or venue)",
        keep="With timezone: keep the local times as written (default) or the same moment (instant)",
        **SHOW_OPTION_HELP,
    )
    @app_commands.choices(status=STATUS_CHOICES, keep=KEEP_CHOICES)
    async def edit(
        self,
        interaction: discord.Interaction,
        show: RefText,
        date: WhenText | None = None,
        city: NameText | None = None,
        venue: VenueText | None = None,
        country: NameText | None = None,
        timezone: ZoneText | None = None,
        load_in: ClockText | None = None,
        soundcheck: ClockText | None = None,
        doors: ClockText | None = None,
        set_time: ClockText | None = None,
        curfew: ClockText | None = None,
        status: app_commands.Choice[str] | None = None,
        tickets: Tickets | None = None,
        capacity: Capacity | None = None,
        notes: Notes | None = None,
        support: Support | None = None,
        keep: app_commands.Choice[str] | None = None,
    ) -> None:
        gid = guild_id_of(interaction)
        f = await self._fields(
            interaction,
            date=date,
            city=city,
            venue=venue,
            country=country,
            timezone=timezone,
            load_in=load_in,
            soundcheck=soundcheck,
            doors=doors,
            set_time=set_time,
            curfew=curfew,
            status=status.value if status else None,
            tickets=tickets,
            capacity=capacity,
            notes=notes,
            support=support,
        )
        keep_instant = keep is not None and keep.value == "instant"
        async with bot_of(interaction).uow() as s:
            sh = await tours.edit_show(
                s,
                gid,
                show,
                f,
                now=clock.utcnow(),
                actor=actor_of(interaction),
                keep_instant=keep_instant,
                planners=bot_of(interaction).show_planners,
            )
        extra = await show_events.sync_for_reply(interaction, sh.id)
        await interaction.response.send_message(ui.with_note(ui.updated_text(sh), extra), embed=ui.day_sheet(sh))

    @app_commands.command(name="cancel", description="Mark a show cancelled (kept in the list, no nudges)")
    @app_commands.describe(show="The show (#number, city or venue)")
    async def cancel(self, interaction: discord.Interaction, show: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            sh = await tours.cancel_show(
                s,
                guild_id_of(interaction),
                show,
                now=clock.utcnow(),
                actor=actor_of(interaction),
                planners=bot_of(interaction).show_planners,
            )
        extra = await show_events.sync_for_reply(interaction, sh.id)
        await interaction.response.send_message(ui.with_note(ui.cancelled_text(sh), extra), embed=ui.day_sheet(sh))

    @app_commands.command(name="delete", description="Delete a show (asks for confirmation)")
    @app_commands.describe(show="The show (#number, city or venue)")
    async def delete(self, interaction: discord.Interaction, show: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            sh = await tours.get_show(s, guild_id_of(interaction), show)
            await tours.require_can_change(s, sh, actor_of(interaction))  # refuse now, not at the click
        view = confirm_view(ui.DELETE_KIND, sh.id)
        await interaction.response.send_message(
            ui.delete_question(sh), embed=ui.day_sheet(sh), view=view, ephemeral=True
        )

    @app_commands.command(name="import", description="Import shows from a calendar (.ics) or spreadsheet (.csv)")
    @app_commands.describe(file="An .ics export (Google/Apple Calendar) or a CSV with date, city, venue columns")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        gid = guild_id_of(interaction)
        if file.size > tour_files.MAX_BYTES:
            await interaction.response.send_message(ui.file_too_big_text(file.size), ephemeral=True)
            return
        async with bot_of(interaction).uow() as s:
            if (await settings.get_config(s, gid)).nudge_channel_id is None:
                check_bot_can_post(interaction, None)  # the shows' nudges will come here
        # downloads and big files can take a while; errors stay private, the report is public
        await interaction.response.defer(thinking=True, ephemeral=True)
        data = await file.read()
        async with bot_of(interaction).uow() as s:
            report = await tour_files.import_shows(
                s,
                gid,
                data,
                file.filename,
                author_id=interaction.user.id,
                channel_id=interaction.channel_id or 0,
                now=clock.utcnow(),
                actor=actor_of(interaction),
                planners=bot_of(interaction).show_planners,
            )
        extra = await show_events.sync_after_import(interaction)
        await interaction.followup.send(ui.IMPORT_DONE, ephemeral=True)
        await interaction.followup.send(
            ui.with_note(ui.import_report_text(report, file.filename, interaction.user.id), extra)
        )

    @app_commands.command(name="export", description="Download shows as a calendar (.ics) for Google/Apple Calendar")
    @app_commands.describe(when="upcoming (default), past or all")
    @app_commands.choices(when=WHEN_CHOICES)
    async def export(self, interaction: discord.Interaction, when: app_commands.Choice[str] | None = None) -> None:
        w = when.value if when else "upcoming"
        await interaction.response.defer(thinking=True)
        now = clock.utcnow()
        async with bot_of(interaction).uow() as s:
            shows = await tours.list_shows(s, guild_id_of(interaction), w, now=now)
        shows.sort(key=lambda sh: (sh.date, sh.number))
        name = interaction.guild.name if interaction.guild else "Tour"
        data = tour_files.export_ics(shows, now=now, calendar_name=f"{name} tour dates")
        await interaction.followup.send(
            ui.export_text(len(shows)), file=discord.File(io.BytesIO(data), filename=ui.EXPORT_FILENAME)
        )

    @app_commands.command(name="chart", description="Shows per week or month, confirmed vs holds, as a chart")
    @app_commands.describe(when="upcoming (default), past or all")
    @app_commands.choices(when=WHEN_CHOICES)
    async def chart(self, interaction: discord.Interaction, when: app_commands.Choice[str] | None = None) -> None:
        w = when.value if when else "upcoming"
        async with bot_of(interaction).uow() as s:
            data = await tours.chart_data(
                s, guild_id_of(interaction), w, now=clock.utcnow(), actor=actor_of(interaction)
            )
        if not data.total:
            await interaction.response.send_message(charts.no_tour_chart(w), ephemeral=True)
            return
        act = interaction.guild.name if interaction.guild else ""
        loc = str(interaction.guild_locale or interaction.locale or "") or None

        def draw(d: tours.TourChartData) -> charts.Chart:
            return charts.draw_tour_bars(d, act, lambda a, cur: format_money(a, cur, loc))

        # a manager's chart carries the deals' guarantees: private, so ephemeral
        await charts.send_chart(interaction, draw, data, ephemeral=bool(data.guarantees))

    @show.autocomplete("show")
    @edit.autocomplete("show")
    @cancel.autocomplete("show")
    @delete.autocomplete("show")
    async def _show_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await tours.autocomplete(s, guild_id_of(interaction), current, now=clock.utcnow())
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @add.autocomplete("timezone")
    @edit.autocomplete("timezone")
    async def _tz_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in settings.search_timezones(current)]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point (its components are wired in ``bot/features.py``)."""
    await bot.add_cog(ToursCog(bot))
