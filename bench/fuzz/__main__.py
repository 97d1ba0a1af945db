"""`python -m bench.fuzz [--seconds N] [TARGET ...]`: fuzz each target for N seconds, print findings."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import traceback

import bench.fuzz


def targets() -> dict[str, object]:
    """Every fuzz target module in this package, by name."""
    found = {}
    for info in pkgutil.iter_modules(bench.fuzz.__path__):
        if info.name.startswith("fuzz_"):
            module = importlib.import_module(f"bench.fuzz.{info.name}")
            found[module.TARGET_NAME] = module
    return found


def fuzz(module, seconds: float) -> tuple[int, list[str]]:
    """Run one target for a time budget: (inputs tried, distinct failures)."""
    from hypothesis import HealthCheck, given, settings, strategies

    tried, failures = 0, {}
    deadline = time.monotonic() + seconds

    @settings(max_examples=10**9, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategies.binary(max_size=getattr(module, "MAX_SIZE", 4096)) | module.inputs())
    def one(data: bytes) -> None:
        nonlocal tried
        if time.monotonic() > deadline:
            raise _OutOfTime
        tried += 1
        try:
            module.check(data)
        except Exception as error:  # noqa: BLE001 - every unexpected error is a finding
            key = f"{type(error).__name__}: {traceback.extract_tb(error.__traceback__)[-1]}"
            failures.setdefault(key, repr(data[:200]))

    # Hypothesis may take the stop for a failure and replay it; the replay passes, and it raises a
    # FlakyFailure (an exception group) holding the stops: every stop is the budget's end, nothing more.
    try:
        one()
    except* _OutOfTime:
        pass
    except ExceptionGroup as group:
        # An input first tried in time and again after the budget ran out makes hypothesis report a
        # FlakyFailure (an ExceptionGroup) around the stop: still just the end of the run.
        if group.subgroup(_OutOfTime) is None:
            raise
    return tried, [f"{key}\n    input: {sample}" for key, sample in failures.items()]


class _OutOfTime(Exception):
    """The target's time budget ran out (how a hypothesis run is stopped from inside)."""


def main(argv: list[str] | None = None) -> int:
    """Fuzz the chosen targets (all by default); exit 1 when anything broke."""
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__)
    parser.add_argument("targets", nargs="*")
    parser.add_argument("--seconds", type=float, default=60.0, help="per target (default 60)")
    args = parser.parse_args(argv)
    available = targets()
    chosen = args.targets or sorted(available)
    broke = False
    for name in chosen:
        tried, failures = fuzz(available[name], args.seconds)
        print(f"{name}: {tried} inputs in {args.seconds:.0f} s, {len(failures)} distinct failures")
        for failure in failures:
            print(f"  {failure}")
        broke = broke or bool(failures)
    return 1 if broke else 0


if __name__ == "__main__":
    sys.exit(main())
