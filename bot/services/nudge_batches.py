"""Grouping due nudges into messages: one message per channel and second, within Discord's limits.

Discord lets a bot post about 5 messages per 5 s in one channel (Discord API docs, "Rate Limits"),
so 40 reminders due at 12:00 in one channel must not become 40 messages. At claim time
(:func:`bot.services.nudges.claim_due`) the rendered rows are grouped here:

- rows for the same channel due in the same second (``[t, t+1 s)``) form one group; rows that are
  *late* (Roadie was offline) form one group per channel whatever their second, so the burst after
  downtime obeys the same rule; a row with a button (a check-in prompt) goes alone;
- a group becomes one message, or several when it does not fit: a message has ≤ 2000 characters of
  content and ≤ 10 embeds, each description ≤ 4096 characters, all embeds together ≤ 6000 (Discord
  API docs, "Message" and "Embed Limits"), and names at most :data:`MAX_MENTIONS` users and roles;
- a message of one row is exactly that row's text (as before grouping); a message of several rows
  pings each person once in its content ("🔔 3 nudges for @ana @ben") and lists the rows in its
  embeds (mentions in embeds never ping).

Each message's rows share a ``batch_id`` (the smallest row id in it), stored when claimed, and the
message's nonce is derived from it: the group and its nonce are fixed at claim time, so a resend of
the same batch after a crash is de-duplicated by Discord (``enforce_nonce``) like a single nudge.
Discord-free: this module only sees plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.textfmt import CONTENT_MAX, EMBED_DESCRIPTION_MAX
from bot.textfmt import EMBED_TOTAL_MAX as EMBEDS_TOTAL_MAX

EMBEDS_MAX = 10  # embeds per message (Discord API docs)
MAX_MENTIONS = 50  # distinct users + roles named in one grouped message (allowed_mentions takes ≤ 100 each)


@dataclass(frozen=True)
class Item:
    """One rendered, claimed nudge row.

    ``content`` ≤ 2000 chars (with the late marker when late); ``due_at`` UTC; ``button`` an
    (action, id) pair (see ``OutgoingNudge.button``) or None.
    """

    nudge_id: int
    channel_id: int
    due_at: datetime
    content: str
    mention_user_ids: tuple[int, ...] = ()
    mention_role_ids: tuple[int, ...] = ()
    late: bool = False
    button: tuple[str, int] | None = None
    files: tuple[tuple[str, bytes], ...] = ()
    fallback_role_ids: tuple[int, ...] = ()
    guild_id: int | None = None
    rich: tuple[dict[str, Any], ...] = ()  # whole embeds (Discord JSON), e.g. the scheduled digest

    @property
    def alone(self) -> bool:
        """A row with a button, files, fallback pings or its own embeds goes in a message of its own."""
        return self.button is not None or bool(self.files) or bool(self.fallback_role_ids) or bool(self.rich)


@dataclass(frozen=True)
class Message:
    """One message to post: ``items`` (≥ 1, in due order) and what it says.

    ``content`` ≤ 2000 chars, ``embeds`` embed descriptions (≤ 10, each ≤ 4096, ≤ 6000 together),
    ``mention_user_ids``/``mention_role_ids`` each person or role once.
    """

    items: tuple[Item, ...]
    content: str
    embeds: tuple[str, ...]
    mention_user_ids: tuple[int, ...]
    mention_role_ids: tuple[int, ...]
    batch_id: int = 0  # the smallest row id in the message: stored on every row, the nonce's base

    def __post_init__(self) -> None:
        object.__setattr__(self, "batch_id", min(i.nudge_id for i in self.items))


def group_key(item: Item) -> tuple[int, object]:
    """Rows with equal keys may share a message: same channel and (on time) same due second, or
    (late) the same channel; a row with a button gets a key of its own."""
    if item.alone:
        return (item.channel_id, ("alone", item.nudge_id))
    if item.late:
        return (item.channel_id, "late")
    return (item.channel_id, int(item.due_at.timestamp()))


def group(items: Sequence[Item]) -> list[Message]:
    """Group claimed rows (any order) into messages: see the module docstring. Messages come out
    in the order of their first row's due time."""
    by_key: dict[tuple[int, object], list[Item]] = {}
    for it in sorted(items, key=lambda i: (i.due_at, i.nudge_id)):
        by_key.setdefault(group_key(it), []).append(it)
    out: list[Message] = []
    for rows in by_key.values():
        out.extend(pack(rows))
    return sorted(out, key=lambda m: (m.items[0].due_at, m.batch_id))


def _mentions(items: Sequence[Item]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    users = tuple(dict.fromkeys(u for i in items for u in i.mention_user_ids))
    roles = tuple(dict.fromkeys(r for i in items for r in i.mention_role_ids))
    return users, roles


def _sep(items: Sequence[Item]) -> str:
    return "\n\n" if any("\n" in i.content for i in items) else "\n"


class _Packer:
    """Running totals of one message being filled (so packing a group is linear in its size)."""

    def __init__(self, sep: str) -> None:
        self.sep = sep
        self.items: list[Item] = []
        self.embeds: list[str] = []
        self.total = 0
        self.names: set[tuple[str, int]] = set()

    def add(self, it: Item) -> bool:
        """Add ``it`` if the message still fits Discord's limits with it; False (unchanged) if not."""
        if self.items and (it.alone or any(i.alone for i in self.items)):
            return False
        names = {("u", u) for u in it.mention_user_ids} | {("r", r) for r in it.mention_role_ids}
        if self.items and len(self.names | names) > MAX_MENTIONS:
            return False
        text = it.content[:EMBED_DESCRIPTION_MAX]
        joined = bool(self.embeds) and len(self.embeds[-1]) + len(self.sep) + len(text) <= EMBED_DESCRIPTION_MAX
        added = len(self.sep) + len(text) if joined else len(text)
        if self.items and (self.total + added > EMBEDS_TOTAL_MAX or (not joined and len(self.embeds) >= EMBEDS_MAX)):
            return False
        if joined:
            self.embeds[-1] += self.sep + text
        else:
            self.embeds.append(text)
        self.total += added
        self.names |= names
        self.items.append(it)
        return True


def pack(rows: Sequence[Item]) -> list[Message]:
    """Pack the rows of one group into as few messages as fit Discord's limits (greedy, in order)."""
    sep = _sep(rows)
    messages: list[Message] = []
    current = _Packer(sep)
    for it in rows:
        if not current.add(it):
            messages.append(build(current.items, sep))
            current = _Packer(sep)
            current.add(it)
    if current.items:
        messages.append(build(current.items, sep))
    return messages


def _embeds(items: Sequence[Item], sep: str | None = None) -> list[str]:
    """Item texts joined into embed descriptions of ≤ 4096 characters (an item is never split)."""
    sep = _sep(items) if sep is None else sep
    embeds: list[str] = []
    for it in items:
        text = it.content[:EMBED_DESCRIPTION_MAX]
        if embeds and len(embeds[-1]) + len(sep) + len(text) <= EMBED_DESCRIPTION_MAX:
            embeds[-1] += sep + text
        else:
            embeds.append(text)
    return embeds


def build(items: Sequence[Item], sep: str | None = None) -> Message:
    """The message for ``items`` (≥ 1). One item: its own text. Several: a header that pings each
    person once, and the items in embeds. A batch fixed at an earlier claim is rebuilt with this
    too; should it no longer fit (its rows were edited since), the embeds are cut to the limits."""
    users, roles = _mentions(items)
    if len(items) == 1:
        it = items[0]
        return Message(tuple(items), it.content[:CONTENT_MAX], (), users, roles)
    names = " ".join([*(f"<@{u}>" for u in users), *(f"<@&{r}>" for r in roles)])
    late = " (late: Roadie was offline)" if all(i.late for i in items) else ""
    content = f"🔔 {len(items)} nudges{late}" + (f" for {names}" if names else "")
    embeds = _embeds(items, sep)[:EMBEDS_MAX]
    room = EMBEDS_TOTAL_MAX
    cut: list[str] = []
    for e in embeds:
        if room <= 0:
            break
        cut.append(e[:room])
        room -= len(cut[-1])
    return Message(tuple(items), content[:CONTENT_MAX], tuple(cut), users, roles)
