"""Interactions in the double: callbacks, webhooks/followups, and driving commands, autocomplete, clicks, modals."""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING, Any

from . import validation as V
from .common import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    ALLOWED_CALLBACKS,
    CB_AUTOCOMPLETE,
    CB_DEFERRED_MESSAGE,
    CB_DEFERRED_UPDATE,
    CB_MESSAGE,
    CB_MODAL,
    CB_UPDATE,
    USE_APPLICATION_COMMANDS,
    VIEW_CHANNEL,
    Reject,
    _form_reject,
)

if TYPE_CHECKING:
    from .server import DiscordDouble


class InteractionResult:
    """What the bot did in response to one interaction driven by the double.

    Attributes: ``type`` (callback type int: 4 message, 5 deferred message, 6 deferred update,
    7 update message, 8 autocomplete, 9 modal), ``message`` (message dict the response created or
    updated, kept current), ``modal`` (modal ``data`` for type 9), ``choices`` (autocomplete),
    ``followups`` (list of message dicts), ``ack_seconds``, ``interaction`` (payload sent to the bot),
    ``callback`` (raw callback body).
    """

    def __init__(self, double: DiscordDouble, interaction: dict[str, Any]):
        self._double = double
        self.interaction: dict[str, Any] = interaction
        self.id: int = int(interaction["id"])
        self.token: str = interaction["token"]
        self.type: int | None = None
        self.message: dict[str, Any] | None = None
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.followups: list[dict[str, Any]] = []
        self.callback: dict[str, Any] | None = None
        self.ack_seconds: float | None = None
        self.dispatched_at: float = 0.0
        self.original_edited: bool = False
        self.late_error: str | None = None
        self._acked = asyncio.Event()
        self._final = asyncio.Event()

    # shortcuts ----------------------------------------------------------
    @property
    def acknowledged(self) -> bool:
        """Whether a callback was accepted for this interaction."""
        return self.type is not None

    @property
    def content(self) -> str | None:
        """``message["content"]`` (or None when there is no message)."""
        return None if self.message is None else self.message.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """``message["embeds"]`` (or [])."""
        return [] if self.message is None else self.message.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        """``message["components"]`` (or [])."""
        return [] if self.message is None else self.message.get("components") or []

    @property
    def ephemeral(self) -> bool:
        """Whether the response message is ephemeral."""
        return bool(self.message and self.message.get("ephemeral"))

    async def wait_final(self, timeout: float = 5.0) -> InteractionResult:  # noqa: ASYNC109 (public API takes timeout=)
        """For deferred responses (5/6): wait until @original is PATCHed or a followup arrives."""
        if self.type not in (CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE):
            return self
        try:
            await asyncio.wait_for(self._final.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"interaction {self.id}: deferred (type {self.type}) but no @original edit or followup "
                f"within {timeout}s"
            ) from None
        return self

    def __repr__(self) -> str:
        return f"<InteractionResult id={self.id} type={self.type} content={self.content!r}>"


class InteractionsMixin:
    """Interaction callback/webhook routes and the invoke/autocomplete/click/submit_modal drivers."""

    # ================================================================ interactions: responses
    async def _r_callback(self, req, body, files, interaction_id, token):
        res = self.interactions.get(int(interaction_id))
        if res is None or res.token != token:
            raise Reject(404, 10062, "Unknown interaction")
        if res.acknowledged:
            raise Reject(400, 40060, "Interaction has already been acknowledged.")
        elapsed = asyncio.get_running_loop().time() - res.dispatched_at
        if elapsed > self.callback_deadline:
            res.late_error = (
                f"interaction callback arrived {elapsed:.2f}s after dispatch "
                f"(> {self.callback_deadline}s); Discord answers 404 10062 Unknown interaction"
            )
            res._acked.set()
            raise Reject(404, 10062, "Unknown interaction")
        if not isinstance(body, dict) or "type" not in body:
            raise _form_reject([(("type",), "BASE_TYPE_REQUIRED", "This field is required")])
        cb_type = body["type"]
        itype = res.interaction["type"]
        if cb_type not in ALLOWED_CALLBACKS.get(itype, set()):
            raise _form_reject(
                [
                    (
                        ("type",),
                        "INTERACTION_RESPONSE_TYPE_INVALID",
                        f"Callback type {cb_type} is not valid for interaction type {itype}",
                    )
                ]
            )
        if cb_type == CB_MODAL and itype == 5:
            raise _form_reject(
                [(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "Cannot respond to a modal with a modal")]
            )
        data = body.get("data") or {}
        channel_id = int(res.interaction["channel_id"])
        resource: dict[str, Any] | None = None
        response_message_id: str | None = None
        loading = False
        ephemeral = bool(int(data.get("flags") or 0) & V.FLAG_EPHEMERAL)

        if cb_type == CB_MESSAGE:
            self._validate_message(data, ("data",), has_files=bool(files))
            msg = self._new_message(
                channel_id,
                data,
                interaction=res,
                ephemeral=ephemeral,
                attachments=self._attachments(data, files),
                msg_type=20 if itype == 2 else 0,
            )
            res.message = msg
            res._final.set()
        elif cb_type == CB_DEFERRED_MESSAGE:
            msg = self._new_message(
                channel_id,
                {"content": "", "flags": data.get("flags") or 0},
                interaction=res,
                ephemeral=ephemeral,
                loading=True,
                msg_type=20 if itype == 2 else 0,
            )
            res.message = msg
            loading = True
        elif cb_type in (CB_DEFERRED_UPDATE, CB_UPDATE):
            target = self._interacted_message(res)
            if target is None:
                raise Reject(
                    400,
                    50035,
                    "Invalid Form Body",
                    V.form_errors(
                        [
                            (
                                ("type",),
                                "INTERACTION_RESPONSE_TYPE_INVALID",
                                "No message to update for this interaction",
                            )
                        ]
                    ),
                )
            ephemeral = bool(target["ephemeral"])
            if cb_type == CB_UPDATE:
                self._validate_message(data, ("data",), creating=False)
                self._check_edit_not_empty(target, data, files)
                self._edit_message(
                    target, data, "interaction_update", self._attachments(data, files, target["attachments"])
                )
                res._final.set()
            res.message = target
        elif cb_type == CB_AUTOCOMPLETE:
            errors: V.ErrorList = []
            V.check_autocomplete(data, errors)
            if errors:
                raise _form_reject(errors)
            res.choices = list(data["choices"])
        elif cb_type == CB_MODAL:
            errors = []
            V.check_modal(data, errors)
            if errors:
                raise _form_reject(errors)
            res.modal = data

        res.type = cb_type
        res.callback = body
        res.ack_seconds = elapsed
        res._acked.set()
        self._notify()
        if res.message is not None:
            response_message_id = res.message["id"]
            resource = {"type": cb_type}
            if cb_type != CB_DEFERRED_UPDATE:
                resource["message"] = self.wire(res.message)
        elif cb_type == CB_MODAL:
            resource = {"type": cb_type}
        if req.query.get("with_response") not in ("1", "true", "True"):
            return None
        inter: dict[str, Any] = {
            "id": str(res.id),
            "type": itype,
            "response_message_loading": loading,
            "response_message_ephemeral": ephemeral if res.message is not None else False,
        }
        if response_message_id is not None:
            inter["response_message_id"] = response_message_id
        out: dict[str, Any] = {"interaction": inter}
        if resource is not None:
            out["resource"] = resource
        return out

    def _interacted_message(self, res: InteractionResult) -> dict[str, Any] | None:
        m = res.interaction.get("message")
        if m is None:
            return None
        return self._msg_by_id.get(int(m["id"]))

    def _webhook_interaction(self, app_id: str, token: str) -> InteractionResult:
        res = self._by_token.get(token)
        if res is None or int(app_id) != self.application_id:
            raise Reject(404, 10015, "Unknown Webhook")
        return res

    def _original(self, res: InteractionResult) -> dict[str, Any]:
        if res.message is None:
            raise Reject(404, 10008, "Unknown Message")
        return res.message

    def _webhook_message(self, res: InteractionResult, message_id: str) -> dict[str, Any]:
        if message_id == "@original":
            msg = self._original(res)
        else:
            msg = self._msg_by_id.get(int(message_id))
            if msg is None or (msg is not res.message and msg not in res.followups):
                raise Reject(404, 10008, "Unknown Message")
        if msg["deleted"]:
            raise Reject(404, 10008, "Unknown Message")
        return msg

    async def _r_wh_get(self, req, body, files, app_id, token, message_id):
        res = self._webhook_interaction(app_id, token)
        return self.wire(self._webhook_message(res, message_id))

    async def _r_wh_edit(self, req, body, files, app_id, token, message_id):
        res = self._webhook_interaction(app_id, token)
        msg = self._webhook_message(res, message_id)
        body = self._validate_message(body or {}, creating=False)
        self._check_edit_not_empty(msg, body, files)
        self._edit_message(msg, body, "webhook", self._attachments(body, files, msg["attachments"]))
        if message_id == "@original" or msg is res.message:
            res.original_edited = True
            res._final.set()
        return self.wire(msg)

    async def _r_wh_delete(self, req, body, files, app_id, token, message_id):
        res = self._webhook_interaction(app_id, token)
        msg = self._webhook_message(res, message_id)
        self._delete(msg, "webhook")
        return None

    async def _r_followup(self, req, body, files, app_id, token):
        res = self._webhook_interaction(app_id, token)
        if not res.acknowledged:
            raise Reject(404, 10015, "Unknown Webhook")
        body = self._validate_message(body, has_files=bool(files))
        channel_id = int(res.interaction["channel_id"])
        original = res.message
        if original is not None and original["flags"] & V.FLAG_LOADING and not original["deleted"]:
            # Discord: the first followup after a deferred "thinking" response replaces the loading message.
            self._edit_message(
                original,
                {k: v for k, v in body.items() if k != "flags"},
                "followup",
                self._attachments(body, files),
            )
            msg = original
        else:
            ephemeral = bool(int(body.get("flags") or 0) & V.FLAG_EPHEMERAL)
            msg = self._new_message(
                channel_id,
                body,
                interaction=res,
                ephemeral=ephemeral,
                attachments=self._attachments(body, files),
                webhook=True,
            )
        res.followups.append(msg)
        res._final.set()
        self._notify()
        if req.query.get("wait") in ("1", "true", "True"):
            return self.wire(msg)
        return None

    # ================================================================ interactions: driving
    def _commands_for(self, guild_id: int) -> list[tuple[dict[str, Any], int | None]]:
        out = [(c, guild_id) for c in self.commands_guild.get(guild_id, [])]
        names = {(c["name"], c["type"]) for c, _ in out}
        out += [(c, None) for c in self.commands_global if (c["name"], c["type"]) not in names]
        return out

    def _find_command(self, guild_id: int, path: str, cmd_type: int = 1):
        parts = path.split()
        if not parts:
            raise AssertionError("empty command path")
        registered = self._commands_for(guild_id)
        found = next(((c, g) for c, g in registered if c["name"] == parts[0] and c["type"] == cmd_type), None)
        if found is None:
            names = sorted(c["name"] for c, _ in registered)
            raise AssertionError(
                f"command {parts[0]!r} is not registered for guild {guild_id} "
                f"(global or guild scope). Registered: {names}"
            )
        cmd, scope = found
        chain: list[dict[str, Any]] = []
        options = cmd.get("options") or []
        for part in parts[1:]:
            sub = next((o for o in options if o["name"] == part and o["type"] in (1, 2)), None)
            if sub is None:
                avail = [o["name"] for o in options if o["type"] in (1, 2)]
                raise AssertionError(f"/{path}: {part!r} is not a registered subcommand/group (have {avail})")
            chain.append(sub)
            options = sub.get("options") or []
        if any(o["type"] in (1, 2) for o in options):
            raise AssertionError(
                f"/{path} is a group; Discord requires choosing a subcommand ({[o['name'] for o in options]})"
            )
        return cmd, scope, chain, options

    def _require_member(self, guild_id: int, channel_id: int, user_id: int) -> None:
        if guild_id not in self.guilds:
            raise AssertionError(f"unknown guild {guild_id}")
        if channel_id not in self.channels or int(self.channels[channel_id]["guild_id"]) != guild_id:
            raise AssertionError(f"unknown channel {channel_id} in guild {guild_id}")
        if user_id not in self.members[guild_id]:
            raise AssertionError(f"user {user_id} is not a member of guild {guild_id}; add_member() first")

    def _convert_option(
        self,
        guild_id: int,
        opt: dict[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        path: str,
        focused: bool = False,
    ) -> Any:
        t, name = opt["type"], opt["name"]
        if focused:
            return str(value)
        if t == 3:
            if not isinstance(value, str):
                raise AssertionError(f"/{path} option {name!r}: STRING expects str, got {value!r}")
            if opt.get("min_length") is not None and len(value) < opt["min_length"]:
                raise AssertionError(f"/{path} option {name!r}: shorter than min_length {opt['min_length']}")
            if opt.get("max_length") is not None and len(value) > opt["max_length"]:
                raise AssertionError(f"/{path} option {name!r}: longer than max_length {opt['max_length']}")
            if len(value) > 6000:
                raise AssertionError(f"/{path} option {name!r}: Discord limits string options to 6000 chars")
            v: Any = value
        elif t == 4:
            if isinstance(value, bool) or not isinstance(value, int):
                raise AssertionError(f"/{path} option {name!r}: INTEGER expects int, got {value!r}")
            v = value
        elif t == 10:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise AssertionError(f"/{path} option {name!r}: NUMBER expects int/float, got {value!r}")
            v = value
        elif t == 5:
            if not isinstance(value, bool):
                raise AssertionError(f"/{path} option {name!r}: BOOLEAN expects bool, got {value!r}")
            v = value
        elif t in (6, 9) and (int(value) if str(value).isdigit() else -1) in self.users:
            uid = int(value)
            resolved.setdefault("users", {})[str(uid)] = self.users[uid]
            if uid in self.members.get(guild_id, {}):
                resolved.setdefault("members", {})[str(uid)] = {
                    k: v2 for k, v2 in self._member_payload(guild_id, uid, with_user=False).items()
                }
                resolved["members"][str(uid)]["permissions"] = str(self.base_permissions(guild_id, uid))
            v = str(uid)
        elif t in (8, 9) and str(value).isdigit() and int(value) in self.roles.get(guild_id, {}):
            resolved.setdefault("roles", {})[str(value)] = self.roles[guild_id][int(value)]
            v = str(value)
        elif t == 7:
            cid = int(value)
            if cid not in self.channels:
                raise AssertionError(f"/{path} option {name!r}: unknown channel {value!r}")
            ch = self.channels[cid]
            if opt.get("channel_types") and ch["type"] not in opt["channel_types"]:
                raise AssertionError(
                    f"/{path} option {name!r}: channel type {ch['type']} not in {opt['channel_types']}"
                )
            resolved.setdefault("channels", {})[str(cid)] = {
                "id": ch["id"],
                "name": ch["name"],
                "type": ch["type"],
                "guild_id": ch["guild_id"],
                "parent_id": ch["parent_id"],
                "nsfw": ch["nsfw"],
                "position": ch["position"],
                "permission_overwrites": ch["permission_overwrites"],
                "topic": ch["topic"],
                "rate_limit_per_user": 0,
                "last_message_id": ch["last_message_id"],
                "flags": 0,
                "permissions": str(self.channel_permissions(cid, self.bot_user_id)),
            }
            v = str(cid)
        elif t == 11:
            att = value if isinstance(value, dict) else {"filename": str(value)}
            aid = str(self.snowflake())
            fn = att.get("filename", "file.bin")
            if att.get("content") is not None:
                raw = att["content"]
                if isinstance(raw, str):
                    raw = raw.encode()
                if not isinstance(raw, (bytes, bytearray, memoryview)):
                    raise AssertionError(f"/{path} option {name!r}: attachment content must be bytes or str")
                served = self._store_file("ephemeral-attachments", aid, fn, bytes(raw), att.get("content_type"))
                resolved.setdefault("attachments", {})[aid] = {
                    "id": aid,
                    "filename": fn,
                    **served,
                    "ephemeral": True,
                }
                return aid
            resolved.setdefault("attachments", {})[aid] = {
                "id": aid,
                "filename": fn,
                "size": int(att.get("size", 1)),
                "url": att.get("url", f"https://cdn.double.invalid/ephemeral-attachments/{aid}/{fn}"),
                "proxy_url": att.get("proxy_url", f"https://media.double.invalid/ephemeral-attachments/{aid}/{fn}"),
                "content_type": att.get("content_type"),
                "ephemeral": True,
            }
            v = aid
        else:
            kind = {6: "USER", 7: "CHANNEL", 8: "ROLE", 9: "MENTIONABLE"}.get(t, str(t))
            raise AssertionError(
                f"/{path} option {name!r}: {kind} value {value!r} is not a known id in guild {guild_id}"
            )
        if t in (4, 10):
            if opt.get("min_value") is not None and v < opt["min_value"]:
                raise AssertionError(f"/{path} option {name!r}: {v} < min_value {opt['min_value']}")
            if opt.get("max_value") is not None and v > opt["max_value"]:
                raise AssertionError(f"/{path} option {name!r}: {v} > max_value {opt['max_value']}")
        if opt.get("choices"):
            allowed = [c["value"] for c in opt["choices"]]
            if v not in allowed:
                raise AssertionError(f"/{path} option {name!r}: {v!r} is not one of the declared choices {allowed}")
        return v

    def _build_command_interaction(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        path: str,
        options: dict[str, Any],
        focused: str | None,
        enforce_permissions: bool,
    ):
        guild_id, channel_id, user_id = int(guild_id), int(channel_id), int(user_id)
        self._require_member(guild_id, channel_id, user_id)
        cmd, scope, chain, opt_schema = self._find_command(guild_id, path)
        perms = self.channel_permissions(channel_id, user_id)
        if enforce_permissions:
            if not perms & VIEW_CHANNEL or not perms & USE_APPLICATION_COMMANDS:
                raise AssertionError(f"user {user_id} cannot use application commands in channel {channel_id}")
            dmp = cmd.get("default_member_permissions")
            if dmp is not None and not (perms & ADMINISTRATOR or perms == ALL_PERMISSIONS):
                need = int(dmp)
                if need == 0 or self.base_permissions(guild_id, user_id) & need != need:
                    raise AssertionError(
                        f"/{path} requires default_member_permissions={need}; "
                        f"Discord would not show it to user "
                        f"{user_id} (pass enforce_permissions=False to bypass)"
                    )
        by_name = {o["name"]: o for o in opt_schema}
        for key in options:
            if key not in by_name:
                raise AssertionError(f"/{path}: option {key!r} is not registered (have {sorted(by_name)})")
        if focused is not None:
            if focused not in by_name:
                raise AssertionError(f"/{path}: focused option {focused!r} is not registered")
            if not by_name[focused].get("autocomplete"):
                raise AssertionError(f"/{path}: option {focused!r} does not have autocomplete enabled")
            if focused not in options:
                raise AssertionError(f"/{path}: give the typed text for focused option {focused!r}")
        resolved: dict[str, dict[str, Any]] = {}
        leaf: list[dict[str, Any]] = []
        for o in opt_schema:  # Discord sends options in schema order
            if o["name"] not in options:
                if o.get("required") and focused is None:
                    raise AssertionError(f"/{path}: required option {o['name']!r} is missing")
                continue
            is_focused = o["name"] == focused
            val = self._convert_option(guild_id, o, options[o["name"]], resolved, path, focused=is_focused)
            entry: dict[str, Any] = {"name": o["name"], "type": o["type"], "value": val}
            if is_focused:
                entry["focused"] = True
            leaf.append(entry)
        tree: list[dict[str, Any]] = leaf
        for sub in reversed(chain):
            tree = [{"name": sub["name"], "type": sub["type"], "options": tree}]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        if tree:
            data["options"] = tree
        if resolved:
            data["resolved"] = resolved
        if scope is not None:
            data["guild_id"] = str(scope)
        return self._interaction_envelope(4 if focused is not None else 2, guild_id, channel_id, user_id, data)

    def _interaction_envelope(
        self,
        itype: int,
        guild_id: int,
        channel_id: int,
        user_id: int,
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        guild_locale = self.guilds.get(int(guild_id), {}).get("preferred_locale", "en-US")  # the server's language
        payload = {
            "id": str(self.snowflake()),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "guild": {"id": str(guild_id), "locale": guild_locale, "features": []},
            "guild_id": str(guild_id),
            "channel_id": str(channel_id),
            "channel": self._channel_for_interaction(channel_id, user_id),
            "member": self._member_payload(guild_id, user_id, permissions_in=channel_id),
            "token": "double-" + secrets.token_urlsafe(24),
            "version": 1,
            "app_permissions": str(self.channel_permissions(channel_id, self.bot_user_id)),
            "locale": "en-US",
            "guild_locale": guild_locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild_id)},
            "context": 0,
            "attachment_size_limit": 26214400,
        }
        if message is not None:
            payload["message"] = message
        return payload

    async def _dispatch_interaction(self, payload: dict[str, Any], timeout: float) -> InteractionResult:  # noqa: ASYNC109 (public API takes timeout=)
        if self._current is None or self._current.conn is None:
            await self.wait_connected(timeout)
        res = InteractionResult(self, payload)
        self.interactions[res.id] = res
        self._by_token[res.token] = res
        res.dispatched_at = asyncio.get_running_loop().time()
        assert self._current is not None
        self._current.dispatch("INTERACTION_CREATE", payload)
        try:
            await asyncio.wait_for(res._acked.wait(), timeout)
        except TimeoutError:
            mine = [r for r in self.rejections if f"/interactions/{res.id}/" in r["path"]]
            extra = f"; rejected callbacks: {mine}" if mine else ""
            raise AssertionError(
                f"no interaction callback for interaction {res.id} (type {payload['type']}) within {timeout}s{extra}"
            ) from None
        if res.late_error:
            raise AssertionError(res.late_error)
        return res

    async def invoke(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
        enforce_permissions: bool = True,
    ) -> InteractionResult:
        """Run a slash command (``"goal add"`` = command + group/subcommand path) as ``user_id``.

        Options are converted per the registered schema; raises AssertionError when the
        command/option is not registered, a required option is missing, or a value is not a
        declared choice; and when the bot does not answer within ``timeout``.
        """
        payload = self._build_command_interaction(
            guild_id, channel_id, user_id, command, options or {}, None, enforce_permissions
        )
        return await self._dispatch_interaction(payload, timeout)

    async def autocomplete(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: dict[str, Any],
        focused: str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
        enforce_permissions: bool = True,
    ) -> list[dict[str, Any]]:
        """Send an APPLICATION_COMMAND_AUTOCOMPLETE (type 4); return the bot's choices."""
        payload = self._build_command_interaction(
            guild_id, channel_id, user_id, command, options, focused, enforce_permissions
        )
        res = await self._dispatch_interaction(payload, timeout)
        if res.type != CB_AUTOCOMPLETE:
            raise AssertionError(f"autocomplete answered with callback type {res.type}, expected 8")
        return list(res.choices or [])

    async def click(
        self,
        message: dict[str, Any],
        custom_id: str,
        user_id: int,
        *,
        values: list[Any] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
    ) -> InteractionResult:
        """Press a button / choose in a select on a recorded message (MESSAGE_COMPONENT, type 3)."""
        msg = self._msg_by_id.get(int(message["id"]))
        if msg is None or msg["deleted"]:
            raise AssertionError(f"message {message.get('id')} is unknown or deleted")
        comp = next((c for c in V.walk_components(msg.get("components")) if c.get("custom_id") == custom_id), None)
        if comp is None:
            ids = [c.get("custom_id") for c in V.walk_components(msg.get("components")) if c.get("custom_id")]
            raise AssertionError(f"no component with custom_id {custom_id!r} on message {msg['id']} (have {ids})")
        if comp.get("disabled"):
            raise AssertionError(f"component {custom_id!r} is disabled; Discord would not let the user use it")
        guild_id, channel_id, user_id = msg["guild_id"], msg["channel_id"], int(user_id)
        self._require_member(guild_id, channel_id, user_id)
        ctype = comp["type"]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if ctype in V.SELECT_TYPES:
            vals = list(values or [])
            mn, mx = comp.get("min_values", 1), comp.get("max_values", 1)
            if not mn <= len(vals) <= mx:
                raise AssertionError(f"select {custom_id!r}: {len(vals)} values chosen, allowed {mn}..{mx}")
            resolved: dict[str, dict[str, Any]] = {}
            if ctype == V.STRING_SELECT:
                allowed = [o["value"] for o in comp.get("options") or []]
                for v in vals:
                    if v not in allowed:
                        raise AssertionError(f"select {custom_id!r}: {v!r} is not an option ({allowed})")
                data["values"] = [str(v) for v in vals]
            else:
                kind = {V.USER_SELECT: 6, V.ROLE_SELECT: 8, V.MENTIONABLE_SELECT: 9, V.CHANNEL_SELECT: 7}[ctype]
                fake_opt = {"type": kind, "name": custom_id}
                data["values"] = [self._convert_option(guild_id, fake_opt, v, resolved, custom_id) for v in vals]
                data["resolved"] = resolved
        elif values:
            raise AssertionError("values= only applies to select menus")
        payload = self._interaction_envelope(3, guild_id, channel_id, user_id, data, message=self.wire(msg))
        return await self._dispatch_interaction(payload, timeout)

    async def submit_modal(
        self,
        opened: InteractionResult,
        values: dict[str, Any],
        user_id: int | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
    ) -> InteractionResult:
        """Submit the modal that ``opened`` (a type-9 result) showed, with ``{custom_id: value}``.

        Mirrors the layout the bot sent: action-row text inputs come back as
        ``{type:1, components:[{type:4, custom_id, value}]}``; Label (type 18) children as
        ``{type:18, id, component:{...}}``. Selects inside labels take a list of values.
        """
        if opened.type != CB_MODAL or opened.modal is None:
            raise AssertionError(f"interaction {opened.id} did not open a modal (callback type {opened.type})")
        modal = opened.modal
        src = opened.interaction
        guild_id, channel_id = int(src["guild_id"]), int(src["channel_id"])
        user_id = int(user_id) if user_id is not None else int(src["member"]["user"]["id"])
        used: set[str] = set()
        resolved: dict[str, dict[str, Any]] = {}

        def lookup(cid: str | None, label: str | None) -> Any:
            if cid in values:
                used.add(cid)  # type: ignore[arg-type]
                return values[cid]
            if label is not None and label in values:
                used.add(label)
                return values[label]
            return None

        def answer(c: dict[str, Any], label: str | None) -> dict[str, Any]:
            cid = c.get("custom_id")
            t = c.get("type")
            out: dict[str, Any] = {"type": t, "id": c.get("id", 0), "custom_id": cid}
            label = c.get("label") or label
            if t == V.TEXT_INPUT:
                val = lookup(cid, label)
                if val is None:
                    val = c.get("value") or ""
                val = str(val)
                if c.get("required", True) and not val:
                    raise AssertionError(f"modal {modal['custom_id']!r}: required text input {cid!r} left empty")
                if val and c.get("min_length") is not None and len(val) < c["min_length"]:
                    raise AssertionError(f"modal field {cid!r}: shorter than min_length {c['min_length']}")
                if c.get("max_length") is not None and len(val) > c["max_length"]:
                    raise AssertionError(f"modal field {cid!r}: longer than max_length {c['max_length']}")
                out["value"] = val
            elif t in V.SELECT_TYPES:
                vals = lookup(cid, label) or []
                if not isinstance(vals, list):
                    vals = [vals]
                if t == V.STRING_SELECT:
                    out["values"] = [str(v) for v in vals]
                else:
                    kind = {V.USER_SELECT: 6, V.ROLE_SELECT: 8, V.MENTIONABLE_SELECT: 9, V.CHANNEL_SELECT: 7}[t]
                    out["values"] = [
                        self._convert_option(guild_id, {"type": kind, "name": cid}, v, resolved, cid) for v in vals
                    ]
            return out

        comps: list[dict[str, Any]] = []
        for top in modal.get("components") or []:
            t = top.get("type")
            if t == V.ACTION_ROW:
                comps.append(
                    {
                        "type": 1,
                        "id": top.get("id", 0),
                        "components": [answer(c, None) for c in top.get("components") or []],
                    }
                )
            elif t == V.LABEL:
                comps.append(
                    {
                        "type": 18,
                        "id": top.get("id", 0),
                        "component": answer(top["component"], top.get("label")),
                    }
                )
            elif t == V.TEXT_DISPLAY:
                comps.append({"type": 10, "id": top.get("id", 0)})
        unknown = set(values) - used
        if unknown:
            fields = [
                (c.get("custom_id"), c.get("label"))
                for c in V.walk_components(modal.get("components"))
                if c.get("custom_id")
            ]
            raise AssertionError(
                f"modal {modal['custom_id']!r} has no fields {sorted(unknown)} (fields as (custom_id, label): {fields})"
            )
        data: dict[str, Any] = {"custom_id": modal["custom_id"], "components": comps}
        if resolved:
            data["resolved"] = resolved
        message = None
        if src["type"] == 3 and src.get("message"):
            m = self._msg_by_id.get(int(src["message"]["id"]))
            message = self.wire(m) if m else src["message"]
        payload = self._interaction_envelope(5, guild_id, channel_id, user_id, data, message=message)
        return await self._dispatch_interaction(payload, timeout)
