"""The seeds' own misspellings of names, as the quality part reports them."""

from bench import corpora
from bench.quality import seed_variants
from search.index import QuoteIndex


def test_searching_a_seed_name_reaches_its_spellings_after_the_exact_ones():
    index = QuoteIndex.in_memory()
    index.replace_episodes(corpora.load_episodes(corpora.seed_folder()))
    rows = seed_variants(index)
    for spelling in ("Whitkoff", "Wittkov", "Witgolf", "Wyckoff", "Umarov"):
        row = rows[spelling]
        assert row["rank"] is not None and row["exact_first"], spelling
        assert row["rank"] > row["exact"], "each exact match comes first"
    assert rows["Umarov"]["name"] == "Umerov" and rows["stommer"]["name"] == "Starmer"
