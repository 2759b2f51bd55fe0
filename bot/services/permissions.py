"""Who may do what: Roadie roles mapped to Discord roles, and the owner-or-manager rule.

Roadie roles (``/settings role kind role``): ``manager``, ``artist``, ``producer``, ``label``.
Managers (members with the mapped manager role, or with Manage Server) may schedule check-ins and
edit or delete anyone's items in every feature; everyone else may edit their own. Services
enforce this (cogs only describe the actor), so every front end gets the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GuildRole
from bot.services.errors import Forbidden, InvalidInput

ROLE_KINDS = ("manager", "artist", "producer", "label")


@dataclass(frozen=True)
class Actor:
    """The member doing something: their id, their Discord role ids, and Manage Server."""

    user_id: int
    role_ids: frozenset[int] = field(default_factory=frozenset)
    manage_guild: bool = False


async def role_map(session: AsyncSession, guild_id: int) -> dict[str, int]:
    """The guild's Roadie role -> Discord role id mapping (only the kinds that are set)."""
    rows = await session.scalars(select(GuildRole).where(GuildRole.guild_id == guild_id))
    return {r.kind: r.role_id for r in rows}


async def set_role(session: AsyncSession, guild_id: int, kind: str, role_id: int, *, actor: Actor) -> dict[str, int]:
    """Map Roadie role ``kind`` to Discord role ``role_id``. Returns the new mapping.

    Raises:
        Forbidden: the actor lacks Manage Server.
        InvalidInput: unknown kind, or the @everyone role (``role_id == guild_id``).
    """
    if not actor.manage_guild:
        raise Forbidden("Mapping Roadie roles needs the **Manage Server** permission.")
    if kind not in ROLE_KINDS:
        raise InvalidInput(f"Role kind must be one of {', '.join(f'`{k}`' for k in ROLE_KINDS)}.")
    if role_id == guild_id:
        raise InvalidInput("Pick a real role, not @everyone: everyone would count as a " + kind + ".")
    row = await session.get(GuildRole, (guild_id, kind))
    if row is None:
        session.add(GuildRole(guild_id=guild_id, kind=kind, role_id=role_id))
    else:
        row.role_id = role_id
    await session.flush()
    return await role_map(session, guild_id)


async def is_manager(session: AsyncSession, guild_id: int, actor: Actor) -> bool:
    """True for Manage Server, or for holders of the guild's mapped manager role."""
    if actor.manage_guild:
        return True
    manager_role = (await role_map(session, guild_id)).get("manager")
    return manager_role is not None and manager_role in actor.role_ids


async def require_manager(session: AsyncSession, guild_id: int, actor: Actor | None, what: str) -> None:
    """Raise :class:`Forbidden` unless ``actor`` is a manager (``None``: a trusted caller, allowed).

    ``what`` completes "Only managers can …".
    """
    if actor is None or await is_manager(session, guild_id, actor):
        return
    raise Forbidden(f"Only managers can {what}. Ask someone with the manager role (see `/settings show`).")


async def require_owner_or_manager(
    session: AsyncSession, guild_id: int, actor: Actor | None, owner_ids: Iterable[int | None], what: str
) -> None:
    """Raise :class:`Forbidden` unless ``actor`` is one of ``owner_ids`` or a manager.

    ``actor`` None means a trusted caller (e.g. the scheduler). ``what`` names the item, e.g.
    ``goal #3``.
    """
    if actor is None or actor.user_id in {o for o in owner_ids if o is not None}:
        return
    if await is_manager(session, guild_id, actor):
        return
    raise Forbidden(f"Only the people it belongs to, or a manager, can change {what}.")
