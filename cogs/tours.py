"""``/tour``: shows with venue-local times, calendar import/export, day sheets."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import tour_files, tours
from bot.services.clock import utcnow
from bot.services.settings import get_config, search_timezones
from bot.ui.confirm import ConfirmDelete, Keep, confirm_view, register_delete
from bot.ui.format import plain, truncate
from bot.ui.paginator import ListGone, Page, PageButton, clamp, pages_for, register_list, send_list
from bot.ui.tours import day_sheet, show_list_page
from cogs._common import actor_of, bot_of, check_bot_can_post, guild_id_of

SHOWS_PER_PAGE = 10
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
    status="confirmed, hold (1st/2nd/3rd) or cancelled",
    tickets="Ticket link (https://…)",
    capacity="Venue capacity",
    notes="Notes for the day sheet",
    support="Support acts",
)
Str100 = app_commands.Range[str, 1, 100]
Str150 = app_commands.Range[str, 1, 150]
Clock = app_commands.Range[str, 1, 10]


async def _tour_page(interaction: discord.Interaction, when: str, index: int) -> Page:
    """Page ``index`` of ``/tour list when:<when>``, re-read now (the pager's :data:`PageSource`)."""
    if when not in tours.WHENS:
        raise ListGone("This list can't be paged any more; run `/tour list` again.")
    gid, now = guild_id_of(interaction), utcnow()
    async with bot_of(interaction).uow() as s:
        total = await tours.count_shows(s, gid, when, now=now)
        page_count = pages_for(total, SHOWS_PER_PAGE)
        index = clamp(index, page_count)
        shows = await tours.list_shows(s, gid, when, now=now, offset=index * SHOWS_PER_PAGE, limit=SHOWS_PER_PAGE)
    if total == 0 and interaction.type == discord.InteractionType.component:
        raise ListGone("The shows on this list are gone (deleted, or no longer upcoming). Run `/tour list` again.")
    return Page(show_list_page(shows, when, index=index, page_count=page_count, total=total), index, page_count)


async def _delete_show(interaction: discord.Interaction, show_id: int) -> str:
    async with bot_of(interaction).sessionmaker() as s:
        show = await tours.delete_show(s, guild_id_of(interaction), show_id, now=utcnow(), actor=actor_of(interaction))
    return (
        f"🗑️ Deleted show #{show.number} ({tours.format_day(show.date)}, {plain(truncate(show.city, 80))}) "
        "and its nudges."
    )


@app_commands.guild_only()
class ToursCog(commands.GroupCog, group_name="tour", group_description="Tour dates: shows, day sheets, calendars"):
    """Shows with venue-local dates and times."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def _fields(self, interaction: discord.Interaction, **raw: object) -> tours.ShowFields:
        async with bot_of(interaction).sessionmaker() as s:
            cfg = await get_config(s, guild_id_of(interaction))
        capacity = raw.pop("capacity", None)
        date_text = raw.pop("date", None)
        return tours.parse_fields(
            cfg,
            utcnow().astimezone(cfg.tz).date(),
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
        date: Str100,
        city: Str100,
        venue: Str150,
        country: Str100 | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        load_in: Clock | None = None,
        soundcheck: Clock | None = None,
        doors: Clock | None = None,
        set_time: Clock | None = None,
        status: app_commands.Choice[str] | None = None,
        tickets: app_commands.Range[str, 1, 500] | None = None,
        capacity: app_commands.Range[int, 1, 1_000_000] | None = None,
        notes: app_commands.Range[str, 1, 1000] | None = None,
        support: app_commands.Range[str, 1, 300] | None = None,
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
            status=status.value if status else None,
            tickets=tickets,
            capacity=capacity,
            notes=notes,
            support=support,
        )
        async with bot_of(interaction).sessionmaker() as s:
            if (await get_config(s, gid)).nudge_channel_id is None:
                check_bot_can_post(interaction, None)
            show = await tours.add_show(
                s, gid, f, author_id=interaction.user.id, channel_id=interaction.channel_id or 0, now=utcnow()
            )
        bot_of(interaction).dispatcher.notify()
        await interaction.response.send_message(f"🎫 Show #{show.number} added.", embed=day_sheet(show))

    @app_commands.command(name="list", description="List shows: upcoming (default), past or all")
    @app_commands.describe(when="upcoming (default), past or all")
    @app_commands.choices(when=WHEN_CHOICES)
    async def list_(self, interaction: discord.Interaction, when: app_commands.Choice[str] | None = None) -> None:
        await send_list(interaction, "tour", when.value if when else "upcoming")

    @app_commands.command(name="show", description="A show's day sheet: every time, in venue time and yours")
    @app_commands.describe(show="The show (#number, city or venue)")
    async def show(self, interaction: discord.Interaction, show: app_commands.Range[str, 1, 200]) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            sh = await tours.get_show(s, guild_id_of(interaction), show)
        await interaction.response.send_message(embed=day_sheet(sh))

    @app_commands.command(name="edit", description="Change a show (only the options you give; '-' clears one)")
    @app_commands.describe(show="The show (#number, city or venue)", **SHOW_OPTION_HELP)
    @app_commands.choices(status=STATUS_CHOICES)
    async def edit(
        self,
        interaction: discord.Interaction,
        show: app_commands.Range[str, 1, 200],
        date: Str100 | None = None,
        city: Str100 | None = None,
        venue: Str150 | None = None,
        country: Str100 | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        load_in: Clock | None = None,
        soundcheck: Clock | None = None,
        doors: Clock | None = None,
        set_time: Clock | None = None,
        status: app_commands.Choice[str] | None = None,
        tickets: app_commands.Range[str, 1, 500] | None = None,
        capacity: app_commands.Range[int, 1, 1_000_000] | None = None,
        notes: app_commands.Range[str, 1, 1000] | None = None,
        support: app_commands.Range[str, 1, 300] | None = None,
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
            status=status.value if status else None,
            tickets=tickets,
            capacity=capacity,
            notes=notes,
            support=support,
        )
        async with bot_of(interaction).sessionmaker() as s:
            sh = await tours.edit_show(s, gid, show, f, now=utcnow(), actor=actor_of(interaction))
        bot_of(interaction).dispatcher.notify()
        await interaction.response.send_message(f"✏️ Show #{sh.number} updated.", embed=day_sheet(sh))

    @app_commands.command(name="cancel", description="Mark a show cancelled (kept in the list, no nudges)")
    @app_commands.describe(show="The show (#number, city or venue)")
    async def cancel(self, interaction: discord.Interaction, show: app_commands.Range[str, 1, 200]) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            sh = await tours.cancel_show(s, guild_id_of(interaction), show, now=utcnow(), actor=actor_of(interaction))
        await interaction.response.send_message(f"🚫 Show #{sh.number} is cancelled.", embed=day_sheet(sh))

    @app_commands.command(name="delete", description="Delete a show (asks for confirmation)")
    @app_commands.describe(show="The show (#number, city or venue)")
    async def delete(self, interaction: discord.Interaction, show: app_commands.Range[str, 1, 200]) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            sh = await tours.get_show(s, guild_id_of(interaction), show)
            await tours.require_can_change(s, sh, actor_of(interaction))  # refuse now, not at the click
        view = confirm_view("show", sh.id)
        await interaction.response.send_message(
            f"Delete show #{sh.number}? Its nudges go with it.", embed=day_sheet(sh), view=view, ephemeral=True
        )

    @app_commands.command(name="import", description="Import shows from a calendar (.ics) or spreadsheet (.csv)")
    @app_commands.describe(file="An .ics export (Google/Apple Calendar) or a CSV with date, city, venue columns")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        gid = guild_id_of(interaction)
        if file.size > tour_files.MAX_BYTES:
            await interaction.response.send_message(
                f"⚠️ That file is {file.size:,} bytes; the limit is {tour_files.MAX_BYTES:,} (1 MB). Split it and "
                "import the parts.",
                ephemeral=True,
            )
            return
        async with bot_of(interaction).sessionmaker() as s:
            if (await get_config(s, gid)).nudge_channel_id is None:
                check_bot_can_post(interaction, None)  # the shows' nudges will come here
        # downloads and big files can take a while; errors stay private, the report is public
        await interaction.response.defer(thinking=True, ephemeral=True)
        data = await file.read()
        async with bot_of(interaction).sessionmaker() as s:
            report = await tour_files.import_shows(
                s,
                gid,
                data,
                file.filename,
                author_id=interaction.user.id,
                channel_id=interaction.channel_id or 0,
                now=utcnow(),
                actor=actor_of(interaction),
            )
        bot_of(interaction).dispatcher.notify()
        name = truncate(file.filename.replace("`", "'"), 60)
        lines = [
            f"📥 <@{interaction.user.id}> imported `{name}` ({report.kind.upper()}): "
            f"**{report.added}** added, **{report.updated}** updated, **{len(report.skipped)}** skipped."
        ]
        # reasons and notes are Roadie's own Markdown with the user's text already made literal
        # (code spans, escaped): escaping them again would show the backticks
        for label, reason in report.skipped[:15]:
            lines.append(f"• {plain(truncate(label, 80))}: {truncate(reason, 300)}")
        if len(report.skipped) > 15:
            lines.append(f"• …and {len(report.skipped) - 15} more skipped.")
        lines += [f"ℹ️ {truncate(note, 300)}" for note in report.notes[:5]]
        lines.append("See them with `/tour list`.")
        await interaction.followup.send("Done: the import report is posted in the channel.", ephemeral=True)
        await interaction.followup.send(truncate("\n".join(lines), 2000))

    @app_commands.command(name="export", description="Download shows as a calendar (.ics) for Google/Apple Calendar")
    @app_commands.describe(when="upcoming (default), past or all")
    @app_commands.choices(when=WHEN_CHOICES)
    async def export(self, interaction: discord.Interaction, when: app_commands.Choice[str] | None = None) -> None:
        w = when.value if when else "upcoming"
        await interaction.response.defer(thinking=True)
        now = utcnow()
        async with bot_of(interaction).sessionmaker() as s:
            shows = await tours.list_shows(s, guild_id_of(interaction), w, now=now)
        shows.sort(key=lambda sh: (sh.date, sh.number))
        name = interaction.guild.name if interaction.guild else "Tour"
        data = tour_files.export_ics(shows, now=now, calendar_name=f"{name} tour dates")
        await interaction.followup.send(
            f"📤 {len(shows)} show(s) as a calendar. Import it in Google Calendar "
            "(Settings › Import) or open it on a Mac/iPhone.",
            file=discord.File(io.BytesIO(data), filename="tour-dates.ics"),
        )

    @show.autocomplete("show")
    @edit.autocomplete("show")
    @cancel.autocomplete("show")
    @delete.autocomplete("show")
    async def _show_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).sessionmaker() as s:
            pairs = await tours.autocomplete(s, guild_id_of(interaction), current, now=utcnow())
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @add.autocomplete("timezone")
    @edit.autocomplete("timezone")
    async def _tz_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in search_timezones(current)]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point: the cog and its restart-proof buttons."""
    register_delete("show", _delete_show)
    register_list("tour", _tour_page)
    bot.add_dynamic_items(ConfirmDelete, Keep, PageButton)
    await bot.add_cog(ToursCog(bot))
