"""Charts as PNG attachments: goal burn-up, release timeline, tour shows per period, budget per line,
promo campaign funnel.

Each ``draw_*`` function takes the plain data a service returned and gives a :class:`Chart` (PNG
bytes, a filename and the alt text). They import matplotlib lazily (it is heavy and builds a font
cache on a fresh machine, so start-up must not pay for it), use the Agg backend through
``matplotlib.figure.Figure`` objects (pyplot's global state is not thread-safe) and are meant to run
in a worker thread: :func:`send_chart` defers the interaction first, then draws with
``asyncio.to_thread``. Colours are the Okabe-Ito palette (colour-blind safe; states also differ
by marker or hatch), on a white card with dark text so the image reads in Discord's dark and
light themes.

Discord rules (API docs, "Message Resource"): an attachment's ``description`` (alt text) is
≤ 1024 characters; uploads are capped per interaction (``attachment_size_limit``): Roadie keeps
every PNG ≤ :data:`PNG_MAX_BYTES` anyway.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot.textfmt import ATTACHMENT_DESCRIPTION_MAX, CONTENT_MAX, truncate

if TYPE_CHECKING:
    from bot.services.budget import BudgetChartData
    from bot.services.goals import GoalChartData
    from bot.services.promo import PromoChartData
    from bot.services.releases import TimelineData
    from bot.services.tours import TourChartData

PNG_MAX_BYTES = 1_000_000
DPI = 100
SIZE = (9.0, 5.0)  # inches: 900 x 500 px at DPI

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
CARD = "#FFFFFF"
INK = "#23272A"
GRID = "#D9D9D9"
TITLE_MAX = 70  # chart title characters (the image's own, not a Discord limit)


@dataclass(frozen=True)
class Chart:
    """A rendered chart: ``png`` bytes (≤ :data:`PNG_MAX_BYTES`), the attachment ``filename`` and
    ``alt`` text (≤ 1024 chars, Discord's attachment description limit) saying what it shows."""

    png: bytes
    filename: str
    alt: str

    def file(self) -> discord.File:
        """The attachment, with its alt text as the ``description``."""
        return discord.File(io.BytesIO(self.png), filename=self.filename, description=self.alt)


def _alt(text: str) -> str:
    return truncate(" ".join(text.split()), ATTACHMENT_DESCRIPTION_MAX)


def _figure() -> tuple[Any, Any]:
    from matplotlib.figure import Figure  # lazy: see the module docstring

    fig = Figure(figsize=SIZE, dpi=DPI, facecolor=CARD)
    ax = fig.add_subplot()
    ax.set_facecolor(CARD)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(INK)
    ax.tick_params(colors=INK, labelsize=9)
    ax.grid(True, color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def _title(ax: Any, text: str) -> None:
    ax.set_title(truncate(text, TITLE_MAX), color=INK, fontsize=12, loc="left")


def _png(fig: Any) -> bytes:
    """The figure as PNG; the resolution is lowered until it fits :data:`PNG_MAX_BYTES`."""
    fig.tight_layout()
    dpi = DPI
    while True:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, facecolor=CARD, metadata={"Software": None})
        data = buf.getvalue()
        if len(data) <= PNG_MAX_BYTES or dpi <= 40:
            return data
        dpi = int(dpi * 0.7)


def _legend(ax: Any) -> None:
    leg = ax.legend(
        loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=True, facecolor=CARD, edgecolor=GRID
    )
    for t in leg.get_texts():
        t.set_color(INK)


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")


# --- goal burn-up


def draw_goal_burnup(d: GoalChartData) -> Chart:
    """``/goal chart``: every recorded value as a step line, the target as a horizontal line, the
    due date as a vertical line and the pace needed from the latest value to the target by then.

    Raises:
        ValueError: the goal has no target or no recorded value (the cog says so in text instead).
    """
    if d.target is None or not d.points:
        raise ValueError("nothing to chart")
    fig, ax = _figure()
    xs = [d.created_at, *(t for t, _ in d.points)]
    ys = [d.points[0][1] if d.points[0][0] <= d.created_at else 0.0, *(v for _, v in d.points)]
    ax.step(xs, ys, where="post", color=OKABE_ITO["blue"], linewidth=2.2, label="recorded")
    ax.plot(xs[1:], ys[1:], "o", color=OKABE_ITO["blue"], markersize=5)
    end = max(d.now, d.due_at or d.now, xs[-1])
    ax.axhline(d.target, color=OKABE_ITO["green"], linestyle="--", linewidth=1.6, label=f"target {_num(d.target)}")
    last_t, last_v = d.points[-1]
    pace_text = ""
    if d.due_at is not None:
        ax.axvline(d.due_at, color=OKABE_ITO["vermillion"], linestyle=":", linewidth=1.6, label="due")
        if last_v < d.target and d.due_at > last_t:
            days = max((d.due_at - last_t).total_seconds() / 86400, 1e-9)
            per_week = (d.target - last_v) / days * 7
            ax.plot(
                [last_t, d.due_at],
                [last_v, d.target],
                color=OKABE_ITO["orange"],
                linestyle="-.",
                linewidth=1.6,
                label=f"pace needed: {_num(per_week)}/week",
            )
            pace_text = f" To make it, it needs about {_num(per_week)} more per week until the due date."
    ax.set_xlim(min(xs), end + (end - min(xs)) * 0.03 + timedelta(hours=1))
    ax.set_ylim(0, max(max(ys), d.target) * 1.12 or 1)
    metric = d.metric or "value"
    ax.set_ylabel(metric, color=INK)
    fig.autofmt_xdate()
    _title(ax, f"Goal #{d.number}: {d.title}")
    _legend(ax)
    due = f", due {d.due_at.astimezone(UTC):%d %b %Y}" if d.due_at else ""
    alt = _alt(
        f"Burn-up chart of goal #{d.number} {d.title}: {metric} went from {_num(ys[0])} to {_num(last_v)} "
        f"over {len(d.points)} recorded value(s), against a target of {_num(d.target)}{due}.{pace_text}"
    )
    return Chart(_png(fig), f"goal-{d.number}-burnup.png", alt)


# --- release timeline

STATE_STYLE = {  # colour and marker per task state: shape as well as colour tells them apart
    "done": (OKABE_ITO["green"], "o", "done"),
    "open": (OKABE_ITO["blue"], "s", "open"),
    "overdue": (OKABE_ITO["vermillion"], "X", "overdue"),
}


def draw_release_timeline(d: TimelineData) -> Chart:
    """``/release timeline``: each task at its due date in its section's row, marked done, open or
    overdue, with today and release day as vertical lines.

    Raises:
        ValueError: the release has no tasks.
    """
    if not d.tasks:
        raise ValueError("nothing to chart")
    import matplotlib.dates as mdates

    fig, ax = _figure()
    rows = {s: i for i, s in enumerate(reversed(d.sections))}
    for state, (colour, marker, label) in STATE_STYLE.items():
        pts = [(t.due, rows[t.section]) for t in d.tasks if t.state == state]
        if pts:
            ax.scatter(
                [p[0] for p in pts],
                [p[1] for p in pts],
                c=colour,
                marker=marker,
                s=60,
                label=f"{label} ({len(pts)})",
                edgecolors=INK,
                linewidths=0.4,
                zorder=3,
            )
    ax.axvline(d.today, color=OKABE_ITO["black"], linestyle="--", linewidth=1.2, label="today")
    ax.axvline(d.release_date, color=OKABE_ITO["purple"], linewidth=2.2, label="release day")
    ax.set_yticks(list(rows.values()), [s for s in rows])
    ax.set_ylim(-0.7, len(rows) - 0.3 + 0.6)
    first = min([t.due for t in d.tasks] + [d.release_date])
    last = max([t.due for t in d.tasks] + [d.release_date])
    pad = timedelta(days=max(2, (last - first).days // 30))
    ax.set_xlim(first - pad, last + pad)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    fig.autofmt_xdate()
    _title(ax, f"Release #{d.number}: {d.title}, {d.release_date:%d %b %Y}")
    _legend(ax)
    counts = {s: sum(t.state == s for t in d.tasks) for s in STATE_STYLE}
    alt = _alt(
        f"Timeline of release #{d.number} {d.title} (release day {d.release_date:%d %b %Y}): "
        f"{len(d.tasks)} checklist task(s) from {first:%d %b %Y} by section ({', '.join(d.sections)}); "
        f"{counts['done']} done, {counts['open']} open, {counts['overdue']} overdue; today is {d.today:%d %b %Y}."
    )
    return Chart(_png(fig), f"release-{d.number}-timeline.png", alt)


# --- tour: shows per period


def draw_tour_bars(d: TourChartData, act: str = "", money: Callable[[Any, str], str] | None = None) -> Chart:
    """``/tour chart``: stacked bars per week or month, confirmed shows below, holds (hatched) above;
    for a manager (``d.guarantees`` set) each bar is labelled with its guarantees, ``money(amount,
    currency)`` formatting them.

    Raises:
        ValueError: no shows to count.
    """
    if not d.total:
        raise ValueError("nothing to chart")
    fig, ax = _figure()
    labels = [f"{b:%d %b}" if d.period == "week" else f"{b:%b %Y}" for b, _, _ in d.buckets]
    xs = list(range(len(d.buckets)))
    confirmed = [c for _, c, _ in d.buckets]
    holds = [h for _, _, h in d.buckets]
    ax.bar(xs, confirmed, color=OKABE_ITO["blue"], edgecolor=INK, linewidth=0.4, label=f"confirmed ({sum(confirmed)})")
    ax.bar(
        xs,
        holds,
        bottom=confirmed,
        color=OKABE_ITO["orange"],
        edgecolor=INK,
        linewidth=0.4,
        hatch="//",
        label=f"holds ({sum(holds)})",
    )
    guarantee_text = ""
    if d.guarantees is not None and money is not None:
        totals: dict[str, Any] = {}
        for x, (b, c, h) in zip(xs, d.buckets, strict=True):
            per = d.guarantees.get(b, {})
            for cur, amount in per.items():
                totals[cur] = totals.get(cur, 0) + amount
            if per:
                label = "\n".join(money(a, cur) for cur, a in sorted(per.items()))
                ax.annotate(
                    label,
                    (x, c + h),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color=INK,
                    xytext=(0, 2),
                    textcoords="offset points",
                )
        ax.set_ylim(0, max(c + h for _, c, h in d.buckets) * 1.35 + 0.5)
        if totals:
            guarantee_text = " Guarantees: " + ", ".join(money(a, cur) for cur, a in sorted(totals.items())) + "."
    step = max(1, len(xs) // 16)
    ax.set_xticks(xs[::step], labels[::step], rotation=45, ha="right")
    ax.set_ylabel(f"shows per {d.period}", color=INK)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(False, axis="x")
    who = f"{act}: " if act else ""
    _title(ax, f"{who}{d.when} shows per {d.period}")
    _legend(ax)
    busiest = max(d.buckets, key=lambda b: b[1] + b[2])
    alt = _alt(
        f"Bar chart of {d.when} shows per {d.period} from {labels[0]} to {labels[-1]}: {sum(confirmed)} confirmed "
        f"and {sum(holds)} on hold; the busiest {d.period} ({labels[d.buckets.index(busiest)]}) has "
        f"{busiest[1] + busiest[2]}.{guarantee_text}"
    )
    return Chart(_png(fig), "tour-chart.png", alt)


# --- budget per line


def draw_budget_bars(d: BudgetChartData, fmt: Callable[[Any], str]) -> Chart:
    """``/budget chart``: per line a budget bar and a spent bar (over-budget spending in vermillion,
    hatched); ``fmt`` formats an exact amount (Decimal, in ``d.currency``) for labels and alt text.

    Raises:
        ValueError: no lines.
    """
    if not d.lines:
        raise ValueError("nothing to chart")
    fig, ax = _figure()
    names = [x[0] for x in d.lines]
    ys = list(range(len(names)))[::-1]
    h = 0.38
    budget = [float(b) if b is not None else 0.0 for _, b, _ in d.lines]
    spent = [float(s) for _, _, s in d.lines]
    over = [b is not None and s > b for _, b, s in d.lines]
    ax.barh([y + h / 2 for y in ys], budget, height=h, color=OKABE_ITO["sky"], edgecolor=INK, linewidth=0.4)
    ax.barh(
        [y - h / 2 for y in ys],
        spent,
        height=h,
        color=[OKABE_ITO["vermillion"] if o else OKABE_ITO["blue"] for o in over],
        hatch=None,
        edgecolor=INK,
        linewidth=0.4,
    )
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=OKABE_ITO["sky"], edgecolor=INK, label="budget"),
        Patch(facecolor=OKABE_ITO["blue"], edgecolor=INK, label="spent"),
    ]
    if any(over):
        handles.append(Patch(facecolor=OKABE_ITO["vermillion"], edgecolor=INK, label="spent, over budget"))
    top = max([*budget, *spent, 1.0])
    for y, (_, b, s), o in zip(ys, d.lines, over, strict=True):
        ax.text(float(s) + top * 0.01, y - h / 2, fmt(s) + (" ⚠" if o else ""), va="center", fontsize=8, color=INK)
        if b is not None:
            ax.text(float(b) + top * 0.01, y + h / 2, fmt(b), va="center", fontsize=8, color=INK)
    ax.set_yticks(ys, names)
    ax.set_xlim(0, top * 1.25)
    ax.set_xlabel(d.currency, color=INK)
    ax.grid(False, axis="y")
    leg = ax.legend(handles=handles, loc="lower right", fontsize=9, facecolor=CARD, edgecolor=GRID)
    for t in leg.get_texts():
        t.set_color(INK)
    _title(ax, f"Budget of release #{d.number}: {d.title}")
    total_b = sum((b for _, b, _ in d.lines if b is not None), start=0 * d.lines[0][2])
    total_s = sum((s for _, _, s in d.lines), start=0 * d.lines[0][2])
    over_names = [n for n, o in zip(names, over, strict=True) if o]
    over_text = f"; over budget: {', '.join(over_names)}" if over_names else ""
    alt = _alt(
        f"Bar chart of the budget of release #{d.number} {d.title}: budget vs spent for {len(names)} line(s) "
        f"({', '.join(names)}); {fmt(total_s)} spent of {fmt(total_b)}{over_text}."
    )
    return Chart(_png(fig), f"budget-release-{d.number}.png", alt)


# --- promo campaign funnel

FUNNEL_COLOURS = (OKABE_ITO["sky"], OKABE_ITO["blue"], OKABE_ITO["green"], OKABE_ITO["orange"])


def _pct(n: int, of: int) -> str:
    return f"{n * 100 // of}%" if of else "0%"


def draw_promo_funnel(d: PromoChartData) -> Chart:
    """``/promo chart``: one horizontal bar per funnel stage (pitched → replied → accepted →
    published/added/aired), widest at the top, each labelled with its count and its share of the
    pitches (whole percent, rounded down).

    Raises:
        ValueError: nothing pitched yet (the cog says so in text instead).
    """
    pitched = d.funnel[0][1] if d.funnel else 0
    if not pitched:
        raise ValueError("nothing to chart")
    fig, ax = _figure()
    names = [stage for stage, _ in d.funnel]
    counts = [n for _, n in d.funnel]
    ys = list(range(len(names)))[::-1]
    colours = [FUNNEL_COLOURS[i % len(FUNNEL_COLOURS)] for i in range(len(names))]
    # centred bars make the funnel shape; the stage's colour and its label both tell stages apart
    ax.barh(
        ys, counts, left=[(pitched - n) / 2 for n in counts], color=colours, edgecolor=INK, linewidth=0.4, height=0.7
    )
    for y, n in zip(ys, counts, strict=True):
        ax.text(
            pitched / 2,
            y,
            f"{n} ({_pct(n, pitched)})",
            ha="center",
            va="center",
            fontsize=10,
            color=INK,
            bbox={"facecolor": CARD, "edgecolor": "none", "alpha": 0.8, "pad": 2},
        )
    ax.set_yticks(ys, names)
    ax.set_xlim(0, pitched)
    ax.set_xticks([])
    ax.grid(False)
    ax.spines["bottom"].set_visible(False)
    _title(ax, f"Campaign funnel of release #{d.number}: {d.title}")
    stages = ", ".join(f"{n} {stage}" for stage, n in d.funnel)
    waiting = f"; {d.to_pitch} more still to pitch" if d.to_pitch else ""
    last_stage, last_n = d.funnel[-1]
    alt = _alt(
        f"Funnel chart of the promo campaign of release #{d.number} {d.title}: {stages}{waiting}; "
        f"{_pct(last_n, pitched)} of the pitches reached {last_stage}."
    )
    return Chart(_png(fig), f"promo-release-{d.number}-funnel.png", alt)


# --- sending

T = TypeVar("T")


async def send_chart(
    interaction: discord.Interaction,
    draw: Callable[[T], Chart],
    data: T,
    content: str | None = None,
    *,
    ephemeral: bool = False,
) -> Chart:
    """Defer ``interaction`` (the 3 s window), draw ``data`` in a worker thread, send the PNG as a
    follow-up with its alt text. Returns the chart."""
    if not interaction.response.is_done():
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
    chart = await asyncio.to_thread(draw, data)
    await interaction.followup.send(
        truncate(content, CONTENT_MAX) if content else discord.utils.MISSING,
        file=chart.file(),
        ephemeral=ephemeral,
    )
    return chart


# --- what is said instead of a chart when there is nothing to draw


def no_goal_chart(d: GoalChartData) -> str:
    """``/goal chart`` without a target or recorded values."""
    if d.target is None:
        return (
            f"📈 Goal #{d.number} has no target, so there is nothing to chart. "
            f"Add one with `/goal edit goal:#{d.number} target:10k`."
        )
    return f"📈 Goal #{d.number} has no recorded progress yet. Record some with `/goal progress goal:#{d.number}`."


def no_timeline(d: TimelineData) -> str:
    """``/release timeline`` for a release without tasks."""
    return f"🗓️ Release #{d.number} has no checklist tasks to put on a timeline."


def no_tour_chart(when: str) -> str:
    """``/tour chart`` without shows."""
    return f"🎫 No {when} shows to chart (cancelled ones don't count). Add one with `/tour add`."


def no_budget_chart(number: int) -> str:
    """``/budget chart`` for a budget without lines or spending."""
    return f"💰 Release #{number}'s budget has no lines or expenses to chart yet."


def no_promo_chart(number: int) -> str:
    """``/promo chart`` for a release with nothing pitched yet."""
    return (
        f"📣 Release #{number}'s campaign has no pitches yet, so there is no funnel to chart. "
        f"Log one with `/promo pitch release:#{number}`."
    )
