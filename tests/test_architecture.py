"""The shape of the house as a test: imports point adapters -> bot -> search, never back."""

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_import_contracts_are_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 1 kept, 0 broken." in done.stdout


def test_search_core_does_not_use_asyncio():
    for path in (ROOT / "search").rglob("*.py"):
        assert "asyncio" not in path.read_text(), f"{path} must stay synchronous"
