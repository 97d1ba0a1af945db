"""Reading feeds and deciding about them: pure functions, no I/O."""

from datetime import datetime, timedelta, timezone

import pytest

from bot.feeds import (
    DESCRIPTION_CHARS,
    TITLE_CHARS,
    FeedError,
    FeedItem,
    KnownItem,
    NoticePolicy,
    PollPolicy,
    TranscriptLink,
    next_poll,
    parse_feed,
    plain_text,
    plan_items,
    preferred_transcripts,
    transcript_file_name,
)
from tests.bot.doubles import ENCODED_FEEDS, Item, encoded, rss

SEPT = datetime(2024, 9, 3, 10, 0, tzinfo=timezone.utc)
FEED_URL = "https://airships.example/feed.xml"


def _parse(items, **kw):
    return parse_feed(rss(items, **kw).encode(), FEED_URL)


def test_an_rss_item_gives_its_guid_title_links_date_description_and_every_transcript_link():
    feed = _parse([Item(
        title="Zeppelins &amp; you", guid="ep-1", link="https://airships.example/1",
        enclosure="https://cdn.example/1.mp3", published=SEPT,
        description="<p>All about <b>zeppelins</b> &amp; blimps.</p><p>Second para.</p>",
        transcripts=[("/t/1.html", "text/html"), ("https://t.example/1.vtt", "text/vtt"), ("1.srt", None)],
    )])
    assert feed.title == "Airship Hour"
    (item,) = feed.items
    assert (item.key, item.guid, item.title) == ("guid:ep-1", "ep-1", "Zeppelins & you")
    assert item.urls == ("https://airships.example/1", "https://cdn.example/1.mp3")
    assert item.published == SEPT and item.day.isoformat() == "2024-09-03"
    assert item.description == "All about zeppelins & blimps. Second para."
    assert item.transcripts == (
        TranscriptLink("https://airships.example/t/1.html", "text/html"),
        TranscriptLink("https://t.example/1.vtt", "text/vtt"),
        TranscriptLink("https://airships.example/1.srt", None),
    )


def test_an_atom_entry_is_read_too():
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"'
        ' xmlns:podcast="https://podcastindex.org/namespace/1.0"><title>Atomic</title>'
        '<entry><id>urn:ep:7</id><title>Seven</title><link href="/7"/>'
        '<link rel="enclosure" href="/7.mp3" type="audio/mpeg"/><updated>2024-01-02T03:04:05Z</updated>'
        '<podcast:transcript url="/7.vtt" type="text/vtt"/></entry></feed>'
    )
    (item,) = parse_feed(atom.encode(), "https://atomic.example/feed").items
    assert (item.key, item.title, item.link, item.enclosure) == (
        "guid:urn:ep:7", "Seven", "https://atomic.example/7", "https://atomic.example/7.mp3")
    assert item.transcripts == (TranscriptLink("https://atomic.example/7.vtt", "text/vtt"),)


def test_a_guid_is_kept_as_written_and_itunes_tags_fill_in_what_rss_lacks():
    itunes = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        "<channel><title>T</title><item><guid>1</guid><itunes:title>Only an iTunes title</itunes:title>"
        "<itunes:summary>A summary &lt;b&gt;in bold&lt;/b&gt;</itunes:summary></item></channel></rss>"
    )
    (item,) = parse_feed(itunes.encode(), FEED_URL).items
    assert (item.key, item.title, item.description) == ("guid:1", "Only an iTunes title", "A summary in bold")
    (moved,) = parse_feed(itunes.encode(), "https://elsewhere.example/feed").items
    assert moved.key == item.key  # a feed that moves keeps its items' identities


def test_an_item_without_a_guid_is_known_by_its_enclosure_then_link_then_title_and_date():
    feed = _parse([
        Item(title="A", enclosure="https://cdn.example/a.mp3", link="https://x.example/a"),
        Item(title="B", link="https://x.example/b"),
        Item(title="C", published=SEPT),
        Item(title="D"),
        Item(),
    ])
    assert [i.key for i in feed.items] == [
        "enclosure:https://cdn.example/a.mp3", "link:https://x.example/b", "title:C|2024-09-03", "title:D|"]
    assert feed.skipped == ("an item with no guid, enclosure, link or title",)


def test_duplicate_guids_keep_the_first_item_and_say_why_the_others_were_skipped():
    feed = _parse([Item(title="First", guid="same"), Item(title="Second", guid="same"), Item(title="Other", guid="o")])
    assert [i.title for i in feed.items] == ["First", "Other"]
    assert feed.skipped == ("duplicate item 'guid:same': only its first occurrence is used",)


def test_malformed_xml_still_gives_the_items_before_the_break_with_a_warning():
    broken = rss([Item(title="Good", guid="g1"), Item(title="Also good", guid="g2")]).replace("</channel></rss>", "<item><title>cut")
    feed = parse_feed(broken.encode(), FEED_URL)
    assert [i.title for i in feed.items][:2] == ["Good", "Also good"]
    assert feed.warning


def test_a_bare_guid_is_kept_as_written_even_when_the_xml_is_malformed():
    items = [Item(title="One", guid="ep-1", bare_guid=True), Item(title="Two", guid="ep-2", bare_guid=True)]
    broken = rss(items).replace("<title>Two</title>", "<title>Two & a stray ampersand</title>")
    feed = parse_feed(broken.encode(), FEED_URL)
    assert feed.warning
    assert [i.key for i in feed.items] == ["guid:ep-1", "guid:ep-2"] == [i.key for i in _parse(items).items]


@pytest.mark.parametrize("body", [b"", b"hello, not a feed at all", b"<html><body><p>a page</p></body></html>"])
def test_something_that_is_not_a_feed_is_refused_with_a_reason(body):
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        parse_feed(body, FEED_URL)


def test_a_broken_feed_with_a_reference_to_no_character_is_refused_with_a_reason():
    # Found by bench/fuzz/fuzz_feeds.py: feedparser's loose parser raised chr()'s ValueError.
    broken = rss([Item(title="Past U+10FFFF: &#x110000;", guid="g")]).replace("&amp;#x110000;", "&#x110000;")
    with pytest.raises(FeedError, match="malformed feed"):
        parse_feed(broken.replace("</channel>", "<item>cut").encode(), FEED_URL)


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY l0 "lol">\n'
    + "".join(f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">\n' for i in range(1, 10))
    + ']>\n<rss version="2.0"><channel><title>&l9;</title><item><title>&l9;</title><guid>g</guid></item></channel></rss>'
)
# feedparser's fallback parser expands "safe" entities without limit: 100 kB x 2000 = 200 MB.
QUADRATIC = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "' + "a" * 100_000 + '">\n]>\n'
    '<rss version="2.0"><channel><title>x</title><item><title>' + "&big;" * 2000 + "</title><guid>g</guid></item></channel></rss>"
)


@pytest.mark.parametrize("document", [
    BILLION_LAUGHS.encode(),
    BILLION_LAUGHS.replace("\n", "").encode(),
    QUADRATIC.encode(),
    BILLION_LAUGHS.encode("utf-16"),
    b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "file:///etc/passwd" [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<rss version="2.0"><channel><title>&x;</title></channel></rss>',
])
def test_entity_declarations_are_refused_before_any_parser_sees_them(document):
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(document, FEED_URL)


def test_a_plain_doctype_without_entities_is_fine():
    doctype = '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">'
    body = rss([Item(title="Old school", guid="1")]).replace("?>\n", "?>\n" + doctype + "\n", 1)
    assert [i.title for i in parse_feed(body.encode(), FEED_URL).items] == ["Old school"]


def test_thousands_of_items_are_read():
    feed = _parse([Item(title=f"Episode {n}", guid=f"g{n}", published=SEPT - timedelta(days=n)) for n in range(3000)])
    assert len(feed.items) == 3000 and feed.items[-1].title == "Episode 2999"


def test_timed_transcripts_are_tried_first():
    links = [TranscriptLink("https://t/x.txt", "text/plain"), TranscriptLink("https://t/x.html", "text/html"),
             TranscriptLink("https://t/x.json", "application/json"), TranscriptLink("https://t/x", "application/x-subrip"),
             TranscriptLink("https://t/x.vtt", None), TranscriptLink("https://t/x.pdf", "application/pdf")]
    assert [l.url for l in preferred_transcripts(links)] == [
        "https://t/x.vtt", "https://t/x", "https://t/x.json", "https://t/x.html", "https://t/x.txt", "https://t/x.pdf"]


def test_a_transcript_file_name_carries_the_declared_type():
    assert transcript_file_name(TranscriptLink("https://t.example/ep/1/transcript?x=1", "text/vtt")) == "transcript.vtt"
    assert transcript_file_name(TranscriptLink("https://t.example/1.srt", "application/srt")) == "1.srt"
    assert transcript_file_name(TranscriptLink("https://t.example/", None)) == "t.example"


@pytest.mark.parametrize("piece", ["<", "<a", "<!--", "<p <b "])
def test_tag_stripping_is_linear_on_a_megabyte_of_unclosed_tags(piece):
    # `<[^>]*>` scanned to the end of the text from every `<`: minutes for this, holding the GIL.
    text = plain_text(piece * (1_000_000 // len(piece)), limit=10_000)
    assert text is not None and len(text) <= 10_000 and ">" not in text


def test_long_text_is_cut_at_a_space_or_mid_word_when_it_has_none():
    assert plain_text("word " * 100, 22) == "word word word word…"
    assert plain_text("第一集：人工智能的未来" * 50, 10) == "第一集：人工智能的…"


def test_markup_is_dropped_and_a_stray_angle_bracket_kept():
    assert plain_text('<b>Bold</b> &lt;i&gt; and <a href="x">a link</a> 5 < 6', 300) == "Bold <i> and a link 5 < 6"


def test_hostile_titles_and_show_notes_are_cut_to_their_caps():
    soup = "<p <b <!--<a href='x" * 20_000
    feed = _parse([Item(title="&lt;" * 200_000 + " end", guid="lt"), Item(title="Soup " * 1000, guid="s", description=soup),
                   Item(title="Notes", guid="n", description="word " * 10_000)], title="<" * 200_000)
    assert len(feed.title) <= TITLE_CHARS and [len(i.title) <= TITLE_CHARS for i in feed.items] == [True] * 3
    assert feed.items[1].title.startswith("Soup Soup") and feed.items[1].title.endswith("…")
    assert feed.items[2].description.startswith("word word") and len(feed.items[2].description) <= DESCRIPTION_CHARS


@pytest.mark.parametrize(("title", "titles", "encoding", "declared"), ENCODED_FEEDS)
def test_a_feed_in_another_encoding_is_read_as_written_transcript_links_and_all(title, titles, encoding, declared):
    links = [("/t/1.vtt", "text/vtt"), ("/t/1.srt", "application/x-subrip")]
    items = [Item(title=titles[0], guid="g1", transcripts=links), Item(title=titles[1], guid="g2")]
    feed = parse_feed(encoded(rss(items, title=title), encoding, declared), FEED_URL)
    assert (feed.title, [i.title for i in feed.items], feed.warning) == (title, titles, None)
    assert [l.url for l in feed.items[0].transcripts] == [  # both: our own pass read the XML
        "https://airships.example/t/1.vtt", "https://airships.example/t/1.srt"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_unicode_feeds_with_or_without_a_byte_order_mark_are_read(encoding):
    feed = parse_feed(encoded(rss([Item(title="Ünïcode 臺灣", guid="u")], title="Ü"), encoding), FEED_URL)
    assert (feed.title, feed.items[0].title) == ("Ü", "Ünïcode 臺灣")


def test_the_http_charset_is_taken_when_the_bytes_bear_it_out():
    body = encoded(rss([Item(title="Первый выпуск: утро в Москве", guid="r")]), "koi8-r").replace(
        b' encoding="koi8-r"', b"")
    assert parse_feed(body, FEED_URL, "application/rss+xml; charset=KOI8-R").items[0].title == "Первый выпуск: утро в Москве"


# Deciding what is new


def _item(key, title="T", published=SEPT, link=None):
    return FeedItem(key=key, title=title, published=published, link=link)


def _known(item: FeedItem) -> KnownItem:
    return KnownItem(item.key, "ep-" + item.key, item.title, item.link, item.enclosure,
                     item.published.isoformat() if item.published else None, item.transcripts)


def test_a_first_poll_records_the_backlog_and_announces_nothing():
    items = [_item("a"), _item("b")]
    plan = plan_items(items, {}, primed=False, now=SEPT)
    assert (plan.announce, plan.quiet) == ([], items)
    assert plan.reasons == ["first poll: 2 items recorded as seen, none announced"]


def test_a_later_poll_announces_only_the_items_not_seen_before():
    old, new = _item("a"), _item("b")
    plan = plan_items([new, old], {"a": _known(old)}, primed=True, now=SEPT + timedelta(hours=1))
    assert (plan.announce, plan.quiet, plan.changed) == ([new], [], [])


def test_an_edited_item_is_a_change_not_a_new_episode():
    before = _item("a", title="Tpyo")
    after = _item("a", title="Typo", link="https://x.example/a")
    plan = plan_items([after], {"a": _known(before)}, primed=True, now=SEPT)
    assert (plan.announce, plan.changed) == ([], [after])
    assert plan_items([before], {"a": _known(before)}, primed=True, now=SEPT).changed == []


def test_old_items_appearing_late_are_recorded_without_a_notice():
    late = _item("late", published=SEPT - timedelta(days=30))
    fresh = _item("fresh", published=SEPT - timedelta(days=1))
    undated = _item("undated", published=None)
    plan = plan_items([fresh, late, undated], {}, primed=True, now=SEPT)
    assert plan.announce == [undated, fresh] and plan.quiet == [late]
    assert "1 new items older than 14 days" in plan.reasons[0]


def test_a_flood_of_new_items_announces_only_the_newest_few():
    items = [_item(f"i{n}", published=SEPT - timedelta(hours=n)) for n in range(40)]
    plan = plan_items(items, {}, primed=True, now=SEPT, policy=NoticePolicy(max_per_poll=3))
    assert [i.key for i in plan.announce] == ["i0", "i1", "i2"]
    assert len(plan.quiet) == 37 and "40 new items at once" in plan.reasons[0]


# Deciding when to poll


def test_polls_back_off_exponentially_up_to_a_cap_then_the_feed_is_paused():
    policy = PollPolicy(interval=600, max_backoff=3 * 3600, pause_after=8, paused_interval=86400)
    delays = [next_poll(0, failures, policy)[0] for failures in range(0, 9)]
    assert delays == [600, 1200, 2400, 4800, 9600, 10800, 10800, 10800, 86400]
    assert [next_poll(0, f, policy)[1] for f in (7, 8, 9)] == [False, True, True]


def test_a_retry_after_from_the_server_is_honoured_but_never_beyond_the_paused_interval():
    policy = PollPolicy(interval=600, paused_interval=86400)
    assert next_poll(0, 1, policy, retry_after=7200)[0] == 7200
    assert next_poll(0, 1, policy, retry_after=10**9)[0] == 86400
