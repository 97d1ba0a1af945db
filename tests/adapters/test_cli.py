"""The `podquote` command line over the seed corpus: the foundation issue's acceptance checks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.cli import main
from search.index import SCHEMA_VERSION
from tests.conftest import DECEMBER_2025, ROOT, SEPTEMBER_2024


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PODQUOTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PODQUOTE_SEEDS", raising=False)
    return tmp_path


def _json(capsys, *args) -> dict:
    assert main(["quote", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_storm_shadow_first_quote_is_from_the_uk_missiles_episode_with_the_words_marked(env, capsys):
    result = _json(capsys, "storm", "shadow")
    first = result["quotes"][0]
    assert first["episode_title"] == "UK missiles ready to strike Russia. Putin warns US/UK"
    assert first["published"] == "2024-09-13"
    marked = [first["text"][a:b].lower() for a, b in first["highlights"]]
    assert "storm" in marked and any(m.startswith("shadow") for m in marked)


def test_witkoff_moscow_finds_the_december_2025_episode(env, capsys):
    result = _json(capsys, "Witkoff", "Moscow")
    assert result["quotes"][0]["episode_id"] == DECEMBER_2025
    assert result["quotes"][0]["published"] == "2025-12-01"


def test_quoted_phrase_finds_kabuki_theater(env, capsys):
    result = _json(capsys, '"kabuki theater"')
    assert result["quotes"] and all("kabuki theater" in q["text"].lower() for q in result["quotes"])


def test_nothing_matched_says_so_and_exits_0(env, capsys):
    assert main(["quote", "zzqx"]) == 0
    assert "Nothing matched" in capsys.readouterr().out


def test_json_has_the_documented_shape(env, capsys):
    result = _json(capsys, "--limit", "2", "missiles")
    assert set(result) == {"query", "total", "offset", "has_more", "message", "quotes"}
    assert len(result["quotes"]) == 2
    assert set(result["quotes"][0]) == {
        "podcast", "episode_id", "episode_title", "published", "url", "start_seconds", "speaker",
        "text", "highlights", "score",
    }
    assert result["quotes"][0]["url"] is None, "the seeds have no URL and none is invented"


def test_offset_pages_through_every_quote_as_the_chat_pages_do(env, capsys):
    everything = _json(capsys, "--limit", "100", "storm", "shadow")
    pages = [_json(capsys, "--offset", str(offset), "storm", "shadow") for offset in range(0, everything["total"], 3)]
    assert [q for page in pages for q in page["quotes"]] == everything["quotes"]
    assert len(everything["quotes"]) == everything["total"] > 3
    assert [page["has_more"] for page in pages] == [True] * (len(pages) - 1) + [False]
    assert main(["quote", "storm", "shadow"]) == 0
    assert capsys.readouterr().out.rstrip().endswith(f"({everything['total']} quotes in all: --offset 3 shows more)")
    assert main(["quote", "--offset", "3", "storm", "shadow"]) == 0
    assert capsys.readouterr().out.startswith("4. “")


def test_batch_writes_one_json_object_per_query(env, capsys, tmp_path):
    batch = tmp_path / "queries.txt"
    batch.write_text("storm shadow\nzzqx\n\nWitkoff\n")
    assert main(["quote", "--batch", str(batch)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["query"] for line in lines] == ["storm shadow", "zzqx", "", "Witkoff"]
    assert lines[0]["quotes"][0]["episode_id"] == SEPTEMBER_2024
    assert lines[1]["quotes"] == [] and lines[2]["message"]


def test_readable_output_marks_words_and_names_the_episode(env, capsys):
    assert main(["quote", "storm", "shadow"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. “") and "**" in out
    assert "UK missiles ready to strike Russia" in out and "13 Sep 2024" in out


def test_episodes_and_stats(env, capsys):
    assert main(["episodes"]) == 0
    listing = capsys.readouterr().out
    assert listing.index("Bizarre negotiations") < listing.index("UK missiles")
    assert main(["stats"]) == 0
    stats = dict(line.split(": ") for line in capsys.readouterr().out.splitlines())
    assert stats["episodes"] == "2" and int(stats["passages"]) > 100 and int(stats["words"]) > 12000
    assert int(stats["index_bytes"]) > 0


def test_ingest_reports_each_failure_and_exits_non_zero(env, capsys, tmp_path):
    good = tmp_path / "good.srt"
    good.write_text("1\n00:00:01,000 --> 00:00:03,000\nThe zeppelin came back over the hills.\n")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02binary")
    assert main(["ingest", str(good), str(bad), "--podcast", "Airships"]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: " in err and "binary" in err
    assert "1 ingested" in err and "1 failed" in err
    assert main(["quote", "--json", "zeppelin"]) == 0
    assert json.loads(capsys.readouterr().out)["quotes"][0]["podcast"] == "Airships"


def test_each_bad_file_gets_one_line_on_stderr(tmp_path):
    """As the operator runs it (logging set up by the entry point): the reason once, not also a log line."""
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02binary")
    environment = {**os.environ, "PODQUOTE_DATA_DIR": str(tmp_path / "data"), "PODQUOTE_SEEDS": ""}
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "ingest", str(bad)],
        capture_output=True, text=True, cwd=ROOT, env=environment, timeout=120,
    )
    assert done.returncode == 1
    assert [line for line in done.stderr.splitlines() if "bad.txt" in line] == [f"podquote: {bad}: binary file"]


def test_a_seeds_folder_that_is_missing_stops_every_command_with_its_reason(env, capsys, monkeypatch):
    monkeypatch.setenv("PODQUOTE_SEEDS", "/nonexistent")
    assert main(["stats"]) == 2
    assert capsys.readouterr().err.startswith("podquote: PODQUOTE_SEEDS: /nonexistent is not a folder")


def test_ingest_with_title_and_date_flags(env, capsys, tmp_path):
    path = tmp_path / "ep.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:03,000\nA zeppelin over the sea.\n")
    assert main(["ingest", str(path), "--title", "Airships", "--date", "2020-02-02", "--url",
                 "https://www.youtube.com/watch?v=z"]) == 0
    capsys.readouterr()
    quote = _json(capsys, "zeppelin")["quotes"][0]
    assert (quote["episode_title"], quote["published"]) == ("Airships", "2020-02-02")
    assert quote["url"] == "https://www.youtube.com/watch?v=z&t=1"


def test_a_bad_date_flag_is_one_clear_line(env, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["ingest", str(tmp_path), "--date", "last tuesday"])
    assert exit_info.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_reindex_keeps_answers(env, capsys):
    assert main(["reindex"]) == 0
    capsys.readouterr()
    assert _json(capsys, "storm", "shadow")["quotes"][0]["episode_id"] == SEPTEMBER_2024


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    """`podquote quote storm | head -1`: the reader is gone before the quotes are written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    environment = {**os.environ, "PODQUOTE_DATA_DIR": str(tmp_path / "data")}
    environment.pop("PODQUOTE_SEEDS", None)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "adapters.cli", "quote", "storm"], stdout=write_end, stderr=subprocess.PIPE,
            text=True, cwd=ROOT, env=environment, timeout=120,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


def test_console_mode_answers_commands_from_stdin(tmp_path):
    environment = {**os.environ, "PODQUOTE_DATA_DIR": str(tmp_path / "data")}
    for name in ("TELEGRAM_TOKEN", "DISCORD_TOKEN", "PODQUOTE_SEEDS"):
        environment.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "run"], input="/quote storm shadow\n/latest\nhello\n",
        capture_output=True, text=True, cwd=ROOT, env=environment, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "**storm shadows**" in done.stdout.lower()
    assert "Latest episodes (2):" in done.stdout
    assert "Commands start with /" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_run_with_no_token_and_no_commands_fails_saying_why(tmp_path):
    environment = {**os.environ, "PODQUOTE_DATA_DIR": str(tmp_path / "data")}
    for name in ("TELEGRAM_TOKEN", "DISCORD_TOKEN"):
        environment.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "run"], stdin=subprocess.DEVNULL,
        capture_output=True, text=True, cwd=ROOT, env=environment, timeout=120,
    )
    assert done.returncode == 1
    assert "no chat token is configured" in done.stderr and "Traceback" not in done.stderr


def _podquote(env: Path, *args: str, module: str = "adapters.cli") -> subprocess.CompletedProcess:
    environment = {**os.environ, "PODQUOTE_DATA_DIR": str(env / "data")}
    for name in ("TELEGRAM_TOKEN", "TELEGRAM_TOKEN_FILE", "DISCORD_TOKEN", "DISCORD_TOKEN_FILE", "PODQUOTE_CONFIG"):
        environment.pop(name, None)
    return subprocess.run(  # a timeout here is a hang: systemd would never restart it
        [sys.executable, "-m", module, *args], stdin=subprocess.DEVNULL,
        capture_output=True, text=True, cwd=ROOT, env=environment, timeout=120,
    )


def _index_folder(env: Path) -> Path:
    (folder,) = (p for p in (env / "data").glob("index-v*") if p.is_dir())
    return folder


@pytest.mark.parametrize("damage", ["a segment file missing", "meta.json garbled"])
def test_a_damaged_index_is_moved_aside_and_rebuilt_saying_so_in_one_line(env, capsys, damage):
    assert main(["stats"]) == 0
    folder = _index_folder(env)
    if damage == "a segment file missing":
        next(folder.glob("*.idx")).unlink()
    else:
        (folder / "meta.json").write_text("{ not json")
    done = _podquote(env, "quote", "storm", "shadow")
    assert done.returncode == 0, done.stderr
    assert "UK missiles ready to strike Russia" in done.stdout
    (line,) = done.stderr.splitlines()
    assert "search index damaged; moved aside to" in line and "to rebuild it from the database" in line
    assert (env / "data" / f"damaged-{folder.name}").is_dir() and not folder.exists()
    assert _podquote(env, "quote", "storm", "shadow").stderr == ""  # rebuilt for good


def test_a_full_disk_ends_each_command_in_one_line_and_the_next_start_finishes_the_work(env, tmp_path):
    assert main(["stats"]) == 0
    transcript = tmp_path / "zeppelin.vtt"
    transcript.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nThe zeppelin floated over the harbour.\n")
    for command in (["ingest", str(transcript)], ["stats"], ["run"]):
        done = _podquote(env, *command, module="tests.adapters.full_disk_child")
        assert done.returncode != 0, command
        (line,) = done.stderr.splitlines()
        assert line.startswith("podquote: cannot write the search index") and "No space left on device" in line
    episodes = _podquote(env, "episodes")  # the ingest stored the episode before its index write failed
    assert "zeppelin" in episodes.stdout
    space_again = _podquote(env, "quote", "zeppelin", "harbour")
    assert space_again.returncode == 0 and "**zeppelin**" in space_again.stdout


def test_a_damaged_database_is_one_line_and_a_failure(env, capsys):
    assert main(["stats"]) == 0
    capsys.readouterr()
    with open(env / "data" / "podquote.db", "r+b") as database:  # pages of the tables, past the header
        database.seek(4096 * 5)
        database.write(b"\xde\xad" * 8000)
    assert main(["stats"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("podquote: cannot read the database") and line.endswith("database disk image is malformed")
