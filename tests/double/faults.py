"""Refusals on demand for the double: answer the next matching requests with a given error.

Installed like the rate limits, as one aiohttp middleware (``DiscordDouble.faults.middleware``).
Example: Discord refusing a command upload with 400/50035 (Invalid Form Body), the shape discord.py
turns into ``app_commands.CommandSyncFailure``::

    double.faults.refuse("PUT", r"/applications/\\d+/guilds/\\d+/commands", errors=INVALID_NAME)
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_API = re.compile(r"^/api/v\d+(/.*)$")

# Discord's answer to a command whose name it refuses (error code 50035, field errors by index)
INVALID_NAME = {
    "0": {"name": {"_errors": [{"code": "APPLICATION_COMMAND_INVALID_NAME", "message": "Command name is invalid"}]}}
}


@dataclass
class _Rule:
    method: str
    re: re.Pattern[str]
    count: int
    status: int
    body: dict[str, Any]


@dataclass
class Faults:
    """Injected refusals; ``refused`` records each one served (method, path, status, code)."""

    refused: list[dict[str, Any]] = field(default_factory=list)
    _rules: list[_Rule] = field(default_factory=list)

    def refuse(
        self,
        method: str,
        path: str,
        *,
        count: int = 1,
        status: int = 400,
        code: int = 50035,
        message: str = "Invalid Form Body",
        errors: dict[str, Any] | None = None,
    ) -> None:
        """Answer the next ``count`` requests matching ``method`` and ``path`` (fullmatch on the
        path after ``/api/v10``) with ``status`` and Discord's error body."""
        body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            body["errors"] = errors
        self._rules.append(_Rule(method.upper(), re.compile(path), count, status, body))

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """aiohttp middleware: serve a pending refusal, else pass the request on."""
        m = _API.match(request.path)
        if m is not None:
            for rule in self._rules:
                if rule.count > 0 and rule.method == request.method and rule.re.fullmatch(m.group(1)):
                    rule.count -= 1
                    self.refused.append(
                        {"method": request.method, "path": m.group(1), "status": rule.status, "code": rule.body["code"]}
                    )
                    return web.Response(
                        status=rule.status,
                        body=json.dumps(rule.body).encode(),
                        headers={"Content-Type": "application/json"},
                    )
        return await handler(request)
