"""The errors a user can see. Each message says what happened and what to try."""

from __future__ import annotations


class TrialsError(Exception):
    """Base for errors that end a command with a clear message instead of a traceback."""


class ConfigError(TrialsError):
    """A configuration file or option is wrong; the message names the file and the line."""


class ApiError(TrialsError):
    """The ClinicalTrials.gov API (or the fake) refused or failed a request."""


class ApiBadRequest(ApiError):
    """HTTP 400: the API explains the problem in a plain-text body, which we show verbatim."""


class ApiBlocked(ApiError):
    """HTTP 403: the host usually blocks the client, not the query."""


class ApiUnavailable(ApiError):
    """A transient fault outlasted the retry budget."""


class TransientFault(Exception):
    """A fault worth retrying: 429, 5xx, a timeout, a dropped connection or a truncated body.

    ``retry_after`` carries the server's ``Retry-After`` in seconds when it sent one.
    """

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Terminated(KeyboardInterrupt):
    """SIGTERM (systemd, docker, ``kill``) arrived: handled exactly like Ctrl-C, so every ``except
    KeyboardInterrupt`` clean-up runs (the run is marked ``interrupted``, the lock released); exit 143."""
