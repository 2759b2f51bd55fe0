"""Grouping due nudges into messages within Discord's limits (bot.services.nudge_batches)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.nudge_batches import Item, build, group

T = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def item(i: int, *, channel: int = 1, due: datetime = T, text: str | None = None, user: int = 5, **kw) -> Item:
    return Item(i, channel, due, text or f"⏰ <@{user}> reminder #{i}: r{i}", (user,), **kw)


def test_same_channel_same_second_is_one_message_other_seconds_and_channels_are_not() -> None:
    items = [item(1), item(2, due=T + timedelta(milliseconds=999)), item(3, due=T + timedelta(seconds=1))]
    items += [item(4, channel=2), item(5, user=6)]
    msgs = group(items)
    assert [[i.nudge_id for i in m.items] for m in msgs] == [[1, 5, 2], [4], [3]]  # in due order
    first = msgs[0]
    assert first.content == "🔔 3 nudges for <@5> <@6>" and first.mention_user_ids == (5, 6)
    assert first.embeds == ("⏰ <@5> reminder #1: r1\n⏰ <@6> reminder #5: r5\n⏰ <@5> reminder #2: r2",)
    assert first.batch_id == 1
    assert msgs[1].content == "⏰ <@5> reminder #4: r4" and msgs[1].embeds == ()  # one row: its own text


def test_late_rows_of_a_channel_group_whatever_their_second_and_buttons_go_alone() -> None:
    late = [item(i, due=T - timedelta(hours=i), late=True) for i in range(1, 4)]
    prompt = item(9, button=("Check in", "roadie:checkin:1"))
    msgs = group([*late, prompt, item(10)])
    assert sorted(len(m.items) for m in msgs) == [1, 1, 3]
    [lates] = [m for m in msgs if len(m.items) == 3]
    assert lates.content == "🔔 3 nudges (late: Roadie was offline) for <@5>"


def test_limits_split_a_group_into_several_messages() -> None:
    long = [item(i, text=f"{i:04d}" + "x" * 1995) for i in range(1, 8)]  # 1999 chars each
    msgs = group(long)
    assert [len(m.items) for m in msgs] == [3, 3, 1]  # ≤ 6000 embed characters per message
    for m in msgs:
        assert sum(len(e) for e in m.embeds) <= 6000 and all(len(e) <= 4096 for e in m.embeds)
        assert len(m.embeds) <= 10 and len(m.content) <= 2000
    many_people = [item(i, user=1000 + i) for i in range(1, 121)]
    msgs = group(many_people)
    assert [len(m.mention_user_ids) for m in msgs] == [50, 50, 20]
    assert all(len(m.content) <= 2000 for m in msgs)
    short = [item(i, text=f"#{i} ok") for i in range(1, 2001)]  # tiny rows: the 10-embed cap is never hit first
    msgs = group(short)
    assert all(len(m.embeds) <= 10 and sum(len(e) for e in m.embeds) <= 6000 for m in msgs)
    assert sum(len(m.items) for m in msgs) == 2000


def test_a_fixed_batch_that_grew_is_cut_to_the_limits() -> None:
    grown = [item(i, text="y" * 2000) for i in range(1, 6)]
    m = build(grown)
    assert len(m.items) == 5 and sum(len(e) for e in m.embeds) <= 6000
