"""ParsedQuery -> tantivy query: BM25 over passages, exact words first, sound-alike names after.

Each query word matches its exact term; a rare word (a name, most likely) also matches words that
sound like it, scored lower, so exact matches rank above the misspellings of speech recognition.

Common words ("so", "would", "pretty") are in most passages of a large index: scoring every
passage that has one is what made long quotes slow (10-15 ms at 460,000 passages). So when a query
also has distinctive words, a passage must match one of those, and the common words only add to
its score; only when too few passages match a distinctive word does the search run again without
that condition (bench/README.md has the measurements).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import tantivy
from tantivy import Occur, Query

from search.analyzer import MAX_WORD_LENGTH, MIN_SOUND_KEY, near_keys
from search.query import ParsedQuery, QueryWord

# A word found in fewer passages than this share of the index counts as rare (a likely name).
RARE_SHARE = 0.002
RARE_MIN = 25
SOUND_BOOST = 0.5
NEAR_SOUND_BOOST = 0.3
FUZZY_BOOST = 0.6
# Words of the query that stand together in a passage, in order, earn this much more.
NEAR_BOOST = 1.5
NEAR_SLOP = 2
MAX_NEAR_WORDS = 12
# A word in at least this share of the passages (and this many) is common: it scores, but alone it
# doesn't make a passage match when the query has distinctive words too.
COMMON_SHARE = 0.02
COMMON_MIN = 500
# A passage that opens with the words of someone the query names scores this much: found, and a
# tie-breaker among passages that say the words, but below any of them alone (BM25 scores run 1-20).
SPEAKER_SCORE = 0.5


def day_number(day: date | None) -> int:
    """A date as the integer 20240913 (0 when unknown): how the index stores and filters dates."""
    return day.year * 10000 + day.month * 100 + day.day if day else 0


@dataclass(frozen=True, slots=True)
class Plan:
    """The query, the terms rare enough for sound-alikes, and a broader query for when it finds too few."""

    query: Query
    rare_terms: frozenset[str]
    broader: Query | None = None


def build_query(schema: tantivy.Schema, searcher: tantivy.Searcher, parsed: ParsedQuery) -> Plan | None:
    """The tantivy query for a parsed query, or None when there is nothing to search for."""
    if not parsed.words:
        return None
    words = _distinct(parsed.words)
    freq = {w.term: searcher.doc_freq("text", w.term) for w in words}
    rare_below = max(RARE_MIN, searcher.num_docs * RARE_SHARE)
    common_from = max(COMMON_MIN, searcher.num_docs * COMMON_SHARE)
    rare = frozenset(term for term, count in freq.items() if count < rare_below)
    scoring = [(w, _word_query(schema, w, w.term in rare, freq[w.term])) for w in words]
    distinctive = [q for w, q in scoring if freq[w.term] < common_from]
    common = [q for w, q in scoring if freq[w.term] >= common_from]
    near = _near_query(schema, parsed.words)
    extra = [near] if near is not None else []
    extra.append(_speaker_query(schema, words))
    required = _required(schema, parsed)
    broad = _combine([*distinctive, *common, *extra], required)
    if not distinctive or not common:
        return Plan(broad, rare)
    narrow_scoring = [(Occur.Must, _any(distinctive)), *((Occur.Should, q) for q in [*common, *extra])]
    narrow = Query.boolean_query([*narrow_scoring, *((Occur.Must, q) for q in required)])
    return Plan(narrow, rare, broader=broad)


def explain_empty(parsed: ParsedQuery, searched: bool = False, found: int = 0) -> str:
    """Why a search has no quotes to show, in words for the person who asked; `found` quotes
    matched, all of them before the page asked for."""
    if found:
        return f"No more quotes: only {found} matched."
    if searched:
        advice = "Check the spelling, or try fewer or different words"
        if parsed.has_filters:
            advice += ", or loosen the date or episode filter"
        return f"Nothing matched. {advice}."
    if parsed.had_long_word:
        return (
            f"No word in a transcript is that long (over {MAX_WORD_LENGTH} letters)."
            " Type words you remember."
        )
    if parsed.had_words:
        return "Those words are too common to search for. Add a more specific word or two."
    if parsed.has_filters:
        return "Add a few words to search for, as well as the filter."
    return "Type a few words you remember from an episode."


def _required(schema: tantivy.Schema, parsed: ParsedQuery) -> list[Query]:
    """Exact phrases, and filters, which narrow without scoring."""
    required = [_phrase(schema, phrase, slop=0) for phrase in parsed.phrases]
    return required + [Query.const_score_query(q, 0.0) for q in _filters(schema, parsed)]


def _any(queries: list[Query]) -> Query:
    return Query.boolean_query([(Occur.Should, q) for q in queries])


def _combine(scoring: list[Query], required: list[Query]) -> Query:
    """Passages matching any scoring query (and every required one); alone, a filter never matches."""
    if not required:
        return _any(scoring)
    return Query.boolean_query([(Occur.Must, _any(scoring)), *((Occur.Must, q) for q in required)])


def _distinct(words: list[QueryWord]) -> list[QueryWord]:
    seen: dict[str, QueryWord] = {}
    for word in words:
        seen.setdefault(word.term, word)
    return list(seen.values())


def _word_query(schema: tantivy.Schema, word: QueryWord, rare: bool, freq: int) -> Query:
    exact = Query.term_query(schema, "text", word.term)
    if not rare:
        return exact
    alternatives = [exact, *_sound_alikes(schema, word)]
    if len(word.term) >= 6 and freq == 0:
        distance = 1 if len(word.term) < 10 else 2
        typo = Query.fuzzy_term_query(schema, "text", word.term, distance=distance)
        alternatives.append(Query.boost_query(typo, FUZZY_BOOST))
    return Query.disjunction_max_query(alternatives) if len(alternatives) > 1 else exact


def _sound_alikes(schema: tantivy.Schema, word: QueryWord) -> list[Query]:
    """Passages with a name that sounds like the word, or like it with one sound more or less."""
    if len(word.sound) < MIN_SOUND_KEY:
        return []
    same = Query.boost_query(Query.term_query(schema, "sound", word.sound), SOUND_BOOST)
    near = [Query.term_query(schema, "sound_near", word.sound)]
    if near_keys(word.sound):
        near.append(Query.term_set_query(schema, "sound", list(near_keys(word.sound))))
    return [same, *(Query.boost_query(q, NEAR_SOUND_BOOST) for q in near)]


def _near_query(schema: tantivy.Schema, words: list[QueryWord]) -> Query | None:
    """Reward passages where the query's words stand close together, as typed."""
    if not 2 <= len(words) <= MAX_NEAR_WORDS:
        return None
    return Query.boost_query(_phrase(schema, words, slop=NEAR_SLOP), NEAR_BOOST)


def _speaker_query(schema: tantivy.Schema, words: list[QueryWord]) -> Query:
    """Passages opened by a speaker the query names (speaker names are no part of the text)."""
    names = _any([Query.term_query(schema, "speaker", w.term) for w in words])
    return Query.const_score_query(names, SPEAKER_SCORE)


def _phrase(schema: tantivy.Schema, words: list[QueryWord], slop: int) -> Query:
    if len(words) == 1:
        return Query.term_query(schema, "text", words[0].term)
    first = words[0].position
    return Query.phrase_query(schema, "text", [(w.position - first, w.term) for w in words], slop=slop)


def _filters(schema: tantivy.Schema, parsed: ParsedQuery) -> list[Query]:
    filters = [Query.term_query(schema, "title", term) for term in parsed.episode]
    if parsed.after or parsed.before:
        low = day_number(parsed.after) if parsed.after else 1
        high = day_number(parsed.before) if parsed.before else 99991231
        filters.append(Query.range_query(schema, "day", tantivy.FieldType.Integer, low, high))
    return filters
