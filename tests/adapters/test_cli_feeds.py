"""`podquote feed add/list/remove` and `podquote ingest FILE --episode`, against feeds on 127.0.0.1."""

import json
from datetime import datetime, timezone

import pytest

from adapters.cli import main
from tests.bot.doubles import ENCODED_FEEDS, Item, ThreadedFeedServer, encoded, rss

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Ann>The zeppelin floated over the harbour at dawn.
"""
AIRED = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PODQUOTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PODQUOTE_SEEDS", "")
    monkeypatch.setenv("PODQUOTE_FETCH_TIMEOUT", "2")
    return tmp_path


@pytest.fixture
def server():
    with ThreadedFeedServer() as running:
        yield running


def _feed(server):
    items = [
        Item(title="Zeppelins at dawn", guid="zep-1", link="https://airships.example/zep-1",
             enclosure="https://cdn.example/zep-1.mp3", published=AIRED),
        Item(title="Blimps", guid="blimp-2", enclosure="https://cdn.example/blimp-2.mp3", published=AIRED),
    ]
    server.serve("/feed.xml", rss(items))
    return server.url("/feed.xml")


def test_feed_add_reads_the_feed_once_and_records_its_backlog(env, server, capsys):
    url = _feed(server)
    assert main(["feed", "add", url]) == 0
    assert capsys.readouterr().out.strip() == f"added {url}: 2 episodes recorded (not announced); new ones will be"
    assert main(["episodes"]) == 0
    listed = capsys.readouterr().out
    assert "Zeppelins at dawn · Airship Hour · 20 Nov 2026" in listed and "Blimps" in listed


def test_feed_list_shows_each_feeds_health(env, server, capsys, monkeypatch):
    url = _feed(server)
    server.status("/broken.xml", 500)
    main(["feed", "add", url])
    main(["feed", "add", server.url("/broken.xml")])
    capsys.readouterr()
    monkeypatch.setenv("PODQUOTE_FEEDS", "https://configured.example/feed.xml")
    assert main(["feed", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"1. Airship Hour · {url}"
    assert lines[1].startswith("   ok · last poll ") and lines[1].endswith("2 episodes, 0 waiting for a transcript")  # they link none
    assert lines[2] == f"2. {server.url('/broken.xml')}"
    assert lines[3].startswith("   failing (1 in a row; last: HTTP 500) · last poll ")
    assert lines[4] == "3. https://configured.example/feed.xml [PODQUOTE_FEEDS]"
    assert "not polled yet" in lines[5]


@pytest.mark.parametrize(("title", "titles", "encoding", "declared"), ENCODED_FEEDS)
def test_feed_add_reads_a_feed_in_another_encoding_as_written(env, server, capsys, title, titles, encoding, declared):
    items = [Item(title=name, guid=f"g{n}", published=AIRED) for n, name in enumerate(titles)]
    server.serve("/feed.xml", encoded(rss(items, title=title), encoding, declared))
    url = server.url("/feed.xml")
    assert main(["feed", "add", url]) == 0
    assert capsys.readouterr().out.strip() == f"added {url}: 2 episodes recorded (not announced); new ones will be"
    assert main(["episodes"]) == 0
    listed = capsys.readouterr().out
    assert all(f"{name} · {title} · 20 Nov 2026" in listed for name in titles)
    assert main(["feed", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"1. {title} · {url}"


def test_adding_a_feed_again_resumes_it_and_remove_stops_watching_it(env, server, capsys):
    url = _feed(server)
    main(["feed", "add", url])
    assert main(["feed", "add", url]) == 0
    assert "already watched" in capsys.readouterr().err
    assert main(["feed", "remove", url]) == 0
    assert "its episodes stay" in capsys.readouterr().out
    assert main(["feed", "remove", url]) == 1
    assert main(["feed", "list"]) == 0
    assert "No feeds" in capsys.readouterr().out


def test_feed_add_refuses_what_is_not_a_web_address(env, capsys):
    assert main(["feed", "add", "file:///etc/passwd"]) == 2
    assert "not a web address" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["zep-1", "https://cdn.example/zep-1.mp3", "https://airships.example/zep-1"])
def test_ingest_with_episode_attaches_the_transcript_to_the_feeds_episode(env, server, capsys, name):
    main(["feed", "add", _feed(server)])
    (env / "zep.vtt").write_text(VTT)
    assert main(["ingest", str(env / "zep.vtt"), "--episode", name]) == 0
    assert "attaching the transcript to: Zeppelins at dawn" in capsys.readouterr().err
    assert main(["quote", "--json", "zeppelin", "harbour"]) == 0
    quote = json.loads(capsys.readouterr().out)["quotes"][0]
    assert (quote["episode_title"], quote["published"], quote["podcast"]) == ("Zeppelins at dawn", "2026-11-20", "Airship Hour")
    assert main(["stats"]) == 0
    assert "episodes: 2" in capsys.readouterr().out


def test_ingest_with_an_unknown_episode_makes_a_new_episode_as_before(env, server, capsys):
    (env / "zep.vtt").write_text(VTT)
    assert main(["ingest", str(env / "zep.vtt"), "--episode", "never-heard-of-it", "--title", "Solo"]) == 0
    assert main(["quote", "--json", "zeppelin"]) == 0
    assert json.loads(capsys.readouterr().out)["quotes"][0]["episode_title"] == "Solo"
