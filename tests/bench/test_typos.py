"""Each kind of misspelling does what its name says, keeps the case, and never touches the first letter
unless the kind is about it."""

import random

import pytest

from bench import typos


def _all(kind, word, tries=40):
    rng = random.Random(5)
    return {typos.KINDS[kind](word, rng) for _ in range(tries)} - {None}


def test_deletion_and_insertion_take_or_add_one_letter_after_the_first():
    for wrong in _all("deletion", "Kubernetes"):
        assert len(wrong) == 9 and wrong[0] == "K"
    for wrong in _all("insertion", "Kubernetes"):
        assert len(wrong) == 11 and wrong[0] == "K"


def test_keyboard_typos_hit_a_neighbouring_key():
    assert _all("keyboard", "cat") == {"cst", "car", "cay"}


def test_transposition_swaps_two_neighbours():
    assert _all("transposition", "React") == {"Raect", "Recat", "Reatc"}


def test_doubled_and_undoubled_consonants():
    assert _all("doubled", "Changelog") == {"Chhangelog", "Channgelog", "Changgelog", "Changellog", "Changelogg"}
    assert _all("undoubled", "Google") == set()
    assert _all("undoubled", "Hammer") == {"Hamer"}


def test_dropped_vowel_and_changed_last_letter():
    assert _all("dropped-vowel", "Windows") == {"Wndows", "Windws"}
    for wrong in _all("last-letter", "Linux"):
        assert wrong[:4] == "Linu" and wrong[4] != "x"


@pytest.mark.parametrize(
    "kind, word, expected",
    [("c-k", "Cocktail", {"Kocktail", "Cokktail", "Cocctail"}), ("ph-f", "Philosophy", {"Filosophy", "Philosofy"}),
     ("v-w", "Vowel", {"Wowel", "Vovel"})],
)
def test_sounds_spelt_two_ways(kind, word, expected):
    assert _all(kind, word) == expected


def test_sound_alike_letters():
    assert {"Budenov", "Budanuv", "Butanov"} <= _all("sound-alike", "Budanov", tries=200)


def test_speech_recognition_rewrites_a_name_like_the_seeds():
    heard = _all("heard", "Witkoff", tries=400)
    assert {"Whitkoff", "Witgolf", "Wittkoff"} <= heard
    assert all(w[0] == "W" and w != "Witkoff" for w in heard)
