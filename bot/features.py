"""Every feature of Roadie, wired from one explicit list.

A feature is its slash commands (a cog extension), the nudge kinds it schedules (each with the
renderer that turns a due row into a message), its persistent components (``DynamicItem``s that
keep working after a restart), what its Delete confirmation does, and the buttons its nudges may
carry, and the re-planners that move its nudges about a show when the show changes.
:class:`bot.roadie.Roadie` reads :data:`FEATURES` at start-up; nothing registers itself as a
side effect of being imported. A new feature is one new entry here (plus its three files:
``cogs/<feature>.py``, ``bot/services/<feature>.py``, ``bot/ui/<feature>.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import discord

from bot.services import (
    advance,
    budget,
    checkins,
    deals,
    goals,
    guestlist,
    nudges,
    promo,
    pulse,
    releases,
    reminders,
    snooze,
    studio,
    tours,
)
from bot.ui import advance as advance_ui
from bot.ui import checkins as checkins_ui
from bot.ui import deals as deals_ui
from bot.ui import goals as goals_ui
from bot.ui import guestlist as guestlist_ui
from bot.ui import promo as promo_ui
from bot.ui import releases as releases_ui
from bot.ui import reminders as reminders_ui
from bot.ui import setlist as setlist_ui
from bot.ui import settlement as settlement_ui
from bot.ui import snooze as snooze_ui
from bot.ui import splits as splits_ui
from bot.ui import studio as studio_ui
from bot.ui import tours as tours_ui
from bot.ui.confirm import ConfirmDelete, DeleteHandler, Keep
from bot.ui.paginator import PageButton, PageSource


@dataclass(frozen=True)
class Feature:
    """One feature's wiring.

    Attributes:
        name: for logs and tests.
        extension: the cog module, loaded with ``bot.load_extension`` (None: no commands, e.g. snooze).
        nudge_kinds: the kinds of nudge it schedules, with their renderers.
        components: persistent ``DynamicItem`` classes, added with ``bot.add_dynamic_items``.
        deletes: ``(kind, handler)`` for the shared Delete button (``roadie:<kind>:delete:<id>``).
        nudge_buttons: ``(action, factory)``: a nudge rendered with ``button=(action, id)`` gets
            ``factory(id)`` attached (see :attr:`bot.services.nudges.OutgoingNudge.button`).
        show_planners: re-plan this feature's nudges about shows whenever shows are added, edited,
            cancelled or deleted (see :data:`bot.services.tours.ShowPlanners`).
        lists: ``(name, source)`` of its paged lists: the page buttons' custom_ids say
            ``roadie:page:<name>:…`` and a click re-reads the page through ``source``
            (:data:`bot.ui.paginator.PageSource`); :class:`~bot.ui.paginator.PageButton` serves them all.
    """

    name: str
    extension: str | None
    nudge_kinds: tuple[nudges.NudgeKind, ...] = ()
    components: tuple[type[discord.ui.DynamicItem], ...] = ()  # type: ignore[type-arg]
    deletes: tuple[tuple[str, DeleteHandler], ...] = ()
    nudge_buttons: tuple[tuple[str, Callable[[int], discord.ui.Item]], ...] = ()  # type: ignore[type-arg]
    show_planners: tuple[tours.ShowPlanner, ...] = ()
    lists: tuple[tuple[str, PageSource], ...] = ()


FEATURES: tuple[Feature, ...] = (
    Feature("settings", "cogs.settings"),
    Feature(
        "goals",
        "cogs.goals",
        nudge_kinds=goals.NUDGE_KINDS,
        components=(ConfirmDelete, Keep, PageButton),
        deletes=((goals_ui.DELETE_KIND, goals_ui.delete_goal),),
        lists=(("goal", goals_ui.goal_page),),
    ),
    Feature(
        "reminders",
        "cogs.reminders",
        nudge_kinds=reminders.NUDGE_KINDS,
        components=(PageButton,),
        lists=(("reminder", reminders_ui.reminder_page),),
    ),
    Feature(
        "tours",
        "cogs.tours",
        nudge_kinds=tours.NUDGE_KINDS,
        components=(ConfirmDelete, Keep, PageButton),
        deletes=((tours_ui.DELETE_KIND, tours_ui.delete_show),),
        lists=(("tour", tours_ui.tour_page),),
    ),
    Feature(
        "releases",
        "cogs.releases",
        nudge_kinds=releases.NUDGE_KINDS,
        components=(releases_ui.TaskSelect, releases_ui.PageButton, ConfirmDelete, Keep, PageButton),
        deletes=((releases_ui.DELETE_KIND, releases_ui.delete_release),),
        lists=(("release", releases_ui.release_page),),
    ),
    Feature(
        "checkins",
        "cogs.checkins",
        nudge_kinds=checkins.NUDGE_KINDS + pulse.NUDGE_KINDS,
        components=(checkins_ui.OpenCheckin, PageButton),
        nudge_buttons=((checkins.OPEN_ACTION, checkins_ui.OpenCheckin),),
        lists=(("checkins", checkins_ui.history_page),),
    ),
    Feature(
        "studio",
        "cogs.studio",
        nudge_kinds=studio.NUDGE_KINDS,
        components=(PageButton,),
        lists=(("studio", studio_ui.session_page), ("studio_board", studio_ui.board_page)),
    ),
    Feature("budget", "cogs.budget", nudge_kinds=budget.NUDGE_KINDS),
    # the tour business, on each show: /settle, /guestlist, /advance, /song and /setlist
    Feature(
        "settlement",
        "cogs.settle",
        components=(PageButton,),
        lists=(("settle", settlement_ui.report_page),),
    ),
    Feature(
        "guestlist",
        "cogs.guestlist",
        nudge_kinds=guestlist.NUDGE_KINDS,
        show_planners=guestlist.SHOW_PLANNERS,
        components=(PageButton,),
        lists=(("guests", guestlist_ui.guests_page),),
    ),
    Feature(
        "advance",
        "cogs.advance",
        nudge_kinds=advance.NUDGE_KINDS,
        components=(advance_ui.AdvanceSelect, advance_ui.AdvancePage),
        show_planners=advance.SHOW_PLANNERS,
    ),
    # set list forms are modals (no DynamicItem): cogs.setlist handles their submits by custom_id
    Feature(
        "setlist",
        "cogs.setlist",
        components=(PageButton,),
        lists=(("songs", setlist_ui.catalogue_page), ("setlist", setlist_ui.setlist_page)),
    ),
    Feature(
        "promo",
        "cogs.promo",
        nudge_kinds=promo.NUDGE_KINDS,
        components=(promo_ui.CampaignPageButton, PageButton),
        lists=(("outlets", promo_ui.outlets_list_page),),
    ),
    Feature(
        "deals",
        "cogs.deals",
        nudge_kinds=deals.NUDGE_KINDS,
        components=(ConfirmDelete, Keep, PageButton),
        deletes=((deals_ui.DELETE_KIND, deals_ui.delete_deal),),
        lists=(("deals", deals_ui.deals_page),),
    ),
    Feature("splits", "cogs.splits", components=(PageButton,), lists=(("splits", splits_ui.overview_page),)),
    # every delivered nudge that pings people carries the snooze row (attached in Roadie.send_nudge)
    Feature("snooze", None, nudge_kinds=snooze.NUDGE_KINDS, components=(snooze_ui.SnoozeButton,)),
)


def nudge_kinds(features: Iterable[Feature] = FEATURES) -> dict[str, nudges.NudgeKind]:
    """Every wired nudge kind by name (what the dispatcher renders with).

    Raises:
        ValueError: two features wire the same kind.
    """
    return nudges.kinds_by_name(k for f in features for k in f.nudge_kinds)


def components(features: Iterable[Feature] = FEATURES) -> list[type[discord.ui.DynamicItem]]:  # type: ignore[type-arg]
    """Every persistent component class, each once, in list order."""
    return list(dict.fromkeys(c for f in features for c in f.components))


def delete_handlers(features: Iterable[Feature] = FEATURES) -> dict[str, DeleteHandler]:
    """What the shared Delete button does, per item kind."""
    return {kind: handler for f in features for kind, handler in f.deletes}


def show_planners(features: Iterable[Feature] = FEATURES) -> tuple[tours.ShowPlanner, ...]:
    """Every wired show re-planner, each once, in list order (``planners=`` of the tour services)."""
    return tuple(dict.fromkeys(p for f in features for p in f.show_planners))


def nudge_button(button: tuple[str, int], features: Iterable[Feature] = FEATURES) -> discord.ui.Item:  # type: ignore[type-arg]
    """The persistent component for a nudge's ``(action, id)`` button.

    Raises:
        KeyError: no feature wires ``action``.
    """
    action, item_id = button
    factories = {a: f for feat in features for a, f in feat.nudge_buttons}
    return factories[action](item_id)


def page_sources(features: Iterable[Feature] = FEATURES) -> dict[str, PageSource]:
    """Every paged list by name (what :class:`bot.ui.paginator.PageButton` re-reads a page with).

    Raises:
        ValueError: two features wire the same list name, or a name is not ``[a-z_]+``.
    """
    out: dict[str, PageSource] = {}
    for f in features:
        for name, source in f.lists:
            if name in out or not re.fullmatch(r"[a-z_]+", name):
                raise ValueError(f"list {name!r} is wired twice or is not [a-z_]+")
            out[name] = source
    return out
