"""Guild scheduled events in the double: the routes Roadie uses, with Discord's validation.

From Discord's API spec (``ExternalScheduledEventCreateRequest`` / ``...PatchRequestPartial``) and
docs ("Guild Scheduled Event"): ``name`` 1..100, ``description`` ≤ 1000, ``privacy_level`` 2
(GUILD_ONLY), an EXTERNAL event (``entity_type`` 3) needs ``entity_metadata.location`` (1..100)
and a ``scheduled_end_time``, which must be after the start; the start may not be in the past.
Creating needs MANAGE_EVENTS or CREATE_EVENTS (guild-level); editing and deleting need
MANAGE_EVENTS (or CREATE_EVENTS for the bot's own events). At most 100 scheduled (upcoming)
events per guild: over that, 400 with code 30038.
"""

from __future__ import annotations

import datetime
from typing import Any

from .common import MANAGE_EVENTS, Reject, _form_reject

CREATE_EVENTS = 1 << 44
MAX_SCHEDULED_EVENTS = 100
EXTERNAL = 3
GUILD_ONLY = 2
STATUS_SCHEDULED = 1


def _time(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else None


def check_event(body: dict[str, Any], existing: dict[str, Any] | None = None) -> None:
    """Raise a 400 (50035) Discord would give for an external event ``body`` (a create, or a PATCH
    merged over ``existing``)."""
    ev = {**(existing or {}), **body}
    errors: list[tuple[tuple[Any, ...], str, str]] = []
    name = ev.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        errors.append((("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))
    desc = ev.get("description")
    if desc is not None and (not isinstance(desc, str) or len(desc) > 1000):
        errors.append((("description",), "BASE_TYPE_MAX_LENGTH", "Must be 1000 or fewer in length."))
    if ev.get("privacy_level") != GUILD_ONLY:
        errors.append((("privacy_level",), "BASE_TYPE_CHOICES", "Value must be one of {2}."))
    if ev.get("entity_type") != EXTERNAL:
        errors.append((("entity_type",), "BASE_TYPE_CHOICES", "Roadie's events are external (3)."))
    loc = (ev.get("entity_metadata") or {}).get("location")
    if not isinstance(loc, str) or not 1 <= len(loc) <= 100:
        errors.append((("entity_metadata", "location"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))
    start, end = _time(ev.get("scheduled_start_time")), _time(ev.get("scheduled_end_time"))
    if start is None:
        errors.append((("scheduled_start_time",), "DATE_TIME_TYPE_PARSE", "Could not parse the date."))
    elif "scheduled_start_time" in body and start < datetime.datetime.now(datetime.UTC):
        errors.append(
            (("scheduled_start_time",), "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST", "Cannot schedule event in the past.")
        )
    if end is None:
        errors.append(
            (("scheduled_end_time",), "GUILD_SCHEDULED_EVENT_END_TIME_REQUIRED", "External events need an end time.")
        )
    elif start is not None and end <= start:
        errors.append(
            (("scheduled_end_time",), "GUILD_SCHEDULED_EVENT_END_BEFORE_START", "The end must be after the start.")
        )
    if errors:
        raise _form_reject(errors)


class EventsMixin:
    """``scheduled_events[guild_id][event_id]``: the guild's events as Discord stores them."""

    scheduled_events: dict[int, dict[int, dict[str, Any]]]

    def set_bot_can_manage_events(self, guild_id: int, allowed: bool) -> None:
        """Give or take the bot role's MANAGE_EVENTS in ``guild_id`` (the default double grants it)."""
        guild = self.guilds[int(guild_id)]  # type: ignore[attr-defined]
        role = self.roles[int(guild_id)][guild["bot_role_id"]]  # type: ignore[attr-defined]
        perms = int(role["permissions"])
        role["permissions"] = str(perms | MANAGE_EVENTS if allowed else perms & ~MANAGE_EVENTS)

    def _events_of(self, guild_id: str) -> dict[int, dict[str, Any]]:
        gid = int(guild_id)
        if gid not in self.guilds:  # type: ignore[attr-defined]
            raise Reject(404, 10004, "Unknown Guild")
        if not hasattr(self, "scheduled_events"):
            self.scheduled_events = {}
        return self.scheduled_events.setdefault(gid, {})

    def _require_events(self, guild_id: str, *, create: bool) -> None:
        have = self.base_permissions(int(guild_id), self.bot_user_id)  # type: ignore[attr-defined]
        ok = have & MANAGE_EVENTS or (create and have & CREATE_EVENTS) or have & (1 << 3)
        if not ok:
            raise Reject(403, 50013, "Missing Permissions")

    async def _r_events_list(self, req, body, files, guild_id):  # type: ignore[no-untyped-def]
        return list(self._events_of(guild_id).values())

    async def _r_event_create(self, req, body, files, guild_id):  # type: ignore[no-untyped-def]
        events = self._events_of(guild_id)
        self._require_events(guild_id, create=True)
        body = body if isinstance(body, dict) else {}
        check_event(body)
        if sum(e["status"] == STATUS_SCHEDULED for e in events.values()) >= MAX_SCHEDULED_EVENTS:
            raise Reject(400, 30038, "Maximum number of guild scheduled events reached (100)")
        eid = self.snowflake()  # type: ignore[attr-defined]
        ev = {
            "id": str(eid),
            "guild_id": str(guild_id),
            "channel_id": None,
            "creator_id": str(self.bot_user_id),  # type: ignore[attr-defined]
            "name": body["name"],
            "description": body.get("description"),
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body["scheduled_end_time"],
            "privacy_level": body["privacy_level"],
            "status": STATUS_SCHEDULED,
            "entity_type": EXTERNAL,
            "entity_id": None,
            "entity_metadata": {"location": body["entity_metadata"]["location"]},
            "user_count": 0,
        }
        events[eid] = ev
        return ev

    def _event(self, guild_id: str, event_id: str) -> dict[str, Any]:
        ev = self._events_of(guild_id).get(int(event_id))
        if ev is None:
            raise Reject(404, 10070, "Unknown Guild Scheduled Event")
        return ev

    async def _r_event_get(self, req, body, files, guild_id, event_id):  # type: ignore[no-untyped-def]
        return self._event(guild_id, event_id)

    async def _r_event_edit(self, req, body, files, guild_id, event_id):  # type: ignore[no-untyped-def]
        ev = self._event(guild_id, event_id)
        self._require_events(guild_id, create=False)
        body = body if isinstance(body, dict) else {}
        check_event(body, ev)
        for k in ("name", "description", "scheduled_start_time", "scheduled_end_time", "privacy_level", "status"):
            if k in body:
                ev[k] = body[k]
        if "entity_metadata" in body:
            ev["entity_metadata"] = {"location": body["entity_metadata"]["location"]}
        return ev

    async def _r_event_delete(self, req, body, files, guild_id, event_id):  # type: ignore[no-untyped-def]
        self._event(guild_id, event_id)
        self._require_events(guild_id, create=False)
        del self._events_of(guild_id)[int(event_id)]
        return None
