"""The slash commands, end to end: the real discord.py client against the fake Discord."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.commands import NOT_ALLOWED
from bot.ingest import Metadata
from tests.adapters.discord_bot.fake_discord import (
    ADMIN_PERMISSIONS,
    CHANNEL_ID,
    EPHEMERAL,
    OTHER_CHANNEL_ID,
    FakeDiscord,
    buttons,
    resolved_channel,
)

DECEMBER_TITLE = "Bizarre negotiations and intel back channels"
NO_MENTIONS = {"parse": []}


async def ask(fake: FakeDiscord, name: str, options: dict | None = None, **how) -> dict:
    """Run a slash command; the bot's answer (the callback's JSON)."""
    sent = await fake.slash(name, options, **how)
    return (await fake.answer_to(sent)).json


def is_ephemeral(answer: dict) -> bool:
    return bool(answer["data"].get("flags", 0) & EPHEMERAL)


async def test_quote_answers_with_embeds_and_page_buttons(service, fake):
    answer = await ask(fake, "quote", {"query": "russia"})
    assert answer["type"] == 4 and not is_ephemeral(answer)
    data = answer["data"]
    assert data["allowed_mentions"] == NO_MENTIONS
    assert len(data["embeds"]) == 3
    assert "**Russia**" in " ".join(e["description"] for e in data["embeds"])
    assert [e["footer"]["text"].split(" · ")[0] for e in data["embeds"]] == ["#1", "#2", "#3"]
    assert "13 Sep 2024" in data["embeds"][0]["footer"]["text"] or "1 Dec 2025" in data["embeds"][0]["footer"]["text"]
    assert data["content"].startswith("“russia” · quotes 1–3 of ")
    row = buttons({"components": data["components"]})
    assert row["◀"]["disabled"] is True and row["▶"]["disabled"] is False
    assert row["▶"]["custom_id"].startswith("pq1:page:") and row["▶"]["custom_id"].endswith(":3")


async def test_a_quote_links_to_its_moment(service, fake, library, tmp_path):
    # Alice's label recurs: a name used once before a colon is taken for speech, not a speaker.
    text = "Alice: The airship landed in Lisbon at dawn.\nAlice: Nobody had expected it.\n"
    await ingest(library, tmp_path, text, "Airships", "https://www.youtube.com/watch?v=abc")
    embed = (await ask(fake, "quote", {"query": "airship lisbon"}))["data"]["embeds"][0]
    assert embed["title"] == "Airships"
    assert embed["url"] == "https://www.youtube.com/watch?v=abc&t=62"
    assert embed["footer"]["text"] == "#1 · Test Podcast · 2 Mar 2025 · Alice at 1:02"


async def test_nothing_matched_is_a_short_private_reply(service, fake):
    answer = await ask(fake, "quote", {"query": "zzqx"})
    assert is_ephemeral(answer)
    assert answer["data"]["content"].startswith("Nothing matched")
    assert not answer["data"]["embeds"] and "components" not in answer["data"]


async def test_after_and_before_narrow_by_air_date(service, fake):
    later = await ask(fake, "quote", {"query": "russia", "after": "2025-01-01"})
    assert {e["footer"]["text"].split(" · ")[2] for e in later["data"]["embeds"]} == {"1 Dec 2025"}
    earlier = await ask(fake, "quote", {"query": "russia", "before": "2024-12-31"})
    assert {e["footer"]["text"].split(" · ")[2] for e in earlier["data"]["embeds"]} == {"13 Sep 2024"}


async def test_a_bad_date_is_explained_privately(service, fake):
    answer = await ask(fake, "quote", {"query": "russia", "after": "last week"})
    assert is_ephemeral(answer)
    assert "after: needs a date like 2024-09-13" in answer["data"]["content"]


async def test_episode_titles_autocomplete_and_narrow_the_search(service, fake):
    sent = await fake.autocomplete("quote", {"query": "russia", "episode": "negot"}, focused="episode")
    answer = (await fake.answer_to(sent)).json
    assert answer["type"] == 8
    assert answer["data"]["choices"] == [{"name": DECEMBER_TITLE, "value": DECEMBER_TITLE}]
    found = await ask(fake, "quote", {"query": "russia", "episode": DECEMBER_TITLE})
    assert {e["title"] for e in found["data"]["embeds"]} == {DECEMBER_TITLE}


async def test_autocomplete_with_nothing_typed_offers_the_newest_episodes(service, fake):
    sent = await fake.autocomplete("quote", {"query": "x", "episode": ""}, focused="episode")
    choices = (await fake.answer_to(sent)).json["data"]["choices"]
    assert [c["name"] for c in choices] == [DECEMBER_TITLE, "UK missiles ready to strike Russia. Putin warns US/UK"]


async def test_an_autocomplete_that_expired_is_one_warning_line(service, fake, caplog):
    fake.fail("POST", r"/interactions/\d+/[^/]+/callback", 404, {"message": "Unknown interaction", "code": 10062})
    expired = await fake.autocomplete("quote", {"query": "russia", "episode": "negot"}, focused="episode")
    logged = ("(10062) what=/quote", "Ignoring exception in autocomplete")
    await fake.until(lambda: any(line in caplog.text for line in logged) or None, "the expiry logged")
    later = await fake.autocomplete("quote", {"query": "russia", "episode": "negot"}, focused="episode")
    assert (await fake.answer_to(later)).json["data"]["choices"]
    assert "interaction expired before it was answered (10062) what=/quote" in caplog.text
    assert "Ignoring exception in autocomplete" not in caplog.text
    assert [c.path for c in fake.calls].count(expired.callback_path) == 1, "not answered twice"


async def test_random_is_one_quote(service, fake):
    answer = await ask(fake, "random")
    assert len(answer["data"]["embeds"]) == 1 and not is_ephemeral(answer)
    among = await ask(fake, "random", {"query": "Witkoff"})
    assert among["data"]["embeds"][0]["title"] == DECEMBER_TITLE


async def test_latest_and_episodes_list_newest_first(service, fake):
    latest = (await ask(fake, "latest"))["data"]["embeds"][0]
    assert latest["title"] == "Latest episodes (2)"
    assert latest["description"].index("Bizarre") < latest["description"].index("UK missiles")
    listing = (await ask(fake, "episodes"))["data"]["embeds"][0]
    assert listing["title"] == "Episodes (2)" and listing["description"].startswith("1. Bizarre")
    beyond = await ask(fake, "episodes", {"page": 2})
    assert is_ephemeral(beyond) and beyond["data"]["content"] == "There is no page 2: the 2 episodes fill 1 page."


async def test_help_is_private_and_gives_a_working_example(service, fake, commands, library):
    answer = await ask(fake, "help")
    assert is_ephemeral(answer)
    example = await commands.example_query()
    assert f"/quote {example}" in answer["data"]["content"]


async def test_subscribing_needs_manage_server_and_is_stored_for_the_channel(service, fake, library):
    refused = await ask(fake, "subscribe")
    assert is_ephemeral(refused) and refused["data"]["content"] == NOT_ALLOWED
    assert await library.storage.subscriptions("discord") == []

    news = resolved_channel(OTHER_CHANNEL_ID)
    done = await ask(fake, "subscribe", {"channel": str(OTHER_CHANNEL_ID)}, permissions=ADMIN_PERMISSIONS, resolved=news)
    assert is_ephemeral(done) and done["data"]["content"].startswith("Subscribed")
    subs = await library.storage.subscriptions("discord")
    assert [(s.chat_id, s.status) for s in subs] == [(str(OTHER_CHANNEL_ID), "active")]

    listing = await ask(fake, "subscriptions", {"channel": str(OTHER_CHANNEL_ID)}, permissions=ADMIN_PERMISSIONS, resolved=news)
    assert "every podcast" in listing["data"]["content"]
    assert (await ask(fake, "subscriptions"))["data"]["content"] == NOT_ALLOWED


async def test_unsubscribing_the_current_channel(service, fake, library):
    await library.storage.subscribe("discord", str(CHANNEL_ID))
    assert (await ask(fake, "unsubscribe"))["data"]["content"] == NOT_ALLOWED
    done = await ask(fake, "unsubscribe", permissions=ADMIN_PERMISSIONS)
    assert done["data"]["content"].startswith("Unsubscribed")
    assert await library.storage.subscriptions("discord") == []


async def test_hostile_transcript_text_is_escaped_and_kept_within_limits(service, fake, library, tmp_path):
    giant = "x" * 5000
    text = f"Host: @everyone look at **this** <@123456789012345678> and ~~that~~ zeppelin {giant} zeppelin.\n"
    await ingest(library, tmp_path, text * 3, "**Hostile** [click](https://evil.example) @here")
    answer = await ask(fake, "quote", {"query": "zeppelin @here **"})
    data = answer["data"]
    assert data["allowed_mentions"] == NO_MENTIONS
    description = data["embeds"][0]["description"]
    assert "@\u200beveryone" in description and "@everyone" not in description
    assert "\\*\\*this\\*\\*" in description and "\\~\\~that\\~\\~" in description
    assert "<@\u200b123456789012345678>" in description
    assert "**zeppelin**" in description
    assert all(len(e["description"]) <= 4096 and len(e["title"]) <= 256 for e in data["embeds"])
    assert sum(embed_size(e) for e in data["embeds"]) <= 6000
    assert "@\u200bhere" in data["content"]
    assert "\\*\\*" in data["content"]
    assert data["embeds"][0]["title"].startswith("\\*\\*Hostile\\*\\*")


def embed_size(embed: dict) -> int:
    """What counts towards Discord's 6000 characters."""
    return len(embed.get("title", "")) + len(embed.get("description", "")) + len(embed.get("footer", {}).get("text", ""))


async def ingest(library, folder: Path, text: str, title: str, url: str | None = None) -> None:
    """Add one timed episode (an SRT file) to the library."""
    lines = [line for line in text.splitlines() if line]
    cues = [f"{i + 1}\n00:01:0{2 + i},000 --> 00:01:0{3 + i},000\n{line}\n" for i, line in enumerate(lines)]
    path = folder / f"{abs(hash(title))}.srt"
    path.write_text("\n".join(cues), encoding="utf-8")
    flags = Metadata(podcast="Test Podcast", title=title, published=date(2025, 3, 2), urls=(url,) if url else ())
    report = await library.ingest([path], flags)
    assert report.ok, report.failed

