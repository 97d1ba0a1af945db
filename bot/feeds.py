"""Podcast feeds: reading them, and the pure decisions about them (fetching them is bot/fetch.py).

Read: the fetched bytes decoded (whatever their encoding), entity declarations refused, then
feedparser, plus the Podcasting 2.0 `<podcast:transcript>` links that feedparser keeps only one of.
Work over feed text stays linear and bounded (titles and descriptions capped before they are read).
Decide: which items are new, when to poll next.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.message import Message
from html import unescape
from typing import Any
from urllib.parse import urljoin

import feedparser

from search.errors import PodquoteError

log = logging.getLogger(__name__)

MAX_ITEMS = 10_000
TITLE_CHARS = 300
DESCRIPTION_CHARS = 300
# Markup allowed around a title's or a description's text: what is past it is never read.
_MARKUP_FACTOR = 100
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DECLARATION_CHARS = 1000
# Bounded: read from the start of a feed only, each part at most so long.
_XML_ENCODING = re.compile(rb"""\s{0,100}<\?xml[^<>]{0,200}?\sencoding\s{0,10}=\s{0,10}["']([\w.:-]{1,40})["']""")
# How UTF-16 and UTF-32 documents begin: a byte order mark, or else "<" (XML 1.0, appendix F).
_UNICODE_STARTS = (
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"),
)
# A tag: `<` up to the next `>` that comes before any other `<`. Linear: each scan stops at the next
# `<`, where `<[^>]*>` ran on to the end of the text from every `<` (quadratic: 200,000 `&lt;` in a
# title took 15 s, holding the interpreter lock).
_TAG = re.compile(r"<[^<>]*>")
_TAG_BYTES = re.compile(rb"<[^<>]*>")
# The Podcasting 2.0 namespace, and the address some early feeds declared it by.
_PODCAST_NAMESPACES = ("podcastindex.org/namespace/1.0", "Podcastindex-org/podcast-namespace")
_ATOM = "{http://www.w3.org/2005/Atom}"
# Transcript types, the timed ones first: a quote can then link to its moment.
_TRANSCRIPT_TYPES = (
    ("text/vtt", ".vtt"),
    ("application/x-subrip", ".srt"),
    ("application/srt", ".srt"),
    ("text/srt", ".srt"),
    ("application/json", ".json"),
    ("text/html", ".html"),
    ("text/plain", ".txt"),
)
# What a transcript is served as: HTML only when the feed declared HTML (else an error or login
# page), and never a picture, a sound or a film.
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_NEVER_TRANSCRIPTS = ("image/", "audio/", "video/", "font/", "model/")


class FeedError(PodquoteError, ValueError):
    """A feed could not be read: not a feed, or refused (entity declarations); the reason says which."""


class FetchError(PodquoteError, OSError):
    """A fetch failed (network, HTTP status, too large, too slow, redirect loop)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


# Values


@dataclass(frozen=True, slots=True)
class TranscriptLink:
    """A `<podcast:transcript>` link: where the transcript is and its declared type."""

    url: str
    type: str | None = None


@dataclass(frozen=True, slots=True)
class RawItem:
    """What feedparser loses of an item (see raw_items): its guid as written, all its transcript links."""

    guid: str | None = None
    transcripts: tuple[TranscriptLink, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One item (episode) of a feed, as read; `key` is what identifies it from poll to poll."""

    key: str
    title: str
    guid: str | None = None
    link: str | None = None
    enclosure: str | None = None
    published: datetime | None = None
    description: str | None = None
    transcripts: tuple[TranscriptLink, ...] = ()

    @property
    def urls(self) -> tuple[str, ...]:
        """The episode's page, then its audio."""
        return tuple(url for url in (self.link, self.enclosure) if url)

    @property
    def day(self) -> date | None:
        """The air date (UTC)."""
        return self.published.date() if self.published else None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed's title and its usable items, in the feed's order; `skipped` says what was left out and why."""

    title: str | None
    items: tuple[FeedItem, ...]
    skipped: tuple[str, ...] = ()
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a fetch brought: the body (empty when not modified) and what to send next time."""

    status: int
    body: bytes = b""
    url: str = ""
    moved_to: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None

    @property
    def not_modified(self) -> bool:
        """304: nothing new since the last poll."""
        return self.status == 304


# Reading


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Read a feed's bytes (RSS 2.0, Atom, iTunes, Podcasting 2.0; any encoding); FeedError when it
    isn't usable. Seconds of work on a big feed: the watcher runs it in a worker process (bot/pool.py)."""
    document = as_utf8(decode_feed(body, content_type))
    refuse_entity_declarations(document)
    parsed = _feedparser(document, url)
    warning = str(parsed.get("bozo_exception", "")) or None if parsed.get("bozo") else None
    if not parsed.get("version") and not parsed.entries:
        raise FeedError(f"not an RSS or Atom feed ({warning or 'no feed elements found'})")
    if not parsed.entries and warning:
        raise FeedError(f"malformed feed: {warning}")
    entries = parsed.entries[:MAX_ITEMS]
    items, skipped = read_items(entries, raw_items(document, entries, url))
    if len(parsed.entries) > MAX_ITEMS:
        skipped.append(f"{len(parsed.entries) - MAX_ITEMS} items past the first {MAX_ITEMS} not read")
    return ParsedFeed(plain_text(parsed.feed.get("title"), TITLE_CHARS), tuple(items), tuple(skipped), warning)


def decode_feed(body: bytes, content_type: str | None = None) -> str:
    """A feed's text. Valid UTF-8 is UTF-8 whatever is declared (a wrong declaration is common, and
    other text is hardly ever valid UTF-8). Other bytes: the encoding they declare (HTTP charset, then
    XML declaration) if charset-normalizer finds the text plausible in it, else the one it finds
    likeliest. (expat reads no multi-byte encoding, Big5, GB2312, EUC-KR; feedparser read a wrongly
    declared feed as windows-1252: mojibake.)"""
    start = next((codec for mark, codec in _UNICODE_STARTS if body.startswith(mark)), None)
    if start is not None:
        return body.decode(start, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Judged on the text between the tags: ASCII markup drowns the letters that tell encodings apart.
    text = _TAG_BYTES.sub(b" ", body)
    declared = [name for name in (_http_charset(content_type), _xml_encoding(body)) if name]
    encoding = next((name for name in declared if _plausible(text, name)), None) or _likeliest(text)
    if encoding is None:
        raise FeedError("not an RSS or Atom feed (not text in any encoding)")
    return body.decode(encoding, errors="replace")


def _plausible(text: bytes, encoding: str) -> bool:
    return _charset_matches(text, [encoding]).best() is not None


def _likeliest(text: bytes) -> str | None:
    best = _charset_matches(text).best()
    return best.encoding if best else None


def _charset_matches(text: bytes, only: list[str] | None = None) -> Any:
    # Imported here: only feeds that aren't UTF-8 need it, and `podquote quote` imports this module.
    import charset_normalizer

    return charset_normalizer.from_bytes(text, cp_isolation=only)


def as_utf8(text: str) -> bytes:
    """A feed's text as UTF-8 bytes that say nothing else: without the XML declaration, which named
    the encoding the bytes came in (XML without one is UTF-8)."""
    text = text.lstrip("\ufeff \t\r\n")
    if text.startswith("<?xml"):
        end = text.find("?>", 0, _DECLARATION_CHARS)
        text = text[end + 2 :] if end != -1 else text
    return text.encode("utf-8")


def _xml_encoding(body: bytes) -> str | None:
    declaration = _XML_ENCODING.match(body, 0, _DECLARATION_CHARS)
    return _codec(declaration[1].decode("ascii")) if declaration else None


def _http_charset(content_type: str | None) -> str | None:
    header = Message()
    header["content-type"] = content_type or ""
    charset = header.get_content_charset()
    return _codec(charset) if charset else None


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _feedparser(document: bytes, url: str | None = None) -> Any:
    """feedparser over UTF-8 bytes, as a stream (it would take a str or bytes for a URL or a file name
    to open). Without its HTML sanitizer: only plain text is kept (and each adapter escapes it), and the
    sanitizer is quadratic on tag soup (200,000 `<!--` in a description took 8 s)."""
    headers = {"content-type": "application/xml; charset=utf-8"}
    if url:
        headers["content-location"] = url
    try:
        return feedparser.parse(
            io.BytesIO(document), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except ValueError as error:  # its loose parser calls chr() on any character reference (found by fuzzing)
        raise FeedError(f"malformed feed: {error}") from None


def refuse_entity_declarations(body: bytes) -> None:
    """Refuse a document that declares entities: real feeds never do, and feedparser's fallback parser
    expands the ones it deems safe without limit (200 kB of feed became a 200 MB title in our test)."""
    text = body.replace(b"\x00", b"")  # UTF-16 and UTF-32 markup reads as ASCII without its NULs
    root = _ROOT_ELEMENT.search(text)
    prologue = text[: root.start() if root else len(text)]
    if b"<!entity" in prologue.lower():
        raise FeedError("refused: it declares XML entities (an entity-expansion attack, or a broken feed)")


def read_items(entries: Sequence[Mapping[str, Any]], raws: Sequence[RawItem]) -> tuple[list[FeedItem], list[str]]:
    """The usable items, first of each identity; the reasons for the others."""
    items, skipped, seen = [], [], set()
    for entry, raw in zip(entries, raws):
        item = read_item(entry, raw)
        if isinstance(item, str):
            skipped.append(item)
        elif item.key in seen:
            skipped.append(f"duplicate item {item.key!r}: only its first occurrence is used")
        else:
            seen.add(item.key)
            items.append(item)
    return items, skipped


def read_item(entry: Mapping[str, Any], raw: RawItem = RawItem()) -> FeedItem | str:
    """One feedparser entry (with what feedparser lost of it) as a FeedItem, or the reason it can't be one."""
    guid = raw.guid or _clean(entry.get("id"))
    link = _clean(entry.get("link"))
    enclosure = next((_clean(l.get("href")) for l in entry.get("links", ()) if l.get("rel") == "enclosure"), None)
    title = plain_text(entry.get("title") or entry.get("itunes_title"), TITLE_CHARS)
    published = _published(entry)
    key = item_key(guid, enclosure, link, title, published)
    if key is None:
        return "an item with no guid, enclosure, link or title"
    return FeedItem(
        key=key,
        title=title or _title_from(link or enclosure) or "Untitled episode",
        guid=guid, link=link if link != enclosure else None, enclosure=enclosure, published=published,
        description=_description(entry), transcripts=raw.transcripts,
    )


def item_key(
    guid: str | None, enclosure: str | None, link: str | None, title: str | None, published: datetime | None
) -> str | None:
    """What identifies an item: its guid, else its enclosure URL, else its link, else title and date."""
    if guid:
        return f"guid:{guid}"
    if enclosure:
        return f"enclosure:{enclosure}"
    if link:
        return f"link:{link}"
    if title:
        return f"title:{title}|{published.date().isoformat() if published else ''}"
    return None


def plain_text(html: str | None, limit: int) -> str | None:
    """Markup dropped, entities decoded, whitespace squeezed; cut at a word under `limit` characters.
    Only the first `limit` x 100 characters are read: outside text gets bounded work."""
    if not html:
        return None
    html = html[: limit * _MARKUP_FACTOR]
    text = " ".join(unescape(_TAG.sub(" ", html)).split())
    return _cut(text, limit) if len(text) > limit else text or None


def _cut(text: str, limit: int) -> str:
    """The text cut to `limit` characters with an ellipsis: at a space in the last half, or else mid-word
    (Chinese and Japanese put no spaces between words; textwrap.shorten left only the ellipsis)."""
    kept = text[: limit - 1]
    space = kept.rfind(" ")
    return (kept[:space] if space > limit // 2 else kept).rstrip() + "…"


def _description(entry: Mapping[str, Any]) -> str | None:
    content = entry.get("content") or [{}]
    return plain_text(entry.get("summary") or content[0].get("value"), DESCRIPTION_CHARS)


def _published(entry: Mapping[str, Any]) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


def _clean(value: object) -> str | None:
    return str(value).strip() or None if value else None


def _title_from(url: str | None) -> str | None:
    return url.rstrip("/").rsplit("/", 1)[-1] or None if url else None


# What feedparser loses, read in a pass of our own: every <podcast:transcript> (it keeps only the last
# element of a name it doesn't know, https://github.com/kurtmckee/feedparser/issues/301), and the guid
# as written (it resolves a permalink guid like "1" against the feed's address, which would make
# every item new again when the feed moves).


def raw_items(body: bytes, entries: Sequence[Mapping[str, Any]], base: str = "") -> list[RawItem]:
    """Each entry's RawItem, matched to the entries by position (or by guid when the counts differ);
    a lenient reading when the XML is too broken for ours."""
    try:
        found = _scan_items(body, base)
    except ElementTree.ParseError:
        return _tolerant_raw_items(body, entries, base)
    if len(found) == len(entries):
        return found
    by_guid = {raw.guid: raw for raw in found if raw.guid}
    return [by_guid.get(_clean(entry.get("id")) or "", RawItem()) for entry in entries]


def _scan_items(body: bytes, base: str) -> list[RawItem]:
    """The RawItem of every item or entry, in order; safe because entity declarations were refused."""
    found: list[RawItem] = []
    guid, links, depth = None, [], 0
    for event, element in ElementTree.iterparse(io.BytesIO(body), events=("start", "end")):
        is_item = element.tag in ("item", f"{_ATOM}entry") or element.tag.endswith("}item")
        if event == "start":
            depth += is_item
            continue
        if is_item:
            found.append(RawItem(guid, tuple(links)))
            guid, links, depth = None, [], depth - 1
            element.clear()
        elif depth and element.tag in ("guid", f"{_ATOM}id"):
            guid = _clean(element.text)
        elif depth and _is_transcript(element.tag) and element.get("url"):
            links.append(TranscriptLink(urljoin(base, element.get("url", "").strip()), element.get("type")))
    return found


def _tolerant_raw_items(body: bytes, entries: Sequence[Mapping[str, Any]], base: str) -> list[RawItem]:
    """For XML too broken for our own pass: the guids from feedparser's lenient parser, read again
    without the feed's address so that nothing is resolved against it, and one transcript link each."""
    unresolved = _feedparser(body).entries[: len(entries)]
    if len(unresolved) != len(entries):
        unresolved = [{} for _ in entries]
    return [RawItem(_clean(raw.get("id")), _feedparser_transcript(entry, base))
            for raw, entry in zip(unresolved, entries)]


def _is_transcript(tag: str) -> bool:
    return tag.endswith("}transcript") and any(ns in tag for ns in _PODCAST_NAMESPACES)


def _feedparser_transcript(entry: Mapping[str, Any], base: str) -> tuple[TranscriptLink, ...]:
    kept = entry.get("podcast_transcript")
    if isinstance(kept, Mapping) and kept.get("url"):
        return (TranscriptLink(urljoin(base, str(kept["url"]).strip()), kept.get("type")),)
    return ()


def preferred_transcripts(links: Iterable[TranscriptLink]) -> list[TranscriptLink]:
    """Transcript links in the order to try them: timed formats (WebVTT, SRT, JSON) first."""
    return sorted(links, key=_transcript_rank)


def transcript_file_name(link: TranscriptLink) -> str:
    """A file name for a downloaded transcript whose extension says its declared type (which helps
    tell formats apart)."""
    name = link.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or "transcript"
    declared = _media_type(link.type)
    suffix = next((suffix for kind, suffix in _TRANSCRIPT_TYPES if kind == declared), "")
    return name if name.lower().endswith(suffix) else name + suffix


def served_as_other(link: TranscriptLink, content_type: str | None) -> str | None:
    """Why a transcript served with this Content-Type is not what the feed declared: HTML where HTML
    was not declared (an error page), a picture, a sound. None when it may be: a missing or unknown
    type (application/octet-stream, text/plain for WebVTT) leaves it to the content."""
    served, declared = _media_type(content_type), _media_type(link.type)
    if served in _HTML_TYPES and declared not in _HTML_TYPES:
        return f"served as {served}, but the feed declared {declared or 'no type'} (an error page?)"
    if served.startswith(_NEVER_TRANSCRIPTS):
        return f"served as {served}, not a transcript"
    return None


def _media_type(text: str | None) -> str:
    """A Content-Type's or a declared type's media type, without parameters: 'text/vtt'."""
    return (text or "").split(";")[0].strip().lower()


def _transcript_rank(link: TranscriptLink) -> int:
    declared = _media_type(link.type)
    path = link.url.split("?")[0].lower()
    for rank, (kind, suffix) in enumerate(_TRANSCRIPT_TYPES):
        if declared == kind or (not declared and path.endswith(suffix)):
            return rank
    return len(_TRANSCRIPT_TYPES)


# Deciding (pure)


@dataclass(frozen=True, slots=True)
class KnownItem:
    """An item as recorded at an earlier poll: enough to tell whether it was edited since."""

    key: str
    episode_id: str
    title: str
    link: str | None
    enclosure: str | None
    published: str | None
    transcripts: tuple[TranscriptLink, ...] = ()

    def differs_from(self, item: FeedItem) -> bool:
        """Whether the feed changed this item (title, links, date or transcripts)."""
        published = item.published.isoformat() if item.published else None
        mine = (self.title, self.link, self.enclosure, self.published, self.transcripts)
        return mine != (item.title, item.link, item.enclosure, published, item.transcripts)


@dataclass(frozen=True, slots=True)
class NoticePolicy:
    """What is announced: only items newer than `max_age`, and at most `max_per_poll` of them at once."""

    max_age: timedelta = timedelta(days=14)
    max_per_poll: int = 5


@dataclass
class ItemPlan:
    """What to do with a poll's items: announce, record quietly, update; and why some are quiet."""

    announce: list[FeedItem] = field(default_factory=list)
    quiet: list[FeedItem] = field(default_factory=list)
    changed: list[FeedItem] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def plan_items(
    items: Sequence[FeedItem], known: Mapping[str, KnownItem], primed: bool, now: datetime,
    policy: NoticePolicy = NoticePolicy(),
) -> ItemPlan:
    """Which items are new (and announced), which are edits; a first poll's backlog is never announced."""
    plan = ItemPlan(changed=[i for i in items if i.key in known and known[i.key].differs_from(i)])
    new = [item for item in items if item.key not in known]
    if not primed:
        plan.quiet = new
        if new:
            plan.reasons.append(f"first poll: {len(new)} items recorded as seen, none announced")
        return plan
    fresh = [item for item in new if not item.published or now - item.published <= policy.max_age]
    old = [item for item in new if item.published and now - item.published > policy.max_age]
    if old:
        plan.reasons.append(f"{len(old)} new items older than {policy.max_age.days} days recorded, not announced")
    plan.announce = _newest(fresh)[: policy.max_per_poll]
    flood = _newest(fresh)[policy.max_per_poll :]
    if flood:
        plan.reasons.append(f"{len(fresh)} new items at once: announced the newest {policy.max_per_poll}")
    plan.quiet = old + flood
    return plan


def _newest(items: Sequence[FeedItem]) -> list[FeedItem]:
    """Newest first; an undated item counts as new as can be; the feed's order breaks ties."""
    floor = datetime.max.replace(tzinfo=timezone.utc)
    order = {item.key: n for n, item in enumerate(items)}
    return sorted(items, key=lambda i: (-(i.published or floor).timestamp(), order[i.key]))


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How often to poll, how to back off after failures, and when to pause a feed that keeps failing."""

    interval: float = 600.0
    max_backoff: float = 6 * 3600.0
    pause_after: int = 10
    paused_interval: float = 24 * 3600.0


def backoff(base: float, failures: int, cap: float) -> float:
    """base, doubled for each failure after the first, at most cap."""
    return min(cap, base * 2 ** max(0, min(failures - 1, 30)))


def next_poll(now: float, failures: int, policy: PollPolicy, retry_after: float | None = None) -> tuple[float, bool]:
    """When to poll a feed next after `failures` failures in a row (0: it worked), and whether it is paused."""
    if failures == 0:
        return now + policy.interval, False
    if failures >= policy.pause_after:
        return now + policy.paused_interval, True
    delay = backoff(policy.interval * 2, failures, policy.max_backoff)
    return now + min(max(delay, retry_after or 0.0), policy.paused_interval), False
