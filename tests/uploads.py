"""Files people send the bot: shared by the upload tests of the command layer and of both chat adapters."""

# A small timed transcript, with its two speakers: 15 words.
ZEPPELIN = b"""WEBVTT

00:00:01.000 --> 00:00:04.000
<v Ann>The zeppelin floated over the harbour at dawn.

00:01:05.500 --> 00:01:09.000
<v Bob>Nobody expected a zeppelin in this town.
"""
# The start of a picture: what a mistaken tap in a file picker sends.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))
