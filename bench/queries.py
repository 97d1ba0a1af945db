"""The fixed query set for latency, drawn (seeded) from the corpus itself, so no podcast is assumed.

A mix like what people send: a word or two about a topic, a short exact quote, a longer quote with
a word wrong or a name misheard, and an exact "phrase" in quotes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from bench.variants import Source, known_items
from search.analyzer import term_of, words

SEED = 20260218
TOPICS = 40
SHORT_QUOTES = 30
WRONG_QUOTES = {"replaced": 10, "misspelt-name": 10, "dropped": 5}
PHRASES = 5


def latency_queries(
    sources: Sequence[Source], is_uncommon: Callable[[str], bool], seed: int = SEED
) -> list[str]:
    """About 100 queries: topics, short quotes, quotes with one thing wrong, quoted phrases."""
    rng = random.Random(f"{seed}:topics")
    topics: dict[str, None] = {}
    while len(topics) < TOPICS:
        topic = _topic(rng.choice(sources), rng, is_uncommon)
        if topic:
            topics[topic] = None
    short = [item.query for item in known_items(sources, "exact-short", SHORT_QUOTES, is_uncommon, seed)]
    wrong = [
        item.query
        for variant, count in WRONG_QUOTES.items()
        for item in known_items(sources, variant, count, is_uncommon, seed)
    ]
    phrases = [f'"{" ".join(query.split()[:3])}"' for query in short[:PHRASES]]
    return [*topics, *short, *wrong, *phrases]


def _topic(source: Source, rng: random.Random, is_uncommon: Callable[[str], bool]) -> str | None:
    """An uncommon word of the passage, with the searchable word after it half of the time."""
    found = [m[0] for m in words(source.text)]
    rare = [i for i, word in enumerate(found) if is_uncommon(word)]
    if not rare:
        return None
    at = rng.choice(rare)
    following = found[at + 1] if at + 1 < len(found) else ""
    if rng.random() < 0.5 and term_of(following):
        return f"{found[at]} {following}".lower()
    return found[at].lower()
