"""The double's REST API: HTTP plumbing, rate-limit rules, CDN, commands, channel message routes."""

from __future__ import annotations

import datetime
import json
import math
import mimetypes
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from . import validation as V
from .common import (
    ATTACH_FILES,
    INTENT_GUILD_MESSAGES,
    MANAGE_MESSAGES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Reject,
    _form_reject,
    _json_response,
)

if TYPE_CHECKING:
    pass


class RestMixin:
    """REST routes (/api/v10/...) with Discord's checks; answers refusals the way Discord does."""

    # ================================================================ rate limits / gateway control
    def rate_limit(
        self, method: str, path_regex: str, count: int = 1, retry_after: float = 0.5, global_: bool = False
    ) -> None:
        """Answer the next ``count`` requests matching ``method`` ('*' = any) and ``path_regex``
        (re.search on the path after /api/v10) with a real 429."""
        self._rate_rules.append(
            {
                "method": method.upper(),
                "re": re.compile(path_regex),
                "count": count,
                "retry_after": retry_after,
                "global": global_,
            }
        )

    # ================================================================ attachment CDN
    def _store_file(self, kind: str, aid: str, filename: str, data: bytes, content_type: str | None) -> dict[str, Any]:
        """Keep ``data`` for download; return the url/proxy_url/size/content_type fields."""
        ctype = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        self.attachment_files[aid] = {"filename": filename, "content": data, "content_type": ctype}
        url = f"http://127.0.0.1:{self.port}/{kind}/{aid}/{quote(filename)}"
        return {"url": url, "proxy_url": url, "size": len(data), "content_type": ctype}

    def attachment_bytes(self, attachment: Any) -> bytes:
        """Bytes of a stored attachment, given its dict (as in ``message["attachments"]``) or id."""
        aid = str(attachment["id"] if isinstance(attachment, dict) else attachment)
        if aid not in self.attachment_files:
            raise KeyError(f"no stored bytes for attachment {aid}")
        return self.attachment_files[aid]["content"]

    async def _cdn_handler(self, request: web.Request) -> web.Response:
        aid, filename = request.match_info["aid"], request.match_info["filename"]
        f = self.attachment_files.get(aid)
        ok = f is not None and f["filename"] == filename
        self.cdn_requests.append({"path": request.path, "attachment_id": aid, "status": 200 if ok else 404})
        if not ok:
            return web.Response(status=404, text="404: Not Found")
        assert f is not None
        return web.Response(status=200, body=f["content"], headers={"Content-Type": f["content_type"]})

    # ================================================================ HTTP plumbing
    async def _http_handler(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method
        try:
            body, files = await self._read_body(request)
        except Exception as exc:  # malformed body
            body, files = None, []
            return self._reject(
                method, path, None, Reject(400, 50109, f"The request body contains invalid JSON. ({exc})")
            )
        auth = request.headers.get("Authorization")
        entry = {
            "method": method,
            "path": path,
            "query": dict(request.query),
            "body": body,
            "files": [f["filename"] for f in files],
            "authorization": auth is not None,
            "at": time.time(),
        }
        self.requests.append(entry)

        for rule in self._rate_rules:
            if rule["count"] > 0 and rule["method"] in ("*", method) and rule["re"].search(path):
                rule["count"] -= 1
                return self._rate_limited(method, path, rule)

        is_webhook = path.startswith("/webhooks/") or path.startswith("/interactions/")
        if not is_webhook and not (auth and auth.startswith("Bot ") and len(auth) > 4):
            return self._reject(method, path, body, Reject(401, 0, "401: Unauthorized"))

        for m, pattern, handler in self._routes():
            if m != method:
                continue
            match = pattern.fullmatch(path)
            if match is None:
                continue
            try:
                result = await handler(request, body, files, *match.groups())
            except Reject as r:
                return self._reject(method, path, body, r)
            if isinstance(result, web.StreamResponse):
                return result
            if result is None:
                return web.Response(status=204)
            status = 200
            if isinstance(result, tuple):
                result, status = result
            return _json_response(result, status)

        self.unknown_routes.append((method, path))
        return _json_response({"message": "404: Not Found", "code": 0}, 404)

    def _reject(self, method: str, path: str, body: Any, r: Reject) -> web.Response:
        self.rejections.append(
            {
                "method": method,
                "path": path,
                "status": r.status,
                "code": r.code,
                "message": r.message,
                "body": body,
                "errors": r.errors,
            }
        )
        payload: dict[str, Any] = {"message": r.message, "code": r.code}
        if r.errors is not None:
            payload["errors"] = r.errors
        self._notify()
        return _json_response(payload, r.status)

    def _rate_limited(self, method: str, path: str, rule: dict[str, Any]) -> web.Response:
        ra = rule["retry_after"]
        headers = {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + ra:.3f}",
            "X-RateLimit-Reset-After": f"{ra:.3f}",
            "X-RateLimit-Bucket": "double-" + str(abs(hash(rule["re"].pattern)) % 10**8),
            "X-RateLimit-Scope": "global" if rule["global"] else "user",
            "Retry-After": str(max(1, math.ceil(ra))),
            "Via": "1.1 google",
        }
        if rule["global"]:
            headers["X-RateLimit-Global"] = "true"
        return _json_response(
            {"message": "You are being rate limited.", "retry_after": ra, "global": rule["global"]},
            429,
            headers,
        )

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        ctype = request.headers.get("Content-Type", "")
        files: list[dict[str, Any]] = []
        if ctype.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                data = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(data.decode())
                else:
                    files.append(
                        {
                            "name": part.name,
                            "filename": part.filename,  # type: ignore[union-attr]
                            "content_type": part.headers.get("Content-Type"),
                            "size": len(data),
                            "data": data,
                        }
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, files
        if ctype.split(";")[0].strip() == "application/json":
            return json.loads(raw.decode()), files
        return raw.decode(errors="replace"), files

    def _routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Any]]]:
        D = r"(\d+)"
        T = r"([^/]+)"
        table = [
            ("GET", "/gateway", self._r_gateway),
            ("GET", "/gateway/bot", self._r_gateway_bot),
            ("GET", "/users/@me", self._r_me),
            ("GET", "/oauth2/applications/@me", self._r_app),
            ("GET", "/applications/@me", self._r_app),
            ("GET", f"/applications/{D}/commands", self._r_cmd_list),
            ("PUT", f"/applications/{D}/commands", self._r_cmd_bulk),
            ("POST", f"/applications/{D}/commands", self._r_cmd_create),
            ("GET", f"/applications/{D}/commands/{D}", self._r_cmd_get),
            ("PATCH", f"/applications/{D}/commands/{D}", self._r_cmd_edit),
            ("DELETE", f"/applications/{D}/commands/{D}", self._r_cmd_delete),
            ("GET", f"/applications/{D}/guilds/{D}/commands", self._r_gcmd_list),
            ("PUT", f"/applications/{D}/guilds/{D}/commands", self._r_gcmd_bulk),
            ("POST", f"/applications/{D}/guilds/{D}/commands", self._r_gcmd_create),
            ("GET", f"/applications/{D}/guilds/{D}/commands/{D}", self._r_gcmd_get),
            ("PATCH", f"/applications/{D}/guilds/{D}/commands/{D}", self._r_gcmd_edit),
            ("DELETE", f"/applications/{D}/guilds/{D}/commands/{D}", self._r_gcmd_delete),
            ("POST", f"/interactions/{D}/{T}/callback", self._r_callback),
            ("GET", f"/webhooks/{D}/{T}/messages/(@original|\\d+)", self._r_wh_get),
            ("PATCH", f"/webhooks/{D}/{T}/messages/(@original|\\d+)", self._r_wh_edit),
            ("DELETE", f"/webhooks/{D}/{T}/messages/(@original|\\d+)", self._r_wh_delete),
            ("POST", f"/webhooks/{D}/{T}", self._r_followup),
            ("GET", f"/channels/{D}", self._r_channel),
            ("GET", f"/channels/{D}/messages", self._r_history),
            ("POST", f"/channels/{D}/messages", self._r_send),
            ("GET", f"/channels/{D}/messages/{D}", self._r_msg_get),
            ("PATCH", f"/channels/{D}/messages/{D}", self._r_msg_edit),
            ("DELETE", f"/channels/{D}/messages/{D}", self._r_msg_delete),
            ("PUT", f"/channels/{D}/messages/{D}/reactions/{T}/@me", self._r_react),
            ("DELETE", f"/channels/{D}/messages/{D}/reactions/{T}/@me", self._r_unreact),
            ("POST", f"/channels/{D}/typing", self._r_typing),
            ("GET", f"/guilds/{D}/members/{D}", self._r_member),
            ("GET", f"/guilds/{D}/channels", self._r_guild_channels),
            ("GET", f"/guilds/{D}/roles", self._r_guild_roles),
            # scheduled events (tests/double/events.py)
            ("GET", f"/guilds/{D}/scheduled-events", self._r_events_list),
            ("POST", f"/guilds/{D}/scheduled-events", self._r_event_create),
            ("GET", f"/guilds/{D}/scheduled-events/{D}", self._r_event_get),
            ("PATCH", f"/guilds/{D}/scheduled-events/{D}", self._r_event_edit),
            ("DELETE", f"/guilds/{D}/scheduled-events/{D}", self._r_event_delete),
        ]
        return [(m, re.compile(p), h) for m, p, h in table]

    # ================================================================ simple routes
    async def _r_gateway(self, req, body, files):
        return {"url": self.gateway_url.rstrip("/")}

    async def _r_gateway_bot(self, req, body, files):
        return {
            "url": self.gateway_url.rstrip("/"),
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
        }

    async def _r_me(self, req, body, files):
        return self._me()

    async def _r_app(self, req, body, files):
        return self._application()

    def _guild_or_404(self, guild_id: str) -> int:
        gid = int(guild_id)
        if gid not in self.guilds:
            raise Reject(404, 10004, "Unknown Guild")
        return gid

    async def _r_member(self, req, body, files, guild_id, user_id):
        gid = self._guild_or_404(guild_id)
        if int(user_id) not in self.members[gid]:
            raise Reject(404, 10007, "Unknown Member")
        return self._member_payload(gid, int(user_id))

    async def _r_guild_channels(self, req, body, files, guild_id):
        gid = self._guild_or_404(guild_id)
        return [c for c in self.channels.values() if c["guild_id"] == str(gid)]

    async def _r_guild_roles(self, req, body, files, guild_id):
        gid = self._guild_or_404(guild_id)
        return list(self.roles[gid].values())

    # ================================================================ commands
    def _check_app(self, app_id: str) -> None:
        if int(app_id) != self.application_id:
            raise Reject(403, 50001, "Missing Access")

    def _store_commands(
        self, new: list[dict[str, Any]], existing: list[dict[str, Any]], guild_id: int | None
    ) -> list[dict[str, Any]]:
        out = []
        for cmd in new:
            t = cmd.get("type", 1)
            old = next((c for c in existing if c["name"] == cmd["name"] and c["type"] == t), None)
            out.append(self._normalize_command(cmd, guild_id, old))
        return out

    def _normalize_command(
        self, cmd: dict[str, Any], guild_id: int | None, old: dict[str, Any] | None
    ) -> dict[str, Any]:
        t = cmd.get("type", 1)
        stored = {
            "id": old["id"] if old else str(self.snowflake()),
            "application_id": str(self.application_id),
            "version": str(self.snowflake()),
            "type": t,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description", "") if t == 1 else "",
            "description_localizations": cmd.get("description_localizations"),
            "default_member_permissions": (
                None if cmd.get("default_member_permissions") is None else str(cmd["default_member_permissions"])
            ),
            "dm_permission": cmd.get("dm_permission", True),
            "nsfw": bool(cmd.get("nsfw", False)),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types") or [0],
        }
        if t == 1:
            stored["options"] = cmd.get("options") or []
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        if old is not None and {k: v for k, v in old.items() if k != "version"} == {
            k: v for k, v in stored.items() if k != "version"
        }:
            stored["version"] = old["version"]
        return stored

    def _cmd_list_ref(self, guild_id: int | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return self.commands_global
        return self.commands_guild.setdefault(guild_id, [])

    def _set_cmds(self, guild_id: int | None, cmds: list[dict[str, Any]]) -> None:
        if guild_id is None:
            self.commands_global = cmds
        else:
            self.commands_guild[guild_id] = cmds

    def _write(self, guild_id: int | None) -> None:
        self.command_writes.append(("global", None) if guild_id is None else ("guild", guild_id))
        self._notify()

    async def _bulk(self, body: Any, guild_id: int | None) -> list[dict[str, Any]]:
        errors: V.ErrorList = []
        V.check_command_list(body, errors)
        if errors:
            raise _form_reject(errors)
        cmds = self._store_commands(body, self._cmd_list_ref(guild_id), guild_id)
        self._set_cmds(guild_id, cmds)
        self._write(guild_id)
        return cmds

    async def _create(self, body: Any, guild_id: int | None):
        errors: V.ErrorList = []
        V.check_command(body, errors)
        if errors:
            raise _form_reject(errors)
        cur = list(self._cmd_list_ref(guild_id))
        t = body.get("type", 1)
        old = next((c for c in cur if c["name"] == body["name"] and c["type"] == t), None)
        if old is None and sum(1 for c in cur if c["type"] == t) >= (100 if t == 1 else 15):
            raise Reject(400, 30032, "Maximum number of application commands reached")
        stored = self._normalize_command(body, guild_id, old)
        if old is not None:
            cur[cur.index(old)] = stored
        else:
            cur.append(stored)
        self._set_cmds(guild_id, cur)
        self._write(guild_id)
        return stored, (200 if old is not None else 201)

    def _find_cmd(self, guild_id: int | None, cmd_id: str) -> dict[str, Any]:
        for c in self._cmd_list_ref(guild_id):
            if c["id"] == str(cmd_id):
                return c
        raise Reject(404, 10063, "Unknown application command")

    async def _edit_cmd(self, body: Any, guild_id: int | None, cmd_id: str):
        old = self._find_cmd(guild_id, cmd_id)
        merged = {**old, **(body or {})}
        errors: V.ErrorList = []
        V.check_command(merged, errors)
        if errors:
            raise _form_reject(errors)
        cur = list(self._cmd_list_ref(guild_id))
        stored = self._normalize_command(merged, guild_id, old)
        cur[cur.index(old)] = stored
        self._set_cmds(guild_id, cur)
        self._write(guild_id)
        return stored

    async def _delete_cmd(self, guild_id: int | None, cmd_id: str):
        old = self._find_cmd(guild_id, cmd_id)
        self._set_cmds(guild_id, [c for c in self._cmd_list_ref(guild_id) if c is not old])
        self._write(guild_id)
        return None

    async def _r_cmd_list(self, req, body, files, app_id):
        self._check_app(app_id)
        return self.commands_global

    async def _r_cmd_bulk(self, req, body, files, app_id):
        self._check_app(app_id)
        return await self._bulk(body, None)

    async def _r_cmd_create(self, req, body, files, app_id):
        self._check_app(app_id)
        return await self._create(body, None)

    async def _r_cmd_get(self, req, body, files, app_id, cmd_id):
        self._check_app(app_id)
        return self._find_cmd(None, cmd_id)

    async def _r_cmd_edit(self, req, body, files, app_id, cmd_id):
        self._check_app(app_id)
        return await self._edit_cmd(body, None, cmd_id)

    async def _r_cmd_delete(self, req, body, files, app_id, cmd_id):
        self._check_app(app_id)
        return await self._delete_cmd(None, cmd_id)

    async def _r_gcmd_list(self, req, body, files, app_id, guild_id):
        self._check_app(app_id)
        return self.commands_guild.get(self._guild_or_404(guild_id), [])

    async def _r_gcmd_bulk(self, req, body, files, app_id, guild_id):
        self._check_app(app_id)
        return await self._bulk(body, self._guild_or_404(guild_id))

    async def _r_gcmd_create(self, req, body, files, app_id, guild_id):
        self._check_app(app_id)
        return await self._create(body, self._guild_or_404(guild_id))

    async def _r_gcmd_get(self, req, body, files, app_id, guild_id, cmd_id):
        self._check_app(app_id)
        return self._find_cmd(self._guild_or_404(guild_id), cmd_id)

    async def _r_gcmd_edit(self, req, body, files, app_id, guild_id, cmd_id):
        self._check_app(app_id)
        return await self._edit_cmd(body, self._guild_or_404(guild_id), cmd_id)

    async def _r_gcmd_delete(self, req, body, files, app_id, guild_id, cmd_id):
        self._check_app(app_id)
        return await self._delete_cmd(self._guild_or_404(guild_id), cmd_id)

    # ================================================================ channel messages
    def _channel_or_404(self, channel_id: str) -> dict[str, Any]:
        ch = self.channels.get(int(channel_id))
        if ch is None:
            raise Reject(404, 10003, "Unknown Channel")
        return ch

    def _require(self, channel: dict[str, Any], perms: int) -> None:
        have = self.channel_permissions(int(channel["id"]), self.bot_user_id)
        if not have & VIEW_CHANNEL:
            raise Reject(403, 50001, "Missing Access")
        if have & perms != perms:
            raise Reject(403, 50013, "Missing Permissions")

    def _attachments(
        self, body: dict[str, Any], files: list[dict[str, Any]], existing: list[dict[str, Any]] | None = None
    ) -> list[dict[str, Any]] | None:
        if not files and "attachments" not in body:
            return None
        by_index = {}
        for f in files:
            m = re.fullmatch(r"files\[(\d+)\]", f["name"] or "")
            if m:
                by_index[int(m.group(1))] = f
        out = []
        declared = body.get("attachments")
        if declared is None:
            declared = [{"id": i} for i in sorted(by_index)]
        existing_by_id = {a["id"]: a for a in existing or []}
        for a in declared:
            aid = a.get("id")
            f = (
                by_index.get(int(aid))
                if isinstance(aid, int) or (isinstance(aid, str) and aid.isdigit() and int(aid) in by_index)
                else None
            )
            if f is not None:
                new_id = str(self.snowflake())
                fn = a.get("filename") or f["filename"] or "file.bin"
                # discord.py labels every upload application/octet-stream; Discord sniffs the real type
                ctype = f["content_type"] if f["content_type"] not in (None, "application/octet-stream") else None
                served = self._store_file("attachments", new_id, fn, f["data"], ctype)
                out.append(
                    {
                        "id": new_id,
                        "filename": fn,
                        "size": served["size"],
                        "url": served["url"],
                        "proxy_url": served["proxy_url"],
                        "content_type": served["content_type"],
                        "description": a.get("description"),
                        "ephemeral": False,
                        "content": f["data"],  # raw bytes for tests; stripped by wire()
                    }
                )
            elif str(aid) in existing_by_id:
                out.append(existing_by_id[str(aid)])
        return out

    def _validate_message(
        self, body: Any, prefix: Sequence[Any] = (), *, creating: bool = True, has_files: bool = False
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise _form_reject([(prefix, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")])
        errors: V.ErrorList = []
        V.check_message(body, errors, prefix)
        if errors:
            raise _form_reject(errors)
        if creating and V.message_is_empty(body) and not has_files:
            raise Reject(400, 50006, "Cannot send an empty message")
        return body

    async def _r_send(self, req, body, files, channel_id):
        ch = self._channel_or_404(channel_id)
        self._require(ch, VIEW_CHANNEL | SEND_MESSAGES)
        if files:
            self._require(ch, ATTACH_FILES)
        body = self._validate_message(body, has_files=bool(files))
        cid = int(channel_id)
        if body.get("nonce") is not None and body.get("enforce_nonce"):
            cutoff = time.time() - 300
            for m in reversed(self.messages):
                if (
                    m["channel_id"] == cid
                    and m.get("nonce") == body["nonce"]
                    and not m["ephemeral"]
                    and datetime.datetime.fromisoformat(m["timestamp"]).timestamp() >= cutoff
                ):
                    return self.wire(m)
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            target = self._msg_by_id.get(int(ref["message_id"]))
            if (target is None or target["deleted"]) and ref.get("fail_if_not_exists", True):
                raise _form_reject([(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")])
            if target is None or target["deleted"]:
                body = {k: v for k, v in body.items() if k != "message_reference"}
        msg = self._new_message(cid, body, attachments=self._attachments(body, files))
        return self.wire(msg)

    def _visible_message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        ch = self._channel_or_404(channel_id)
        msg = self._msg_by_id.get(int(message_id))
        if msg is None or msg["deleted"] or msg["ephemeral"] or msg["channel_id"] != int(ch["id"]):
            raise Reject(404, 10008, "Unknown Message")
        return msg

    async def _r_channel(self, req, body, files, channel_id):
        ch = self._channel_or_404(channel_id)
        self._require(ch, VIEW_CHANNEL)
        return ch

    async def _r_history(self, req, body, files, channel_id):
        ch = self._channel_or_404(channel_id)
        self._require(ch, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        limit = int(req.query.get("limit", 50))
        msgs = self.channel_messages(int(channel_id), include_users=True)
        before, after = req.query.get("before"), req.query.get("after")
        if before:
            msgs = [m for m in msgs if int(m["id"]) < int(before)]
        if after:
            msgs = [m for m in msgs if int(m["id"]) > int(after)]
            return [self.wire(m) for m in reversed(msgs[:limit])]
        return [self.wire(m) for m in reversed(msgs[-limit:])]

    async def _r_msg_get(self, req, body, files, channel_id, message_id):
        ch = self._channel_or_404(channel_id)
        self._require(ch, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        return self.wire(self._visible_message(channel_id, message_id))

    async def _r_msg_edit(self, req, body, files, channel_id, message_id):
        msg = self._visible_message(channel_id, message_id)
        if int(msg["author"]["id"]) != self.bot_user_id:
            raise Reject(403, 50005, "Cannot edit a message authored by another user")
        body = self._validate_message(body or {}, creating=False)
        self._check_edit_not_empty(msg, body, files)
        self._edit_message(msg, body, "channel", self._attachments(body, files, msg["attachments"]))
        return self.wire(msg)

    def _check_edit_not_empty(self, msg: dict[str, Any], body: dict[str, Any], files: list[Any]) -> None:
        merged = {k: msg.get(k) for k in ("content", "embeds", "components", "attachments", "poll")}
        merged.update({k: v for k, v in body.items() if k in merged})
        if V.message_is_empty(merged) and not files:
            raise Reject(400, 50006, "Cannot send an empty message")

    async def _r_msg_delete(self, req, body, files, channel_id, message_id):
        msg = self._visible_message(channel_id, message_id)
        if int(msg["author"]["id"]) != self.bot_user_id:
            self._require(self.channels[int(channel_id)], MANAGE_MESSAGES)
        self._delete(msg, "channel")
        return None

    def _delete(self, msg: dict[str, Any], via: str) -> None:
        msg["deleted"] = True
        self.deletions.append({"message_id": msg["id"], "channel_id": msg["channel_id"], "via": via})
        s = self._current
        if not msg["ephemeral"] and s is not None and s.intents & INTENT_GUILD_MESSAGES:
            d = {"id": msg["id"], "channel_id": str(msg["channel_id"])}
            if msg["guild_id"]:
                d["guild_id"] = str(msg["guild_id"])
            s.dispatch("MESSAGE_DELETE", d)
        self._notify()

    async def _r_react(self, req, body, files, channel_id, message_id, emoji):
        ch = self._channel_or_404(channel_id)
        self._require(ch, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        self._visible_message(channel_id, message_id)
        self.reactions.append({"message_id": message_id, "emoji": emoji, "added": True})
        return None

    async def _r_unreact(self, req, body, files, channel_id, message_id, emoji):
        self._visible_message(channel_id, message_id)
        self.reactions.append({"message_id": message_id, "emoji": emoji, "added": False})
        return None

    async def _r_typing(self, req, body, files, channel_id):
        ch = self._channel_or_404(channel_id)
        self._require(ch, VIEW_CHANNEL | SEND_MESSAGES)
        return None
