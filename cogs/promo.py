"""``/promo``: a release's press, radio and playlist campaign: outlets, pitches, results, follow-ups."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.models import OutletKind, PitchStatus, ResultKind
from bot.services import clock, promo, releases
from bot.ui import charts
from bot.ui import promo as ui
from bot.ui.paginator import send_list
from cogs._common import RefText, WhenText, actor_of, bot_of, guild_id_of

KIND_CHOICES = [app_commands.Choice(name=k.value, value=k.value) for k in OutletKind]
STATUS_CHOICES = [app_commands.Choice(name=s.value, value=s.value) for s in PitchStatus]
RESULT_CHOICES = [
    app_commands.Choice(name=n, value=v)
    for n, v in (
        ("spins (airplay)", ResultKind.SPINS.value),
        ("followers (playlist)", ResultKind.FOLLOWERS.value),
        ("audience (reach of a feature)", ResultKind.AUDIENCE.value),
        ("article (needs link)", ResultKind.ARTICLE.value),
    )
]
OutletName = app_commands.Range[str, 1, promo.NAME_MAX]
Contact = app_commands.Range[str, 1, promo.CONTACT_MAX]
Email = app_commands.Range[str, 1, promo.EMAIL_MAX]
Handle = app_commands.Range[str, 1, promo.HANDLE_MAX]
Region = app_commands.Range[str, 1, promo.REGION_MAX]
Notes = app_commands.Range[str, 1, promo.NOTES_MAX]
Note = app_commands.Range[str, 1, promo.NOTE_MAX]
Link = app_commands.Range[str, 1, promo.LINK_MAX]
Value = app_commands.Range[int, 0, promo.VALUE_MAX]
Days = app_commands.Range[int, 1, promo.FOLLOW_UP_DAYS_MAX]
OUTLET_HELP = dict(
    name="Outlet name (station, publication, blog, playlist, show…)",
    kind="radio, press, blog, playlist, podcast, tv, influencer or other",
    contact="Contact person",
    email="Contact e-mail",
    handle="Social handle (@name) or a link",
    region="Region or country",
    notes="Notes (genres, deadlines, how they like to be pitched)",
)


@app_commands.guild_only()
class PromoCog(
    commands.GroupCog, group_name="promo", group_description="Promotion: outlets, pitches, follow-ups, campaigns"
):
    """A release's campaign: who was pitched, what came of it, and the follow-ups nobody forgets."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="outlet-add", description="Add a media outlet (radio, press, blog, playlist…)")
    @app_commands.describe(**OUTLET_HELP)
    @app_commands.choices(kind=KIND_CHOICES)
    async def outlet_add(
        self,
        interaction: discord.Interaction,
        name: OutletName,
        kind: app_commands.Choice[str],
        contact: Contact | None = None,
        email: Email | None = None,
        handle: Handle | None = None,
        region: Region | None = None,
        notes: Notes | None = None,
    ) -> None:
        f = promo.parse_outlet_fields(
            name=name, kind=kind.value, contact=contact, email=email, handle=handle, region=region, notes=notes
        )
        async with bot_of(interaction).uow() as s:
            o = await promo.add_outlet(
                s,
                guild_id_of(interaction),
                f,
                author_id=interaction.user.id,
                now=clock.utcnow(),
                actor=actor_of(interaction),
            )
        await interaction.response.send_message(ui.outlet_added_text(o), embed=ui.outlet_embed(o))

    @app_commands.command(name="outlet-edit", description="Change an outlet (only the options you give; '-' clears)")
    @app_commands.describe(outlet="The outlet (#number or name)", **OUTLET_HELP)
    @app_commands.choices(kind=KIND_CHOICES)
    async def outlet_edit(
        self,
        interaction: discord.Interaction,
        outlet: RefText,
        name: OutletName | None = None,
        kind: app_commands.Choice[str] | None = None,
        contact: Contact | None = None,
        email: Email | None = None,
        handle: Handle | None = None,
        region: Region | None = None,
        notes: Notes | None = None,
    ) -> None:
        raw = dict(
            name=name,
            kind=kind.value if kind else None,
            contact=contact,
            email=email,
            handle=handle,
            region=region,
            notes=notes,
        )
        async with bot_of(interaction).uow() as s:
            o = await promo.edit_outlet(s, guild_id_of(interaction), outlet, raw, actor=actor_of(interaction))
        await interaction.response.send_message(ui.outlet_updated_text(o), embed=ui.outlet_embed(o))

    @app_commands.command(name="outlet-remove", description="Remove an outlet (its pitches stay in the campaigns)")
    @app_commands.describe(outlet="The outlet (#number or name)")
    async def outlet_remove(self, interaction: discord.Interaction, outlet: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            o = await promo.remove_outlet(
                s, guild_id_of(interaction), outlet, now=clock.utcnow(), actor=actor_of(interaction)
            )
        await interaction.response.send_message(ui.outlet_removed_text(o))

    @app_commands.command(name="outlets", description="List the server's media outlets, paginated")
    @app_commands.describe(kind="Only this kind")
    @app_commands.choices(kind=KIND_CHOICES)
    async def outlets(self, interaction: discord.Interaction, kind: app_commands.Choice[str] | None = None) -> None:
        await send_list(interaction, "outlets", kind.value if kind else "")

    @app_commands.command(name="import", description="Import media contacts from a spreadsheet (.csv)")
    @app_commands.describe(file="A CSV with name/outlet, type, contact, e-mail, handle, region, notes columns")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        if file.size > promo.MAX_IMPORT_BYTES:
            await interaction.response.send_message(ui.file_too_big_text(file.size), ephemeral=True)
            return
        async with bot_of(interaction).uow() as s:  # refuse at once, before the download
            await promo.require_editor(s, guild_id_of(interaction), actor_of(interaction))
        # downloads and 5,000-row files take a while; errors stay private, the report is public
        await interaction.response.defer(thinking=True, ephemeral=True)
        data = await file.read()
        async with bot_of(interaction).uow() as s:
            report = await promo.import_contacts(
                s,
                guild_id_of(interaction),
                data,
                author_id=interaction.user.id,
                now=clock.utcnow(),
                actor=actor_of(interaction),
            )
        await interaction.followup.send(ui.IMPORT_DONE, ephemeral=True)
        await interaction.followup.send(ui.import_report_text(report, file.filename, interaction.user.id))

    @app_commands.command(name="pitch", description="Log a pitch of a release to an outlet (status: pitched)")
    @app_commands.describe(
        release="The release (#number or title)",
        outlet="The outlet (#number or name)",
        date="When it was sent (default: today), e.g. 2027-03-01 or yesterday",
        note="What was sent (e.g. press kit + private link)",
    )
    async def pitch(
        self,
        interaction: discord.Interaction,
        release: RefText,
        outlet: RefText,
        date: WhenText | None = None,
        note: Note | None = None,
    ) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:  # follow-ups go to the release's channel (or the nudge channel)
            p = await promo.add_pitch(
                s,
                gid,
                release,
                outlet,
                date_text=date,
                note=note,
                author_id=interaction.user.id,
                channel_id=interaction.channel_id or 0,
                now=clock.utcnow(),
                actor=actor_of(interaction),
            )
            rel = await releases.get_release_by_id(s, gid, p.release_id)
        await interaction.response.send_message(ui.pitch_added_text(p, rel))

    @app_commands.command(name="update", description="Record a pitch's new status (stops its follow-up nudges)")
    @app_commands.describe(
        pitch="The pitch (#number, outlet or release)",
        status="The new status",
        note="What happened (needed when the status skips or goes back)",
        link="A link (https://…): the article, the playlist, the show",
    )
    @app_commands.choices(status=STATUS_CHOICES)
    async def update(
        self,
        interaction: discord.Interaction,
        pitch: RefText,
        status: app_commands.Choice[str],
        note: Note | None = None,
        link: Link | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            p = await promo.update_pitch(
                s,
                guild_id_of(interaction),
                pitch,
                status.value,
                note=note,
                link=link,
                now=clock.utcnow(),
                actor=actor_of(interaction),
            )
        await interaction.response.send_message(ui.pitch_updated_text(p))

    @app_commands.command(name="result", description="Log what came of a pitch: spins, followers, audience, article")
    @app_commands.describe(
        pitch="The pitch (#number, outlet or release)",
        kind="spins, followers, audience or article",
        value="A whole number (spins, followers, audience)",
        link="A link (https://…); needed for an article",
    )
    @app_commands.choices(kind=RESULT_CHOICES)
    async def result(
        self,
        interaction: discord.Interaction,
        pitch: RefText,
        kind: app_commands.Choice[str],
        value: Value | None = None,
        link: Link | None = None,
    ) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            r = await promo.add_result(
                s, gid, pitch, kind.value, value=value, link=link, now=clock.utcnow(), actor=actor_of(interaction)
            )
            p = await promo.get_pitch(s, gid, pitch)
        await interaction.response.send_message(ui.result_text(p, r))

    @app_commands.command(name="follow-up", description="Days before a pitch is followed up (then no-reply)")
    @app_commands.describe(days="Days, 1 to 90 (default 7)")
    async def follow_up(self, interaction: discord.Interaction, days: Days) -> None:
        async with bot_of(interaction).uow() as s:
            n = await promo.set_follow_up_days(s, guild_id_of(interaction), days, actor=actor_of(interaction))
        await interaction.response.send_message(ui.follow_up_days_text(n))

    @app_commands.command(name="campaign", description="A release's campaign: funnel, reach, coverage, follow-ups")
    @app_commands.describe(release="The release (#number or title)")
    async def campaign(self, interaction: discord.Interaction, release: RefText) -> None:
        await interaction.response.defer(thinking=True)  # the export of every pitch can take a moment
        async with bot_of(interaction).uow() as s:
            c = await promo.campaign(s, guild_id_of(interaction), release, now=clock.utcnow())
        data = promo.export_csv(promo.export_rows(c))
        embed, view = ui.page_and_view(c, 0)
        await interaction.followup.send(
            ui.export_text(c),
            embed=embed,
            view=view,
            file=discord.File(io.BytesIO(data), filename=ui.export_filename(c.release)),
        )

    @app_commands.command(name="chart", description="A release's campaign funnel, as a chart")
    @app_commands.describe(release="The release (#number or title)")
    async def chart(self, interaction: discord.Interaction, release: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            data = await promo.chart_data(s, guild_id_of(interaction), release, now=clock.utcnow())
        if not data.funnel or not data.funnel[0][1]:
            await interaction.response.send_message(charts.no_promo_chart(data.number), ephemeral=True)
            return
        await charts.send_chart(interaction, charts.draw_promo_funnel, data)

    @outlet_edit.autocomplete("outlet")
    @outlet_remove.autocomplete("outlet")
    @pitch.autocomplete("outlet")
    async def _outlet_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await promo.outlet_autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @pitch.autocomplete("release")
    @campaign.autocomplete("release")
    @chart.autocomplete("release")
    async def _release_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await releases.autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @update.autocomplete("pitch")
    @result.autocomplete("pitch")
    async def _pitch_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await promo.pitch_autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point (its components and nudge kinds are wired in ``bot/features.py``)."""
    await bot.add_cog(PromoCog(bot))
