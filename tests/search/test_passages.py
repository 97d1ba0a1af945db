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
    # Ann's second sentence starts halfway through her words, so halfway from 10.0 to Bob's 25.5.
    assert [(start, who) for _, start, who in passage.turns] == [(10.0, "Ann"), (17.75, "Ann"), (25.5, "Bob")]
    bob_at = passage.turns[2][0]
    assert passage.text[bob_at:].startswith("Sentence 0")


def test_a_long_span_under_one_time_is_timed_by_the_words_position_in_it():
    # A Markdown turn of four paragraphs under one [01:00] stamp, the next turn at [05:00]:
    # each paragraph carries the turn's time, and the last of 40 sentences begins 39/40 of the way.
    turn = [Segment(_sentences(10), start=60.0, speaker="Ann") for _ in range(4)]
    passages = build_passages([*turn, Segment(_sentences(1), start=300.0, speaker="Bob")])
    times = {}
    for passage in passages:
        for at, start, _ in passage.turns:
            times[passage.word_start + len(passage.text[:at].split())] = start
    assert times[0] == 60.0
    assert times[12 * 20] == 60.0 + 240.0 * 20 / 40
    assert times[12 * 39] == 60.0 + 240.0 * 39 / 40
    assert times[12 * 40] == 300.0


def test_the_last_span_is_timed_up_to_the_episodes_end():
    passage = build_passages([Segment(_sentences(2), start=0.0)], duration=100.0)[0]
    assert [start for _, start, _ in passage.turns] == [0.0, 50.0]


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
