"""``/budget``: a release's recording budget by line, expenses, and a .csv of them."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.money import format_money
from bot.services import budget as bud
from bot.services import releases
from bot.services.clock import utcnow
from bot.ui import charts
from bot.ui import studio as ui
from cogs._common import NumberText, RefText, WhenText, actor_of, bot_of, guild_id_of

LINE_CHOICES = [app_commands.Choice(name=x, value=x) for x in bud.LINES]


def _locale(interaction: discord.Interaction) -> str | None:
    loc = interaction.guild_locale or interaction.locale
    return str(loc) if loc else None


async def _embed(s, interaction: discord.Interaction, summary: bud.BudgetSummary) -> discord.Embed:  # type: ignore[no-untyped-def]
    recent = list(reversed(await bud.expenses(s, summary.release)))
    sessions = await bud.session_numbers(s, summary.release.id)
    return ui.budget_embed(summary, recent, sessions, locale=_locale(interaction))


@app_commands.guild_only()
class BudgetCog(commands.GroupCog, group_name="budget", group_description="Recording budgets: lines, expenses, export"):
    """Per-release budgets in one currency; managers and producers edit, everyone sees."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="set", description="Set a budget line (the first one fixes the budget's currency)")
    @app_commands.describe(
        release="The release",
        line="The budget line",
        amount="NumberText, e.g. 2500 or 2,500.00",
        currency="ISO 4217 code, e.g. EUR (default: the server's; fixed by the first /budget set)",
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        release: RefText,
        line: app_commands.Range[str, 1, 20],
        amount: NumberText,
        currency: app_commands.Range[str, 3, 3] | None = None,
    ) -> None:
        now = utcnow()
        async with bot_of(interaction).uow() as s:
            res = await bud.set_line(
                s,
                guild_id_of(interaction),
                release,
                line,
                amount,
                now=now,
                currency=currency,
                actor=actor_of(interaction),
            )
            embed = await _embed(s, interaction, res.summary)
        await interaction.response.send_message(ui.budget_set(res, _locale(interaction)), embed=embed)

    @app_commands.command(name="spend", description="Record an expense on a budget line")
    @app_commands.describe(
        release="The release",
        line="The budget line",
        amount="NumberText in the budget's currency, e.g. 450",
        what="What it was for",
        date="When (default: today)",
    )
    async def spend(
        self,
        interaction: discord.Interaction,
        release: RefText,
        line: app_commands.Range[str, 1, 20],
        amount: NumberText,
        what: app_commands.Range[str, 1, 200],
        date: WhenText | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            exp, summary = await bud.spend(
                s,
                guild_id_of(interaction),
                release,
                line,
                amount,
                what,
                author_id=interaction.user.id,
                now=utcnow(),
                date_text=date,
                actor=actor_of(interaction),
            )
            embed = await _embed(s, interaction, summary)
        await interaction.response.send_message(
            ui.expense_added(exp, summary.currency, _locale(interaction)),
            embed=embed,
        )

    @app_commands.command(name="unspend", description="Remove a wrong expense")
    @app_commands.describe(release="The release", expense="The expense (pick from the list)")
    async def unspend(self, interaction: discord.Interaction, release: RefText, expense: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            exp, summary = await bud.unspend(
                s, guild_id_of(interaction), release, expense, now=utcnow(), actor=actor_of(interaction)
            )
            embed = await _embed(s, interaction, summary)
        await interaction.response.send_message(
            ui.expense_removed(exp, summary.currency, _locale(interaction)),
            embed=embed,
        )

    @app_commands.command(name="show", description="A release's budget: per line budget, spent, left; overruns marked")
    @app_commands.describe(release="The release")
    async def show(self, interaction: discord.Interaction, release: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            summary = await bud.show(s, guild_id_of(interaction), release, now=utcnow())
            embed = await _embed(s, interaction, summary)
        await interaction.response.send_message(embed=embed)

    @app_commands.command(name="export", description="Download every expense of a release as a .csv")
    @app_commands.describe(release="The release")
    async def export(self, interaction: discord.Interaction, release: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            r, data = await bud.export_csv(s, guild_id_of(interaction), release, now=utcnow())
        await interaction.response.send_message(
            ui.budget_exported(r),
            file=discord.File(io.BytesIO(data), filename=f"budget-release-{r.number}.csv"),
        )

    @app_commands.command(name="chart", description="A release's budget vs spent per line, as a chart")
    @app_commands.describe(release="The release")
    async def chart(self, interaction: discord.Interaction, release: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            data = await bud.chart_data(s, guild_id_of(interaction), release, now=utcnow())
        if not data.lines:
            await interaction.response.send_message(charts.no_budget_chart(data.number), ephemeral=True)
            return
        locale = _locale(interaction)
        await charts.send_chart(
            interaction, lambda d: charts.draw_budget_bars(d, lambda a: format_money(a, d.currency, locale)), data
        )

    @set_.autocomplete("release")
    @spend.autocomplete("release")
    @unspend.autocomplete("release")
    @show.autocomplete("release")
    @export.autocomplete("release")
    @chart.autocomplete("release")
    async def _release_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await releases.autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @set_.autocomplete("line")
    @spend.autocomplete("line")
    async def _line_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        q = current.strip().lower()
        return [c for c in LINE_CHOICES if c.value.startswith(q)] or LINE_CHOICES

    @unspend.autocomplete("expense")
    async def _expense_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        ref = str(getattr(interaction.namespace, "release", "") or "")
        async with bot_of(interaction).uow() as s:
            pairs = await bud.expense_autocomplete(s, guild_id_of(interaction), ref, current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @set_.autocomplete("currency")
    async def _currency_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        from babel.numbers import list_currencies

        q = current.strip().upper()
        common = ["EUR", "USD", "GBP", "JPY", "CAD", "AUD", "SEK", "NOK", "DKK", "CHF"]
        codes = common + sorted(c for c in list_currencies() if c not in common)
        return [app_commands.Choice(name=c, value=c) for c in codes if c.startswith(q)][:25]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(BudgetCog(bot))
