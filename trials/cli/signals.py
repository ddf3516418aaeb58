"""Clean stops: SIGTERM, what systemd, docker and ``kill`` send, is handled like Ctrl-C.

The handler raises :class:`trials.errors.Terminated` (a ``KeyboardInterrupt``) in the main thread, so
the same clean-up runs as for Ctrl-C: the run log marks the run ``interrupted``, context managers
release the lock, and the command exits with 128 + the signal's number (130 for Ctrl-C, 143 for
SIGTERM). Only the first SIGTERM interrupts; later ones are ignored so the clean-up can finish.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from trials.errors import Terminated

#: Exit code of a command stopped by Ctrl-C (128 + SIGINT).
EXIT_SIGINT = 128 + signal.SIGINT
_received: list[int] = []


def _on_sigterm(signum: int, _frame: FrameType | None) -> None:
    if _received:
        return  # already stopping: let the clean-up finish
    _received.append(signum)
    raise Terminated("stopped by SIGTERM (a service manager or `kill`)")


def install() -> Callable[[], None]:
    """Handle SIGTERM like Ctrl-C (main thread only); returns the function that restores the previous state."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: Any = signal.signal(signal.SIGTERM, _on_sigterm)
    _received.clear()

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)
        _received.clear()

    return restore


def terminated() -> bool:
    """True once a SIGTERM arrived in this command."""
    return bool(_received)


def interrupted_exit_code() -> int:
    """143 when SIGTERM stopped the command, else 130 (Ctrl-C)."""
    return 128 + _received[0] if _received else EXIT_SIGINT
