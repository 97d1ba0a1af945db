"""Segments become overlapping sentence-aware windows."""

from search.models import Segment
from search.passages import build_passages, sentence_spans


def _sentences(count: int, words: int = 12) -> str:
    return " ".join(f"Sentence {i} " + " ".join(["word"] * (words - 3)) + " end." for i in range(count))


def test_windows_are_40_to_80_words_and_overlap():
    passages = build_passages([Segment(_sentences(40))])
    sizes = [p.word_end - p.word_start for p in passages]
    assert all(40 <= size <= 80 for size in sizes[:-1])
    for earlier, later in zip(passages, passages[1:]):
        assert earlier.word_start < later.word_start < earlier.word_end


def test_windows_begin_and_end_at_sentences():
    for passage in build_passages([Segment(_sentences(30))]):
        assert passage.text.startswith("Sentence ")
        assert passage.text.endswith("end.")


def test_every_word_is_in_some_window():
    passages = build_passages([Segment(_sentences(25))])
    assert passages[0].word_start == 0
    assert passages[-1].word_end == 25 * 12
    assert all(a.word_end >= b.word_start for a, b in zip(passages, passages[1:]))


def test_run_on_text_without_punctuation_is_cut_to_size():
    passages = build_passages([Segment(" ".join(["word"] * 1000))])
    assert all(p.word_end - p.word_start <= 80 for p in passages)
    assert passages[-1].word_end == 1000


def test_turns_carry_start_times_and_speakers():
    segments = [
        Segment(_sentences(2), start=10.0, speaker="Ann"),
        Segment(_sentences(2), start=25.5, speaker="Bob"),
    ]
    passage = build_passages(segments)[0]
    assert passage.start == 10.0
    assert [(start, who) for _, start, who in passage.turns] == [(10.0, "Ann"), (25.5, "Bob")]
    bob_at = passage.turns[1][0]
    assert passage.text[bob_at:].startswith("Sentence 0")


def test_untimed_passages_have_no_start():
    assert build_passages([Segment(_sentences(5))])[0].start is None


def test_sign_off_plugs_at_the_end_are_boilerplate_but_the_body_is_not():
    body = _sentences(60)
    plug = "Subscribe to the channel. The link is in the description. Find us on Rumble and Substack."
    passages = build_passages([Segment(body + " " + plug)])
    assert passages[-1].boilerplate
    assert not any(p.boilerplate for p in passages[:-3])


def test_plug_words_in_the_middle_of_an_episode_are_not_boilerplate():
    middle = "He talked about the channel and the link to Substack and YouTube for a while."
    passages = build_passages([Segment(_sentences(30) + " " + middle + " " + _sentences(30))])
    assert not any(p.boilerplate for p in passages)


def test_sentence_spans():
    text = "First one. Second? Third! and more"
    assert [text[a:b] for a, b in sentence_spans(text)] == ["First one.", "Second?", "Third! and more"]
