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

from dataclasses import dataclass, replace
from datetime import date

import tantivy
from tantivy import Occur, Query

from search.analyzer import MAX_WORD_LENGTH, MIN_SOUND_KEY, fold, near_keys, term_of
from search.corrections import Correction, Vocabulary
from search.query import ParsedQuery, QueryWord

# A word found in fewer passages than this share of the index counts as rare (a likely name).
RARE_SHARE = 0.002
RARE_MIN = 25
SOUND_BOOST = 0.5
NEAR_SOUND_BOOST = 0.3
# A correction of a word the index doesn't have counts nearly as much as the word would have (there
# is no exact match to rank above); of a word it has, but rarely, much less (the typed word may be
# the right one: speech recognition's own misspellings are indexed too). Per edit: 1, 2.
ABSENT_CORRECTION_BOOST = (0.9, 0.6)
RARE_CORRECTION_BOOST = (0.3, 0.2)
# A rare word's corrections are only those used this many times more often than the word itself.
RARE_CORRECTION_MORE = 4
# A rare word this short is more likely another word than a misspelling ("ram" is not "rom").
RARE_CORRECTED_FROM = 4
# A word written as two ("Elastic Search"), or two words written as one ("opensource").
SPLIT_BOOST = 0.8
JOINED_BOOST = 0.9
# Two words are taken as one written apart only when the one is used at least this share as often.
JOINED_SHARE = 0.25
MIN_PART = 3
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
    # The indexed terms looked for in place of misspelt query words (what a quote could mark).
    corrections: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Terms:
    """What building a query needs to know of the index: its schema, searcher and vocabulary."""

    schema: tantivy.Schema
    searcher: tantivy.Searcher
    vocabulary: Vocabulary | None

    def freq(self, term: str) -> int:
        return self.searcher.doc_freq("text", term)


def build_query(
    schema: tantivy.Schema,
    searcher: tantivy.Searcher,
    parsed: ParsedQuery,
    vocabulary: Vocabulary | None = None,
) -> Plan | None:
    """The tantivy query for a parsed query, or None when there is nothing to search for.

    Without a vocabulary, misspelt words are looked for by sound only (names), not by spelling.
    """
    if not parsed.words:
        return None
    index = _Terms(schema, searcher, vocabulary)
    words = _distinct(parsed.words)
    freq = {w.term: index.freq(w.term) for w in words}
    rare_below = max(RARE_MIN, searcher.num_docs * RARE_SHARE)
    common_from = max(COMMON_MIN, searcher.num_docs * COMMON_SHARE)
    rare = frozenset(term for term, count in freq.items() if count < rare_below)
    fixes = {w.term: _corrections(index, w, freq[w.term]) for w in words if w.term in rare}
    corrected = frozenset(c.term for found in fixes.values() for c in found)
    scoring = [(w, _word_query(index, w, fixes.get(w.term), freq[w.term])) for w in words]
    # A misspelt common word ("Okkay") is as common as its correction: requiring it would score most
    # of the index (p99 13-16 ms on the Changelog), as the word typed right never does.
    usage = {t: max([count, *(c.passages for c in fixes.get(t, ()))]) for t, count in freq.items()}
    distinctive = [q for w, q in scoring if usage[w.term] < common_from]
    distinctive += _joined(index, parsed.words, common_from)
    common = [q for w, q in scoring if usage[w.term] >= common_from]
    meant = _as_meant(parsed.words, freq, fixes)
    joined = _joined_meant(index, meant)
    near = [_near_query(schema, meant), _near_query(schema, joined) if joined else None]
    extra = [q for q in near if q is not None]
    extra.append(_speaker_query(schema, words))
    required = _required(schema, parsed)
    broad = _combine([*distinctive, *common, *extra], required)
    if not distinctive or not common:
        return Plan(broad, rare, corrections=corrected)
    narrow_scoring = [(Occur.Must, _any(distinctive)), *((Occur.Should, q) for q in [*common, *extra])]
    narrow = Query.boolean_query([*narrow_scoring, *((Occur.Must, q) for q in required)])
    return Plan(narrow, rare, broader=broad, corrections=corrected)


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


def _word_query(index: _Terms, word: QueryWord, fixes: list[Correction] | None, freq: int) -> Query:
    """The word's own term; for a rare word (it has `fixes`, maybe none), the best of it, its
    sound-alikes and its corrections, each correction scored as itself but boosted lower."""
    exact = Query.term_query(index.schema, "text", word.term)
    if fixes is None:
        return exact
    boosts = RARE_CORRECTION_BOOST if freq else ABSENT_CORRECTION_BOOST
    corrected = [_boosted_term(index, c, boosts[c.distance - 1]) for c in fixes]
    alternatives = [exact, *_sound_alikes(index.schema, word), *corrected]
    if freq == 0:
        alternatives += _split(index, word)
    return Query.disjunction_max_query(alternatives) if len(alternatives) > 1 else exact


def _corrections(index: _Terms, word: QueryWord, freq: int) -> list[Correction]:
    """Indexed words a few edits from a rare or absent word (of a rare one, only much more used ones)."""
    if index.vocabulary is None or (freq and len(word.term) < RARE_CORRECTED_FROM):
        return []
    found = index.vocabulary.corrections(word.term, fold(word.text))
    if freq:
        found = [c for c in found if c.passages >= freq * RARE_CORRECTION_MORE]
    return found


def _boosted_term(index: _Terms, correction: Correction, boost: float) -> Query:
    return Query.boost_query(Query.term_query(index.schema, "text", correction.term), boost)


def _split(index: _Terms, word: QueryWord) -> list[Query]:
    """An absent word that is two indexed words written together ("elasticsearch" typed for
    "elastic search"): those two words, next to each other."""
    text = word.text
    for cut in range(MIN_PART, len(text) - MIN_PART + 1):
        first, second = term_of(text[:cut]), term_of(text[cut:])
        if first and second and index.freq(first) and index.freq(second):
            pair = Query.phrase_query(index.schema, "text", [(0, first), (1, second)])
            return [Query.boost_query(pair, SPLIT_BOOST)]
    return []


def _joined(index: _Terms, words: list[QueryWord], common_from: float) -> list[Query]:
    """Two neighbouring query words that are one indexed word when written together ("Elastic
    Search" for "Elasticsearch"): that word, as a distinctive word of the query."""
    found = []
    for first, second in zip(words, words[1:]):
        term = _joined_term(index, first, second)
        if term and index.freq(term) < common_from:
            found.append(Query.boost_query(Query.term_query(index.schema, "text", term), JOINED_BOOST))
    return found


def _joined_term(index: _Terms, first: QueryWord, second: QueryWord) -> str | None:
    """The indexed word two neighbouring query words make written together, if it is written so
    about as often as the rarer of them alone: a word, not a transcript's occasional slip (one
    "Stormshadows" among many "storm shadows" would add passages without adding meaning)."""
    if second.position != first.position + 1:
        return None
    term = term_of(first.text + second.text.lower())
    together = index.freq(term) if term else 0
    apart = min(index.freq(first.term), index.freq(second.term))
    return term if together and together >= apart * JOINED_SHARE else None


def _sound_alikes(schema: tantivy.Schema, word: QueryWord) -> list[Query]:
    """Passages with a name that sounds like the word, or like it with one sound more or less."""
    if len(word.sound) < MIN_SOUND_KEY:
        return []
    same = Query.boost_query(Query.term_query(schema, "sound", word.sound), SOUND_BOOST)
    near = [Query.term_query(schema, "sound_near", word.sound)]
    if near_keys(word.sound):
        near.append(Query.term_set_query(schema, "sound", list(near_keys(word.sound))))
    return [same, *(Query.boost_query(q, NEAR_SOUND_BOOST) for q in near)]


def _as_meant(
    words: list[QueryWord], freq: dict[str, int], fixes: dict[str, list[Correction]]
) -> list[QueryWord]:
    """The query's words with each one the index lacks replaced by its best correction, or left
    out: one misspelt word would otherwise keep the whole phrase from matching."""
    meant = []
    for word in words:
        if freq[word.term] == 0:
            if not fixes.get(word.term):
                continue
            word = replace(word, term=fixes[word.term][0].term)
        meant.append(word)
    return meant


def _joined_meant(index: _Terms, words: list[QueryWord]) -> list[QueryWord]:
    """The words with the first two that are one indexed word written together joined ("foundat
    ion" -> "foundation"), the words after them one place nearer; empty when no two are."""
    for at, (first, second) in enumerate(zip(words, words[1:])):
        term = _joined_term(index, first, second)
        if term:
            after = [replace(w, position=w.position - 1) for w in words[at + 2 :]]
            return [*words[:at], replace(first, term=term), *after]
    return []


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
