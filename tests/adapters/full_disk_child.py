"""Run by test_cli.py as a real process: the podquote command line on a disk that is full, injected where
the search index writes: every commit of the index fails with OSError(ENOSPC)."""

from __future__ import annotations

import errno
import os
import sys

from adapters.cli import main
from search.index import QuoteIndex


class FullDiskWriter:
    """A real tantivy writer whose commit finds no space left."""

    def __init__(self, writer) -> None:
        self._writer = writer

    def __getattr__(self, name: str):
        return getattr(self._writer, name)

    def commit(self) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


_real_writer = QuoteIndex._writer
QuoteIndex._writer = lambda index: FullDiskWriter(_real_writer(index))

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
