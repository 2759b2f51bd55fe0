"""The Roadie bot: a ``commands.Bot`` wired to the database, the command sync and the dispatcher."""

from __future__ import annotations

import asyncio
import io
import logging

import aiohttp
import discord
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import features
from bot.config import Settings
from bot.ratelimit import RateLimitPlanner
from bot.responsiveness import ResponseWatch, interaction_name
from bot.scheduling.dispatcher import DeliveryError, NudgeDispatcher
from bot.services.nudges import OutgoingNudge
from bot.sync import sync_commands
from bot.textfmt import CONTENT_MAX
from bot.ui.components import PersistentView
from bot.ui.errors import reply_error
from bot.ui.snooze import snooze_buttons
from bot.uow import UnitOfWork

log = logging.getLogger("roadie")


class Roadie(commands.Bot):
    """Roadie. Build it with an engine and session factory made in ``main()``; see ``bot.__main__``.

    ``client_options`` go to ``commands.Bot`` unchanged. ``sync_only`` makes :meth:`setup_hook`
    force a command sync and skip the scheduler (for
    ``python -m bot sync``).
    """

    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        sync_only: bool = False,
        **client_options: object,
    ) -> None:
        ds = settings.discord
        self.ratelimits = RateLimitPlanner(ds.requests_per_second / ds.processes)
        self.response_watch = ResponseWatch()  # WARNING for a first response over 1.5 s
        self.ratelimits.on_callback = self.response_watch.responded
        client_options.setdefault("guild_ready_timeout", ds.guild_ready_timeout)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),  # no privileged intents
            allowed_mentions=discord.AllowedMentions.none(),  # nothing pings unless a nudge says so
            help_command=None,
            http_trace=self.ratelimits.trace_config(),  # paces every REST request (bot.ratelimit)
            **client_options,  # e.g. guild_ready_timeout in tests
        )
        self.settings = settings
        self.engine = engine
        self.sessionmaker = sessionmaker
        self.sync_only = sync_only
        self.features = features.FEATURES
        self.delete_handlers = features.delete_handlers(self.features)
        self.page_sources = features.page_sources(self.features)
        self.show_planners = features.show_planners(self.features)  # planners= of the tour services
        self.dispatcher = NudgeDispatcher(
            sessionmaker,
            self.send_nudge,
            kinds=features.nudge_kinds(self.features),
            sweep_seconds=settings.scheduler.sweep_seconds,
            slots=self.ratelimits,
            lead_seconds=settings.scheduler.lead_seconds,
            concurrency=50,  # sends in flight: as many as the global window allows at once
        )
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        self.ready_event = asyncio.Event()
        self.sync_error: str | None = None  # why the last command upload was refused (None: it wasn't)

    def uow(self) -> UnitOfWork:
        """A unit of work on Roadie's database that wakes the dispatcher after commit (see ``bot.uow``)."""
        return UnitOfWork(self.sessionmaker, self.dispatcher.notify)

    async def setup_hook(self) -> None:
        """Runs once per process after login: wire the features (cogs, persistent components), sync if
        changed, start the dispatcher."""
        for feature in self.features:
            if feature.extension:
                await self.load_extension(feature.extension)
        self.add_dynamic_items(*features.components(self.features))
        try:
            await sync_commands(
                self, self.tree, self.sessionmaker, self.settings.discord.sync_guild_ids, force=self.sync_only
            )
        except discord.HTTPException as exc:
            # A refused upload must not stop nudges: the commands Discord already has keep working,
            # nothing is recorded as synced for the refused scope, so the next start uploads again.
            self.sync_error = str(exc)
            log.error(
                "Discord refused the slash-command upload; Roadie keeps running with the commands Discord "
                "already has and uploads again at the next start. %s",
                exc,
            )
        if not self.sync_only:
            # No date-parser warm-up here: a thread importing dateparser holds the GIL and slowed the
            # first answers after start; the common phrases no longer need dateparser (bot.timeparse).
            await self.dispatcher.start()

    async def on_ready(self) -> None:
        """Fires on every (re)connect: only logs; nothing is started here."""
        log.info(
            "connected as %s (id %s) to %d guild(s)", self.user, self.user.id if self.user else "?", len(self.guilds)
        )
        self.ready_event.set()

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every interaction: remember its name for the slow-response warning (bot.responsiveness)."""
        self.response_watch.received(interaction.id, interaction_name(interaction.data, interaction.type.value))

    async def close(self) -> None:
        """Stop the dispatcher (waiting for in-flight sends), then close the Discord connection."""
        await self.dispatcher.stop()
        await super().close()

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: discord.app_commands.AppCommandError
    ) -> None:
        await reply_error(interaction, error)

    async def _is_member(self, guild_id: int, user_id: int) -> bool:
        """Whether ``user_id`` is still in the guild (cache, else one REST lookup; unknown = yes)."""
        guild = self.get_guild(guild_id)
        if guild is None or guild.get_member(user_id) is not None:
            return True
        try:
            await guild.fetch_member(user_id)
        except discord.NotFound:
            return False
        except discord.HTTPException:
            return True
        return True

    async def send_nudge(self, out: OutgoingNudge) -> int | None:
        """Post one nudge message (one row, or several grouped: their list in ``out.embeds``),
        pinging only ``out.mention_user_ids`` / ``out.mention_role_ids``.

        Raises:
            DeliveryError: permanent for 403/404/400 (channel gone, no permission, refused
                payload); transient for 429 after discord.py's own retries, 5xx and network errors.
        """
        channel = self.get_partial_messageable(out.channel_id)
        content, users, roles = out.content, list(out.mention_user_ids), list(out.mention_role_ids)
        if out.fallback_role_ids and out.guild_id:
            for uid in list(users):
                if not await self._is_member(out.guild_id, uid):  # left: ping the fallback roles instead
                    users.remove(uid)
                    content = content.replace(f"<@{uid}>", " ".join(f"<@&{r}>" for r in out.fallback_role_ids), 1)
                    roles += [r for r in out.fallback_role_ids if r not in roles]
        mentions = discord.AllowedMentions(
            everyone=False,
            users=[discord.Object(u) for u in users],
            roles=[discord.Object(r) for r in roles],
        )
        view = discord.utils.MISSING
        embeds = [discord.Embed.from_dict(e) for e in out.rich_embeds]  # type: ignore[arg-type]
        embeds += [discord.Embed(description=d) for d in out.embeds]
        if out.button is not None or users:
            # clicks are handled by the persistent DynamicItems matching each custom_id
            view = PersistentView()
            if out.button is not None:
                view.add_item(features.nudge_button(out.button, self.features))
            if users:  # it pings people: one snooze row (keyed by the message's first nudge)
                for item in snooze_buttons(out.nudge_id):
                    item.item.row = 1 if out.button is not None else 0
                    view.add_item(item)
        files = [discord.File(io.BytesIO(data), filename=name) for name, data in out.files]
        try:
            msg = await channel.send(
                content[:CONTENT_MAX] or None,
                embeds=embeds,
                allowed_mentions=mentions,
                nonce=out.nonce,
                view=view,
                files=files or discord.utils.MISSING,
            )
        except discord.Forbidden as exc:
            raise DeliveryError(
                f"no permission to post in channel {out.channel_id} ({exc.code})", permanent=True
            ) from exc
        except discord.NotFound as exc:
            raise DeliveryError(f"channel {out.channel_id} not found ({exc.code})", permanent=True) from exc
        except discord.HTTPException as exc:
            transient = exc.status == 429 or exc.status >= 500
            raise DeliveryError(f"HTTP {exc.status} {exc.code}: {exc.text[:120]}", permanent=not transient) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise DeliveryError(f"network: {type(exc).__name__}", permanent=False) from exc
        if isinstance(view, PersistentView):
            view.stop()  # its click is served by the DynamicItem registered for the custom_id: keep no copy in memory
        return msg.id
