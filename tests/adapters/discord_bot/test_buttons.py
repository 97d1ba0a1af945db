"""Paging and Post buttons, end to end: for the asker only, and still working after a reconnect or a restart."""

from __future__ import annotations

from adapters.discord_bot.app import EXPIRED, GONE, NOT_YOURS, OUTDATED
from tests.adapters.discord_bot.conftest import started
from tests.adapters.discord_bot.test_commands import ingest
from tests.adapters.discord_bot.fake_discord import BOB, EPHEMERAL, FakeDiscord, Sent, buttons


async def search(fake: FakeDiscord, query: str = "russia", **options) -> tuple[Sent, dict]:
    """Run /quote; the interaction and the message the bot answered with."""
    sent = await fake.slash("quote", {"query": query, **options})
    await fake.answer_to(sent)
    return sent, fake.original(sent)


async def click(fake: FakeDiscord, message: dict, label: str, **who) -> dict:
    """Click a button of a message; the bot's answer (the callback's JSON)."""
    sent = await fake.click(message, buttons(message)[label]["custom_id"], **who)
    return (await fake.answer_to(sent)).json


def footers(message: dict) -> list[str]:
    return [e["footer"]["text"].split(" · ")[0] for e in message["embeds"]]


async def test_next_and_previous_edit_the_message(service, fake, library):
    _, message = await search(fake, "storm shadow")
    assert buttons(message)["▶"]["disabled"] is False  # the seeds' 4th quote is on page 2
    answer = await click(fake, message, "▶")
    assert answer["type"] == 7
    assert footers(message) == ["#4", "#5", "#6"]
    fourth = library.search("storm shadow", 3, 3).quotes[0]
    assert fourth.text[:60] in message["embeds"][0]["description"].replace("**", "")
    assert message["content"].startswith("“storm shadow” · quotes 4–6 of ")
    assert buttons(message)["◀"]["disabled"] is False and buttons(message)["▶"]["disabled"] is False
    back = await click(fake, message, "◀")
    assert back["type"] == 7 and footers(message) == ["#1", "#2", "#3"]
    assert buttons(message)["◀"]["disabled"] is True


async def test_next_goes_on_to_the_last_quote_and_stops_there(service, fake, library):
    total = library.search("storm shadow").total
    _, message = await search(fake, "storm shadow")
    shown = footers(message)
    while not buttons(message)["▶"]["disabled"]:
        await click(fake, message, "▶")
        shown += footers(message)
    assert shown == [f"#{n}" for n in range(1, total + 1)]
    assert message["content"].endswith(f" of {total}")


async def test_only_the_asker_may_page(service, fake):
    _, message = await search(fake)
    answer = await click(fake, message, "▶", who=BOB)
    assert answer["type"] == 4 and answer["data"]["flags"] & EPHEMERAL
    assert answer["data"]["content"] == NOT_YOURS
    assert footers(message) == ["#1", "#2", "#3"]


async def test_private_quotes_are_ephemeral_with_post_buttons(service, fake):
    sent, message = await search(fake, private=True)
    assert message["flags"] & EPHEMERAL
    assert {"Post #1", "Post #2", "Post #3", "▶"} <= set(buttons(message))
    posted = await click(fake, message, "Post #2")
    assert posted["type"] == 4 and not posted["data"].get("flags", 0) & EPHEMERAL
    assert posted["data"]["content"] == "Shared by alice"
    assert [e["footer"]["text"].split(" · ")[0] for e in posted["data"]["embeds"]] == ["#2"]
    assert posted["data"]["embeds"][0]["description"] == message["embeds"][1]["description"]
    assert posted["data"]["allowed_mentions"] == {"parse": []}


async def test_post_shares_the_quote_shown_even_when_new_episodes_changed_the_results(service, fake, library, tmp_path):
    _, message = await search(fake, private=True)
    shown = message["embeds"][1]
    await ingest(library, tmp_path, "Host: Russia, Russia, Russia.\n", "All about Russia")  # now the best match
    posted = await click(fake, message, "Post #2")
    assert posted["data"]["content"] == "Shared by alice"
    [embed] = posted["data"]["embeds"]
    assert (embed["title"], embed["description"], embed["footer"]) == (shown["title"], shown["description"], shown["footer"])


async def test_post_refuses_politely_when_the_quote_is_not_on_the_message(service, fake):
    _, message = await search(fake, private=True)
    message["embeds"] = message["embeds"][:1]  # as if the message no longer showed quote #2
    answer = await click(fake, message, "Post #2")
    assert answer["type"] == 4 and answer["data"]["flags"] & EPHEMERAL
    assert answer["data"]["content"] == GONE


async def test_private_pages_stay_private_and_keep_post_buttons(service, fake):
    _, message = await search(fake, private=True)
    await click(fake, message, "▶")
    assert message["flags"] & EPHEMERAL
    assert {"Post #4", "Post #5", "Post #6"} == {label for label in buttons(message) if label.startswith("Post")}


async def test_only_the_asker_may_post(service, fake):
    _, message = await search(fake, private=True)
    answer = await click(fake, message, "Post #1", who=BOB)
    assert answer["data"]["content"] == NOT_YOURS and answer["data"]["flags"] & EPHEMERAL


async def test_stale_or_tampered_buttons_are_refused_politely(service, fake):
    _, message = await search(fake)
    for custom_id in ["pq0:page:1:3", "pq1:page:1:3; DROP TABLE", "something else", "pq1:page:1:6"]:
        sent = await fake.click(message, custom_id)
        answer = (await fake.answer_to(sent)).json
        assert answer["type"] == 4 and answer["data"]["flags"] & EPHEMERAL, custom_id
        assert answer["data"]["content"] == OUTDATED, custom_id
    assert footers(message) == ["#1", "#2", "#3"]


async def test_buttons_of_a_search_that_is_gone_are_refused_politely(service, fake):
    _, message = await search(fake)
    buttons(message)["▶"]["custom_id"] = "pq1:page:999999:3"
    answer = await click(fake, message, "▶")
    assert answer["type"] == 4 and answer["data"]["flags"] & EPHEMERAL
    assert answer["data"]["content"] == EXPIRED


async def test_buttons_work_after_a_reconnect(service, fake):
    _, message = await search(fake)
    await fake.ask_to_reconnect()
    resume = await fake.frame(6, connection=1)
    assert resume["d"]["session_id"] == fake.session_id and resume["d"]["seq"] >= 3
    assert not [f for f in fake.connections[1].frames if f["op"] == 2], "resumed, not identified again"
    await click(fake, message, "▶")
    assert footers(message) == ["#4", "#5", "#6"]


async def test_buttons_work_after_a_restart(service, fake, discord_settings, commands):
    _, message = await search(fake, private=True)
    await service.stop()
    async with started(discord_settings, commands):
        assert [f["op"] for f in fake.connections[-1].frames if f["op"] in (2, 6)] == [2]
        await click(fake, message, "▶")
        assert footers(message) == ["#4", "#5", "#6"]
        posted = await click(fake, message, "Post #4")
        assert posted["data"]["content"] == "Shared by alice"


async def test_a_slow_page_is_a_deferred_update_then_an_edit(fake, discord_settings, commands):
    async with started(discord_settings, commands, defer_after=0.0) as running:
        asked, message = await search(fake)
        await fake.call("PATCH", rf"{asked.webhook_path}/messages/@original")  # the deferred answer comes in
        sent = await fake.click(message, buttons(message)["▶"]["custom_id"])
        assert (await fake.answer_to(sent)).json["type"] == 6
        await fake.call("PATCH", rf"{sent.webhook_path}/messages/@original")
        assert footers(message) == ["#4", "#5", "#6"]
        refused = await fake.click(message, buttons(message)["◀"]["custom_id"], who=BOB)
        assert (await fake.answer_to(refused)).json["type"] == 6
        aside = await fake.call("POST", refused.webhook_path)
        assert aside.json["content"] == NOT_YOURS and aside.json["flags"] & EPHEMERAL
        assert footers(message) == ["#4", "#5", "#6"]
