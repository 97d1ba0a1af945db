"""The outbox of new-episode notices, and the dispatcher that delivers them within platform limits.

The deliveries table is the queue, keyed by (episode, platform, chat): enqueueing twice is a no-op.
A row is marked 'sending' (committed) before its notice goes out and 'sent' right after, so after a
kill -9 only the rows still 'sending' can have gone out without being marked; they are sent again
at start-up, the one duplicate per message in flight that no chat platform lets us rule out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.background import Background, keep_running
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.feeds import backoff
from bot.metrics import Metrics
from bot.notify import DeliveryFailed, EpisodeNotice, Notifier, RecipientBroken, RecipientGone, RetryLater
from bot.ratelimit import Limiter, PlatformLimits
from bot.library import DATABASE_NAME
from bot.storage import Storage

log = logging.getLogger(__name__)

_BATCH = 500
_IDLE_SECONDS = 30.0
# A send that takes longer than this is given up as a passing failure (the platform may have it).
_SEND_TIMEOUT = 60.0
# How long stopping waits for the sends in flight: the bot must stop within a few seconds.
_STOP_GRACE = 3.0


@dataclass(frozen=True, slots=True)
class Delivery:
    """One notice to one chat."""

    episode_id: str
    platform: str
    chat_id: str
    attempts: int
    created_at: float


@dataclass(frozen=True, slots=True)
class Outcome:
    """What becomes of a delivery after a failed attempt: its new status, when to retry, the error kept."""

    status: str
    retry_at: float | None
    error: str


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How often a notice is tried, how retries back off, and how old a notice may go out."""

    max_attempts: int = 5
    base_backoff: float = 30.0
    max_backoff: float = 3600.0
    max_age: float = 3 * 86400.0


def after_failure(error: BaseException, attempts: int, now: float, policy: DeliveryPolicy) -> Outcome:
    """Decide what a failed attempt (the `attempts`-th) means: retry when, give up, or the chat is gone."""
    reason = f"{type(error).__name__}: {error}"
    if isinstance(error, RecipientGone):
        return Outcome("gone", None, reason)
    if isinstance(error, DeliveryFailed) or attempts >= policy.max_attempts:
        return Outcome("failed", None, reason)
    if isinstance(error, RetryLater):
        return Outcome("pending", now + max(0.0, error.after), reason)
    return Outcome("pending", now + backoff(policy.base_backoff, attempts, policy.max_backoff), reason)


class Outbox:
    """The notices and deliveries tables: enqueueing (the watcher) and claiming and marking (the dispatcher)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._db = storage.db

    async def enqueue(
        self, notice: EpisodeNotice, feeds: Sequence[str], platforms: Collection[str], now: float,
        due_at: float | None = None,
    ) -> int:
        """Keep the notice, and a delivery (due at `due_at`, else now) for every active subscriber of
        these feeds on these platforms. Enqueueing the same episode again adds nobody twice. How many
        deliveries were added."""
        if not platforms:
            return 0
        async with self.storage.transaction() as db:
            await db.execute(
                # An upsert, not INSERT OR REPLACE: a replaced row would take its deliveries with it.
                "INSERT INTO notices (episode_id, podcast, title, published, url, description)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (episode_id) DO UPDATE SET podcast = excluded.podcast,"
                " title = excluded.title, published = excluded.published, url = excluded.url,"
                " description = excluded.description",
                (notice.episode_id, notice.podcast, notice.title,
                 notice.published.isoformat() if notice.published else None, notice.url, notice.description),
            )
            cursor = await db.execute(
                "INSERT OR IGNORE INTO deliveries (episode_id, platform, chat_id, next_attempt_at, created_at)"
                " SELECT DISTINCT ?, platform, chat_id, ?, ? FROM subscriptions WHERE status = 'active'"
                f" AND feed IN ('*', {_marks(feeds)}) AND platform IN ({_marks(platforms)})",
                (notice.episode_id, now if due_at is None else due_at, now, *feeds, *platforms),
            )
        return cursor.rowcount

    async def release(self, episode_id: str, now: float) -> int:
        """The notices of an episode held for its transcript are due now (not retries: they keep their time)."""
        return await self._write(
            "UPDATE deliveries SET next_attempt_at = ? WHERE episode_id = ? AND status = 'pending'"
            " AND attempts = 0 AND next_attempt_at > ?",
            now, episode_id, now,
        )

    async def recover(self) -> int:
        """At start-up: rows left 'sending' by a crash may or may not have gone out; send them again."""
        return await self._write("UPDATE deliveries SET status = 'pending' WHERE status = 'sending'")

    async def due(self, now: float, platforms: Collection[str], limit: int = _BATCH) -> list[Delivery]:
        """Pending deliveries whose time has come, oldest first."""
        rows = await self._db.execute_fetchall(
            "SELECT episode_id, platform, chat_id, attempts, created_at FROM deliveries"
            f" WHERE status = 'pending' AND next_attempt_at <= ? AND platform IN ({_marks(platforms)})"
            " ORDER BY next_attempt_at, created_at, chat_id LIMIT ?",
            (now, *platforms, limit),
        )
        return [Delivery(*row) for row in rows]

    async def next_due_at(self, platforms: Collection[str]) -> float | None:
        """When the next pending delivery is due, if there is one."""
        rows = await self._db.execute_fetchall(
            f"SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending' AND platform IN ({_marks(platforms)})",
            tuple(platforms),
        )
        return rows[0][0]

    async def notice(self, episode_id: str) -> EpisodeNotice | None:
        """The notice of an episode, saying whether its transcript is searchable by now."""
        rows = await self._db.execute_fetchall(
            "SELECT n.episode_id, n.podcast, n.title, n.published, n.url, coalesce(e.words, 0) > 0,"
            " n.description FROM notices n LEFT JOIN episodes e ON e.id = n.episode_id WHERE n.episode_id = ?",
            (episode_id,),
        )
        if not rows:
            return None
        row = rows[0]
        published = date.fromisoformat(row[3]) if row[3] else None
        return EpisodeNotice(row[0], row[1], row[2], published, row[4], bool(row[5]), description=row[6])

    async def update_notice(self, episode_id: str, title: str, published: date | None, url: str | None) -> None:
        """The episode was edited in its feed: notices not sent yet say the new title, date and link."""
        await self._write(
            "UPDATE notices SET title = ?, published = ?, url = ? WHERE episode_id = ?",
            title, published.isoformat() if published else None, url, episode_id,
        )

    async def mark_sending(self, delivery: Delivery) -> bool:
        """Committed before the send: if we die now, this row is the one resent. False when the
        delivery is no longer pending (its chat was found gone meanwhile): don't send it."""
        return await self._write(
            "UPDATE deliveries SET status = 'sending', attempts = attempts + 1"
            " WHERE episode_id = ? AND platform = ? AND chat_id = ? AND status = 'pending'",
            *_key(delivery),
        ) == 1

    async def mark_sent(self, delivery: Delivery, now: float) -> None:
        """Committed right after the send."""
        await self._set(delivery, "sending", "sent", sent_at=now)

    async def mark(self, delivery: Delivery, outcome: Outcome) -> None:
        """Record a failed attempt's outcome: pending again (with its retry time), failed or gone."""
        await self._set(delivery, "sending", outcome.status, next_attempt_at=outcome.retry_at, last_error=outcome.error)

    async def defer(self, delivery: Delivery, until: float) -> None:
        """Not yet: this chat's own limit is used up until then (no attempt is counted)."""
        await self._set(delivery, "pending", "pending", next_attempt_at=until)

    async def expire(self, delivery: Delivery) -> None:
        """Too old to announce any more (the bot was down for long): dropped, and so recorded."""
        await self._set(delivery, "pending", "expired", last_error="too old to announce")

    async def recipient_gone(self, platform: str, chat_id: str, reason: str, keep: bool = False) -> None:
        """End the chat's subscriptions (or, with `keep`, mark them broken) and drop its other pending notices."""
        if keep:
            await self.storage.mark_broken(platform, chat_id, reason)
        else:
            await self.storage.unsubscribe(platform, chat_id)
        await self._write(
            "UPDATE deliveries SET status = 'gone', last_error = ? WHERE platform = ? AND chat_id = ?"
            " AND status = 'pending'",
            reason, platform, chat_id,
        )

    async def counts(self) -> dict[str, int]:
        """How many deliveries are in each status."""
        rows = await self._db.execute_fetchall("SELECT status, count(*) FROM deliveries GROUP BY status")
        return {row[0]: row[1] for row in rows}

    async def _set(self, delivery: Delivery, old: str, new: str, **values: object) -> None:
        """Move a delivery from status `old` (only: it may have moved on meanwhile) to `new`."""
        values = {k: v for k, v in values.items() if v is not None}
        assignments = "".join(f", {name} = ?" for name in values)
        await self._write(
            f"UPDATE deliveries SET status = ?{assignments}"
            " WHERE episode_id = ? AND platform = ? AND chat_id = ? AND status = ?",
            new, *values.values(), *_key(delivery), old,
        )

    async def _write(self, sql: str, *args: object) -> int:
        async with self.storage.transaction() as db:
            cursor = await db.execute(sql, args)
        return cursor.rowcount


def _marks(values: Collection[object]) -> str:
    return ", ".join("?" * len(values)) or "NULL"


def _key(delivery: Delivery) -> tuple[str, str, str]:
    return delivery.episode_id, delivery.platform, delivery.chat_id


def _negative_id(chat_id: str) -> bool:
    """Telegram's group and channel ids are negative; Discord's ids never are."""
    return chat_id.startswith("-")


# How a delivery's outcome is counted in podquote_deliveries_total.
_METRIC_OUTCOMES = {"gone": "failed", "failed": "failed"}


class Dispatcher:
    """Sends due deliveries through each platform's Notifier, within its limits, retrying as decided."""

    def __init__(
        self,
        outbox: Outbox,
        notifiers: Mapping[str, Notifier],
        limits: Mapping[str, PlatformLimits],
        clock: Clock,
        policy: DeliveryPolicy = DeliveryPolicy(),
        concurrency: int = 1,
        metrics: Metrics | None = None,
    ) -> None:
        self.outbox = outbox
        self.metrics = metrics or Metrics()
        self.notifiers = dict(notifiers)
        self.limiter = Limiter(limits)
        self.policy = policy
        self._clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        self._in_flight: set[asyncio.Task] = set()
        self._notices: dict[str, EpisodeNotice | None] = {}
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New deliveries were enqueued: look now rather than at the next idle check."""
        self._wake.set()

    async def recover(self) -> int:
        """Put back the deliveries a crash left in flight; how many."""
        count = await self.outbox.recover()
        if count:
            log.warning("resending notices left in flight by a crash count=%d", count)
        return count

    async def run(self) -> None:
        """Recover, then deliver whatever is due, forever."""
        await self.recover()
        await keep_running(self._round, self._clock, "notice dispatcher")

    async def _round(self) -> None:
        self._wake.clear()
        if not await self.dispatch_due():
            await self._idle()

    async def drain(self) -> None:
        """Deliver everything pending, waiting on the clock for retries (tests and benchmarks; `run` is the service)."""
        while True:
            if await self.dispatch_due():
                continue
            next_due = await self.outbox.next_due_at(self.notifiers.keys())
            if next_due is None:
                return
            await self._clock.sleep(next_due - self._clock.now())

    async def dispatch_due(self) -> int:
        """One pass over the due deliveries: send them (waiting for the platform limits); how many were handled."""
        self._notices.clear()  # a transcript may have arrived: notices say so
        due = await self.outbox.due(self._clock.now(), self.notifiers.keys())
        for delivery in due:
            await self._handle(delivery)
        await self._settle()
        return len(due)

    async def stop(self, grace: float = _STOP_GRACE) -> None:
        """Let the sends in flight finish, for up to `grace` seconds; the ones still hanging are
        cancelled and stay 'sending', so the next start sends them again."""
        if not self._in_flight:
            return
        _, hanging = await asyncio.wait(set(self._in_flight), timeout=grace)
        for task in hanging:
            task.cancel()
        if hanging:
            log.warning("notices still sending at stop are sent again at the next start count=%d", len(hanging))
            await asyncio.wait(hanging)

    async def _handle(self, delivery: Delivery) -> None:
        now = self._clock.now()
        notice = await self._notice(delivery.episode_id)
        if notice is None or now - delivery.created_at > self.policy.max_age:
            log.warning("notice dropped episode=%s chat=%s:%s", delivery.episode_id, delivery.platform, delivery.chat_id)
            await self.outbox.expire(delivery)
            return
        # The slot first, then the tokens: the send then follows its token at once, as the limit means.
        await self._slots.acquire()
        if not await self._take_tokens(delivery) or not await self.outbox.mark_sending(delivery):
            self._slots.release()
            return
        task = asyncio.create_task(self._send(delivery, notice))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _take_tokens(self, delivery: Delivery) -> bool:
        """Wait for the platform's bucket; False (and deferred) when the chat's own limit is used up."""
        group = getattr(self.notifiers[delivery.platform], "is_group", _negative_id)(delivery.chat_id)
        while True:
            now = self._clock.now()
            verdict = self.limiter.reserve(delivery.platform, delivery.chat_id, group, now)
            if verdict.go:
                return True
            if verdict.chat_only:
                await self.outbox.defer(delivery, now + verdict.wait)
                return False
            await self._clock.sleep(verdict.wait)

    async def _send(self, delivery: Delivery, notice: EpisodeNotice) -> None:
        try:
            notifier = self.notifiers[delivery.platform]
            await asyncio.wait_for(notifier.send_notice(delivery.chat_id, notice), _SEND_TIMEOUT)
        except Exception as error:  # a notifier's own bug or an untranslated error: retried with back-off
            await self._failed(delivery, error)
        else:
            await self.outbox.mark_sent(delivery, self._clock.now())
            self.metrics.deliveries.inc(platform=delivery.platform, outcome="sent")
        finally:
            self._slots.release()

    async def _failed(self, delivery: Delivery, error: BaseException) -> None:
        now = self._clock.now()
        outcome = after_failure(error, delivery.attempts + 1, now, self.policy)
        if isinstance(error, RetryLater) and error.rate_limited:
            self.limiter.pause(delivery.platform, now + max(0.0, error.after))
        await self.outbox.mark(delivery, outcome)
        self.metrics.deliveries.inc(platform=delivery.platform, outcome=_METRIC_OUTCOMES.get(outcome.status, "retried"))
        chat = f"{delivery.platform}:{delivery.chat_id}"
        if outcome.status == "gone":
            broken = isinstance(error, RecipientBroken)
            await self.outbox.recipient_gone(delivery.platform, delivery.chat_id, str(error), keep=broken)
            log.warning("subscription %s chat=%s reason=%s", "broken" if broken else "ended", chat, outcome.error)
        elif outcome.status == "failed":
            log.warning("notice failed episode=%s chat=%s attempts=%d error=%s",
                        delivery.episode_id, chat, delivery.attempts + 1, outcome.error)
        else:
            log.info("notice retry chat=%s at=%.0f error=%s", chat, outcome.retry_at, outcome.error)

    async def _notice(self, episode_id: str) -> EpisodeNotice | None:
        if episode_id not in self._notices:
            self._notices[episode_id] = await self.outbox.notice(episode_id)
        return self._notices[episode_id]

    async def _settle(self) -> None:
        # asyncio.wait, not gather: when the dispatcher is cancelled (the bot stopping) a gather would
        # cancel the sends too, leaving rows 'sending' for a needless resend at the next start.
        while self._in_flight:
            await asyncio.wait(set(self._in_flight))

    async def _idle(self) -> None:
        """Wait for a wake-up, the next due retry, or the idle check, whichever comes first."""
        next_due = await self.outbox.next_due_at(self.notifiers.keys())
        wait = _IDLE_SECONDS if next_due is None else min(_IDLE_SECONDS, next_due - self._clock.now())
        await self._clock.wait(self._wake, max(wait, 0.05))



class DispatcherService:
    """The dispatcher as a `podquote run` service, with its own database connection."""

    name = "notice dispatcher"

    def __init__(
        self, settings: Settings, notifiers: Mapping[str, Notifier], clock: Clock | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        # Kept, not copied: a chat adapter that fails to start is taken out before this service
        # starts, so its deliveries stay pending until a start where it comes up.
        self._notifiers = notifiers
        self._clock = clock or SystemClock()
        self._background = Background()
        self.dispatcher: Dispatcher | None = None

    def wake(self) -> None:
        """New deliveries were enqueued."""
        if self.dispatcher is not None:
            self.dispatcher.wake()

    async def start(self) -> None:
        """Resend what a crash left in flight, then deliver in the background."""
        self._storage = await Storage.open(self._settings.data_dir / DATABASE_NAME)
        self.dispatcher = Dispatcher(
            Outbox(self._storage), self._notifiers, self._settings.delivery_limits(), self._clock,
            DeliveryPolicy(max_attempts=self._settings.delivery_attempts), self._settings.send_concurrency,
            self._metrics,
        )
        self._background.start(self.dispatcher.run(), self.name)

    async def stop(self) -> None:
        """Stop taking deliveries, let the sends in flight finish, close the database."""
        await self._background.stop()
        await self.dispatcher.stop()
        await self._storage.close()
