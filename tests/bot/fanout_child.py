"""Run by test_crash.py as a real process: deliver a database's pending notices through a notifier that
appends each chat id to a file (flushed and fsynced per send), then exit. `--hang-after N` blocks inside
the N-th send, after it was recorded: the message is out, the row not yet marked sent."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from bot.clock import SystemClock
from bot.notify import EpisodeNotice
from bot.outbox import Dispatcher, Outbox
from bot.storage import Storage


class FileNotifier:
    """Records every send in a file, durably, before returning."""

    platform = "telegram"

    def __init__(self, record: Path, hang_after: int, delay: float) -> None:
        self._file = record.open("a", encoding="utf-8")
        self._hang_after = hang_after
        self._delay = delay
        self._count = 0

    async def send_notice(self, chat_id: str, notice: EpisodeNotice) -> None:
        self._file.write(f"{chat_id} {notice.episode_id}\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self._count += 1
        if self._count == self._hang_after:
            await asyncio.Event().wait()
        if self._delay:
            await asyncio.sleep(self._delay)


async def main(args: argparse.Namespace) -> None:
    storage = await Storage.open(args.db)
    notifier = FileNotifier(args.record, args.hang_after, args.delay)
    dispatcher = Dispatcher(Outbox(storage), {"telegram": notifier}, {}, SystemClock(), concurrency=args.concurrency)
    await dispatcher.recover()
    await dispatcher.drain()
    await storage.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("record", type=Path)
    parser.add_argument("--hang-after", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=1)
    asyncio.run(main(parser.parse_args()))
