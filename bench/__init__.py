"""Benchmarks and the search-quality evaluation: `python -m bench` (or `make bench`).

The harness is made of parts chosen by name (see `bench.__main__.PARTS`): each is a module with a
`run(ctx)` that returns plain data for `bench/results.json` and `bench/RESULTS.md`. The pure pieces
(statistics, metrics, query variants) live in their own modules and are tested in tests/bench/.
"""
