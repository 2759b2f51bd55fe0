"""``/advance``: a show's advance checklist (ticked from a restart-proof menu) and its contacts."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.models import TITLE_MAX
from bot.services import advance as svc
from bot.services import tours
from bot.services.clock import utcnow
from bot.ui.advance import checklist_message, contact_line
from bot.ui.format import plain, truncate
from cogs._common import RefText, actor_of, bot_of, guild_id_of

ROLE_CHOICES = [app_commands.Choice(name=r, value=r) for r in svc.CONTACT_ROLES]
Ref = RefText  # "#3" or (part of) a venue, city, name or title


@app_commands.guild_only()
class AdvanceCog(commands.GroupCog, group_name="advance", group_description="Advancing shows: checklist and contacts"):
    """Advance checklists and contacts; changes are for the show's author and managers."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="checklist", description="A show's advance checklist; tick items from the menu")
    @app_commands.describe(show="The show (#number, city or venue)")
    async def checklist(self, interaction: discord.Interaction, show: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            cl = await svc.checklist(s, guild_id_of(interaction), show)
        await interaction.response.send_message(**checklist_message(cl, 0))  # type: ignore[arg-type]

    async def _tick(self, interaction: discord.Interaction, show: str, item: str, done: bool) -> None:
        async with bot_of(interaction).uow() as s:
            cl, it = await svc.tick(
                s, guild_id_of(interaction), show, item, done=done, actor=actor_of(interaction), now=utcnow()
            )
            left = sum(1 for i in cl.items if i.done_at is None)
        verb = "✅ Ticked" if done else "↩️ Unticked"
        await interaction.response.send_message(
            f"{verb} #{it.position} {plain(truncate(it.title, 120))} for show #{cl.show.number} · {left} open."
        )

    @app_commands.command(name="tick", description="Mark an advance item done (records who and when)")
    @app_commands.describe(show="The show", item="The item (#number or title)")
    async def tick(self, interaction: discord.Interaction, show: Ref, item: Ref) -> None:
        await self._tick(interaction, show, item, True)

    @app_commands.command(name="untick", description="Mark an advance item not done")
    @app_commands.describe(show="The show", item="The item (#number or title)")
    async def untick(self, interaction: discord.Interaction, show: Ref, item: Ref) -> None:
        await self._tick(interaction, show, item, False)

    @app_commands.command(name="item-add", description="Add an advance item to this show only")
    @app_commands.describe(
        show="The show", title="What to confirm", due="'14' or '14 days before', 'show day', or a date"
    )
    async def item_add(
        self,
        interaction: discord.Interaction,
        show: Ref,
        title: app_commands.Range[str, 1, TITLE_MAX],
        due: app_commands.Range[str, 1, 100],
    ) -> None:
        async with bot_of(interaction).uow() as s:
            cl, it = await svc.add_item(
                s, guild_id_of(interaction), show, title=title, due=due, actor=actor_of(interaction), now=utcnow()
            )
        rel = "on a fixed date" if it.days_before is None else f"{it.days_before} days before the show"
        if it.days_before == 0:
            rel = "on show day"
        await interaction.response.send_message(
            f"➕ Item #{it.position} {plain(truncate(it.title, 120))} added to show #{cl.show.number}: due "
            f"{tours.format_day(svc.item_due(it, cl.show))} ({rel})."
        )

    @app_commands.command(name="item-remove", description="Remove an advance item from a show")
    @app_commands.describe(show="The show", item="The item (#number or title)")
    async def item_remove(self, interaction: discord.Interaction, show: Ref, item: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            sh, it = await svc.remove_item(
                s, guild_id_of(interaction), show, item, actor=actor_of(interaction), now=utcnow()
            )
        await interaction.response.send_message(
            f"🗑️ Item #{it.position} {plain(truncate(it.title, 120))} removed from show #{sh.number}."
        )

    @app_commands.command(name="contact", description="Who to call for a show (same role and name again replaces it)")
    @app_commands.describe(
        show="The show",
        role="What they do for this show",
        name="Their name",
        phone="Phone number, e.g. +49 30 1234567 (national numbers are read in the show's country)",
        email="E-mail address",
    )
    @app_commands.choices(role=ROLE_CHOICES)
    async def contact(
        self,
        interaction: discord.Interaction,
        show: Ref,
        role: app_commands.Choice[str],
        name: app_commands.Range[str, 1, 100],
        phone: app_commands.Range[str, 1, 40] | None = None,
        email: app_commands.Range[str, 1, 254] | None = None,
    ) -> None:
        async with bot_of(interaction).uow() as s:
            sh, c, replaced = await svc.set_contact(
                s,
                guild_id_of(interaction),
                show,
                role=role.value,
                name=name,
                phone=phone,
                email=email,
                actor=actor_of(interaction),
            )
        verb = "updated" if replaced else "added"
        await interaction.response.send_message(
            f"📇 Contact #{c.number} {verb} for show #{sh.number}: {contact_line(c)}"
        )

    @app_commands.command(name="contact-remove", description="Remove a contact from a show")
    @app_commands.describe(show="The show", contact="The contact (#number or name)")
    async def contact_remove(self, interaction: discord.Interaction, show: Ref, contact: Ref) -> None:
        async with bot_of(interaction).uow() as s:
            sh, c = await svc.remove_contact(s, guild_id_of(interaction), show, contact, actor=actor_of(interaction))
        await interaction.response.send_message(
            f"🗑️ Contact {plain(truncate(c.name, 100))} ({c.role}) removed from show #{sh.number}."
        )

    @checklist.autocomplete("show")
    @tick.autocomplete("show")
    @untick.autocomplete("show")
    @item_add.autocomplete("show")
    @item_remove.autocomplete("show")
    @contact.autocomplete("show")
    @contact_remove.autocomplete("show")
    async def _show_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await tours.autocomplete(s, guild_id_of(interaction), current, now=utcnow())
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    async def _item_ac(
        self, interaction: discord.Interaction, current: str, done: bool | None
    ) -> list[app_commands.Choice[str]]:
        show_ref = str(getattr(interaction.namespace, "show", "") or "")
        async with bot_of(interaction).uow() as s:
            pairs = await svc.item_autocomplete(s, guild_id_of(interaction), show_ref, current, done=done)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @tick.autocomplete("item")
    async def _open_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._item_ac(interaction, current, False)

    @untick.autocomplete("item")
    async def _done_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._item_ac(interaction, current, True)

    @item_remove.autocomplete("item")
    async def _any_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._item_ac(interaction, current, None)

    @contact_remove.autocomplete("contact")
    async def _contact_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        show_ref = str(getattr(interaction.namespace, "show", "") or "")
        async with bot_of(interaction).uow() as s:
            pairs = await svc.contact_autocomplete(s, guild_id_of(interaction), show_ref, current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point (its components are wired in ``bot/features.py``)."""
    await bot.add_cog(AdvanceCog(bot))
