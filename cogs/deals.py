"""``/deal``: the confidential deal pipeline (offers, contracts, key dates). Every reply is ephemeral.

Parsing and permissions live in :mod:`bot.services.deals`; sentences and embeds in :mod:`bot.ui.deals`.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.models import NOTE_MAX, TITLE_MAX
from bot.services import clock, deals, settings, tours
from bot.ui import deals as ui
from bot.ui.confirm import confirm_view
from bot.ui.paginator import send_list
from cogs._common import NumberText, RefText, WhenText, actor_of, bot_of, guild_id_of

KIND_CHOICES = [app_commands.Choice(name=k, value=k) for k in deals.KINDS]
STATUS_CHOICES = [app_commands.Choice(name=s, value=s) for s in deals.STATUSES]
LIST_STATUS_CHOICES = [
    app_commands.Choice(name="open (not declined, expired or completed)", value="open"),
    app_commands.Choice(name="all", value="all"),
    *STATUS_CHOICES,
]
DATE_CHOICES = [app_commands.Choice(name=w, value=w) for w in deals.DATE_KINDS]
SETTLE_CHOICES = [app_commands.Choice(name=k, value=k) for k in deals.SETTLE_KINDS]
SETTLE_EDIT_CHOICES = [*SETTLE_CHOICES, app_commands.Choice(name="- (clear)", value="-")]
Ref = RefText
Amount = NumberText


def locale_of(interaction: discord.Interaction) -> str | None:
    """The server's preferred locale (Discord's ``guild_locale``, e.g. ``en-US``) for money formatting."""
    return str(interaction.guild_locale) if interaction.guild_locale else None


async def _reply(interaction: discord.Interaction, content: str, embed: discord.Embed | None = None) -> None:
    await interaction.response.send_message(content, embed=embed or discord.utils.MISSING, ephemeral=True)


@app_commands.guild_only()
class DealsCog(
    commands.GroupCog, group_name="deal", group_description="Confidential deals: offers, contracts, key dates"
):
    """Deals: only managers and each deal's owner see them; replies are ephemeral."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="add", description="Add a deal (confidential: managers and its owner see it)")
    @app_commands.describe(
        title="What the deal is, e.g. Summer festival offer",
        kind="show-offer, record, distribution, publishing, sync, brand, management, merch or other",
        counterparty="Who it is with (promoter, label, brand, ...)",
        value="Total value, e.g. 25000 or 1,250.50 (needs currency)",
        currency="ISO 4217 code, e.g. EUR, USD, GBP",
        owner="Who runs this deal and gets its nudges (default: you)",
        show="Show offers: the show it is for",
        guarantee="Show offers: the guarantee, e.g. 5000",
        percentage="Show offers: the percentage, e.g. 80 or 12.5",
        settle_kind="Show offers: guarantee, door, versus or plus",
    )
    @app_commands.choices(kind=KIND_CHOICES, settle_kind=SETTLE_CHOICES)
    async def add(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, TITLE_MAX],
        kind: app_commands.Choice[str],
        counterparty: app_commands.Range[str, 1, TITLE_MAX],
        value: Amount | None = None,
        currency: app_commands.Range[str, 1, 10] | None = None,
        owner: discord.Member | None = None,
        show: Ref | None = None,
        guarantee: Amount | None = None,
        percentage: app_commands.Range[str, 1, 10] | None = None,
        settle_kind: app_commands.Choice[str] | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            deal = await deals.add_deal(
                s,
                guild_id_of(interaction),
                title=title,
                kind=kind.value,
                counterparty=counterparty,
                actor=actor_of(interaction),
                now=clock.utcnow(),
                owner_id=owner.id if owner else None,
                value=value,
                currency=currency,
                show=show,
                guarantee=guarantee,
                percentage=percentage,
                settle_kind=settle_kind.value if settle_kind else None,
            )
        await _reply(interaction, ui.added(deal))

    @app_commands.command(name="status", description="Move a deal along: lead, offer, negotiating, signed, ...")
    @app_commands.describe(
        deal="The deal", status="Its new status", note="Why (kept in the history; needed for unusual moves)"
    )
    @app_commands.choices(status=STATUS_CHOICES)
    async def status(
        self,
        interaction: discord.Interaction,
        deal: Ref,
        status: app_commands.Choice[str],
        note: app_commands.Range[str, 1, NOTE_MAX] | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            res = await deals.set_status(
                s,
                guild_id_of(interaction),
                deal,
                status.value,
                actor=actor_of(interaction),
                now=clock.utcnow(),
                note=note,
            )
        await _reply(interaction, ui.status_changed(res, locale_of(interaction)))

    @app_commands.command(name="date", description="Add or move a key date; nudged 14 and 3 days before and on the day")
    @app_commands.describe(
        deal="The deal",
        what="Which date: offer-expires, signature-due, option-pickup, term-ends, payment-due, renewal-notice, other",
        date="The date, e.g. 2027-04-02 or next friday (server time zone)",
        label="What it is (required for other), e.g. Audit window",
        confirm_past="True to store a date that has already passed (no nudges)",
    )
    @app_commands.choices(what=DATE_CHOICES)
    async def date(
        self,
        interaction: discord.Interaction,
        deal: Ref,
        what: app_commands.Choice[str],
        date: WhenText,
        label: app_commands.Range[str, 1, deals.LABEL_MAX] | None = None,
        confirm_past: bool = False,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            res = await deals.set_date(
                s,
                guild_id_of(interaction),
                deal,
                what.value,
                date,
                actor=actor_of(interaction),
                now=clock.utcnow(),
                label=label,
                confirm_past=confirm_past,
            )
        await _reply(interaction, ui.date_set(res))

    @app_commands.command(name="date-remove", description="Remove a key date of a deal (and its nudges)")
    @app_commands.describe(deal="The deal", key_date="The key date")
    async def date_remove(self, interaction: discord.Interaction, deal: Ref, key_date: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            d, kd = await deals.remove_date(
                s, guild_id_of(interaction), deal, key_date, actor=actor_of(interaction), now=clock.utcnow()
            )
        await _reply(interaction, ui.date_removed(d, kd))

    @app_commands.command(name="list", description="The deals you may see (managers: all; others: their own)")
    @app_commands.describe(status="open (default), all, or one status", kind="Only this kind")
    @app_commands.choices(status=LIST_STATUS_CHOICES, kind=KIND_CHOICES)
    async def list_(
        self,
        interaction: discord.Interaction,
        status: app_commands.Choice[str] | None = None,
        kind: app_commands.Choice[str] | None = None,
    ) -> None:
        st = status.value if status else "open"
        await send_list(interaction, "deals", f"{st}.{kind.value if kind else ''}", ephemeral=True)

    @app_commands.command(name="show", description="A deal: its terms, key dates and full status history")
    @app_commands.describe(deal="The deal")
    async def show(self, interaction: discord.Interaction, deal: Ref) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            d = await deals.get_deal(s, gid, deal, actor_of(interaction))
            cfg = await settings.get_config(s, gid)
            linked = await deals.linked_show(s, d)
            next_due = await deals.next_nudges(s, d)
        embed = ui.deal_embed(
            d,
            show=linked,
            next_due=next_due,
            waiting=cfg.business_channel_id is None,
            today=clock.utcnow().astimezone(cfg.tz).date(),
            locale=locale_of(interaction),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="edit", description="Change a deal ('-' clears value, currency, show or terms)")
    @app_commands.describe(
        deal="The deal",
        title="New title",
        kind="New kind",
        counterparty="New counterparty",
        value="Total value ('-' clears)",
        currency="ISO 4217 code ('-' clears)",
        owner="New owner (managers only)",
        show="Show offers: the show ('-' unlinks)",
        guarantee="Show offers: the guarantee ('-' clears)",
        percentage="Show offers: the percentage ('-' clears)",
        settle_kind="Show offers: guarantee, door, versus, plus, or - to clear",
    )
    @app_commands.choices(kind=KIND_CHOICES, settle_kind=SETTLE_EDIT_CHOICES)
    async def edit(
        self,
        interaction: discord.Interaction,
        deal: Ref,
        title: app_commands.Range[str, 1, TITLE_MAX] | None = None,
        kind: app_commands.Choice[str] | None = None,
        counterparty: app_commands.Range[str, 1, TITLE_MAX] | None = None,
        value: Amount | None = None,
        currency: app_commands.Range[str, 1, 10] | None = None,
        owner: discord.Member | None = None,
        show: Ref | None = None,
        guarantee: Amount | None = None,
        percentage: app_commands.Range[str, 1, 10] | None = None,
        settle_kind: app_commands.Choice[str] | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            d = await deals.edit_deal(
                s,
                guild_id_of(interaction),
                deal,
                actor=actor_of(interaction),
                now=clock.utcnow(),
                title=title,
                kind=kind.value if kind else None,
                counterparty=counterparty,
                owner_id=owner.id if owner else None,
                value=value,
                currency=currency,
                show=show,
                guarantee=guarantee,
                percentage=percentage,
                settle_kind=settle_kind.value if settle_kind else None,
            )
        await _reply(interaction, ui.edited(d))

    @app_commands.command(name="delete", description="Delete a deal and its key dates (asks for confirmation)")
    @app_commands.describe(deal="The deal")
    async def delete(self, interaction: discord.Interaction, deal: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            d = await deals.get_deal(s, guild_id_of(interaction), deal, actor_of(interaction))
        await interaction.response.send_message(
            ui.confirm_delete(d), view=confirm_view(ui.DELETE_KIND, d.id), ephemeral=True
        )

    @add.autocomplete("show")
    @edit.autocomplete("show")
    async def _show_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await tours.autocomplete(s, guild_id_of(interaction), current, now=clock.utcnow())
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @status.autocomplete("deal")
    @date.autocomplete("deal")
    @date_remove.autocomplete("deal")
    @show.autocomplete("deal")
    @edit.autocomplete("deal")
    @delete.autocomplete("deal")
    async def _deal_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:  # only deals the asker may see
            pairs = await deals.autocomplete(s, guild_id_of(interaction), actor_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @date_remove.autocomplete("key_date")
    async def _date_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        deal_ref = str(getattr(interaction.namespace, "deal", "") or "")
        async with bot_of(interaction).uow() as s:
            pairs = await deals.date_autocomplete(s, guild_id_of(interaction), actor_of(interaction), deal_ref, current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point (its components are wired in ``bot/features.py``)."""
    await bot.add_cog(DealsCog(bot))
