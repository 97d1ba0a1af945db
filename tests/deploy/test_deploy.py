"""What of deploy/ can run here: the systemd unit verifies; the image installs the way the Makefile does."""

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def test_the_systemd_unit_verifies(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is installed by .ci/run"
    # The unit names /opt/podquote; here the checkout stands in for it.
    unit = (DEPLOY / "podquote.service").read_text().replace("/opt/podquote", str(ROOT))
    assert f"{ROOT}/.venv/bin/podquote" in unit and Path(sys.executable).parent == ROOT / ".venv" / "bin"
    (tmp_path / "podquote.service").write_text(unit)
    done = subprocess.run([analyze, "verify", str(tmp_path / "podquote.service")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "podquote.service" not in done.stderr, done.stderr


def test_the_unit_is_hardened_and_restarts_on_failure():
    unit = (DEPLOY / "podquote.service").read_text()
    for line in ("Restart=on-failure", "NoNewPrivileges=yes", "PrivateTmp=yes", "User=podquote",
                 "StateDirectory=podquote", "ProtectSystem=strict"):
        assert line in unit


def test_the_image_installs_with_the_makefiles_command_as_a_non_root_user():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "python -m pip install --quiet --upgrade pip" in dockerfile
    assert "python -m pip install --quiet --upgrade pip" in makefile
    assert "python -m pip install --quiet -e ." in dockerfile
    assert "python -m pip install --quiet -e '.[" in makefile
    assert "USER podquote" in dockerfile and 'VOLUME ["/data"]' in dockerfile and "HEALTHCHECK" in dockerfile
