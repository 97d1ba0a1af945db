"""Parsing a person's query: words keep the positions they were typed at, so phrases can match."""

from search.query import parse_query


def _positions(text: str) -> list[tuple[str, int]]:
    return [(w.term, w.position) for w in parse_query(text).words]


def test_typed_words_stand_one_after_another_with_stopwords_counted():
    assert _positions("going to block 5 million") == [("go", 0), ("block", 2), ("5", 3), ("million", 4)]


def test_a_quoted_phrase_continues_the_count():
    parsed = parse_query('storm "shadow missiles" Britain')
    assert [(w.term, w.position) for w in parsed.words] == [
        ("storm", 0), ("shadow", 1), ("missil", 2), ("britain", 3),
    ]
    assert [[w.term for w in phrase] for phrase in parsed.phrases] == [["shadow", "missil"]]
