"""World state of the double: ids, guilds/channels/roles/members, permissions, payloads, stored messages."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from . import validation as V
from .common import (
    _EXTRA_KEYS,
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    ATTACH_FILES,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_PERMISSIONS,
    DISCORD_EPOCH_MS,
    EMBED_LINKS,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    MANAGE_GUILD,
    MENTION_EVERYONE,
    MENTION_EVERYONE_RE,
    MENTION_ROLE_RE,
    MENTION_USER_RE,
    SEND_MESSAGES,
    SEND_TTS_MESSAGES,
    VIEW_CHANNEL,
    _now_iso,
)

if TYPE_CHECKING:
    from .interactions import InteractionResult


class StateMixin:
    """Guilds, channels, roles, members, permissions and the messages the bot posted (recorded for tests)."""

    # ================================================================ ids & world building
    def snowflake(self) -> int:
        """A new, strictly increasing, timestamp-based snowflake (int)."""
        sf = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        sf = max(sf, self._last_snowflake + 1)
        self._last_snowflake = sf
        return sf

    def _make_user(self, user_id: int, username: str, bot: bool = False) -> dict[str, Any]:
        return {
            "id": str(user_id),
            "username": username,
            "discriminator": "0" if not bot else "0000",
            "global_name": None if bot else username,
            "avatar": None,
            "bot": bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }

    def _make_role(
        self,
        guild_id: int,
        role_id: int,
        name: str,
        permissions: int,
        position: int,
        managed: bool = False,
        mentionable: bool = False,
        tags: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        role = {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": managed,
            "mentionable": mentionable,
            "flags": 0,
        }
        if tags is not None:
            role["tags"] = tags
        return role

    def add_guild(
        self,
        guild_id: int,
        name: str = "Guild",
        owner_id: int | None = None,
        everyone_permissions: int = DEFAULT_PERMISSIONS,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
    ) -> dict[str, Any]:
        """Add a guild (the bot is a member). @everyone role id == guild_id with default perms;
        the bot also gets a managed role with ``bot_permissions`` (default adds ATTACH_FILES and
        ADD_REACTIONS)."""
        guild_id = int(guild_id)
        guild = {
            "id": str(guild_id),
            "name": name,
            "owner_id": str(owner_id or self.snowflake()),
            "joined_at": _now_iso(),
            "preferred_locale": "en-US",
        }
        self.guilds[guild_id] = guild
        self.roles[guild_id] = {guild_id: self._make_role(guild_id, guild_id, "@everyone", everyone_permissions, 0)}
        bot_role_id = self.snowflake()
        self.roles[guild_id][bot_role_id] = self._make_role(
            guild_id,
            bot_role_id,
            self.bot_username,
            bot_permissions,
            1,
            managed=True,
            tags={"bot_id": str(self.bot_user_id)},
        )
        guild["bot_role_id"] = bot_role_id
        self.members[guild_id] = {}
        self._put_member(guild_id, self.bot_user_id, [bot_role_id])
        if self._current is not None:
            self._current.dispatch("GUILD_CREATE", self._guild_create_payload(guild_id))
        return guild

    def _put_member(self, guild_id: int, user_id: int, roles: Iterable[int]) -> dict[str, Any]:
        member = {
            "roles": [str(r) for r in roles],
            "nick": None,
            "avatar": None,
            "banner": None,
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        self.members[guild_id][user_id] = member
        return member

    def add_channel(
        self,
        guild_id: int,
        channel_id: int,
        name: str = "general",
        bot_can_send: bool = True,
        type: int = 0,
        overwrites: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Add a text channel.

        ``bot_can_send=False`` adds a member overwrite denying SEND_MESSAGES for the bot."""
        guild_id, channel_id = int(guild_id), int(channel_id)
        ows = list(overwrites or [])
        if not bot_can_send:
            ows.append({"id": str(self.bot_user_id), "type": 1, "allow": "0", "deny": str(SEND_MESSAGES)})
        pos = sum(1 for c in self.channels.values() if c["guild_id"] == str(guild_id))
        channel = {
            "id": str(channel_id),
            "type": type,
            "guild_id": str(guild_id),
            "name": name,
            "position": pos,
            "permission_overwrites": ows,
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }
        self.channels[channel_id] = channel
        if self._current is not None:
            self._current.dispatch("CHANNEL_CREATE", channel)
        return channel

    def add_role(
        self, guild_id: int, role_id: int, name: str = "role", permissions: int = 0, mentionable: bool = False
    ) -> dict[str, Any]:
        """Add a role to a guild."""
        guild_id, role_id = int(guild_id), int(role_id)
        role = self._make_role(guild_id, role_id, name, permissions, len(self.roles[guild_id]), mentionable=mentionable)
        self.roles[guild_id][role_id] = role
        if self._current is not None:
            self._current.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": role})
        return role

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        username: str = "user",
        manage_guild: bool = False,
        roles: Iterable[int] = (),
        administrator: bool = False,
    ) -> dict[str, Any]:
        """Add a human member. ``manage_guild=True`` gives them a role with MANAGE_GUILD."""
        guild_id, user_id = int(guild_id), int(user_id)
        self.users.setdefault(user_id, self._make_user(user_id, username))
        role_ids = [int(r) for r in roles]
        if manage_guild or administrator:
            perm = MANAGE_GUILD | (ADMINISTRATOR if administrator else 0)
            name = "Admins" if administrator else "Managers"
            existing = next(
                (
                    int(r["id"])
                    for r in self.roles[guild_id].values()
                    if r["name"] == name and int(r["permissions"]) == perm
                ),
                None,
            )
            if existing is None:
                existing = self.snowflake()
                self.roles[guild_id][existing] = self._make_role(
                    guild_id, existing, name, perm, len(self.roles[guild_id])
                )
            role_ids.append(existing)
        member = self._put_member(guild_id, user_id, role_ids)
        if self._current is not None and self._current.intents & INTENT_GUILD_MEMBERS:
            self._current.dispatch(
                "GUILD_MEMBER_ADD", {**self._member_payload(guild_id, user_id), "guild_id": str(guild_id)}
            )
        return member

    # ================================================================ permissions
    def base_permissions(self, guild_id: int, user_id: int) -> int:
        """Guild-level permissions of a member (Discord's algorithm)."""
        guild = self.guilds[guild_id]
        if int(guild["owner_id"]) == user_id:
            return ALL_PERMISSIONS
        roles = self.roles[guild_id]
        perms = int(roles[guild_id]["permissions"])
        member = self.members[guild_id].get(user_id)
        if member is None:
            return 0
        for rid in member["roles"]:
            role = roles.get(int(rid))
            if role:
                perms |= int(role["permissions"])
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def channel_permissions(self, channel_id: int, user_id: int) -> int:
        """Channel-level permissions of a member after overwrites (Discord's algorithm)."""
        channel = self.channels[channel_id]
        guild_id = int(channel["guild_id"])
        perms = self.base_permissions(guild_id, user_id)
        if perms & ADMINISTRATOR or perms == ALL_PERMISSIONS:
            return ALL_PERMISSIONS
        ows = {int(o["id"]): o for o in channel["permission_overwrites"]}
        ev = ows.get(guild_id)
        if ev:
            perms = (perms & ~int(ev["deny"])) | int(ev["allow"])
        member = self.members[guild_id].get(user_id) or {"roles": []}
        allow = deny = 0
        for rid in member["roles"]:
            o = ows.get(int(rid))
            if o and o.get("type", 0) == 0:
                allow |= int(o["allow"])
                deny |= int(o["deny"])
        perms = (perms & ~deny) | allow
        mo = ows.get(user_id)
        if mo and mo.get("type", 1) == 1:
            perms = (perms & ~int(mo["deny"])) | int(mo["allow"])
        if not perms & VIEW_CHANNEL:
            return 0
        if not perms & SEND_MESSAGES:
            perms &= ~(SEND_TTS_MESSAGES | MENTION_EVERYONE | EMBED_LINKS | ATTACH_FILES)
        return perms

    # ================================================================ payload builders
    def _member_payload(
        self, guild_id: int, user_id: int, with_user: bool = True, permissions_in: int | None = None
    ) -> dict[str, Any]:
        m = dict(self.members[guild_id][user_id])
        if with_user:
            m["user"] = self.users[user_id]
        if permissions_in is not None:
            m["permissions"] = str(self.channel_permissions(permissions_in, user_id))
        return m

    def _guild_create_payload(self, guild_id: int) -> dict[str, Any]:
        g = self.guilds[guild_id]
        members = [self._member_payload(guild_id, uid) for uid in self.members[guild_id]]
        return {
            "id": g["id"],
            "name": g["name"],
            "owner_id": g["owner_id"],
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": g["preferred_locale"],
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "roles": list(self.roles[guild_id].values()),
            "channels": [c for c in self.channels.values() if c["guild_id"] == g["id"]],
            "members": members,
            "member_count": len(members),
            "joined_at": g["joined_at"],
            "large": False,
            "unavailable": False,
            "lazy": True,
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "voice_states": [],
            "presences": [],
            "soundboard_sounds": [],
            "application_id": None,
            "incidents_data": None,
        }

    def _channel_for_interaction(self, channel_id: int, user_id: int) -> dict[str, Any]:
        ch = dict(self.channels[channel_id])
        ch["permissions"] = str(self.channel_permissions(channel_id, user_id))
        return ch

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "owner": self._make_user(1, "owner"),
            "bot": self.users[self.bot_user_id],
            "rpc_origins": [],
            "tags": [],
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "approximate_guild_count": len(self.guilds),
        }

    def _me(self) -> dict[str, Any]:
        return {
            **self.users[self.bot_user_id],
            "verified": True,
            "mfa_enabled": False,
            "email": None,
            "locale": "en-US",
            "premium_type": 0,
        }

    # ================================================================ messages
    def wire(self, msg: dict[str, Any]) -> dict[str, Any]:
        """The Discord-shaped JSON of a stored message (extra keys stripped, ids as strings)."""
        out = {k: v for k, v in msg.items() if k not in _EXTRA_KEYS}
        out["attachments"] = [{k: v for k, v in a.items() if k != "content"} for a in msg["attachments"]]
        out["channel_id"] = str(msg["channel_id"])
        if out.get("nonce") is None:
            out.pop("nonce", None)
        if msg.get("guild_id") is not None:
            out["guild_id"] = str(msg["guild_id"])
        else:
            out.pop("guild_id", None)
        return out

    def _new_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        *,
        author_id: int | None = None,
        interaction: InteractionResult | None = None,
        ephemeral: bool = False,
        loading: bool = False,
        attachments: list[dict[str, Any]] | None = None,
        msg_type: int = 0,
        webhook: bool = False,
    ) -> dict[str, Any]:
        author_id = self.bot_user_id if author_id is None else author_id
        channel = self.channels.get(channel_id)
        guild_id = int(channel["guild_id"]) if channel else None
        flags = int(body.get("flags") or 0) & ~V.FLAG_EPHEMERAL
        if ephemeral:
            flags |= V.FLAG_EPHEMERAL
        if loading:
            flags |= V.FLAG_LOADING
        msg: dict[str, Any] = {
            "id": str(self.snowflake()),
            "type": msg_type,
            "channel_id": channel_id,
            "guild_id": guild_id,
            "author": self.users.get(author_id) or self._make_user(author_id, "unknown"),
            "content": body.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": attachments or [],
            "embeds": body.get("embeds") or [],
            "reactions": [],
            "pinned": False,
            "flags": flags,
            "components": body.get("components") or [],
        }
        msg["nonce"] = body.get("nonce")
        if body.get("poll") is not None:
            msg["poll"] = body["poll"]
        if webhook or interaction is not None:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
        if interaction is not None:
            ip = interaction.interaction
            meta = {
                "id": ip["id"],
                "type": ip["type"],
                "user": ip["member"]["user"],
                "authorizing_integration_owners": ip["authorizing_integration_owners"],
            }
            if ip["type"] == 2:
                meta["name"] = ip["data"]["name"]
                meta["command_type"] = ip["data"].get("type", 1)
            if ip.get("message"):
                meta["interacted_message_id"] = ip["message"]["id"]
            msg["interaction_metadata"] = meta
        msg["ephemeral"] = ephemeral
        msg["interaction_id"] = interaction.id if interaction is not None else None
        msg["allowed_mentions"] = body.get("allowed_mentions")
        msg["deleted"] = False
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            ref_msg = self._msg_by_id.get(int(ref["message_id"]))
            msg["message_reference"] = {
                "type": ref.get("type", 0),
                "message_id": str(ref["message_id"]),
                "channel_id": str(ref.get("channel_id") or channel_id),
                "guild_id": str(guild_id) if guild_id else None,
            }
            if ref_msg is not None:
                msg["type"] = 19
                msg["referenced_message"] = self.wire(ref_msg)
        self._apply_mentions(msg)
        self._msg_by_id[int(msg["id"])] = msg
        if author_id == self.bot_user_id:
            self.messages.append(msg)
        else:
            self.user_messages.append(msg)
        if channel is not None and not ephemeral:
            channel["last_message_id"] = msg["id"]
        if not ephemeral and not loading:
            self._gateway_message_event("MESSAGE_CREATE", msg)
        self._notify()
        return msg

    def _apply_mentions(self, msg: dict[str, Any]) -> None:
        p = self.pings(msg)
        msg["mention_everyone"] = p["everyone"]
        msg["mentions"] = [self.users[u] for u in sorted(p["users"]) if u in self.users]
        msg["mention_roles"] = [str(r) for r in sorted(p["roles"])]

    def _edit_message(
        self,
        msg: dict[str, Any],
        body: dict[str, Any],
        via: str,
        attachments: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        for key in ("content", "embeds", "components", "poll"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        if "flags" in body and body["flags"] is not None:
            keep = msg["flags"] & (V.FLAG_EPHEMERAL)
            msg["flags"] = (int(body["flags"]) & ~(V.FLAG_EPHEMERAL | V.FLAG_LOADING)) | keep
        else:
            msg["flags"] &= ~V.FLAG_LOADING
        if "allowed_mentions" in body:
            msg["allowed_mentions"] = body["allowed_mentions"]
        if attachments is not None:
            msg["attachments"] = attachments
        msg["edited_timestamp"] = _now_iso()
        self._apply_mentions(msg)
        self.edits.append(
            {
                "message_id": msg["id"],
                "channel_id": msg["channel_id"],
                "via": via,
                "changes": body,
                "message": msg,
            }
        )
        if not msg["ephemeral"]:
            self._gateway_message_event("MESSAGE_UPDATE", msg)
        self._notify()
        return msg

    def _gateway_message_event(self, event: str, msg: dict[str, Any]) -> None:
        s = self._current
        if s is None or not s.intents & INTENT_GUILD_MESSAGES:
            return
        data = self.wire(msg)
        if event == "MESSAGE_CREATE" and msg["guild_id"] is not None:
            data["member"] = (
                self._member_payload(msg["guild_id"], int(msg["author"]["id"]), with_user=False)
                if int(msg["author"]["id"]) in self.members.get(msg["guild_id"], {})
                else None
            )
            if data["member"] is None:
                del data["member"]
        if (
            not s.intents & INTENT_MESSAGE_CONTENT
            and int(msg["author"]["id"]) != self.bot_user_id
            and str(self.bot_user_id) not in {u["id"] for u in msg["mentions"]}
        ):
            data.update(content="", embeds=[], attachments=[], components=[])
        s.dispatch(event, data)

    def channel_messages(self, channel_id: int, include_users: bool = False) -> list[dict[str, Any]]:
        """Non-ephemeral, non-deleted bot messages in a channel, in order (``include_users`` adds humans')."""
        pool = self.messages + (self.user_messages if include_users else [])
        out = [
            m
            for m in pool
            if m["channel_id"] == int(channel_id)
            and not m["ephemeral"]
            and not m["deleted"]
            and not m["flags"] & V.FLAG_LOADING
        ]
        return sorted(out, key=lambda m: int(m["id"]))

    def get_message(self, message_id: Any) -> dict[str, Any] | None:
        """The stored message dict by id (int or str)."""
        return self._msg_by_id.get(int(message_id))

    def pings(self, message: dict[str, Any]) -> dict[str, Any]:
        """Who a message really pings under Discord's allowed_mentions rules.

        Returns ``{"everyone": bool, "users": set[int], "roles": set[int]}``. Ephemeral messages
        ping nobody. @everyone/@here needs MENTION_EVERYONE; role pings need the role to be
        mentionable or MENTION_EVERYONE.
        """
        result: dict[str, Any] = {"everyone": False, "users": set(), "roles": set()}
        msg = self._msg_by_id.get(int(message["id"]), message)
        if msg.get("ephemeral"):
            return result
        content = msg.get("content") or ""
        users = {int(u) for u in MENTION_USER_RE.findall(content)}
        roles = {int(r) for r in MENTION_ROLE_RE.findall(content)}
        everyone = bool(MENTION_EVERYONE_RE.search(content))
        am = msg.get("allowed_mentions")
        ref = msg.get("referenced_message")
        replied_author = int(ref["author"]["id"]) if ref else None
        if am is None:
            allow_users, allow_roles, allow_everyone, replied = users, roles, everyone, True
        else:
            parse = set(am.get("parse") or [])
            allow_users = users if "users" in parse else users & {int(u) for u in am.get("users") or []}
            allow_roles = roles if "roles" in parse else roles & {int(r) for r in am.get("roles") or []}
            allow_everyone = everyone and "everyone" in parse
            replied = bool(am.get("replied_user", False))
        author_id = int(msg["author"]["id"])
        ch = self.channels.get(int(msg["channel_id"]))
        perms = self.channel_permissions(int(ch["id"]), author_id) if ch else ALL_PERMISSIONS
        if msg.get("webhook_id"):
            perms = (
                ALL_PERMISSIONS
                if ch is None
                else self.channel_permissions(int(ch["id"]), self.bot_user_id) | MENTION_EVERYONE
            )
        result["everyone"] = bool(allow_everyone and perms & MENTION_EVERYONE)
        guild_id = msg.get("guild_id")
        guild_roles = self.roles.get(guild_id, {}) if guild_id else {}
        result["roles"] = {
            r for r in allow_roles if r in guild_roles and (guild_roles[r]["mentionable"] or perms & MENTION_EVERYONE)
        }
        result["users"] = set(allow_users)
        if replied and replied_author is not None and replied_author != author_id:
            result["users"].add(replied_author)
        return result

    async def user_message(
        self, channel_id: int, user_id: int, content: str, reply_to: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Simulate a human posting a message (dispatches MESSAGE_CREATE to the bot)."""
        body: dict[str, Any] = {"content": content}
        if reply_to is not None:
            body["message_reference"] = {"message_id": reply_to["id"]}
        return self._new_message(int(channel_id), body, author_id=int(user_id))

    def _notify(self) -> None:
        if self._changed is None:
            return
        cond = self._changed

        async def _n() -> None:
            async with cond:
                cond.notify_all()

        try:
            task = asyncio.get_running_loop().create_task(_n())
            self._handler_tasks.add(task)
            task.add_done_callback(self._handler_tasks.discard)
        except RuntimeError:
            pass

    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
        what: str = "condition",
    ) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every recorded change and every 50 ms)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            assert self._changed is not None
            async with self._changed:
                try:
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))
                except TimeoutError:
                    pass

    async def wait_for_message(
        self,
        channel_id: int | None = None,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
        since: int | None = None,
    ) -> dict[str, Any]:
        """Wait for the next NEW non-interaction bot message (in ``channel_id``, matching ``predicate``).

        Only messages recorded after this call started count, unless ``since`` (an index into
        ``double.messages``, e.g. ``len(double.messages)`` taken before triggering) is given.
        """
        start = len(self.messages) if since is None else since

        def find() -> dict[str, Any] | None:
            for m in self.messages[start:]:
                if m["interaction_id"] is not None or m["deleted"]:
                    continue
                if channel_id is not None and m["channel_id"] != int(channel_id):
                    continue
                if predicate is not None and not predicate(m):
                    continue
                return m
            return None

        return await self.wait_until(find, timeout, what=f"a new message in channel {channel_id}")
