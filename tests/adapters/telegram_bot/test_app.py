"""The bot in a chat: commands, page buttons, inline mode, admin checks and odd updates, end to end."""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from adapters.telegram_bot.app import (
    APOLOGY, CHATTER, INLINE_EMPTY_CACHE, INLINE_FLOOD_CACHE, NOT_HERE, NOT_YOURS, STALE, TOO_FAST,
)
from adapters.telegram_bot.paging import Page, parse_page
from bot.commands import NOT_ALLOWED, Commands
from bot.ingest import Metadata
from search.models import Episode
from tests.adapters.telegram_bot.fake_bot_api import BOT_USER, not_modified
from tests.adapters.telegram_bot.updates import (
    ANN,
    BEN,
    BEN_PRIVATE,
    CHANNEL,
    FORUM,
    GROUP,
    PRIVATE,
    SUPERGROUP,
    bot_message,
    edited,
    in_topic,
    inline,
    message,
    posted,
    pressed,
    said,
)
from tests.conftest import FIXTURES

# Telegram's one stand-in sender for every group's anonymous administrators.
ANONYMOUS = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
UK_MISSILES = "UK missiles ready to strike Russia. Putin warns US/UK"
BIZARRE = "Bizarre negotiations and intel back channels"
MANY = "gardening weather"  # what the garden episodes all talk about: several pages of quotes


@pytest.fixture
async def garden(library, tmp_path):
    """Eleven more episodes, of another podcast: enough for several pages of quotes and of episodes."""
    folder, manifest = tmp_path / "garden", []
    folder.mkdir()
    for number in range(1, 12):
        (folder / f"garden-{number}.txt").write_text(
            f"Host: Episode number {number} talks about gardening and the weather today.\n"
            f"Guest: Yes, the weather in week {number} has been kind to the gardening season.\n",
            encoding="utf-8",
        )
        manifest.append(
            f'["garden-{number}.txt"]\npodcast = "Garden Hour"\ntitle = "Garden {number}"\n'
            f"published = 2020-01-{number:02d}\n"
        )
    (folder / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    report = await library.ingest([folder])
    assert report.added == 11, report.failed


def buttons(call) -> list[tuple[str, str]]:
    """The inline keyboard of a sent or edited message, as (label, callback data) pairs."""
    markup = call.get("reply_markup") or {"inline_keyboard": []}
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


def button(call, label: str) -> str:
    return dict(buttons(call))[label]


# Every command


@pytest.mark.parametrize("text", ["/start", "/help", "/start help"])
async def test_start_and_help_explain_with_an_example_from_the_corpus(chat, library, text):
    example = await Commands(library).example_query()
    sent = await chat.reply_to(said(text))
    assert sent["chat_id"] == str(PRIVATE["id"])
    assert sent["parse_mode"] == "HTML"
    assert "I find what was said" in sent["text"]
    assert f"/quote {example}" in sent["text"] and "negotiations" in example


@pytest.mark.parametrize("text", ["/quote storm shadow", "/q storm shadow"])
async def test_quote_marks_the_words_and_names_the_episode(chat, text):
    sent = await chat.reply_to(said(text))
    html = sent["text"]
    assert html.startswith("<blockquote>")
    assert "<b>storm shadows</b>" in html.split("</blockquote>")[0]
    assert f"— {UK_MISSILES} · The Duran Podcast · 13 Sep 2024" in html
    assert html.count("<blockquote>") == 3
    assert sent["parse_mode"] == "HTML"
    assert sent["link_preview_options"] == {"is_disabled": True}


async def test_quote_links_the_episode_at_the_moment_said(chat, library):
    urls = ("https://www.youtube.com/watch?v=abc123",)
    meta = Metadata(podcast="Sample Show", title="Interview & friends", published=date(2024, 5, 1), urls=urls)
    await library.ingest([FIXTURES / "transcripts" / "interview.vtt"], meta)
    sent = await chat.reply_to(said("/quote agreed"))
    assert "We <b>agreed</b> that 3 &gt; 2" in sent["text"]
    linked = '<a href="https://www.youtube.com/watch?v=abc123&amp;t=62">Interview &amp; friends</a>'
    assert linked in sent["text"]
    assert "· 1 May 2024 · 1:02" in sent["text"]


async def test_nothing_matched_gets_advice_and_no_buttons(chat):
    sent = await chat.reply_to(said("/quote zzqx"))
    assert sent["text"].startswith("Nothing matched. Check the spelling")
    assert "reply_markup" not in sent.params


async def test_random_gives_one_quote_and_random_with_words_one_that_matches(chat):
    anything = await chat.reply_to(said("/random"))
    assert anything["text"].count("<blockquote>") == 1
    among = await chat.reply_to(said("/random storm shadow"))
    assert among["text"].count("<blockquote>") == 1
    assert "<b>" in among["text"].split("</blockquote>")[0]


async def test_latest_lists_the_newest_episodes_first(chat):
    sent = await chat.reply_to(said("/latest"))
    lines = sent["text"].splitlines()
    assert lines[0] == "<b>Latest episodes</b> (2)"
    assert lines[1].startswith(f"1. {BIZARRE} · The Duran Podcast · 1 Dec 2025")
    assert lines[2].startswith(f"2. {UK_MISSILES}")


async def test_episodes_page_with_buttons_that_edit_the_same_message(chat, api, garden):
    first = await chat.reply_to(said("/episodes"))
    assert first["text"].startswith("<b>Episodes</b> (13)")
    assert [label for label, _ in buttons(first)] == ["▶"]
    calls = await chat.send(pressed(button(first, "▶"), api.message_of(first)))
    edit = next(c for c in calls if c.method == "editMessageText")
    assert "\n11. Garden 3 · Garden Hour · 3 Jan 2020\n" in edit["text"] and "13. Garden 1" in edit["text"]
    assert [label for label, _ in buttons(edit)] == ["◀"]
    assert parse_page(button(edit, "◀")) == Page("e1", 0, ANN["id"])


async def test_episode_pages_go_on_past_the_deepest_page_of_quotes(chat, api, library):
    day_one = date(2010, 1, 1)
    listed = [Episode(f"listed-{n}", "Backlog", f"Backlog {n}", day_one + timedelta(days=n)) for n in range(320)]
    await library.list_episodes(listed, "https://backlog.example/feed.xml")
    page_31 = await chat.reply_to(said("/episodes 31"))
    assert page_31["text"].splitlines()[1].startswith("301. ")
    assert parse_page(button(page_31, "▶")) == Page("e1", 310, ANN["id"])
    calls = await chat.send(pressed(button(page_31, "▶"), api.message_of(page_31)))
    edit = next(c for c in calls if c.method == "editMessageText")
    assert edit["text"].splitlines()[1].startswith("311. ")


async def test_a_page_of_episodes_past_the_end_says_how_many_pages_there_are(chat, garden):
    sent = await chat.reply_to(said("/episodes 99"))
    assert sent["text"] == "There is no page 99: the 13 episodes fill 2 pages."
    assert "reply_markup" not in sent.params


async def test_subscribe_subscriptions_and_unsubscribe_in_a_private_chat(chat, library):
    assert "Subscribed" in (await chat.reply_to(said("/subscribe")))["text"]
    subscriptions = await library.storage.subscriptions("telegram")
    assert [(s.chat_id, s.feed) for s in subscriptions] == [(str(PRIVATE["id"]), "*")]
    assert "every podcast of this bot" in (await chat.reply_to(said("/subscriptions")))["text"]
    assert "Unsubscribed" in (await chat.reply_to(said("/unsubscribe")))["text"]
    assert await library.storage.subscriptions("telegram") == []


async def test_subscribing_to_a_feed_the_bot_doesnt_watch_is_refused(chat, library):
    sent = await chat.reply_to(said("/subscribe <b>not a feed</b>"))
    assert sent["text"].startswith("That isn't one of this bot's feeds") and "<b>" not in sent["text"]
    assert await library.storage.subscriptions("telegram") == []


# Admin checks in groups


@pytest.mark.parametrize("group", [GROUP, SUPERGROUP], ids=["group", "supergroup"])
@pytest.mark.parametrize("status", ["administrator", "creator"])
async def test_group_administrators_may_subscribe(chat, api, library, status, group):
    api.set_member(group["id"], ANN["id"], status)
    calls = await chat.send(said("/subscribe", group))
    asked = next(c for c in calls if c.method == "getChatMember")
    assert (asked["chat_id"], asked["user_id"]) == (str(group["id"]), str(ANN["id"]))
    assert "Subscribed" in next(c for c in calls if c.method == "sendMessage")["text"]
    assert [s.chat_id for s in await library.storage.subscriptions("telegram")] == [str(group["id"])]


@pytest.mark.parametrize("group", [GROUP, SUPERGROUP], ids=["group", "supergroup"])
@pytest.mark.parametrize("text", ["/subscribe", "/unsubscribe"])
async def test_other_group_members_are_politely_refused(chat, api, library, text, group):
    await library.storage.subscribe("telegram", str(group["id"]))
    sent = await chat.reply_to(said(text, group, BEN))
    assert sent["text"] == NOT_ALLOWED
    assert sent["reply_parameters"]["message_id"] > 0  # in a group, the answer quotes the command
    assert len(await library.storage.subscriptions("telegram")) == 1


async def test_an_anonymous_administrator_posting_as_the_group_may_subscribe(chat, api, library):
    calls = await chat.send(said("/subscribe", GROUP, ANONYMOUS, sender_chat=GROUP))
    assert not [c for c in calls if c.method == "getChatMember"]
    assert await library.storage.subscriptions("telegram", str(GROUP["id"]))


async def test_reading_subscriptions_needs_no_admin_check(chat, api):
    calls = await chat.send(said("/subscriptions", GROUP, BEN))
    assert [c.method for c in calls] == ["sendMessage"]


# A group that becomes a supergroup (it gets a new id)


@pytest.mark.parametrize(
    "update",
    [
        {"message": message(None, GROUP, migrate_to_chat_id=SUPERGROUP["id"])},  # told in the old group
        {"message": message(None, SUPERGROUP, migrate_from_chat_id=GROUP["id"])},  # and in the new one
    ],
    ids=["to", "from"],
)
async def test_a_group_upgraded_to_a_supergroup_keeps_its_subscriptions(chat, library, update):
    await library.storage.subscribe("telegram", str(GROUP["id"]))
    assert await chat.send(update) == []
    assert [s.chat_id for s in await library.storage.subscriptions("telegram")] == [str(SUPERGROUP["id"])]


# Paging


async def test_only_the_asker_may_page_and_the_page_is_edited_in_place(chat, api, library, garden):
    first = await chat.reply_to(said(f"/quote {MANY}"))
    assert "Quotes 1–3 of" in first["text"]
    forward = button(first, "▶")
    page = parse_page(forward)
    assert (page.kind, page.offset) == ("q2", 3)
    search = await library.storage.saved_search(page.subject)  # the asker and the query, kept by the bot
    assert (search.platform, search.user_id, search.query) == ("telegram", str(ANN["id"]), MANY)
    assert len(forward.encode()) <= 64

    sent = api.message_of(first)
    refused = await chat.send(pressed(forward, sent, BEN))
    assert [c.method for c in refused] == ["answerCallbackQuery"]
    assert refused[0]["text"] == NOT_YOURS

    calls = await chat.send(pressed(forward, sent))
    edit = next(c for c in calls if c.method == "editMessageText")
    assert (edit["chat_id"], edit["message_id"]) == (str(PRIVATE["id"]), str(sent["message_id"]))
    assert "Quotes 4–6 of" in edit["text"] and edit["parse_mode"] == "HTML"
    assert edit["link_preview_options"] == {"is_disabled": True}  # the first quote's link would bury the page
    assert edit["text"] != first["text"]
    assert [label for label, _ in buttons(edit)][0] == "◀"
    assert parse_page(button(edit, "◀")) == Page("q2", 0, page.subject)
    assert [c.method for c in calls][-1] == "answerCallbackQuery"


async def test_storm_shadow_has_a_next_page_holding_the_fourth_quote_and_paging_ends_at_the_last(chat, api, library):
    total = library.search("storm shadow").total
    message = await chat.reply_to(said("/quote storm shadow"))
    assert f"Quotes 1–3 of {total}" in message["text"]
    pages = [message]
    while "▶" in dict(buttons(pages[-1])):
        calls = await chat.send(pressed(button(pages[-1], "▶"), api.message_of(pages[-1])))
        pages.append(next(c for c in calls if c.method == "editMessageText"))
    fourth = library.search("storm shadow", 3, 3).quotes[0]
    assert f"Quotes 4–6 of {total}" in pages[1]["text"] and fourth.text[:40] in pages[1]["text"].replace("<b>", "").replace("</b>", "")
    assert len(pages) == -(-total // 3) and f"–{total} of {total}</i>" in pages[-1]["text"]
    assert sum(page["text"].count("<blockquote>") for page in pages) == total


async def test_page_presses_count_towards_flood_control(chat, api, garden):
    first = await chat.reply_to(said(f"/quote {MANY}"))

    def press_the_first_button():  # ▶ on the first page, ◀ on the second: back and forth
        shown = api.message_of(first)
        return pressed(shown["reply_markup"]["inline_keyboard"][0][0]["callback_data"], shown)

    for _ in range(4):  # with the /quote, the five of a burst
        calls = await chat.send(press_the_first_button())
        assert [c.method for c in calls] == ["editMessageText", "answerCallbackQuery"]
    refused = await chat.send(press_the_first_button())
    assert [(c.method, c.get("text")) for c in refused] == [("answerCallbackQuery", TOO_FAST)]


async def test_a_page_press_that_changes_nothing_is_ignored(chat, api, garden, caplog):
    first = await chat.reply_to(said(f"/quote {MANY}"))
    api.fail("editMessageText", not_modified())
    calls = await chat.send(pressed(button(first, "▶"), api.message_of(first)))
    assert [c.method for c in calls] == ["editMessageText", "answerCallbackQuery"]
    assert calls[1].get("text") is None
    assert "update failed" not in caplog.text


async def test_a_groups_administrators_may_page_what_an_anonymous_administrator_asked(chat, api, garden):
    first = await chat.reply_to(said(f"/quote {MANY}", GROUP, ANONYMOUS, sender_chat=GROUP))
    sent = api.message_of(first)
    refused = await chat.send(pressed(button(first, "▶"), sent, BEN))
    assert [(c.method, c.get("text")) for c in refused][-1] == ("answerCallbackQuery", NOT_YOURS)
    api.set_member(GROUP["id"], ANN["id"], "administrator")
    edits = [c for c in await chat.send(pressed(button(first, "▶"), sent, ANN)) if c.method == "editMessageText"]
    assert len(edits) == 1 and "Quotes 4–6 of" in edits[0]["text"]


def changed(data: str, field: int, value: str) -> str:
    """Callback data with one of its colon-separated fields replaced, as a tampered client sends it."""
    fields = data.split(":")
    fields[field] = value
    return ":".join(fields)


# Forgeries: (callback data, the message it is pressed on, by whom), from the messages a chat was sent.
FORGERIES = {
    # Ben's own button (his search of the same words), pressed on Ann's message.
    "another asker's button": lambda sent: (button(sent["bens"], "▶"), sent["anns"], BEN),
    # Ann's episodes button with Ben's id where the asker's goes: the episode list names its asker.
    "the presser named as the asker": lambda sent: (
        changed(button(sent["anns episodes"], "▶"), 2, str(BEN["id"])), sent["anns episodes"], BEN),
    # Ann's button with the last field, the query it pages, taken from Ben's.
    "another query's key": lambda sent: (
        changed(button(sent["anns"], "▶"), -1, button(sent["bens"], "▶").split(":")[-1]), sent["anns"], ANN),
    "a page the message doesn't offer": lambda sent: (changed(button(sent["anns"], "▶"), 1, "6"), sent["anns"], ANN),
    # Ann's button from her other message, pressed on this one.
    "another message's button": lambda sent: (button(sent["anns other"], "▶"), sent["anns"], ANN),
}


def changed(data: str, field: int, value: str) -> str:
    """Callback data with one of its colon-separated fields replaced, as a tampered client sends it."""
    fields = data.split(":")
    fields[field] = value
    return ":".join(fields)


@pytest.mark.parametrize("forgery", FORGERIES)
async def test_forged_presses_are_refused_and_nothing_is_edited(chat, api, garden, forgery):
    sent = {
        "anns": await chat.reply_to(said(f"/quote {MANY}")),
        "anns other": await chat.reply_to(said("/quote weather week")),
        "anns episodes": await chat.reply_to(said("/episodes")),
        "bens": await chat.reply_to(said(f"/quote {MANY}", BEN_PRIVATE, BEN)),
    }
    data, message, who = FORGERIES[forgery](sent)
    calls = await chat.send(pressed(data, api.message_of(message), who))
    assert [(c.method, c.get("text")) for c in calls] == [("answerCallbackQuery", NOT_HERE)]
    genuine = await chat.send(pressed(button(message, "▶"), api.message_of(message), ANN))
    assert [c.method for c in genuine] == ["editMessageText", "answerCallbackQuery"]


@pytest.mark.parametrize(
    "data",
    [
        "garbage",
        "q0:3:1001:abcdefabcdef",  # an older version's format
        "q1:3:1001:abcdefabcdef",  # sent before presses were checked against their message: expired
        "q2:3:999999",  # a saved search this database never saw
        "q2:3",  # a quotes page without its search
        "q2:3:-1001",  # no search has a negative id
        "",
        None,  # a game button has no data at all
    ],
)
async def test_old_or_garbage_button_data_gets_a_short_notice(chat, data):
    older = {"inline_keyboard": [[{"text": "▶", "callback_data": data}]]} if data else None
    shown = bot_message(77) | ({"reply_markup": older} if older else {})  # as if it were on the message
    calls = await chat.send(pressed(data, shown))
    assert [(c.method, c.get("text")) for c in calls] == [("answerCallbackQuery", STALE)]


# Inline mode


async def test_inline_query_offers_quotes_as_articles_paged_by_offset(chat, garden):
    calls = await chat.send(inline(MANY))
    answer = calls[0]
    assert answer.method == "answerInlineQuery"
    results = answer["results"]
    assert [r["type"] for r in results] == ["article"] * 3
    assert [r["id"] for r in results] == ["0", "1", "2"]
    content = results[0]["input_message_content"]
    assert content["parse_mode"] == "HTML" and "<b>" in content["message_text"]
    assert results[0]["description"]
    assert answer["next_offset"] == "3"
    assert int(answer["cache_time"]) > 0

    later = (await chat.send(inline(MANY, offset="3")))[0]
    assert [r["id"] for r in later["results"]] == ["3", "4", "5"]
    assert later["results"][0]["title"] != results[0]["title"]


async def test_empty_inline_query_offers_the_newest_episodes_and_a_hint(chat):
    answer = (await chat.send(inline("  ")))[0]
    assert [r["title"] for r in answer["results"]] == [BIZARRE, UK_MISSILES]
    assert answer["button"]["start_parameter"] == "help"
    assert int(answer["cache_time"]) == INLINE_EMPTY_CACHE  # new episodes show up within a minute


async def test_inline_query_that_matches_nothing_says_so_on_its_button(chat):
    answer = (await chat.send(inline("zzqx")))[0]
    assert answer["results"] == []
    assert answer["button"]["text"].startswith("Nothing matched")
    assert answer.get("next_offset") is None  # no more pages (and never "[]", which clients would echo)


# Hostile text and Telegram's limits


async def test_hostile_transcript_and_title_are_escaped_and_fit_one_message(chat, library, tmp_path):
    path = tmp_path / "hostile.txt"
    huge = "x" * 5000
    # Enough ordinary talk around the hostile lines for the file to read as a transcript.
    ordinary = "".join(f"Bob: We talked about the garden for a while, part {i}.\n" for i in range(80))
    path.write_text(
        ordinary + f"Alice: The tempest <b>bold</b> & <a href='evil'>friends</a> said {huge} and more.\n"
        f"Bob: Another tempest & {huge} with <script>alert(1)</script> tags.\n",
        encoding="utf-8",
    )
    title = "<i>Tom & Jerry</i> " * 400
    await library.ingest([path], Metadata(podcast="<b>Pod</b>", title=title, published=date(2026, 1, 1)))
    sent = await chat.reply_to(said("/quote tempest"))
    html = sent["text"]
    assert len(html.encode("utf-16-le")) // 2 <= 4096
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href='evil'&gt;" in html
    assert "<script>" not in html and "<a href='evil'>" not in html and "<i>" not in html
    assert "&lt;i&gt;Tom &amp; Jerry&lt;/i&gt;" in html
    assert_balanced(html)


async def test_episodes_with_long_links_are_all_listed_and_the_long_links_give_way(chat, library, tmp_path):
    long_link = "https://podcasts.example/episode?" + "ref=feed&utm=x&" * 31  # 498 characters, 746 escaped
    for number in range(1, 11):
        path = tmp_path / f"long-{number}.txt"
        path.write_text(f"Host: Episode {number} is about long links.\nGuest: Links can be long.\n", encoding="utf-8")
        url = long_link if number % 5 else f"https://podcasts.example/{number}"
        meta = Metadata(podcast="Links", title=f"Link {number}", published=date(2026, 1, number), urls=(url,))
        await library.ingest([path], meta)
    sent = await chat.reply_to(said("/episodes"))
    html = sent["text"]
    assert len(html.encode("utf-16-le")) // 2 <= 4096
    assert [line.split(" · ")[0] for line in html.splitlines()[1:4]] == [
        '1. <a href="https://podcasts.example/10">Link 10</a>', "2. Link 9", "3. Link 8",
    ]
    assert len(html.splitlines()) == 11
    assert html.count("<a href=") == 2  # the short links are all kept
    assert_balanced(html)


async def test_hostile_query_is_escaped_when_echoed(chat):
    sent = await chat.reply_to(said('/quote "<b>&'))
    assert "<b>&" not in sent["text"]
    assert_balanced(sent["text"])


def assert_balanced(html: str) -> None:
    """Every tag Telegram would see is one we wrote, and each is closed in order: no tag was cut."""
    stack: list[str] = []

    class Checker(HTMLParser):
        def handle_starttag(self, tag, attrs):
            assert tag in {"b", "i", "a", "blockquote"}, tag
            stack.append(tag)

        def handle_endtag(self, tag):
            assert stack and stack.pop() == tag, tag

    Checker().feed(html)
    assert stack == []


# Odd updates

STICKER = {
    "file_id": "s1", "file_unique_id": "u1", "type": "regular",
    "width": 512, "height": 512, "is_animated": False, "is_video": False,
}
PHOTO = {"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}
ADDED_TO_GROUP = {
    "chat": GROUP, "from": ANN, "date": 1,
    "old_chat_member": {"status": "left", "user": BOT_USER},
    "new_chat_member": {"status": "member", "user": BOT_USER},
}


@pytest.mark.parametrize(
    "update",
    [
        edited("/quote storm shadow"),
        {"message": message(None, sticker=STICKER)},
        {"message": message(None, caption="/quote storm", photo=[PHOTO])},
        said("/quote@OtherBot storm shadow", GROUP),
        said("/frobnicate", GROUP),
        said("hello everyone", GROUP),
        {"my_chat_member": ADDED_TO_GROUP},
    ],
    ids=["edited", "sticker", "photo-caption", "other-bot", "unknown-in-group", "group-chatter", "added"],
)
async def test_updates_that_need_no_answer_get_none_and_crash_nothing(chat, update, caplog):
    assert await chat.send(update) == []
    assert "update failed" not in caplog.text


async def test_unknown_command_in_private_points_to_help(chat):
    sent = await chat.reply_to(said("/frobnicate"))
    assert sent["text"] == "I don't know /frobnicate. Send /help to see what I can do."


async def test_plain_text_in_private_gets_a_pointer_with_an_example_from_the_corpus(chat, library):
    example = await Commands(library).example_query()
    sent = await chat.reply_to(said("storm shadow please"))
    assert sent["text"] == CHATTER.format(example=example)


async def test_an_inline_offset_past_the_deepest_page_gets_nothing(chat):
    answer = (await chat.send(inline("storm", offset="100000")))[0]
    assert answer["results"] == []


async def test_a_reply_in_a_group_still_arrives_if_the_command_was_deleted(chat):
    sent = await chat.reply_to(said("/help", GROUP))
    assert sent["reply_parameters"]["allow_sending_without_reply"] is True


async def test_command_addressed_to_this_bot_in_a_group_is_answered(chat):
    sent = await chat.reply_to(said("/quote@PodQuoteBot storm shadow", GROUP))
    assert sent["chat_id"] == str(GROUP["id"]) and "<b>storm shadows</b>" in sent["text"]


async def test_forum_topic_gets_the_answer_in_the_same_topic(chat):
    sent = await chat.reply_to(in_topic("/quote storm shadow", thread_id=42))
    assert (sent["chat_id"], sent["message_thread_id"]) == (str(FORUM["id"]), "42")


async def test_channel_post_is_answered_in_the_channel_and_may_subscribe(chat, library):
    sent = await chat.reply_to(posted("/quote storm shadow"))
    assert sent["chat_id"] == str(CHANNEL["id"]) and "reply_markup" not in sent.params
    assert "Subscribed" in (await chat.reply_to(posted("/subscribe")))["text"]
    assert await library.storage.subscriptions("telegram", str(CHANNEL["id"]))


# Flood control


async def test_a_burst_is_answered_then_one_notice_then_silence_until_the_person_slows_down(chat, clock):
    answers = [await chat.send(said("/help")) for _ in range(5)]
    assert all(len(calls) == 1 for calls in answers)
    assert (await chat.reply_to(said("/help")))["text"] == TOO_FAST
    assert await chat.send(said("/help")) == []
    assert await chat.send(said("/help")) == []
    assert "I find what was said" in (await chat.reply_to(said("/help", BEN_PRIVATE, BEN)))["text"]
    clock.advance(3)
    assert "I find what was said" in (await chat.reply_to(said("/help")))["text"]


async def test_anonymous_administrators_of_different_groups_are_counted_apart(chat):
    for _ in range(5):
        await chat.reply_to(said("/help", GROUP, ANONYMOUS, sender_chat=GROUP))
    assert (await chat.reply_to(said("/help", GROUP, ANONYMOUS, sender_chat=GROUP)))["text"] == TOO_FAST
    other = await chat.reply_to(said("/help", FORUM, ANONYMOUS, sender_chat=FORUM))
    assert "I find what was said" in other["text"]


async def test_inline_queries_count_too_and_past_the_limit_get_an_empty_answer(chat, clock):
    for _ in range(5):
        assert (await chat.send(inline("storm")))[0]["results"]
    flooded = await chat.send(inline("storm"))
    assert [(c.method, c["results"]) for c in flooded] == [("answerInlineQuery", [])]
    # Only for this person, and briefly: others typing the same words still get the quotes.
    assert int(flooded[0]["cache_time"]) == INLINE_FLOOD_CACHE <= 5 and flooded[0]["is_personal"] == "true"
    assert flooded[0]["button"]["text"].startswith("Going a bit fast")
    assert (await chat.send(inline("storm", user=BEN)))[0]["results"]
    clock.advance(3)
    assert (await chat.send(inline("storm")))[0]["results"]
