"""The retry policy around one request: exponential backoff with jitter and a cap (stamina)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import stamina

from trials.errors import TransientFault

T = TypeVar("T")

#: The longest ``Retry-After`` we honour; a server asking for more is treated as down.
MAX_RETRY_AFTER_S = 120.0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before a transient fault becomes an error.

    The defaults suit the public API: about a minute of patience per request, spread
    over growing, jittered waits so that many clients do not retry in lock-step.
    """

    attempts: int = 6
    total_timeout_s: float = 180.0
    wait_initial_s: float = 1.0
    wait_max_s: float = 30.0
    wait_jitter_s: float = 1.0


def backoff_hook(exc: Exception) -> bool | dt.timedelta:
    """Retry transient faults; honour the server's Retry-After when it gives one."""
    if not isinstance(exc, TransientFault):
        return False
    if exc.retry_after is not None:
        return dt.timedelta(seconds=min(max(exc.retry_after, 0.0), MAX_RETRY_AFTER_S))
    return True


def call_with_retries(policy: RetryPolicy, fn: Callable[[], T]) -> T:
    """Call ``fn`` and retry it on :class:`TransientFault` per ``policy``; the last fault propagates."""
    caller = stamina.RetryingCaller(
        attempts=policy.attempts,
        timeout=policy.total_timeout_s,
        wait_initial=policy.wait_initial_s,
        wait_max=policy.wait_max_s,
        wait_jitter=policy.wait_jitter_s,
    )
    return caller(backoff_hook, fn)
