"""``/settle``: a show's deal terms and the night's settlement (managers only, ephemeral)."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import permissions, tours
from bot.services import settlement as svc
from bot.services.clock import utcnow
from bot.ui.paginator import send_list
from bot.ui.settlement import night_embed, terms_reply
from cogs._common import RefText, actor_of, bot_of, guild_id_of

KIND_CHOICES = [
    app_commands.Choice(name="guarantee (a flat fee)", value="guarantee"),
    app_commands.Choice(name="door (percentage of gross)", value="door"),
    app_commands.Choice(name="versus (guarantee vs percentage of net)", value="versus"),
    app_commands.Choice(name="plus (guarantee + percentage over break-even)", value="plus"),
]
WHEN_CHOICES = [app_commands.Choice(name=w, value=w) for w in svc.WHENS]
Money = app_commands.Range[str, 1, 30]


def locale_of(interaction: discord.Interaction) -> str | None:
    """The server's ``preferred_locale`` (e.g. ``en-US``, ``de``), which money is formatted in."""
    return str(interaction.guild_locale) if interaction.guild_locale else None


@app_commands.guild_only()
class SettleCog(commands.GroupCog, group_name="settle", group_description="Deal terms and the night's settlement"):
    """Settlement: managers only; every reply is ephemeral."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="terms", description="Managers: the show's deal (guarantee, door, versus or plus)")
    @app_commands.describe(
        show="The show (#number, city or venue)",
        kind="How the payout is computed",
        guarantee="Guarantee, e.g. 5000 or 5,000.00 (guarantee, versus, plus)",
        percentage="Artist's percentage 0-100, e.g. 80 or 72.5 (door, versus, plus)",
        break_even="Gross at which the percentage starts (plus)",
        currency="ISO 4217 code, e.g. USD (default: /settings currency)",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    async def terms(
        self,
        interaction: discord.Interaction,
        show: RefText,
        kind: app_commands.Choice[str],
        guarantee: Money | None = None,
        percentage: app_commands.Range[str, 1, 10] | None = None,
        break_even: Money | None = None,
        currency: app_commands.Range[str, 1, 10] | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            sh, t = await svc.set_terms_from_options(
                s,
                guild_id_of(interaction),
                show,
                kind.value,
                guarantee=guarantee,
                percentage=percentage,
                break_even=break_even,
                currency=currency,
                actor=actor_of(interaction),
                now=utcnow(),
            )
        await interaction.response.send_message(terms_reply(sh, t, locale_of(interaction)), ephemeral=True)

    @app_commands.command(name="night", description="Managers: settle a show against its deal; shows the sum")
    @app_commands.describe(
        show="The show (#number, city or venue)",
        tickets_sold="Paid tickets sold",
        gross="Gross ticket revenue, e.g. 12,000.00 (the deal's currency)",
        expenses="Show expenses the promoter deducts (versus deals)",
        merch="Merch takings (recorded; not part of the payout)",
        comps="Complimentary tickets (recorded; not part of the payout)",
    )
    async def night(
        self,
        interaction: discord.Interaction,
        show: RefText,
        tickets_sold: app_commands.Range[int, 0, svc.MAX_TICKETS],
        gross: Money,
        expenses: Money | None = None,
        merch: Money | None = None,
        comps: app_commands.Range[int, 0, svc.MAX_TICKETS] | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            n = await svc.settle_night(
                s,
                guild_id_of(interaction),
                show,
                tickets_sold=tickets_sold,
                gross=gross,
                expenses=expenses,
                merch=merch,
                comps=comps,
                actor=actor_of(interaction),
                now=utcnow(),
            )
        await interaction.response.send_message(embed=night_embed(n, locale_of(interaction)), ephemeral=True)

    @app_commands.command(name="report", description="Managers: terms and payouts per show, totals per currency, .csv")
    @app_commands.describe(when="all (default), past or upcoming shows")
    @app_commands.choices(when=WHEN_CHOICES)
    async def report(self, interaction: discord.Interaction, when: app_commands.Choice[str] | None = None) -> None:
        w = when.value if when else "all"
        async with bot_of(interaction).uow() as s:
            rep = await svc.report(s, guild_id_of(interaction), w, actor=actor_of(interaction), now=utcnow())
        csv_file = discord.File(io.BytesIO(svc.report_csv(rep)), filename="settlements.csv") if rep.rows else None
        await send_list(interaction, "settle", w, ephemeral=True, file=csv_file)

    @terms.autocomplete("show")
    @night.autocomplete("show")
    async def _show_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            if not await permissions.is_manager(s, gid, actor_of(interaction)):
                return []  # settlement is managers' business: nothing offered to others
            pairs = await tours.autocomplete(s, gid, current, now=utcnow())
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(SettleCog(bot))
