"""The tantivy index of passages: open, add or replace episodes, search. Derived data: rebuildable."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import tantivy

from search.analyzer import ANALYZER_NAME, build_analyzer, near_keys, sound_keys
from search.corrections import Vocabulary
from search.errors import QueryError, SearchIndexError
from search.models import Episode, Passage, SearchResult
from search.passages import build_passages
from search.quotes import Candidate, Matcher, choose, to_hit
from search.query import ParsedQuery, parse_query
from search.ranking import Plan, build_query, day_number, explain_empty

# Bump when the schema or the analyzer changes: the index is rebuilt from the database.
SCHEMA_VERSION = 1
WRITER_HEAP = 128_000_000
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
    builder.add_integer_field("word_start", stored=True)
    builder.add_integer_field("word_end", stored=True)
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
        self._vocabulary = Vocabulary(self._index.searcher)

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
                for passage in build_passages(episode.segments):
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
        doc.add_integer("word_start", passage.word_start)
        doc.add_integer("word_end", passage.word_end)
        doc.add_integer("weight", WEIGHT_BOILERPLATE if passage.boilerplate else WEIGHT_NORMAL)
        doc.add_text("meta", _meta_json(episode, passage))
        return doc

    # Reading

    def search(self, text: str, limit: int = 3, offset: int = 0, per_episode: int = 2) -> SearchResult:
        """The best quotes for a person's query, deduplicated; odd queries get a message, not an error."""
        try:
            parsed = parse_query(text)
        except QueryError as error:
            return SearchResult(query=text, quotes=(), total=0, offset=offset, message=str(error))
        return self.search_parsed(text, parsed, limit, offset, per_episode)

    def search_parsed(
        self, text: str, parsed: ParsedQuery, limit: int, offset: int, per_episode: int
    ) -> SearchResult:
        """Run an already parsed query."""
        searcher = self.searcher()
        plan = build_query(self._schema, searcher, parsed, self._vocabulary)
        if plan is None:
            return SearchResult(text, (), 0, offset, message=explain_empty(parsed))
        wanted = offset + limit + 1
        result = _run(searcher, plan, limit=wanted * 4 + 8)
        # Read stored passages only until enough are chosen (most of the rest are never needed).
        candidates = (Candidate.from_doc(searcher.doc(address), score) for score, address in result.hits)
        chosen = choose(candidates, wanted, per_episode)
        matcher = Matcher(parsed, plan.rare_terms)
        page = tuple(to_hit(c, matcher) for c in chosen[offset : offset + limit])
        message = parsed.note
        if not page:
            message = message or explain_empty(parsed, searched=True, found=len(chosen))
        return SearchResult(text, page, result.count, offset, len(chosen) > offset + limit, message)

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
        # The words indexed may have changed: corrections are looked for among the new ones.
        self._vocabulary = Vocabulary(self._index.searcher)

    def _version(self) -> float:
        if self.folder is None:
            return 0.0
        try:
            return os.stat(self.folder / "meta.json").st_mtime_ns
        except FileNotFoundError:
            return 0.0


def _run(searcher: tantivy.Searcher, plan: Plan, limit: int) -> tantivy.SearchResult:
    """The plan's query; its broader form when the narrow one can't fill the candidates."""
    result = searcher.search(plan.query, limit=limit, weight_by_field="weight")
    if plan.broader is not None and result.count < limit:
        result = searcher.search(plan.broader, limit=limit, weight_by_field="weight")
    return result


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
