"""The one analyzer: folding, stemming, word splitting, sound keys."""

from search.analyzer import fold, sound_key, sound_keys, sounds_near, term_of, words


def test_case_accents_and_stems_fold_together():
    assert term_of("Missiles") == term_of("missile") == "missil"
    assert term_of("CAFÉ") == term_of("cafe")
    assert term_of("negotiating") == term_of("negotiations") == "negoti"


def test_stopwords_have_no_term():
    assert term_of("the") is None
    assert term_of("and") is None


def test_possessive_apostrophes_fold_and_contractions_stay_whole():
    assert term_of("Putin's") == term_of("Putin’s") == term_of("putin")
    assert [m[0] for m in words("don't stop")] == ["don't", "stop"]


def test_hyphens_split_and_numbers_keep_their_separators():
    assert [m[0] for m in words("long-range strikes, pre-2014")] == ["long", "range", "strikes", "pre", "2014"]
    assert [m[0] for m in words("2,000 missiles at 3.5 km.")] == ["2,000", "missiles", "at", "3.5", "km"]


def test_fold_keeps_only_ascii_letters():
    assert fold("Zelenskyy's") == "zelenskyys"
    assert fold("Škoda") == "skoda"


def test_speech_recognition_spellings_of_a_name_share_a_sound_key():
    assert sound_key("Witkoff") == sound_key("Whitkoff") == sound_key("Wittkov") == sound_key("Wittgov")
    assert sound_key("Umerov") == sound_key("Umarov") == sound_key("Umeirov")
    assert sound_key("Witkoff") != sound_key("Kushner")


def test_sound_keys_cover_only_name_like_words():
    assert sound_keys("then Whitkoff and Kushner met Lavrov there") == [
        sound_key("Whitkoff"), sound_key("Kushner"), sound_key("Lavrov")
    ]
    assert sound_keys("Rubio") == [], "keys under three sounds match too much to be indexed"


def test_names_heard_with_a_sound_more_or_less_are_near_but_other_names_are_not():
    assert sounds_near(sound_key("Witgolf"), sound_key("Witkoff"))
    assert sounds_near(sound_key("Wikov"), sound_key("Witkoff"))
    assert sounds_near(sound_key("Wadavkov"), sound_key("Witkoff"))
    assert not sounds_near(sound_key("Stalin"), sound_key("Zeppelin"))
    assert not sounds_near(sound_key("Kushner"), sound_key("Witkoff"))
    assert sound_keys("nothing capitalised here at all") == []
