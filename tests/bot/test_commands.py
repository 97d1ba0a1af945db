"""The command layer, the same on every platform: parse the words, decide the reply."""

import random

import pytest

from bot.commands import (
    ADMIN_DESCRIPTIONS,
    DESCRIPTIONS,
    EPISODES_PER_PAGE,
    FEEDS_LISTED,
    OPERATORS_ONLY,
    UPLOAD_MAX_BYTES,
    Commands,
    parse_command,
    upload_name,
)
from bot.feeds import FetchResult
from bot.feedstore import FeedStore
from bot.ingest import Metadata
from bot.models import ChatRef, EpisodesReply, QuoteReply, TextReply
from bot.notify import EpisodeNotice
from bot.outbox import Outbox
from tests.conftest import DECEMBER_2025, SEEDS, SEPTEMBER_2024
from tests.uploads import PNG, ZEPPELIN


@pytest.fixture
def commands(library):
    return Commands(library, random.Random(7))


@pytest.mark.parametrize(
    "text, name, args, addressee",
    [
        ("/quote storm shadow", "quote", "storm shadow", None),
        ("/q storm", "quote", "storm", None),
        ("/QUOTE@PodQuoteBot  storm  ", "quote", "storm", "PodQuoteBot"),
        ("/start", "help", "", None),
        ("/random", "random", "", None),
        ("/quote\nstorm shadow", "quote", "storm shadow", None),
    ],
)
def test_parse_command(text, name, args, addressee):
    command = parse_command(text)
    assert (command.name, command.args, command.addressee) == (name, args, addressee)


@pytest.mark.parametrize("text", ["storm shadow", "", "/", "/ quote", "hello /quote"])
def test_text_that_is_not_a_command(text):
    assert parse_command(text) is None


async def test_quote_answers_with_the_best_quotes(commands):
    reply = await commands.handle("/quote storm shadow")
    assert isinstance(reply, QuoteReply)
    assert reply.quotes[0].episode_id == SEPTEMBER_2024
    assert len(reply.quotes) == 3 and reply.total > 3


async def test_quote_pages_follow_on(commands):
    first = await commands.quote("missiles")
    second = await commands.quote("missiles", offset=3)
    assert second.offset == 3
    assert not {(q.episode_id, q.text) for q in first.quotes} & {(q.episode_id, q.text) for q in second.quotes}


async def test_quote_without_words_explains(commands):
    reply = await commands.handle("/quote")
    assert reply.quotes == () and "words" in reply.message


async def test_random_without_words_is_a_quote_from_the_library(commands):
    reply = await commands.handle("/random")
    assert len(reply.quotes) == 1
    assert reply.quotes[0].episode_id in {DECEMBER_2025, SEPTEMBER_2024}
    assert len(reply.quotes[0].text) > 40


async def test_random_with_words_picks_among_matches(commands):
    reply = await commands.handle("/random Witkoff")
    assert len(reply.quotes) == 1 and reply.quotes[0].episode_id == DECEMBER_2025
    assert reply.quotes[0].highlights


async def test_random_with_words_that_match_nothing_says_so(commands):
    reply = await commands.handle("/random zzqx")
    assert reply.quotes == () and "Nothing matched" in reply.message


async def test_latest_lists_newest_first(commands):
    reply = await commands.handle("/latest")
    assert isinstance(reply, EpisodesReply)
    assert [e.id for e in reply.episodes] == [DECEMBER_2025, SEPTEMBER_2024]


@pytest.mark.parametrize("text, page", [("/episodes 2", 2), ("/episodes 99", 99)])
async def test_a_page_of_episodes_past_the_end_says_how_many_pages_there_are(commands, text, page):
    assert await commands.handle(text) == TextReply(f"There is no page {page}: the 2 episodes fill 1 page.")
    # A page button pointing past the end (the list shrank meanwhile) gets the same answer.
    assert (await commands.episodes(offset=EPISODES_PER_PAGE)).text == "There is no page 2: the 2 episodes fill 1 page."


async def test_help_gives_an_example_that_finds_something(commands, library):
    reply = await commands.handle("/help")
    assert isinstance(reply, TextReply)
    example = await commands.example_query()
    assert f"/quote {example}" in reply.text
    assert library.search(example).quotes


async def test_unknown_commands_point_to_help(commands):
    reply = await commands.handle("/frobnicate")
    assert isinstance(reply, TextReply) and "/help" in reply.text


async def test_plain_text_is_not_a_command(commands):
    assert await commands.handle("just chatting") is None


ADMIN = ChatRef("telegram", "-100", "42", can_manage=True)
MEMBER = ChatRef("telegram", "-100", "43", can_manage=False)


async def test_subscribing_is_stored_and_listed(commands, library):
    assert "Subscribed" in (await commands.handle("/subscribe", ADMIN)).text
    assert "already" in (await commands.handle("/subscribe", ADMIN)).text
    listing = (await commands.handle("/subscriptions", MEMBER)).text
    assert "every podcast" in listing
    subs = await library.storage.subscribers("any-feed")
    assert [(s.platform, s.chat_id) for s in subs] == [("telegram", "-100")]


async def test_only_those_who_may_manage_the_chat_change_subscriptions(commands, library):
    assert "administrators" in (await commands.handle("/subscribe", MEMBER)).text
    assert await library.storage.subscriptions("telegram") == []
    await commands.handle("/subscribe", ADMIN)
    assert "administrators" in (await commands.handle("/unsubscribe", MEMBER)).text
    assert "Unsubscribed" in (await commands.handle("/unsubscribe", ADMIN)).text
    assert "wasn't subscribed" in (await commands.handle("/unsubscribe", ADMIN)).text


async def test_a_broken_subscription_is_shown_and_subscribing_again_repairs_it(commands, library):
    await commands.handle("/subscribe", ADMIN)
    await library.storage.mark_broken("telegram", "-100", "bot was kicked")
    assert await library.storage.subscribers("*") == []
    assert "bot was kicked" in (await commands.handle("/subscriptions", ADMIN)).text
    assert "Subscribed" in (await commands.handle("/subscribe", ADMIN)).text
    assert len(await library.storage.subscribers("*")) == 1


async def test_a_chat_that_changes_id_keeps_its_subscriptions(commands, library):
    await commands.handle("/subscribe", ADMIN)
    await library.storage.move_chat("telegram", "-100", "-100999")
    assert [s.chat_id for s in await library.storage.subscriptions("telegram")] == ["-100999"]


async def test_subscribing_to_one_feed_takes_only_a_feed_the_bot_watches(commands, library):
    feeds = FeedStore(library.storage)
    feed, _ = await feeds.add("https://example.com/airships.xml", JAN_1)
    moved = FetchResult(200, moved_to="https://cdn.example.com/airships.xml")
    await feeds.record_ok(feed, moved, "Airship Hour", JAN_1 + 600, JAN_1)
    refused = (await commands.handle("/subscribe https://example.com/typo.xml", ADMIN)).text
    assert refused.startswith("That isn't one of this bot's feeds.")
    assert "/subscribe alone" in refused and "- Airship Hour: https://example.com/airships.xml" in refused
    assert await library.storage.subscriptions("telegram") == []
    # By where it lives now, too: stored by the address it was added by, which doesn't change.
    done = (await commands.handle("/subscribe https://cdn.example.com/airships.xml", ADMIN)).text
    assert done.startswith("Subscribed") and "Airship Hour" in done
    assert [s.feed for s in await library.storage.subscriptions("telegram")] == ["https://example.com/airships.xml"]


async def test_subscribing_to_a_feed_when_none_is_watched_points_to_subscribing_to_all(commands, library):
    refused = (await commands.handle("/subscribe anything", ADMIN)).text
    assert "no feeds" in refused and "/subscribe alone" in refused
    assert await library.storage.subscriptions("telegram") == []


# The operators' commands

OPERATOR = ChatRef("telegram", "1001", "1001", is_operator=True)
# A chat's administrator may manage its subscriptions, but doesn't run the bot.
STRANGER = ChatRef("telegram", "1002", "1002", can_manage=True)
# 2024-01-01 00:00 UTC, for feed polls.
JAN_1 = 1704067200.0


async def test_the_operators_commands_are_kept_out_of_the_public_descriptions(commands):
    assert not set(ADMIN_DESCRIPTIONS) & set(DESCRIPTIONS)
    help_text = (await commands.help()).text
    assert not any(f"/{name} " in help_text for name in ADMIN_DESCRIPTIONS)


@pytest.mark.parametrize("text", ["/stats", "/feeds", "/reindex", "/ingest"])
async def test_the_operators_commands_politely_refuse_anyone_else(commands, library, text):
    assert (await commands.handle(text, STRANGER)).text == OPERATORS_ONLY
    assert (await commands.handle(text, OPERATOR)).text != OPERATORS_ONLY


async def test_stats_counts_the_library_subscriptions_deliveries_and_feeds_in_trouble(commands, library):
    storage = library.storage
    await storage.subscribe("telegram", "-100")
    await storage.subscribe("discord", "700")
    await storage.mark_broken("discord", "700", "missing access")
    notice = EpisodeNotice(DECEMBER_2025, "The Duran Podcast", "Bizarre negotiations", None, None, True)
    await Outbox(storage).enqueue(notice, ["*"], ["telegram"], JAN_1)
    feeds = FeedStore(storage)
    healthy, _ = await feeds.add("https://example.com/ok.xml", JAN_1)
    await feeds.record_ok(healthy, FetchResult(200), "Airship Hour", JAN_1 + 600, JAN_1)
    failing, _ = await feeds.add("https://example.com/gone.xml", JAN_1)
    await feeds.record_failure(failing, "HTTP 404", JAN_1 + 600, paused=True, now=JAN_1 + 60)
    lines = (await commands.handle("/stats", OPERATOR)).text.splitlines()
    stats = await library.stats()
    assert lines[0] == f"Library: 2 episodes, {stats['words']:,} words, {stats['passages']:,} passages searchable"
    assert lines[1:4] == [
        "Subscriptions: 1 active, 1 broken",
        "New-episode deliveries: 1 pending, 0 failed",
        "Feeds: 2 watched, 0 failing, 1 paused, last poll 2024-01-01 00:01 UTC",
    ]
    # Only the feed in trouble is shown in full; /feeds lists every one.
    assert lines[4] == "2. https://example.com/gone.xml"
    assert lines[5].startswith("   PAUSED after 1 failures (last: HTTP 404); `podquote feed add` resumes it")
    assert len(lines) == 6


async def test_feeds_lists_each_feed_with_its_health(commands, library):
    feeds = FeedStore(library.storage)
    healthy, _ = await feeds.add("https://example.com/ok.xml", JAN_1)
    await feeds.record_ok(healthy, FetchResult(200), "Airship Hour", JAN_1 + 600, JAN_1)
    failing, _ = await feeds.add("https://example.com/flaky.xml", JAN_1)
    await feeds.record_failure(failing, "timed out", JAN_1 + 600, paused=False, now=JAN_1 + 60)
    await feeds.add("https://example.com/new.xml", JAN_1)
    assert (await commands.handle("/feeds", OPERATOR)).text.splitlines() == [
        "Feeds: 3 watched, 1 failing, 0 paused, last poll 2024-01-01 00:01 UTC",
        "1. Airship Hour · https://example.com/ok.xml",
        "   ok · last poll 2024-01-01 00:00 UTC · next 2024-01-01 00:10 UTC"
        " · 0 episodes, 0 waiting for a transcript",
        "2. https://example.com/flaky.xml",
        "   failing (1 in a row; last: timed out) · last poll 2024-01-01 00:01 UTC · next 2024-01-01 00:10 UTC"
        " · 0 episodes, 0 waiting for a transcript",
        "3. https://example.com/new.xml",
        "   ok · not polled yet · next 2024-01-01 00:00 UTC · 0 episodes, 0 waiting for a transcript",
    ]


async def test_feeds_lists_at_most_a_page_of_feeds(commands, library):
    feeds = FeedStore(library.storage)
    for number in range(FEEDS_LISTED + 3):
        await feeds.add(f"https://example.com/{number}.xml", JAN_1)
    lines = (await commands.handle("/feeds", OPERATOR)).text.splitlines()
    assert lines[-1] == "…and 3 more (podquote feed list shows every one)."
    assert len(lines) == 1 + 2 * FEEDS_LISTED + 1


async def test_reindex_rebuilds_the_index_and_gives_the_counts(commands, library):
    passages = library.index.passage_count()
    library.index.clear()
    assert (await commands.quote("storm shadow")).quotes == ()
    reply = await commands.handle("/reindex", OPERATOR)
    assert reply.text == f"Reindexed 2 episodes: {passages:,} passages searchable."
    assert (await commands.quote("storm shadow")).quotes


async def test_an_uploaded_transcript_becomes_a_searchable_episode(commands, library):
    reply = await commands.ingest_upload("zeppelin.vtt", ZEPPELIN, OPERATOR)
    assert reply.text == "Added “zeppelin” (Unknown podcast): 15 words searchable now."
    found = await commands.quote("zeppelin harbour")
    assert found.quotes[0].episode_title == "zeppelin" and found.quotes[0].speaker == "Ann"


async def test_the_same_upload_again_is_unchanged_and_a_changed_one_replaces_it(commands, library):
    await commands.ingest_upload("zeppelin.vtt", ZEPPELIN, OPERATOR)
    again = await commands.ingest_upload("zeppelin.vtt", ZEPPELIN, OPERATOR)
    assert again.text == "zeppelin.vtt: unchanged; the library already has exactly this transcript of “zeppelin”."
    changed = await commands.ingest_upload("zeppelin.vtt", ZEPPELIN.replace(b"harbour", b"lighthouse"), OPERATOR)
    assert changed.text.startswith("Replaced the transcript of “zeppelin”")
    assert await library.storage.count_episodes() == 3
    assert (await commands.quote("harbour")).quotes == () and (await commands.quote("lighthouse")).quotes


async def test_an_upload_of_a_stored_transcript_under_another_name_names_that_episode(commands, library):
    await commands.ingest_upload("zeppelin.vtt", ZEPPELIN, OPERATOR)
    again = await commands.ingest_upload("copy of zeppelin.vtt", ZEPPELIN, OPERATOR)
    assert again.text == "copy of zeppelin.vtt: unchanged; the library already has exactly this transcript of “zeppelin”."
    assert await library.storage.count_episodes() == 3


async def test_an_upload_named_like_an_ingested_file_replaces_that_episode_keeping_its_details(commands, library):
    name = next(SEEDS.glob("000_*.txt")).name  # the December seed, ingested from the seeds folder
    reply = await commands.ingest_upload(f"C:\\Users\\op\\{name}", ZEPPELIN, OPERATOR)
    assert reply.text.startswith("Replaced the transcript of “Bizarre negotiations and intel back channels”")
    assert "(The Duran Podcast, 2025-12-01)" in reply.text
    assert await library.storage.count_episodes() == 2
    assert (await commands.quote("zeppelin")).quotes[0].episode_id == DECEMBER_2025
    assert (await commands.quote("Witkoff")).quotes == ()


async def test_an_upload_is_never_taken_for_a_feeds_transcript_of_the_same_name(commands, library):
    link = "https://example.com/ep1/transcript.vtt"
    await library.ingest_bytes(ZEPPELIN, "transcript.vtt", link, Metadata(title="Ep 1"))
    reply = await commands.ingest_upload("transcript.vtt", ZEPPELIN.replace(b"dawn", b"dusk"), OPERATOR)
    assert reply.text.startswith("Added “transcript”")
    assert await library.storage.count_episodes() == 4


async def test_an_upload_whose_name_fits_several_episodes_is_refused(commands, library, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "show.vtt").write_bytes(ZEPPELIN.replace(b"dawn", folder.encode()))
    await library.ingest([tmp_path / "a", tmp_path / "b"])
    reply = await commands.ingest_upload("show.vtt", ZEPPELIN, OPERATOR)
    assert reply.text.startswith("show.vtt: 2 episodes came from files of this name")
    assert await library.storage.count_episodes() == 4


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "notes.txt: not added: empty file."),
        (PNG, "notes.txt: not added: binary file"),
        (b"\x00\x01\x02" * 100, "notes.txt: not added: binary file"),
    ],
)
async def test_an_upload_that_is_no_transcript_gets_its_reason_and_nothing_is_written(commands, library, data, reason):
    before = (await library.stats(), await library.storage.unindexed_ids())
    reply = await commands.ingest_upload("notes.txt", data, OPERATOR)
    assert reply.text.startswith(reason) and "\n" not in reply.text
    assert (await library.stats(), await library.storage.unindexed_ids()) == before


async def test_uploads_are_refused_to_anyone_else_and_when_too_large(commands, library):
    assert commands.upload_refusal("zeppelin.vtt", 100, STRANGER).text == OPERATORS_ONLY
    assert (await commands.ingest_upload("zeppelin.vtt", ZEPPELIN, STRANGER)).text == OPERATORS_ONLY
    assert commands.upload_refusal("zeppelin.vtt", None, OPERATOR) is None
    too_big = commands.upload_refusal("big.vtt", UPLOAD_MAX_BYTES + 1, OPERATOR)
    assert too_big.text == "big.vtt: too large (20.0 MB); the limit is 20 MB."
    assert await library.storage.count_episodes() == 2


@pytest.mark.parametrize(
    "sent, name", [("a/b/ep.vtt", "ep.vtt"), ("C:\\x\\ep.srt", "ep.srt"), ("", "transcript"), ("../..", "transcript")]
)
def test_an_uploads_name_loses_any_folders(sent, name):
    assert upload_name(sent) == name


async def test_an_upload_while_another_process_holds_the_index_says_so_and_is_indexed_when_sent_again(
    commands, library
):
    library.write_wait = 0.0
    other_process = library.index.writer_lock()  # a lock of its own: to flock, another process's
    other_process.acquire()
    try:
        busy = await commands.ingest_upload("zeppelin.vtt", ZEPPELIN, OPERATOR)
    finally:
        other_process.release()
    assert busy.text.startswith("zeppelin.vtt: stored, but not searchable yet: the search index is busy")
    assert (await commands.quote("zeppelin harbour")).quotes == ()
    again = await commands.ingest_upload("zeppelin.vtt", ZEPPELIN, OPERATOR)
    assert again.text == "Added “zeppelin” (Unknown podcast): 15 words searchable now."
    assert (await commands.quote("zeppelin harbour")).quotes
