"""Self-check: a real discord.py 2.x bot against the Discord test double (tests/double)."""

from __future__ import annotations

import asyncio
import contextlib
import io

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from tests.double import DiscordDouble

GUILD = 111111111111111111
GENERAL = 222222222222222222
READONLY = 222222222222222223
ANA = 333333333333333333
BOSS = 333333333333333334
CREW_ROLE = 444444444444444444
APP_ID = 900000000000000001

pytestmark = pytest.mark.timeout(30)


class NoteModal(discord.ui.Modal, title="Goal note"):
    """Classic action-row modal (discord.py wraps TextInput in an action row)."""

    note = discord.ui.TextInput(label="Note", max_length=200)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"noted: {self.note.value}", ephemeral=True)


class LabelModal(discord.ui.Modal, title="Label modal"):
    """Newer Label (type 18) layout."""

    pick = discord.ui.Label(
        text="Pick one",
        component=discord.ui.Select(
            custom_id="pick",
            options=[discord.SelectOption(label="A", value="a"), discord.SelectOption(label="B", value="b")],
        ),
    )
    text = discord.ui.Label(text="Say", component=discord.ui.TextInput(custom_id="say"))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert isinstance(self.pick.component, discord.ui.Select)
        assert isinstance(self.text.component, discord.ui.TextInput)
        await interaction.response.send_message(
            f"picked {self.pick.component.values[0]} said {self.text.component.value}"
        )


class AckView(discord.ui.View):
    """One button that updates the message it sits on."""

    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Ack", custom_id="goal:ack", style=discord.ButtonStyle.primary)
    async def ack(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        button.disabled = True
        await interaction.response.edit_message(content=f"acked by {interaction.user.id}", view=self)


def build_bot() -> commands.Bot:
    bot = commands.Bot(
        command_prefix="!",
        intents=discord.Intents.default(),
        guild_ready_timeout=0.05,
        allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True),
    )
    goal = app_commands.Group(name="goal", description="Band goals")

    @goal.command(name="add", description="Add a goal")
    async def add(interaction: discord.Interaction, title: str, due: str | None = None) -> None:
        await interaction.response.send_message(f"added {title} due {due}", view=AckView())

    @goal.command(name="done", description="Finish a goal")
    async def done(interaction: discord.Interaction, goal: str) -> None:
        await interaction.response.send_message(f"done {goal}")

    @done.autocomplete("goal")
    async def done_ac(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = ["ten thousand", "tenacious tour", "album"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    @goal.command(name="note", description="Add a note")
    async def note(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(NoteModal())

    @goal.command(name="label", description="Label modal")
    async def label(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(LabelModal())

    @goal.command(name="slow", description="Deferred answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("slow answer")

    @app_commands.command(name="admin", description="Managers only")
    @app_commands.default_permissions(manage_guild=True)
    async def admin(
        interaction: discord.Interaction, level: app_commands.Range[int, 1, 5], who: discord.Member
    ) -> None:
        await interaction.response.send_message(f"level {level} for {who.id}", ephemeral=True)

    @goal.command(name="late", description="Answers too late")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        await interaction.response.send_message("too late")

    @goal.command(name="file", description="Answers with a file")
    async def file(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("here", file=discord.File(io.BytesIO(b"abc"), "a.txt"))

    @goal.command(name="upload", description="Reads an uploaded file")
    async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
        data = await file.read()
        cached = await file.read(use_cached=True)
        first = data.decode().splitlines()[0] if data else ""
        await interaction.response.send_message(f"{len(data)} {first} {file.content_type} {file.size} {cached == data}")

    @goal.command(name="export", description="Answers with an .ics file")
    async def export(interaction: discord.Interaction) -> None:
        ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
        await interaction.response.defer()
        await interaction.followup.send("cal", file=discord.File(io.BytesIO(ics), filename="x.ics"))

    bot.tree.add_command(goal)
    bot.tree.add_command(admin)

    async def setup_hook() -> None:
        bot.tree.copy_global_to(guild=discord.Object(GUILD))
        await bot.tree.sync(guild=discord.Object(GUILD))

    async def before_identify_hook(shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py sleeps 5 s before a re-IDENTIFY by default

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    bot.before_identify_hook = before_identify_hook  # type: ignore[method-assign]
    return bot


@contextlib.asynccontextmanager
async def running_bot(double: DiscordDouble):
    bot = build_bot()
    task = asyncio.create_task(bot.start("fake-token"))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 5)
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


@pytest.fixture
async def double():
    old_base, old_gw = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    d = DiscordDouble(application_id=APP_ID, bot_user_id=APP_ID)
    d.add_guild(GUILD, name="Band HQ")
    d.add_channel(GUILD, GENERAL, name="general")
    d.add_channel(GUILD, READONLY, name="announcements", bot_can_send=False)
    d.add_role(GUILD, CREW_ROLE, name="crew")
    d.add_member(GUILD, ANA, username="ana", roles=[CREW_ROLE])
    d.add_member(GUILD, BOSS, username="boss", manage_guild=True)
    await d.start()
    discord.http.Route.BASE = d.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(d.gateway_url)
    try:
        yield d
    finally:
        await d.stop()
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gw


@pytest.fixture
async def bot(double):
    async with running_bot(double) as b:
        yield b


async def test_login_ready_and_sync(double, bot):
    assert double.identify_count == 1 and double.connection_count == 1
    assert bot.application_id == APP_ID
    guild = bot.get_guild(GUILD)
    assert guild is not None and guild.name == "Band HQ"
    assert guild.get_channel(GENERAL) is not None
    assert guild.me is not None
    assert ("guild", GUILD) in double.command_writes
    goal, admin = double.commands_guild[GUILD]
    assert admin["name"] == "admin" and admin["default_member_permissions"] == str(1 << 5)
    assert goal["name"] == "goal" and goal["application_id"] == str(APP_ID) and goal["id"] and goal["version"]
    assert {o["name"] for o in goal["options"]} == {
        "add",
        "done",
        "note",
        "label",
        "slow",
        "late",
        "file",
        "upload",
        "export",
    }
    assert all(r["authorization"] for r in double.requests if not r["path"].startswith(("/webhooks", "/interactions")))
    assert double.rejections == [] and double.unknown_routes == []


async def test_invoke_click_and_payload_shape(double, bot):
    res = await double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": "10k listeners", "due": "tomorrow"})
    assert res.type == 4
    assert res.content == "added 10k listeners due tomorrow"
    assert not res.ephemeral
    assert res.components[0]["components"][0]["custom_id"] == "goal:ack"
    assert res.ack_seconds is not None and res.ack_seconds < 3
    i = res.interaction
    assert i["data"]["options"][0] == {
        "name": "add",
        "type": 1,
        "options": [
            {"name": "title", "type": 3, "value": "10k listeners"},
            {"name": "due", "type": 3, "value": "tomorrow"},
        ],
    }
    assert i["member"]["permissions"].isdigit() and i["app_permissions"].isdigit()
    assert double.channel_messages(GENERAL) == [res.message]

    clicked = await double.click(res.message, "goal:ack", BOSS)
    assert clicked.type == 7
    assert clicked.message is res.message and res.content == f"acked by {BOSS}"
    assert res.components[0]["components"][0]["disabled"] is True
    assert double.edits and double.edits[-1]["via"] == "interaction_update"
    with pytest.raises(AssertionError, match="disabled"):
        await double.click(res.message, "goal:ack", ANA)

    with pytest.raises(AssertionError, match="required option 'title'"):
        await double.invoke(GUILD, GENERAL, ANA, "goal add", {})
    with pytest.raises(AssertionError, match="not a registered subcommand"):
        await double.invoke(GUILD, GENERAL, ANA, "goal nope", {})
    assert double.rejections == []


async def test_permissions_user_option_and_ephemeral(double, bot):
    with pytest.raises(AssertionError, match="default_member_permissions"):
        await double.invoke(GUILD, GENERAL, ANA, "admin", {"level": 3, "who": ANA})
    res = await double.invoke(GUILD, GENERAL, BOSS, "admin", {"level": 3, "who": ANA})
    assert res.content == f"level 3 for {ANA}" and res.ephemeral
    assert str(ANA) in res.interaction["data"]["resolved"]["members"]
    assert double.channel_messages(GENERAL) == []
    with pytest.raises(AssertionError, match="max_value"):
        await double.invoke(GUILD, GENERAL, BOSS, "admin", {"level": 9, "who": ANA})


async def test_autocomplete(double, bot):
    choices = await double.autocomplete(GUILD, GENERAL, ANA, "goal done", {"goal": "ten"}, focused="goal")
    assert choices == [
        {"name": "ten thousand", "value": "ten thousand"},
        {"name": "tenacious tour", "value": "tenacious tour"},
    ]
    assert double.rejections == []


async def test_modal_action_row_layout(double, bot):
    opened = await double.invoke(GUILD, GENERAL, ANA, "goal note")
    assert opened.type == 9 and opened.modal["title"] == "Goal note"
    # keys may be a text input's custom_id or (for auto-generated ids) its label
    done = await double.submit_modal(opened, {"Note": "buy strings"})
    assert done.interaction["data"]["components"][0]["type"] == 1
    assert done.type == 4 and done.content == "noted: buy strings" and done.ephemeral
    assert double.rejections == []


async def test_modal_label_layout(double, bot):
    opened = await double.invoke(GUILD, GENERAL, ANA, "goal label")
    assert opened.modal["components"][0]["type"] == 18
    done = await double.submit_modal(opened, {"pick": ["b"], "say": "hi"})
    assert done.interaction["data"]["components"][0]["type"] == 18
    assert done.content == "picked b said hi"


async def test_deferred_then_followup(double, bot):
    res = await double.invoke(GUILD, GENERAL, ANA, "goal slow")
    assert res.type == 5
    await res.wait_final()
    assert res.content == "slow answer"
    assert res.followups and res.followups[0] is res.message
    assert not res.message["flags"] & 128
    assert double.rejections == []


async def test_channel_send_nonce_403_and_too_long(double, bot):
    channel = bot.get_channel(GENERAL)
    m1 = await channel.send("hello", nonce="abc123")
    m2 = await channel.send("hello", nonce="abc123")
    assert m1.id == m2.id
    assert len(double.channel_messages(GENERAL)) == 1
    assert double.channel_messages(GENERAL)[0]["nonce"] == "abc123"

    with pytest.raises(discord.Forbidden) as forbidden:
        await bot.get_channel(READONLY).send("nope")
    assert forbidden.value.code == 50013

    with pytest.raises(discord.HTTPException) as bad:
        await channel.send("x" * 2001)
    assert bad.value.status == 400 and bad.value.code == 50035
    assert [(r["status"], r["code"]) for r in double.rejections] == [(403, 50013), (400, 50035)]
    assert "content" in double.rejections[-1]["errors"]


async def test_wait_for_message_and_pings(double, bot):
    channel = bot.get_channel(GENERAL)
    waiter = asyncio.create_task(double.wait_for_message(channel_id=GENERAL, predicate=lambda m: "hey" in m["content"]))
    await asyncio.sleep(0)
    await channel.send(f"hey <@{ANA}> <@&{CREW_ROLE}> @everyone")
    msg = await waiter
    # the bot's Client-level allowed_mentions (everyone=False, roles=False) is sent with the message
    assert double.pings(msg) == {"everyone": False, "users": {ANA}, "roles": set()}
    raw = await channel.send(f"hi <@{ANA}> @here", allowed_mentions=discord.AllowedMentions(everyone=True))
    assert double.pings(double.get_message(raw.id))["everyone"] is True


async def test_rate_limit_is_retried(double, bot):
    double.rate_limit("POST", r"^/channels/\d+/messages$", count=1, retry_after=0.3)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await bot.get_channel(GENERAL).send("after 429")
    assert loop.time() - t0 >= 0.3
    assert len(double.rate_limited) == 1
    assert [m["content"] for m in double.channel_messages(GENERAL)] == ["after 429"]
    assert double.rejections == []


async def test_gateway_drop_resumes_and_invalid_session_reidentifies(double, bot):
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)
    await double.drop_gateway(code=4000)
    await asyncio.wait_for(resumed.wait(), 5)
    assert double.resume_count == 1 and double.identify_count == 1 and double.connection_count == 2
    res = await double.invoke(GUILD, GENERAL, ANA, "goal done", {"goal": "album"})
    assert res.content == "done album"

    double.invalidate_session()
    await double.drop_gateway(code=4000)
    await double.wait_until(lambda: double.identify_count == 2 and double.connected, 5, "re-identify")
    assert double.resume_count == 2 and double.ready_count == 2
    res = await double.invoke(GUILD, GENERAL, ANA, "goal done", {"goal": "album"})
    assert res.content == "done album"


async def test_bot_restart_keeps_state(double):
    async with running_bot(double):
        await double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": "one"})
    async with running_bot(double):
        res = await double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": "two"})
    assert res.content == "added two due None"
    assert double.identify_count == 2 and len(double.channel_messages(GENERAL)) == 2
    assert [w for w in double.command_writes if w == ("guild", GUILD)] == [("guild", GUILD)] * 2


async def test_refusals_for_commands_and_callbacks(double, bot):
    http = bot.http
    with pytest.raises(discord.HTTPException) as bad:
        await http.bulk_upsert_guild_commands(
            APP_ID,
            GUILD,
            [
                {"name": "Bad Name", "description": "x", "type": 1},
                {"name": "ok", "description": "", "type": 1},
                {
                    "name": "opts",
                    "description": "d",
                    "type": 1,
                    "options": [
                        {"name": "a", "description": "a", "type": 3},
                        {"name": "b", "description": "b", "type": 3, "required": True},
                    ],
                },
            ],
        )
    assert bad.value.code == 50035
    errors = double.rejections[-1]["errors"]
    assert set(errors) == {"0", "1", "2"}
    assert len(double.commands_guild[GUILD]) == 2  # unchanged

    # a second callback and a late callback, driven by hand
    async with aiohttp.ClientSession() as s:
        res = await double.invoke(GUILD, GENERAL, ANA, "goal done", {"goal": "album"})
        url = f"{double.api_base}/interactions/{res.id}/{res.token}/callback"
        async with s.post(url, json={"type": 4, "data": {"content": "again"}}) as r:
            assert r.status == 400 and (await r.json())["code"] == 40060
        async with s.post(f"{double.api_base}/webhooks/{APP_ID}/nope/messages/@original") as r:
            assert r.status == 405 or r.status == 404
        async with s.patch(f"{double.api_base}/webhooks/{APP_ID}/nope/messages/@original", json={"content": "x"}) as r:
            assert r.status == 404 and (await r.json())["code"] == 10015
        async with s.get(f"{double.api_base}/users/@me") as r:
            assert r.status == 401
    assert [r["code"] for r in double.rejections[-3:]] == [40060, 10015, 0]


async def _raw(double: DiscordDouble, method: str, path: str, body) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as s:
        async with s.request(method, double.api_base + path, json=body, headers={"Authorization": "Bot x"}) as r:
            return r.status, await r.json()


async def test_message_form_refusals(double):
    double.ratelimit.enabled = False  # dozens of refused posts to one channel: Discord counts them too
    path = f"/channels/{GENERAL}/messages"

    def row(n, prefix="b"):
        return {
            "type": 1,
            "components": [{"type": 2, "style": 1, "label": "x", "custom_id": f"{prefix}{i}"} for i in range(n)],
        }

    cases = [
        ({}, 50006),
        ({"content": "x", "nonce": "n" * 26}, 50035),
        ({"embeds": [{"title": "t" * 257}]}, 50035),
        ({"embeds": [{"description": "d" * 4097}]}, 50035),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, 50035),
        ({"embeds": [{"fields": [{"name": "", "value": "v"}]}]}, 50035),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, 50035),
        ({"embeds": [{"title": "t"}] * 11}, 50035),
        ({"content": "x", "components": [row(1, f"r{i}-") for i in range(6)]}, 50035),
        ({"content": "x", "components": [row(6)]}, 50035),
        (
            {
                "content": "x",
                "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "x"}]}],
            },
            50035,
        ),
        ({"content": "x", "components": [row(1), row(1)]}, 50035),
        (
            {
                "content": "x",
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 3,
                                "custom_id": "s",
                                "options": [{"label": str(i), "value": str(i)} for i in range(26)],
                            }
                        ],
                    }
                ],
            },
            50035,
        ),
        ({"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["1"]}}, 50035),
    ]
    for body, code in cases:
        status, data = await _raw(double, "POST", path, body)
        assert (status, data["code"]) == (400, code), body
    status, data = await _raw(double, "POST", "/channels/999/messages", {"content": "x"})
    assert (status, data["code"]) == (404, 10003)
    assert len(double.rejections) == len(cases) + 1 and double.messages == []
    status, data = await _raw(double, "POST", path, {"content": "x", "components": [row(5)]})
    assert status == 200 and data["components"][0]["components"][4]["custom_id"] == "b4"


async def test_files_and_late_callback(double, bot):
    sent = await bot.get_channel(GENERAL).send("with file", file=discord.File(io.BytesIO(b"hello"), "h.txt"))
    assert sent.attachments[0].filename == "h.txt" and sent.attachments[0].size == 5
    res = await double.invoke(GUILD, GENERAL, ANA, "goal file")
    assert res.content == "here" and res.message["attachments"][0]["filename"] == "a.txt"

    assert res.message["attachments"][0]["content"] == b"abc"
    assert await sent.attachments[0].read() == b"hello"  # bot re-downloads its own upload
    assert double.attachment_bytes(sent.attachments[0].id) == b"hello"

    double.callback_deadline = 0.1
    with pytest.raises(AssertionError, match="10062"):
        await double.invoke(GUILD, GENERAL, ANA, "goal late")
    assert double.rejections[-1]["code"] == 10062


async def test_callback_refusals(double):
    from tests.double import InteractionResult

    cmd = {
        "name": "x",
        "description": "x",
        "options": [{"name": "q", "description": "q", "type": 3, "autocomplete": True}],
    }
    status, _ = await _raw(double, "PUT", f"/applications/{APP_ID}/guilds/{GUILD}/commands", [cmd])
    assert status == 200

    def fresh(focused: bool = False) -> InteractionResult:
        # build + register an interaction without a bot (private helpers; self-check only)
        payload = double._build_command_interaction(
            GUILD, GENERAL, ANA, "x", {"q": "a"}, "q" if focused else None, True
        )
        res = InteractionResult(double, payload)
        double.interactions[res.id] = res
        double._by_token[res.token] = res
        res.dispatched_at = asyncio.get_running_loop().time()
        return res

    def text_input(**kw):
        return {"type": 1, "components": [{"type": 4, "custom_id": "t", "style": 1, "label": "L", **kw}]}

    bad_modals = [
        {"custom_id": "m", "title": "t" * 46, "components": [text_input()]},
        {"custom_id": "m", "title": "t", "components": [text_input(custom_id=f"t{i}") for i in range(6)]},
        {"custom_id": "m", "title": "t", "components": [text_input(label="l" * 46)]},
        {"custom_id": "m", "title": "t", "components": [text_input(max_length=4001)]},
        {"custom_id": "m", "title": "t", "components": [text_input(max_length=3, value="abcd")]},
    ]
    for data in bad_modals:
        res = fresh()
        status, body = await _raw(
            double, "POST", f"/interactions/{res.id}/{res.token}/callback", {"type": 9, "data": data}
        )
        assert (status, body["code"]) == (400, 50035), data
    res = fresh(focused=True)
    for choices in (
        [{"name": str(i), "value": str(i)} for i in range(26)],
        [{"name": "", "value": "v"}],
        [{"name": "n", "value": "v" * 101}],
    ):
        status, body = await _raw(
            double,
            "POST",
            f"/interactions/{res.id}/{res.token}/callback",
            {"type": 8, "data": {"choices": choices}},
        )
        assert (status, body["code"]) == (400, 50035), choices
    status, _ = await _raw(
        double,
        "POST",
        f"/interactions/{res.id}/{res.token}/callback",
        {"type": 4, "data": {"content": "wrong type for autocomplete"}},
    )
    assert status == 400
    status, body = await _raw(
        double,
        "POST",
        f"/interactions/{res.id}/{res.token}/callback?with_response=true",
        {"type": 8, "data": {"choices": [{"name": "ok", "value": "ok"}]}},
    )
    assert status == 200 and body["interaction"]["id"] == str(res.id) and res.choices == [{"name": "ok", "value": "ok"}]
    assert len(double.rejections) == len(bad_modals) + 4
    assert double.unknown_routes == []


async def test_attachment_option_bytes(double, bot):
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    res = await double.invoke(
        GUILD, GENERAL, ANA, "goal upload", {"file": {"filename": "tour.ics", "content": ics.encode()}}
    )
    assert res.content == f"{len(ics)} BEGIN:VCALENDAR text/calendar {len(ics)} True"
    att = next(iter(res.interaction["data"]["resolved"]["attachments"].values()))
    assert att["url"].startswith(f"http://127.0.0.1:{double.port}/ephemeral-attachments/")
    assert "content" not in att and double.attachment_bytes(att["id"]) == ics.encode()
    assert [r["status"] for r in double.cdn_requests] == [200, 200]

    # str content is utf-8 encoded; explicit content_type wins; unknown extension -> octet-stream
    res = await double.invoke(GUILD, GENERAL, ANA, "goal upload", {"file": {"filename": "n.x", "content": "é\nz"}})
    assert res.content == "4 é application/octet-stream 4 True"  # é is 2 bytes
    res = await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "goal upload",
        {"file": {"filename": "t.txt", "content": b"a", "content_type": "text/plain; charset=utf-8"}},
    )
    assert res.content == "1 a text/plain; charset=utf-8 1 True"

    async with aiohttp.ClientSession() as s:
        async with s.get(att["url"].replace("/tour.ics", "/other.ics")) as r:
            assert r.status == 404
        async with s.get(f"http://127.0.0.1:{double.port}/attachments/1/none.txt") as r:
            assert r.status == 404
        async with s.get(att["url"]) as r:
            assert r.status == 200 and r.headers["Content-Type"] == "text/calendar"
    assert double.rejections == []


async def test_bot_sent_file_bytes(double, bot):
    res = await double.invoke(GUILD, GENERAL, ANA, "goal export")
    await res.wait_final()
    assert res.content == "cal"
    (att,) = res.message["attachments"]
    assert att["filename"] == "x.ics" and att["content_type"] == "text/calendar"
    assert att["content"].startswith(b"BEGIN:VCALENDAR") and att["size"] == len(att["content"])
    async with aiohttp.ClientSession() as s:
        async with s.get(att["url"]) as r:
            assert r.status == 200 and await r.read() == att["content"]
    assert double.rejections == []
