"""Speaker names are searchable: a search for a speaker's name finds their turns, below passages
that say the name, and a name that ended in a colon without being a speaker stays searchable text."""

from datetime import date

import pytest

from search.formats import parse_transcript
from search.index import QuoteIndex
from search.models import Episode, Segment
from tests.search.test_formats import fixture

FILLER = " ".join(f"They talked about ordinary things number {i} for a while." for i in range(12))
SEEDLINGS = " ".join(f"The seedlings in tray {i} need light and a little water." for i in range(8))
CATALOGUE = " ".join(f"Page {i} of the catalogue lists heritage tomatoes and beans." for i in range(8))
COMPOST = " ".join(f"The compost rota for week {i} starts on a Monday." for i in range(8))


def _episode(episode_id: str, segments: list[Segment]) -> Episode:
    return Episode(id=episode_id, podcast="Garden Club", title=f"Meeting {episode_id}",
                   published=date(2024, 3, 12), segments=tuple(segments))


@pytest.fixture
def index() -> QuoteIndex:
    idx = QuoteIndex.in_memory()
    idx.replace_episodes(
        [
            # Tom reads out the same rota as Priya, indexed first: it wins their tie on the words.
            _episode("rota", [Segment(COMPOST, 0.0, "Tom Okafor")]),
            _episode("club", [
                Segment(SEEDLINGS, 5.0, "Priya Nair"),
                Segment(CATALOGUE, 21.0, "Tom Okafor"),
                Segment(COMPOST, 3735.0, "Priya Nair"),
            ]),
            _episode("chat", [
                Segment(FILLER, 0.0, "Tom Okafor"),
                Segment("Priya said the compost heap is far too wet this year.", 60.0, "Tom Okafor"),
                Segment(FILLER, 70.0, "Tom Okafor"),
            ]),
        ]
    )
    return idx


def test_a_speaker_s_name_finds_their_turns(index):
    result = index.search("Nair", limit=5)
    assert result.quotes, result.message
    assert {q.speaker for q in result.quotes} == {"Priya Nair"}
    assert all(q.episode_id == "club" for q in result.quotes)


def test_passages_that_say_the_name_rank_above_the_speaker_s_own_turns(index):
    result = index.search("Priya", limit=5)
    assert result.quotes[0].episode_id == "chat"
    assert "Priya said" in result.quotes[0].text
    assert "Priya Nair" in {q.speaker for q in result.quotes[1:]}


def test_the_speaker_name_ranks_their_turn_first_among_turns_that_say_the_words(index):
    assert index.search("compost rota", limit=5).quotes[0].speaker == "Tom Okafor"
    first = index.search("Nair compost rota", limit=5).quotes[0]
    assert (first.episode_id, first.speaker) == ("club", "Priya Nair")
    assert "compost" in first.text


def test_words_before_a_colon_that_are_no_speaker_are_found():
    idx = QuoteIndex.in_memory()
    idx.replace_episodes([_episode("kitchen", parse_transcript(fixture("kitchen.srt"), "kitchen.srt").segments)])
    result = idx.search("spécialités")
    assert result.quotes and "spécialités" in result.quotes[0].text
