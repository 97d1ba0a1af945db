"""The feed watcher: polls the feeds that are due, records what is new, hands notices to the outbox,
and fetches the transcripts feeds link to. It only sequences I/O; bot/feeds.py decides."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

from bot.background import Background, keep_running
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.feeds import (
    FeedError,
    FeedItem,
    FetchError,
    FetchResult,
    NoticePolicy,
    ParsedFeed,
    PollPolicy,
    TranscriptLink,
    backoff,
    next_poll,
    parse_feed,
    plan_items,
    preferred_transcripts,
    served_as_other,
    transcript_file_name,
)
from bot.fetch import Fetcher, FetchRefused, open_fetcher
from bot.feedstore import Feed, FeedHealth, FeedStore, WaitingTranscript
from bot.ingest import Metadata, episode_id_for, record_from_bytes
from bot.library import DATABASE_NAME, Library
from bot.metrics import Metrics
from bot.notify import EpisodeNotice
from bot.outbox import Outbox
from bot.pool import ParseAbandoned, ParsePool
from bot.storage import Storage
from search.errors import SearchIndexError, TranscriptError
from search.models import Episode

log = logging.getLogger(__name__)

TRANSCRIPTS_PER_ROUND = 20
TRANSCRIPT_MAX_BACKOFF = 86400.0
_MAX_SLEEP = 60.0
# A new episode's notices wait this long at most for the transcript its feed links (fetched in the
# same round, seconds later): so that they can say it is searchable.
TRANSCRIPT_HOLD = 600.0
_REASONS_LOGGED = 5


@dataclass(frozen=True, slots=True)
class WatchPolicy:
    """Everything the watcher is told: polling, announcing, and how long to look for transcripts."""

    poll: PollPolicy = PollPolicy()
    notices: NoticePolicy = NoticePolicy()
    transcript_wait: float = 14 * 86400.0

    @classmethod
    def from_settings(cls, settings: Settings) -> WatchPolicy:
        """The policy the operator configured."""
        poll = PollPolicy(interval=settings.poll_minutes * 60, pause_after=settings.feed_pause_after)
        return cls(poll=poll, transcript_wait=settings.transcript_wait_days * 86400)


@dataclass
class PollReport:
    """What one poll of one feed did."""

    feed: str
    ok: bool = True
    not_modified: bool = False
    error: str | None = None
    paused: bool = False
    new: int = 0
    announced: list[str] = field(default_factory=list)
    changed: int = 0
    skipped: list[str] = field(default_factory=list)


class Watcher:
    """Polls feeds on time and turns their new items into episodes, notices and transcripts; feeds and
    transcripts are read in the parse pool's worker process, never on the event loop."""

    def __init__(
        self,
        library: Library,
        feeds: FeedStore,
        outbox: Outbox,
        fetcher: Fetcher,
        parser: ParsePool,
        clock: Clock,
        policy: WatchPolicy = WatchPolicy(),
        platforms: Collection[str] = (),
        on_enqueued: Callable[[], None] | None = None,
    ) -> None:
        self.library = library
        self.feeds = feeds
        self.outbox = outbox
        self.policy = policy
        self.platforms = tuple(platforms)
        self._fetcher = fetcher
        self._parser = parser
        self._clock = clock
        self._on_enqueued = on_enqueued
        self.metrics = Metrics()
        self.feed_health: list[FeedHealth] = []

    async def run(self) -> None:
        """Poll what is due and look for transcripts, then sleep until the next feed is due; forever."""
        await keep_running(self._round, self._clock, "feed watcher")

    async def _round(self) -> None:
        await self.poll_due()
        await self.fetch_transcripts()
        next_at = await self.feeds.next_poll_at()
        wait = _MAX_SLEEP if next_at is None else next_at - self._clock.now()
        await self._clock.sleep(min(max(wait, 1.0), _MAX_SLEEP))

    def health(self) -> tuple[bool, str]:
        """Down while a feed is paused (it failed too often); failing feeds are only mentioned."""
        count = len(self.feed_health)
        paused = [h.feed.url for h in self.feed_health if h.feed.paused]
        failing = sum(1 for h in self.feed_health if h.feed.failing)
        if paused:
            return False, f"{len(paused)} of {count} feeds paused after failing: {', '.join(paused[:3])}"
        return True, f"watching {count} feed{'' if count == 1 else 's'}" + (f", {failing} failing" if failing else "")

    async def poll_due(self) -> list[PollReport]:
        """Poll every feed whose time has come, one after another; then take stock of them all."""
        reports = [await self._poll_safely(feed) for feed in await self.feeds.due(self._clock.now())]
        self.feed_health = await self.feeds.health()
        return reports

    async def _poll_safely(self, feed: Feed) -> PollReport:
        try:
            report = await self.poll(feed)
        except Exception as error:  # a bug or a feed nobody foresaw costs that feed one poll, nothing more
            log.exception("feed poll crashed feed=%s", feed.url)
            report = await self._failed(feed, f"internal error: {type(error).__name__}: {error}", None)
        self.metrics.feed_polls.inc(outcome="ok" if report.ok else "error")
        if not report.ok:
            self.metrics.feed_errors.inc()
        return report

    async def poll(self, feed: Feed) -> PollReport:
        """Fetch, read and record one feed; a failure is recorded and reported, never raised."""
        try:
            fetched = await self._fetcher.fetch(feed.fetch_url, feed.etag, feed.last_modified, trusted=feed.url)
            parsed = None if fetched.not_modified else await self._parser.run(
                parse_feed, fetched.body, fetched.url, fetched.content_type
            )
        except (FetchError, FeedError, ParseAbandoned) as error:
            return await self._failed(feed, str(error), getattr(error, "retry_after", None))
        if fetched.moved_to:
            log.info("feed moved permanently feed=%s to=%s", feed.url, fetched.moved_to)
        report = PollReport(feed.url, not_modified=fetched.not_modified)
        if parsed is not None:
            try:
                await self._record(feed, parsed, report)
            except SearchIndexError as error:  # busy or full: what was stored gets indexed by the next writer
                return await self._failed(feed, str(error), None)
        now = self._clock.now()
        title = parsed.title if parsed else None
        await self.feeds.record_ok(feed, fetched, title, next_poll(now, 0, self.policy.poll)[0], now)
        return report

    async def _failed(self, feed: Feed, error: str, retry_after: float | None) -> PollReport:
        now = self._clock.now()
        next_at, paused = next_poll(now, feed.errors + 1, self.policy.poll, retry_after)
        await self.feeds.record_failure(feed, error, next_at, paused, now)
        if paused:
            log.error("feed paused after %d failures in a row feed=%s error=%s (`podquote feed add` resumes it)",
                      feed.errors + 1, feed.url, error)
        else:
            log.warning("feed poll failed feed=%s failures=%d error=%s", feed.url, feed.errors + 1, error)
        return PollReport(feed.url, ok=False, error=error, paused=paused)

    async def _record(self, feed: Feed, parsed: ParsedFeed, report: PollReport) -> None:
        """New items become episodes (and notices); edited items update theirs."""
        _log_reasons(feed, parsed.skipped, "item skipped")
        if parsed.warning:
            log.warning("feed is malformed, read what could be read feed=%s problem=%s", feed.url, parsed.warning)
        known = await self.feeds.known_items(feed.id)
        now = datetime.fromtimestamp(self._clock.now(), timezone.utc)
        plan = plan_items(parsed.items, known, feed.primed, now, self.policy.notices)
        for reason in plan.reasons:
            log.info("not announced feed=%s reason=%s", feed.url, reason)
        podcast = parsed.title or feed.title or urlsplit(feed.url).hostname or feed.url
        new = await self._episode_ids(feed, plan.announce + plan.quiet)
        await self.library.list_episodes([_episode(item, i, podcast) for item, i in new], feed.url)
        for item in plan.changed:
            await self._update(item, known[item.key].episode_id, podcast)
        await self._save(feed, plan.announce, new, plan.changed, podcast)
        report.new, report.changed, report.skipped = len(new), len(plan.changed), list(parsed.skipped)
        report.announced = [item.title for item in plan.announce]

    async def _episode_ids(self, feed: Feed, items: list[FeedItem]) -> list[tuple[FeedItem, str]]:
        """Each item with its episode: the one already stored with its audio (a seed, a file ingested by
        hand, the same item under a new guid), else a new id. Not by link: many feeds give every item
        the show's page."""
        by_audio = await self.feeds.episodes_by_url([item.enclosure for item in items if item.enclosure])
        return [(item, by_audio.get(item.enclosure or "") or episode_id_for(f"{feed.url}\n{item.key}"))
                for item in items]

    async def _update(self, item: FeedItem, episode_id: str, podcast: str) -> None:
        if await self.library.update_listing(_episode(item, episode_id, podcast)):
            log.info("episode updated from its feed episode=%s title=%s", episode_id, item.title)
        await self.outbox.update_notice(episode_id, item.title, item.day, item.link or item.enclosure)

    async def _save(
        self, feed: Feed, announce: list[FeedItem], new: list[tuple[FeedItem, str]], changed: list[FeedItem],
        podcast: str,
    ) -> None:
        """Items and their deliveries in one transaction: an item is never seen without its notices."""
        ids = dict((item.key, episode_id) for item, episode_id in new)
        now = self._clock.now()
        enqueued = 0
        async with self.feeds.storage.transaction():
            await self.feeds.save_new_items(feed.id, new, now)
            await self.feeds.save_changed_items(feed.id, changed)
            for item in announce:
                due_at = now + TRANSCRIPT_HOLD if item.transcripts else now
                notice = _notice(item, ids[item.key], podcast)
                enqueued += await self.outbox.enqueue(notice, feed.names, self.platforms, now, due_at)
        for item in announce:
            log.info("new episode feed=%s title=%s", feed.url, item.title)
        if enqueued and self._on_enqueued:
            self._on_enqueued()

    # Transcripts

    async def fetch_transcripts(self, limit: int = TRANSCRIPTS_PER_ROUND) -> int:
        """Try the transcripts of up to `limit` waiting items (newest first); how many were ingested."""
        now = self._clock.now()
        for title in await self.feeds.settle_transcripts(now - self.policy.transcript_wait):
            log.info("no transcript came in time, stopped looking episode=%s", title)
        ingested = 0
        for item in await self.feeds.waiting_transcripts(now, limit):
            try:
                ingested += await self._fetch_transcript(item)
            except Exception as error:  # one bad transcript must not stop the watcher
                log.exception("transcript ingest crashed episode=%s", item.episode_id)
                await self.feeds.transcript_failed(item, f"internal error: {error}", self._retry_at(item))
        return ingested

    async def _fetch_transcript(self, item: WaitingTranscript) -> bool:
        """Try the item's links, best first; then its notices, held for the transcript, go out either way."""
        try:
            return await self._try_links(item)
        finally:
            if await self.outbox.release(item.episode_id, self._clock.now()) and self._on_enqueued:
                self._on_enqueued()

    async def _try_links(self, item: WaitingTranscript) -> bool:
        errors, refused = [], None
        for link in preferred_transcripts(item.transcripts):
            try:
                fetched = await self._fetcher.fetch(link.url, trusted=item.feed_url)
                await self._ingest(item, link, fetched)
            # An index busy or failing: the episode is stored and marked unindexed, the next writer indexes it.
            except (FetchError, TranscriptError, ParseAbandoned, SearchIndexError) as error:
                errors.append(f"{link.url}: {error}")
                refused = errors[-1] if isinstance(error, FetchRefused) else refused
                continue
            await self.feeds.transcript_ingested(item)
            return True
        await self.feeds.transcript_failed(item, "; ".join(errors), self._retry_at(item), refused)
        what = "refused by the fetch policy" if refused else "not usable"
        log.warning("transcript %s episode=%s feed=%s errors=%s", what, item.episode_id, item.feed_url, "; ".join(errors))
        return False

    def _retry_at(self, item: WaitingTranscript) -> float:
        return self._clock.now() + backoff(self.policy.poll.interval, item.tries + 1, TRANSCRIPT_MAX_BACKOFF)

    async def _ingest(self, item: WaitingTranscript, link: TranscriptLink, fetched: FetchResult) -> None:
        problem = served_as_other(link, fetched.content_type)
        if problem:
            raise TranscriptError(problem)
        metadata = Metadata(item.episode_id, item.podcast, item.title, item.published, item.urls)
        record = await self._parser.run(record_from_bytes, fetched.body, transcript_file_name(link), link.url, metadata)
        await self.library.ingest_record(record)


def _episode(item: FeedItem, episode_id: str, podcast: str) -> Episode:
    return Episode(episode_id, podcast, item.title, item.day, item.urls)


def _notice(item: FeedItem, episode_id: str, podcast: str) -> EpisodeNotice:
    url = item.link or item.enclosure
    return EpisodeNotice(episode_id, podcast, item.title, item.day, url, False, description=item.description)


def _log_reasons(feed: Feed, reasons: list[str], what: str) -> None:
    for reason in reasons[:_REASONS_LOGGED]:
        log.warning("%s feed=%s reason=%s", what, feed.url, reason)
    if len(reasons) > _REASONS_LOGGED:
        log.warning("%s feed=%s and %d more", what, feed.url, len(reasons) - _REASONS_LOGGED)



class WatcherService:
    """The feed watcher as a `podquote run` service, with its own database connection and HTTP session
    (the parse pool is the composition root's: it outlives the service)."""

    name = "feed watcher"

    def __init__(
        self, settings: Settings, library: Library, parser: ParsePool, platforms: Collection[str] = (),
        on_enqueued: Callable[[], None] | None = None, clock: Clock | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._library = library
        self._parser = parser
        self._platforms = tuple(platforms)
        self._on_enqueued = on_enqueued
        self._clock = clock or SystemClock()
        self._background = Background()
        self.watcher: Watcher | None = None

    async def start(self) -> None:
        """Add the configured feeds, then poll in the background."""
        self._storage = await Storage.open(self._settings.data_dir / DATABASE_NAME)
        self._sessions, fetcher = open_fetcher(self._settings)
        feeds = FeedStore(self._storage)
        await feeds.ensure(self._settings.feeds, self._clock.now())
        self.watcher = Watcher(
            self._library, feeds, Outbox(self._storage), fetcher, self._parser, self._clock,
            WatchPolicy.from_settings(self._settings), self._platforms, self._on_enqueued,
        )
        if self._metrics is not None:
            self.watcher.metrics = self._metrics
        self.watcher.feed_health = await feeds.health()  # /healthz knows of paused feeds at once
        self._background.start(self.watcher.run(), self.name)

    def health(self) -> tuple[bool, str]:
        """The watcher's health, as of its last round."""
        return self.watcher.health() if self.watcher else (False, "not started")

    async def stop(self) -> None:
        """Stop polling (a poll in progress is abandoned and done again next time)."""
        await self._background.stop()
        await self._sessions.aclose()
        await self._storage.close()
