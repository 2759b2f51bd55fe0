"""Must-show: ``python -m bot`` as a process syncs every command and answers each within 3 s."""

from __future__ import annotations

from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, GENERAL, GUILD, OTHER, BotProcess, write_config

# every slash command, in an order that works on an empty server
SCRIPT = [
    ("settings show", {}),
    ("settings timezone", {"tz": "Europe/Berlin"}),
    ("settings date-order", {"order": "day-first"}),
    ("settings channel", {"channel": OTHER}),
    ("settings currency", {"code": "EUR"}),
    (
        "goal add",
        {"title": "10k monthly listeners", "due": "in 30 days", "metric": "listeners", "target": "10k", "owner": BEN},
    ),
    ("goal list", {"status": "all"}),
    ("goal progress", {"goal": "#1", "value": "2.5k", "note": "after the playlist add"}),
    ("goal edit", {"goal": "#1", "due": "in 40 days"}),
    ("goal done", {"goal": "#1"}),
    ("goal delete", {"goal": "#1"}),
    ("remind add", {"when": "in 1 hour", "text": "Send the stems to mastering"}),
    ("remind list", {}),
    ("remind cancel", {"reminder": "#1"}),
    # tour business on a past show (ANA is a manager; the currency is EUR from above)
    ("tour add", {"date": "2020-06-05", "city": "Berlin", "venue": "Huxleys", "set_time": "21:00", "curfew": "22:30"}),
    ("settle terms", {"show": "#1", "kind": "versus", "guarantee": "5000", "percentage": "80"}),
    ("settle night", {"show": "#1", "tickets_sold": 450, "gross": "12000", "expenses": "3000"}),
    ("settle report", {}),
    ("guestlist add", {"show": "#1", "name": "Jo Smith", "plus_ones": 1}),
    ("guestlist show", {"show": "#1"}),
    ("advance checklist", {"show": "#1"}),
    ("advance contact", {"show": "#1", "role": "promoter", "name": "Jo", "phone": "+49 30 1234567"}),
    ("song add", {"title": "Opener", "duration": "4:00"}),
    ("setlist show", {"show": "#1"}),
    ("setlist report", {}),
    ("promo outlet-add", {"name": "Radio X", "kind": "radio", "email": "music@radiox.co.uk", "handle": "@radiox"}),
    ("promo outlets", {}),
    ("promo follow-up", {"days": 5}),
    ("settings business-channel", {"channel": OTHER}),
    ("deal add", {"title": "Festival offer", "kind": "show-offer", "counterparty": "Live Nation", "owner": BEN}),
    ("deal date", {"deal": "#1", "what": "offer-expires", "date": "in 30 days"}),
    ("deal status", {"deal": "#1", "status": "offer", "note": "by email"}),
    ("deal edit", {"deal": "#1", "guarantee": "5000", "currency": "EUR"}),
    ("deal list", {}),
    ("deal show", {"deal": "#1"}),
    ("deal date-remove", {"deal": "#1", "key_date": "#1"}),
    ("deal delete", {"deal": "#1"}),
    ("release add", {"title": "Night Drive", "date": "in 90 days"}),
    ("release track", {"release": "#1", "title": "Night Drive"}),
    ("split set", {"release": "#1", "track": "#1", "share": "100", "member": BEN}),
    ("split show", {"release": "#1"}),
    ("split sheet", {"release": "#1"}),
    ("split remove", {"release": "#1", "track": "#1", "party": str(BEN)}),
]


async def test_process_answers_every_command_within_3_seconds(double: DiscordDouble, db_url: str, tmp_path) -> None:
    proc = BotProcess(write_config(tmp_path / "config.toml", double, db_url, [GUILD]), tmp_path)
    await proc.start()
    try:
        await double.wait_until(
            lambda: double.connected and GUILD in double.commands_guild,
            timeout=30,
            what="bot process connected and synced",
        )
        names = {c["name"]: [o["name"] for o in c["options"]] for c in double.commands_guild[GUILD]}
        assert names == {
            "settings": [
                "timezone",
                "date-order",
                "channel",
                "currency",
                "business-channel",
                "role",
                "events",
                "act-name",
                "show",
            ],
            "goal": ["add", "list", "progress", "done", "edit", "delete", "chart"],
            "remind": ["add", "list", "cancel"],
            "tour": ["add", "list", "show", "edit", "cancel", "delete", "import", "export", "chart"],
            "release": [
                "add",
                "list",
                "checklist",
                "timeline",
                "tick",
                "untick",
                "task-add",
                "move",
                "delete",
                "info",
                "track",
            ],
            "checkin": [
                "post",
                "schedule",
                "unschedule",
                "schedules",
                "history",
                "digest",
                "team-add",
                "team-remove",
                "pulse",
            ],
            "settle": ["terms", "night", "report"],
            "guestlist": ["add", "remove", "show", "allowance", "close"],
            "advance": ["checklist", "tick", "untick", "item-add", "item-remove", "contact", "contact-remove"],
            "song": ["add", "list", "remove"],
            "setlist": ["set", "copy", "show", "report"],
            "studio": [
                "book",
                "musician",
                "musician-remove",
                "sessions",
                "show",
                "edit",
                "cancel",
                "export",
                "stage",
                "board",
            ],
            "budget": ["set", "spend", "unspend", "show", "export", "chart"],
            "promo": [
                "outlet-add",
                "outlet-edit",
                "outlet-remove",
                "outlets",
                "import",
                "pitch",
                "update",
                "result",
                "follow-up",
                "campaign",
                "chart",
            ],
            "deal": ["add", "status", "date", "date-remove", "list", "show", "edit", "delete"],
            "split": ["set", "remove", "show", "sheet"],
        }
        timings = {}
        managers = next(int(r["id"]) for r in double.roles[GUILD].values() if r["name"] == "Managers")  # ANA's
        script = [*SCRIPT[:4], ("settings role", {"kind": "manager", "role": managers}), *SCRIPT[4:]]
        for name, options in script:
            res = await double.invoke(GUILD, GENERAL, ANA, name, options)
            assert not (res.ephemeral and res.content and res.content.startswith(("⚠️", "🚫", "Sorry"))), (
                name,
                res.content,
            )
            timings[name] = res.ack_seconds
        for name, option in (("goal done", "goal"), ("remind cancel", "reminder"), ("settings timezone", "tz")):
            await double.autocomplete(GUILD, GENERAL, ANA, name, {option: "a"}, focused=option)
        assert max(timings.values()) < 3, timings
        assert double.rejections == [] and double.unknown_routes == []
        assert await proc.terminate() == 0
    finally:
        if proc.proc and proc.proc.returncode is None:
            await proc.kill9()
    log = proc.log.read_text()
    assert "Traceback" not in log, log
