"""The one family of errors podquote raises; each also subclasses the builtin it means."""


class PodquoteError(Exception):
    """Base class of every error podquote raises on purpose."""


class TranscriptError(PodquoteError, ValueError):
    """A transcript file could not be read or parsed; the message says why, in a few words."""


class QueryError(PodquoteError, ValueError):
    """A search query cannot be run; the message is fit to show the person who typed it."""


class SearchIndexError(PodquoteError, RuntimeError):
    """The search index is missing, locked or damaged."""


class IndexBusyError(SearchIndexError):
    """Another process kept the search index's writers' lock too long; trying again later works."""
