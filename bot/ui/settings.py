"""What ``/settings`` shows: the settings summary and the confirmation of each change."""

from __future__ import annotations

import discord

from bot.services import clock, permissions
from bot.services.settings import GuildConfig
from bot.timeparse import format_local
from bot.ui.format import COLOURS, plain

SETTINGS_COLOUR = discord.Colour(COLOURS.settings)
MOVED_NOTE = " Nudges of goals, releases and check-ins now follow it."


def roles_text(roles: dict[str, int]) -> str:
    """``manager: <@&1> · artist: <@&2>`` in the standard kind order, or ``not set``."""
    parts = [f"{k}: <@&{roles[k]}>" for k in permissions.ROLE_KINDS if k in roles]
    return " · ".join(parts) if parts else "not set"


def order_example(order: str) -> str:
    """``03/04/2027 = 3 April 2027`` (day-first) or ``03/04/2027 = March 4, 2027`` (month-first)."""
    return "03/04/2027 = 3 April 2027" if order == "day-first" else "03/04/2027 = March 4, 2027"


def date_order_sentence(cfg: GuildConfig) -> str:
    """What the reply to ``/settings timezone`` says about numeric dates, and how to change that."""
    if cfg.date_order_chosen:
        return (
            f"Numeric dates still read {cfg.date_order} ({order_example(cfg.date_order)}), as chosen with "
            "`/settings date-order`."
        )
    return (
        f"Numeric dates now read {cfg.date_order} ({order_example(cfg.date_order)}), the usual order there; "
        "change it with `/settings date-order`."
    )


def settings_embed(
    cfg: GuildConfig, title: str = "Roadie settings", *, roles: dict[str, int] | None = None
) -> discord.Embed:
    """The settings summary shown by ``/settings show`` and after each change (``roles``: the role mapping)."""
    now = clock.utcnow()
    e = discord.Embed(title=title, colour=SETTINGS_COLOUR)
    e.add_field(name="Time zone", value=f"`{cfg.timezone}` (now {format_local(now, cfg.tz)})", inline=False)
    source = (
        "chosen with `/settings date-order`"
        if cfg.date_order_chosen
        else "the time zone's usual order; choose with `/settings date-order`"
    )
    e.add_field(
        name="Date order", value=f"`{cfg.date_order}` ({order_example(cfg.date_order)}) · {source}", inline=False
    )
    channel = f"<#{cfg.nudge_channel_id}>" if cfg.nudge_channel_id else "the channel each item was created in"
    e.add_field(name="Nudge channel", value=channel, inline=False)
    e.add_field(
        name="Currency", value=f"`{cfg.currency}`" if cfg.currency else "not set (`/settings currency`)", inline=False
    )
    business = (
        f"<#{cfg.business_channel_id}>"
        if cfg.business_channel_id
        else "not set: deal key dates are stored, their nudges wait for one"
    )
    e.add_field(name="Business channel (deal nudges)", value=business, inline=False)
    if roles is not None:
        e.add_field(name="Roles", value=roles_text(roles), inline=False)
    e.set_footer(text="Changing settings needs Manage Server.")
    e.timestamp = now
    return e


def timezone_set_text(cfg: GuildConfig, *, moved: bool) -> str:
    """The reply to ``/settings timezone`` (``moved``: some nudges were re-planned in the new zone),
    saying which order numeric dates now follow and how to change it."""
    return f"✅ Time zone set to `{cfg.timezone}`.{MOVED_NOTE if moved else ''} {date_order_sentence(cfg)}"


def date_order_set_text(cfg: GuildConfig) -> str:
    """The reply to ``/settings date-order``."""
    return f"✅ Numeric dates are now read `{cfg.date_order}`."


def channel_set_text(channel_id: int) -> str:
    """The reply to ``/settings channel``."""
    return f"✅ Nudges will go to <#{channel_id}>."


def currency_set_text(cfg: GuildConfig) -> str:
    """The reply to ``/settings currency``."""
    return (
        f"✅ Amounts are now in `{cfg.currency}` unless a command says otherwise; amounts already stored keep "
        "their own currency."
    )


def role_set_text(kind: str, role_id: int) -> str:
    """The reply to ``/settings role``."""
    return f"✅ Roadie role **{kind}** is now <@&{role_id}>."


def events_set_text(enabled: bool) -> str:
    """The reply to ``/settings events``."""
    if enabled:
        return "📅 Upcoming confirmed shows become events in the server's Events tab (needs **Manage Events**)."
    return "📅 Shows no longer become Discord events; existing ones go as their shows change."


def act_name_set_text(act: str | None) -> str:
    """The reply to ``/settings act-name``."""
    if act is None:
        return "🎤 Show events are named after the server again."
    return f"🎤 Show events are now named “{plain(act)} @ Venue, City”."
