"""The tantivy index of passages: open, add or replace episodes, search. Derived data: rebuildable."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import tantivy

from search.analyzer import ANALYZER_NAME, build_analyzer, near_keys, sound_keys
from search.errors import QueryError, SearchIndexError
from search.models import Episode, Passage, SearchResult
from search.passages import build_passages
from search.quotes import FIRST_PAGE, Candidate, Matcher, Moment, reading_order, to_hit
from search.query import ParsedQuery, parse_query
from search.ranking import Plan, build_query, day_number, explain_empty

# Bump when the schema or the analyzer changes: the index is rebuilt from the database.
SCHEMA_VERSION = 2
WRITER_HEAP = 128_000_000
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
    """The passage index in one folder, searched by many readers, written by one writer at a time."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._schema = _schema()
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        try:
            self._index = tantivy.Index(self._schema, path=str(folder) if folder else None)
        except (OSError, ValueError) as error:
            raise SearchIndexError(f"cannot open the search index in {folder}: {error}") from error
        self._index.register_tokenizer(ANALYZER_NAME, build_analyzer())
        self._seen_version = self._version()

    @classmethod
    def open(cls, data_dir: Path) -> QuoteIndex:
        """Open (or create) the index kept under a data directory."""
        return cls(data_dir / f"index-v{SCHEMA_VERSION}")

    @classmethod
    def in_memory(cls) -> QuoteIndex:
        """A throw-away index, for tests and benchmarks."""
        return cls(None)

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
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()
        self._refresh()
        return added

    def remove_episodes(self, episode_ids: Iterable[str]) -> None:
        """Remove every passage of these episodes."""
        self.replace_episodes(Episode(id=i, podcast="", title="") for i in episode_ids)

    def clear(self) -> None:
        """Remove everything (before a full rebuild)."""
        writer = self._writer()
        writer.delete_all_documents()
        writer.commit()
        writer.wait_merging_threads()
        self._refresh()

    def _writer(self) -> tantivy.IndexWriter:
        try:
            return self._index.writer(heap_size=WRITER_HEAP, num_threads=1)
        except ValueError as error:
            raise SearchIndexError(f"the search index is busy or locked: {error}") from error

    def _document(self, episode: Episode, passage: Passage) -> tantivy.Document:
        doc = tantivy.Document()
        doc.add_text("episode_id", episode.id)
        doc.add_text("text", passage.text)
        keys = sound_keys(passage.text)
        doc.add_text("sound", " ".join(keys))
        doc.add_text("sound_near", " ".join(near for key in keys for near in near_keys(key)))
        doc.add_text("title", episode.title)
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
        plan = build_query(self._schema, searcher, parsed)
        if plan is None:
            return SearchResult(text, (), 0, offset, message=explain_empty(parsed))
        hits = _run(searcher, plan).hits
        order = reading_order(_moments(searcher, hits), first_page, per_episode)
        matcher = Matcher(parsed, plan.rare_terms)
        # Only the page's passages are read from the store.
        page = tuple(to_hit(_candidate(searcher, hits[i]), matcher) for i in order[offset : offset + limit])
        message = parsed.note
        if not page:
            message = message or explain_empty(parsed, searched=True, found=len(order))
        return SearchResult(text, page, len(order), offset, len(order) > offset + limit, message)

    def searcher(self) -> tantivy.Searcher:
        """A searcher over the newest committed state, also after another process wrote."""
        version = self._version()
        if version != self._seen_version:
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

    def _version(self) -> float:
        if self.folder is None:
            return 0.0
        try:
            return os.stat(self.folder / "meta.json").st_mtime_ns
        except FileNotFoundError:
            return 0.0


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


def delete_index(data_dir: Path) -> None:
    """Remove every index folder under a data directory (the database stays)."""
    for folder in _index_folders(data_dir):
        shutil.rmtree(folder, ignore_errors=True)


def _index_folders(data_dir: Path) -> Iterator[Path]:
    return (p for p in data_dir.glob("index-v*") if p.is_dir())


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
