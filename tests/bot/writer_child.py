"""Run by test_two_writers.py as a real process: open the library on a data directory, say so, wait for
the word to start, then upload transcripts one at a time, as the bot does with an operator's files, and
print each outcome (or the error, in one line) on stdout."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from bot.config import Settings
from bot.ingest import Metadata
from bot.library import Library
from search.errors import PodquoteError

VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ann>The {word} floated over the harbour at dawn.\n"


def word(writer: str, number: int) -> str:
    """The made-up word only this writer's upload number `number` says."""
    return f"zeppelin{writer}x{number}"


async def main(args: argparse.Namespace) -> None:
    library = await Library.open(Settings(data_dir=args.data_dir, seeds_dir=None))
    (args.data_dir / f"ready-{args.writer}").touch()
    while not (args.data_dir / "go").exists():  # the other writer is ready too: both start at once
        time.sleep(0.005)
    try:
        for number in range(args.uploads):
            name = f"{word(args.writer, number)}.vtt"
            text = VTT.format(word=word(args.writer, number)).encode()
            try:
                outcome = await library.ingest_bytes(text, name, f"upload:{name}", Metadata())
            except PodquoteError as error:
                outcome = f"error: {error}"
            print(outcome, flush=True)
    finally:
        await library.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("writer")
    parser.add_argument("uploads", type=int)
    asyncio.run(main(parser.parse_args()))
