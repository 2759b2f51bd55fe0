"""What the wellbeing pulse shows, always ephemerally: the note after a check-in, the
``/checkin pulse`` sparkline and the managers' notice when there is no business channel."""

from __future__ import annotations

from bot.services import pulse
from bot.textfmt import CONTENT_MAX, truncate, ts

SPARK = {1: "▁", 2: "▂", 3: "▄", 4: "▆", 5: "█"}
FIELD_LABEL = "How are you holding up? (1-5)"  # ≤ 45 chars (Discord's text input label limit)
PLACEHOLDER = "Optional and private: only you and the managers see it"


def saved_note(value: int | None, dropped: bool) -> str | None:
    """The ephemeral note after a check-in: the pulse kept privately, or why it was left out."""
    if dropped:
        return (
            "ℹ️ Your check-in is posted. The answer to “How are you holding up?” wasn't a whole number from 1 to 5, "
            "so it was left out."
        )
    if value is None:
        return None
    return f"🫶 Your pulse ({value}/5) is saved privately: it is not in the post. See yours with `/checkin pulse`."


def sparkline(points: list[int] | tuple[int, ...]) -> str:
    """``[1, 3, 5]`` -> ``▁▄█``."""
    return "".join(SPARK[p] for p in points)


def history_text(h: pulse.PulseHistory, own: bool) -> str:
    """``/checkin pulse``: the sparkline of the last 8 weeks, then each pulse with its date."""
    who = "Your" if own else f"<@{h.member_id}>'s"
    if not h.points:
        return f"🫶 {who} pulse: no answers in the last {pulse.HISTORY_WEEKS} weeks."
    values = [v for _, v in h.points]
    lines = [
        f"🫶 {who} pulse, last {pulse.HISTORY_WEEKS} weeks: `{sparkline(values)}` "
        f"(latest {values[-1]}/5, {len(values)} answer(s))",
        " · ".join(f"{ts(at, 'd')} {v}" for at, v in h.points[-20:]),
    ]
    return truncate("\n".join(lines), CONTENT_MAX)


def notice_text(member_ids: list[int]) -> str:
    """The managers' ephemeral notice (no business channel was set when the alert came)."""
    names = ", ".join(f"<@{m}>" for m in member_ids)
    return truncate(
        f"🫶 Wellbeing check (only managers see this): the two latest check-ins of {names} rated how they're "
        f"holding up at {pulse.LOW} or lower. A private word might help. Set a business channel to get these "
        "as private nudges.",
        CONTENT_MAX,
    )
