"""Fuzzing what reads outside input: `make fuzz` (`python -m bench.fuzz [--seconds N] [TARGET ...]`).

Each target is a module here named `fuzz_*.py` with `TARGET_NAME`, `inputs()` (a hypothesis strategy
of bytes shaped like real input: near-valid files, feeds, queries) and `check(data: bytes) -> None`,
which must return (having refused bad input the documented way) for any input; any exception is a
finding. The driver feeds each target those inputs and plain random bytes for a time budget and
reports what broke. It is not part of the test suite: CI's time is for tests, and a fuzz run is
open-ended.
"""
