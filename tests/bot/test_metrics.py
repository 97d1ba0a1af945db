"""The Prometheus text rendering of counters and histograms."""

from bot.metrics import Metrics


def test_counters_render_per_label_set():
    metrics = Metrics()
    metrics.deliveries.inc(platform="telegram", outcome="sent")
    metrics.deliveries.inc(2, platform="telegram", outcome="sent")
    metrics.deliveries.inc(platform="discord", outcome="failed")
    text = metrics.render()
    assert 'podquote_deliveries_total{outcome="sent",platform="telegram"} 3' in text
    assert 'podquote_deliveries_total{outcome="failed",platform="discord"} 1' in text
    assert "# TYPE podquote_deliveries_total counter" in text


def test_histograms_are_cumulative_with_sum_and_count():
    metrics = Metrics()
    for seconds in (0.0005, 0.003, 0.003, 3.0):
        metrics.quote_seconds.observe(seconds, platform="console")
    text = metrics.render()
    assert 'podquote_quote_seconds_bucket{platform="console",le="0.001"} 1' in text
    assert 'podquote_quote_seconds_bucket{platform="console",le="0.005"} 3' in text
    assert 'podquote_quote_seconds_bucket{platform="console",le="2.5"} 3' in text
    assert 'podquote_quote_seconds_bucket{platform="console",le="+Inf"} 4' in text
    assert 'podquote_quote_seconds_count{platform="console"} 4' in text
    assert 'podquote_quote_seconds_sum{platform="console"} 3.006500' in text


def test_label_values_are_escaped():
    metrics = Metrics()
    metrics.feed_errors.inc(feed='https://x.example/"feed"\\')
    assert r'feed="https://x.example/\"feed\"\\"' in metrics.render()
