"""Stopping a run cleanly on SIGINT (Ctrl-C) and SIGTERM (systemd, kill).

    with interrupt.handling():          around a whole command
        interrupt.check()               at safe points: raises Interrupted once a signal came
        with interrupt.interruptible(): a blocking wait (a request, a polite sleep) that may be cut at once
        with interrupt.deferred():      a few lines that must never be cut in the middle

The first signal asks the run to stop: loops notice it at their next safe point, the
command publishes what is finished and exits 130 (SIGINT) or 143 (SIGTERM) with one line.
A second signal stops at once; what was finished is still in the result cache.
Outside `handling()` (xxgk used as a library) nothing is installed and Ctrl-C is Python's own.

Other threads (a crawl's fetches, several hosts at once): a signal is only ever delivered to the
main thread, so there `interruptible()` only checks, and `sleep` wakes every SLICE seconds to check;
the request a thread is in ends by its own timeout, or when the crawl closes its connections.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)
SLICE = 0.1  # seconds a sleep outside the main thread waits between two looks at the stop request


class Interrupted(BaseException):
    """A stop asked for by a signal. A BaseException, like KeyboardInterrupt: no `except Exception` eats it."""

    def __init__(self, signum: int, hard: bool = False) -> None:
        super().__init__(signum)
        self.signum, self.hard = signum, hard

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


class _State:
    signum: int | None = None
    interruptible = 0
    deferred = 0


_state = _State()


def _handler(signum: int, frame: object) -> None:
    if _state.signum is not None:
        raise Interrupted(signum, hard=True)
    _state.signum = signum
    if _state.interruptible and not _state.deferred:
        raise Interrupted(signum)


@contextmanager
def handling() -> Iterator[None]:
    """Install the handlers for the duration of a command (main thread only; elsewhere a no-op)."""
    if not _in_main_thread():
        yield
        return
    _state.signum, _state.interruptible, _state.deferred = None, 0, 0
    previous = {s: signal.signal(s, _handler) for s in SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        _state.signum = None


def requested() -> int | None:
    """The signal that asked the run to stop, if one did."""
    return _state.signum


def check() -> None:
    if _state.signum is not None and not _state.deferred:
        raise Interrupted(_state.signum)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def interruptible() -> Iterator[None]:
    check()
    if not _in_main_thread():  # the handler runs in the main thread: it must not raise there for our wait
        yield
        return
    _state.interruptible += 1
    try:
        yield
    finally:
        _state.interruptible -= 1


@contextmanager
def deferred() -> Iterator[None]:
    _state.deferred += 1
    try:
        yield
    finally:
        _state.deferred -= 1


def sleep(seconds: float) -> None:
    """time.sleep that a stop request cuts short."""
    if _in_main_thread():
        with interruptible():
            time.sleep(seconds)
        return
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        check()
        time.sleep(min(left, SLICE))
    check()
