"""The 3-second rule, watched: log any interaction whose first response took over 1.5 s.

Discord shows "This interaction failed" when an interaction gets no first response (a reply, a
defer, a modal, autocomplete choices) within 3 s of its creation (Discord API docs, "Receiving and
Responding"). Commands that can be slow defer before their slow part; this watch catches the rest
before users do: :class:`ResponseWatch` learns each interaction's name when discord.py dispatches it
(``on_interaction``) and, when the HTTP trace of :mod:`bot.ratelimit` sees its callback answered,
logs at WARNING if more than :data:`SLOW_AFTER` seconds passed since the interaction's creation
(its snowflake's timestamp, the clock Discord's window runs on).
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger("roadie.slow")

SLOW_AFTER = 1.5  # seconds: half of Discord's 3 s window
DISCORD_EPOCH_MS = 1420070400000
_KEEP = 900  # seconds an unanswered interaction is remembered (its token lives 15 minutes)


def snowflake_seconds(snowflake: int) -> float:
    """The UNIX time (seconds) a Discord snowflake was created (Discord API docs, "Snowflakes")."""
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000


def interaction_name(data: dict[str, Any] | None, kind: int) -> str:
    """A readable name for an interaction payload's ``data``: ``/remind add``, ``autocomplete
    /goal done``, ``button roadie:page:…``, ``modal roadie:checkin``."""
    data = data or {}
    if kind in (2, 4):  # application command / autocomplete
        parts = [str(data.get("name", "?"))]
        options = data.get("options") or []
        while options and options[0].get("type") in (1, 2):  # sub-command group / sub-command
            parts.append(str(options[0].get("name")))
            options = options[0].get("options") or []
        name = "/" + " ".join(parts)
        return f"autocomplete {name}" if kind == 4 else name
    if kind == 3:
        return f"component {data.get('custom_id', '?')}"
    if kind == 5:
        return f"modal {data.get('custom_id', '?')}"
    return f"interaction type {kind}"


class ResponseWatch:
    """Remembers interaction names; :meth:`responded` logs a WARNING for slow first responses.

    ``slow_after`` in seconds; ``clock`` returns UNIX seconds (injectable for tests).
    ``slow`` counts the warnings logged.
    """

    def __init__(self, slow_after: float = SLOW_AFTER, clock: Any = time.time) -> None:
        self.slow_after = slow_after
        self._clock = clock
        self._names: dict[int, str] = {}
        self.slow = 0

    def received(self, interaction_id: int, name: str) -> None:
        """Note an interaction as it is dispatched."""
        self._names[interaction_id] = name
        if len(self._names) > 1000:  # forget interactions older than their token
            cutoff = self._clock() - _KEEP
            for iid in [i for i in self._names if snowflake_seconds(i) < cutoff]:
                del self._names[iid]

    def responded(self, interaction_id: int) -> float:
        """Its first response reached Discord: returns the seconds since creation; logs when slow."""
        name = self._names.pop(interaction_id, "interaction")
        took = self._clock() - snowflake_seconds(interaction_id)
        if took > self.slow_after:
            self.slow += 1
            log.warning(
                "slow first response: %s answered %.2f s after it was created (over %.1f s; Discord's window is 3 s)",
                name,
                took,
                self.slow_after,
            )
        return took
