"""The tantivy index of passages: open, add or replace episodes, search. Derived data: rebuildable."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import tantivy
from filelock import FileLock, Timeout

from search.analyzer import ANALYZER_NAME, build_analyzer, near_keys, sound_keys
from search.corrections import Vocabulary
from search.errors import IndexBusyError, QueryError, SearchIndexError
from search.models import Episode, Passage, SearchResult
from search.passages import build_passages
from search.quotes import FIRST_PAGE, Candidate, Matcher, Moment, reading_order, to_hit
from search.query import ParsedQuery, parse_query
from search.ranking import Plan, build_query, day_number, explain_empty

log = logging.getLogger(__name__)

# Bump when the schema or the analyzer changes: the index is rebuilt from the database.
SCHEMA_VERSION = 2
WRITER_HEAP = 128_000_000
# How long a writer waits for its turn at the index (another process's write, a rebuild's switch).
WRITE_WAIT = 30.0
POINTER_NAME = "index.current"
LOCK_NAME = "index.lock"
# Paging reaches every quote among this many best matching passages: about 200 quotes (70 pages) on
# the Changelog's queries, which match 4,600 passages at the median. Counting them costs 0.6 ms of CPU
# at the median; 1,000 passages cost 3.5 ms.
MAX_MATCHES = 300
# Fewer passages than this match a distinctive word: search with the common words alone too (ranking.py).
FEW_MATCHES = 24
# Boilerplate passages score half: tantivy multiplies scores by log2(2 + weight).
WEIGHT_NORMAL, WEIGHT_BOILERPLATE = 2, 0


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("episode_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("text", stored=True, tokenizer_name=ANALYZER_NAME)
    builder.add_text_field("sound", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("sound_near", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("title", stored=True, tokenizer_name=ANALYZER_NAME)
    # Who speaks the passage's first words: a quote without matched words starts there.
    builder.add_text_field("speaker", tokenizer_name=ANALYZER_NAME, index_option="basic")
    builder.add_text_field("podcast", stored=True, tokenizer_name="raw")
    builder.add_integer_field("day", stored=True, indexed=True, fast=True)
    # Where each passage lies, as fast fields: paging keeps quotes apart without reading documents.
    builder.add_integer_field("episode", fast=True)
    builder.add_integer_field("word_start", stored=True, fast=True)
    builder.add_integer_field("word_end", stored=True, fast=True)
    builder.add_integer_field("weight", fast=True)
    builder.add_text_field("meta", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


class QuoteIndex:
    """The passage index in one folder, searched by many readers, written by one writer at a time.

    On disk (`open`), the folder is the one the data directory's pointer names; a rebuild fills a
    new folder (`fresh`) and then switches the pointer to it (`switch_to`), and every QuoteIndex over
    that data directory, in any process, follows the pointer at its next search or write."""

    def __init__(self, folder: Path | None, home: IndexHome | None = None) -> None:
        self._schema = _schema()
        self.home = home
        self._load(folder)

    def _load(self, folder: Path | None) -> None:
        try:
            index = tantivy.Index(self._schema, path=str(folder) if folder else None)
        except (OSError, ValueError) as error:
            raise SearchIndexError(f"cannot open the search index in {folder}: {error}") from error
        index.register_tokenizer(ANALYZER_NAME, build_analyzer())
        self.folder, self._index = folder, index
        self._seen_version = self._version()
        self._vocabulary = Vocabulary(self._index.searcher)

    @classmethod
    def open(cls, data_dir: Path, wait: float = WRITE_WAIT) -> QuoteIndex:
        """Open the index kept under a data directory: the current one; a new, empty one when there is
        none (or only one of an older schema); a damaged one is moved aside and replaced by an empty one
        (the library then fills it from the database)."""
        home = IndexHome(data_dir)
        folder = home.current()
        if folder is not None:
            try:
                return cls(folder, home)
            except SearchIndexError as error:
                if not _is_damage(error):
                    raise
        with home.writer_lock(wait), _os_errors(data_dir):  # decided again in turn: another process
            return cls._current_or_new(home)  # may have done it meanwhile

    @classmethod
    def _current_or_new(cls, home: IndexHome) -> QuoteIndex:
        folder = home.current()
        if folder is not None:
            try:
                return cls(folder, home)
            except SearchIndexError as error:
                if not _is_damage(error):
                    raise
                aside = home.set_aside(folder)
                log.warning("search index damaged; moved aside to %s to rebuild it from the database reason=%s",
                            aside, error)
        index = cls.fresh(home)
        home.switch(index.folder)
        return index

    @classmethod
    def fresh(cls, home: IndexHome) -> QuoteIndex:
        """A new, empty index in a new folder beside the current one, not yet in use."""
        with _os_errors(home.data_dir):
            return cls(home.new_folder(), home)

    @classmethod
    def in_memory(cls) -> QuoteIndex:
        """A throw-away index, for tests and benchmarks."""
        return cls(None)

    # Which folder

    def switch_to(self, fresh: QuoteIndex) -> None:
        """Make a fresh index (complete now) the one in use, here and, by the pointer, for every process;
        call it in the writer's turn. Searches already running finish on the old one."""
        assert self.home is not None and fresh.folder is not None
        with _os_errors(self.home.data_dir):
            self.home.switch(fresh.folder)
        self.folder, self._index, self._seen_version = fresh.folder, fresh._index, fresh._seen_version
        self._vocabulary = fresh._vocabulary  # corrections come from the words of the index in use

    def discard(self) -> None:
        """Remove a fresh index that will not be used (its rebuild failed); never the one in use."""
        if self.home is not None and self.folder is not None and self.folder != self.home.current():
            self.home.remove(self.folder)

    def follow(self) -> None:
        """Open the folder the pointer names, if another index (another process's) switched to it."""
        if self.home is None:
            return
        folder = self.home.current()
        if folder is not None and folder != self.folder:
            self._load(folder)

    def writer_lock(self, wait: float = WRITE_WAIT) -> WriterLock:
        """The writers' lock of this index's data directory, shared by every process."""
        assert self.home is not None, "an index in memory has one writer: its owner"
        return self.home.writer_lock(wait)

    # Writing

    def replace_episodes(self, episodes: Iterable[Episode]) -> int:
        """Add episodes, replacing any earlier version of each; one commit. Returns passages added."""
        added = 0
        writer = self._writer()
        try:
            for episode in episodes:
                writer.delete_documents_by_term("episode_id", episode.id)
                for passage in build_passages(episode.segments, episode.duration):
                    writer.add_document(self._document(episode, passage))
                    added += 1
            writer.commit()
        except BaseException as error:
            writer.rollback()
            if isinstance(error, (OSError, ValueError)):  # a full disk, mostly
                raise SearchIndexError(f"cannot write the search index: {error}") from error
            raise
        finally:
            writer.wait_merging_threads()
        self._refresh()
        return added

    def remove_episodes(self, episode_ids: Iterable[str]) -> None:
        """Remove every passage of these episodes."""
        self.replace_episodes(Episode(id=i, podcast="", title="") for i in episode_ids)

    def clear(self) -> None:
        """Remove everything."""
        writer = self._writer()
        writer.delete_all_documents()
        writer.commit()
        writer.wait_merging_threads()
        self._refresh()

    def _writer(self) -> tantivy.IndexWriter:
        try:
            return self._index.writer(heap_size=WRITER_HEAP, num_threads=1)
        except ValueError as error:
            raise SearchIndexError(f"cannot write the search index: {error}") from error

    def _document(self, episode: Episode, passage: Passage) -> tantivy.Document:
        doc = tantivy.Document()
        doc.add_text("episode_id", episode.id)
        doc.add_text("text", passage.text)
        keys = sound_keys(passage.text)
        doc.add_text("sound", " ".join(keys))
        doc.add_text("sound_near", " ".join(near for key in keys for near in near_keys(key)))
        doc.add_text("title", episode.title)
        doc.add_text("speaker", _first_speaker(passage))
        doc.add_text("podcast", episode.podcast)
        doc.add_integer("day", day_number(episode.published))
        doc.add_integer("episode", episode_number(episode.id))
        doc.add_integer("word_start", passage.word_start)
        doc.add_integer("word_end", passage.word_end)
        doc.add_integer("weight", WEIGHT_BOILERPLATE if passage.boilerplate else WEIGHT_NORMAL)
        doc.add_text("meta", _meta_json(episode, passage))
        return doc

    # Reading

    def search(
        self, text: str, limit: int = 3, offset: int = 0, per_episode: int = 2, first_page: int = FIRST_PAGE
    ) -> SearchResult:
        """A page of the best quotes for a person's query; odd queries get a message, not an error."""
        try:
            parsed = parse_query(text)
        except QueryError as error:
            return SearchResult(query=text, quotes=(), total=0, offset=offset, message=str(error))
        return self.search_parsed(text, parsed, limit, offset, per_episode, first_page)

    def search_parsed(
        self, text: str, parsed: ParsedQuery, limit: int, offset: int, per_episode: int, first_page: int = FIRST_PAGE
    ) -> SearchResult:
        """Run an already parsed query: quotes `offset` to `offset + limit` of its reading order
        (search/quotes.py), whose length is the total a person can page through."""
        searcher = self.searcher()
        plan = build_query(self._schema, searcher, parsed, self._vocabulary)
        if plan is None:
            return SearchResult(text, (), 0, offset, message=explain_empty(parsed))
        hits = _run(searcher, plan).hits
        order = reading_order(_moments(searcher, hits), first_page, per_episode)
        matcher = Matcher(parsed, plan.rare_terms, plan.corrections)
        # Only the page's passages are read from the store.
        page = tuple(to_hit(_candidate(searcher, hits[i]), matcher) for i in order[offset : offset + limit])
        message = parsed.note
        if not page:
            message = message or explain_empty(parsed, searched=True, found=len(order))
        return SearchResult(text, page, len(order), offset, len(order) > offset + limit, message)

    def searcher(self) -> tantivy.Searcher:
        """A searcher over the newest committed state, also after another process wrote or switched."""
        self.follow()
        version = self._version()
        if version is not None and version != self._seen_version:
            self._refresh()
            self._seen_version = version
        return self._index.searcher()

    def passage_count(self) -> int:
        """How many passages are indexed."""
        return self.searcher().num_docs

    def size_bytes(self) -> int:
        """Bytes the index takes on disk."""
        if self.folder is None:
            return 0
        return sum(f.stat().st_size for f in self.folder.iterdir() if f.is_file())

    def _refresh(self) -> None:
        self._index.reload()
        # The words indexed may have changed: corrections are looked for among the new ones.
        self._vocabulary = Vocabulary(self._index.searcher)

    def _version(self) -> int | None:
        """When the folder was last committed to; None when it is gone (switched away from and removed:
        the old state, mapped in memory, still answers)."""
        if self.folder is None:
            return 0
        try:
            return os.stat(self.folder / "meta.json").st_mtime_ns
        except FileNotFoundError:
            return None


def _run(searcher: tantivy.Searcher, plan: Plan) -> tantivy.SearchResult:
    """The plan's best MAX_MATCHES passages; its broader form's when the narrow one finds too few."""
    result = searcher.search(plan.query, limit=MAX_MATCHES, weight_by_field="weight")
    if plan.broader is not None and result.count < FEW_MATCHES:
        result = searcher.search(plan.broader, limit=MAX_MATCHES, weight_by_field="weight")
    return result


def _moments(searcher: tantivy.Searcher, hits: list) -> list[Moment]:
    """Where each hit lies, from the fast fields."""
    addresses = [address for _, address in hits]
    columns = (searcher.fast_field_values(name, addresses) for name in ("episode", "word_start", "word_end"))
    return list(map(Moment, *columns))


def _candidate(searcher: tantivy.Searcher, hit: tuple) -> Candidate:
    score, address = hit
    return Candidate.from_doc(searcher.doc(address), score)


def episode_number(episode_id: str) -> int:
    """An episode's id as a 63-bit number for a fast field (ids are text; a clash is vanishingly rare)."""
    return int.from_bytes(hashlib.blake2b(episode_id.encode("utf-8"), digest_size=8).digest()) >> 1


class IndexHome:
    """Where the index lives in a data directory: one folder per build (`index-v<schema>-<random>`), a
    pointer file naming the one in use, and the lock writers take turns by. The schema version is
    part of the name, so a bumped SCHEMA_VERSION finds no current index and the library rebuilds it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._pointer = data_dir / POINTER_NAME
        self._prefix = f"index-v{SCHEMA_VERSION}-"
        # The builds filling a folder through this home, each holding the folder's build lock until it
        # is switched to or removed (so that another process's clean-up leaves it alone).
        self._building: dict[Path, FileLock] = {}

    def current(self) -> Path | None:
        """The folder in use; None when there is none of this schema."""
        try:
            name = self._pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        folder = self.data_dir / name
        return folder if name.startswith(self._prefix) and "/" not in name and folder.is_dir() else None

    def new_folder(self) -> Path:
        """A new, empty folder for a build; marked as being built until `switch` or `remove`."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        folder = self.data_dir / f"{self._prefix}{secrets.token_hex(4)}"
        # Marked first: another process's clean-up must never find the folder unmarked.
        lock = FileLock(_building_mark(folder), thread_local=False)
        lock.acquire()
        self._building[folder] = lock
        folder.mkdir()  # a name never used: FileExistsError rather than two builds in one folder
        return folder

    def switch(self, folder: Path) -> None:
        """Make a folder the one in use, atomically (a crash leaves the old pointer or the new one, never
        half of one), then remove the folders no longer used."""
        temporary = self._pointer.with_name(f".{POINTER_NAME}.{os.getpid()}")
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(folder.name)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self._pointer)
        _fsync_folder(self.data_dir)
        self._built(folder)
        self.clean(keep=folder)

    def clean(self, keep: Path) -> None:
        """Remove every index folder but `keep` and those another build is filling (they have its lock)."""
        for folder in self.data_dir.glob("index-v*"):
            if folder.is_dir() and folder != keep and not _being_built(folder):
                self.remove(folder)

    def remove(self, folder: Path) -> None:
        """Remove an index folder (and its build mark)."""
        self._built(folder)
        shutil.rmtree(folder, ignore_errors=True)
        _building_mark(folder).unlink(missing_ok=True)  # a crashed build's

    def set_aside(self, folder: Path) -> Path:
        """Move a damaged folder out of the way, kept for a look."""
        aside = self.data_dir / f"damaged-{folder.name}"
        shutil.rmtree(aside, ignore_errors=True)
        folder.rename(aside)
        return aside

    def writer_lock(self, wait: float = WRITE_WAIT) -> WriterLock:
        """The lock every writer of this data directory's index takes, in any process."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return WriterLock(self.data_dir / LOCK_NAME, wait)

    def _built(self, folder: Path) -> None:
        """A build is switched to or given up: its folder is no longer being built."""
        lock = self._building.pop(folder, None)
        if lock is not None:
            lock.release()
            _building_mark(folder).unlink(missing_ok=True)


class WriterLock:
    """An OS file lock (flock) that writers in every process take in turn, waiting up to `wait` seconds.
    Taken in one thread and released in another (the library waits for it off the event loop)."""

    def __init__(self, path: Path, wait: float) -> None:
        self._lock = FileLock(path, thread_local=False)
        self.wait = wait

    def acquire(self) -> None:
        """Wait for our turn; IndexBusyError when it doesn't come within the wait."""
        try:
            self._lock.acquire(timeout=self.wait)
        except Timeout:  # before OSError: it is a TimeoutError
            raise IndexBusyError(
                f"the search index is busy: another podquote process has been writing to it for over"
                f" {self.wait:g} s"
            ) from None
        except OSError as error:  # the lock file can't be made: a full disk, a folder not ours
            raise SearchIndexError(f"cannot write the search index: {error}") from error

    def release(self) -> None:
        """Give the turn to the next writer."""
        self._lock.release()

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _building_mark(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}.building")


def _being_built(folder: Path) -> bool:
    """Whether a build (in any process) holds the folder's build lock."""
    if not _building_mark(folder).exists():
        return False
    lock = FileLock(_building_mark(folder), thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


def _fsync_folder(folder: Path) -> None:
    """Make a rename in the folder durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def _os_errors(data_dir: Path) -> Iterator[None]:
    """The machine's refusals (a full disk, a folder not ours) as a SearchIndexError."""
    try:
        yield
    except OSError as error:
        raise SearchIndexError(f"cannot write the search index in {data_dir}: {error}") from error


def _is_damage(error: SearchIndexError) -> bool:
    """Whether an index failed to open because its files are damaged (missing, corrupt), rather than
    for a reason of the machine's that moving it aside would not fix: tantivy names those by the OS
    error (`Permission denied (os error 13)`, `No space left on device (os error 28)`)."""
    return "(os error" not in str(error)


def _first_speaker(passage: Passage) -> str:
    """The speaker of the passage's first turn ("" when untold): a search for their name shows
    this passage's opening, so it holds their words, never another speaker's."""
    return (passage.turns[0][2] or "") if passage.turns else ""


def _meta_json(episode: Episode, passage: Passage) -> str:
    """What a quote needs beyond the text, packed in one stored field."""
    return json.dumps(
        {
            "published": episode.published.isoformat() if episode.published else None,
            "urls": list(episode.urls),
            "turns": passage.turns,
        },
        separators=(",", ":"),
    )
