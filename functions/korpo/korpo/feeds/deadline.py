"""A fetch's wall-clock deadline, enforced from outside the fetch.

Per-socket timeouts bound each wait, not the whole: a server that drips a byte every few
seconds (in its headers or its body) answers every recv in time and could hold a fetch, and
its worker, for hours. Checking the clock between reads does not help either while a read
itself waits for 64 KB that arrive one byte at a time. So one watchdog thread keeps every
fetch's deadline and, when one passes, shuts down the sockets that fetch opened or reused:
whatever the fetch was blocked in (connect, TLS, headers, body) returns at once, and the
fetch reports "too slow". Nothing depends on the fetch cooperating.
"""
from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time

_local = threading.local()


class Deadline:
    """One fetch's deadline and the sockets it uses; `expired` once the watchdog fired."""

    __slots__ = ("at", "expired", "_done", "_sockets", "_lock")

    def __init__(self, at: float) -> None:
        self.at = at
        self.expired = False
        self._done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def left(self) -> float:
        return self.at - time.monotonic()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if self._done:
                return
            if not self.expired:
                self._sockets.append(sock)
                return
        _shutdown(sock)  # the deadline passed while this socket was being opened

    def fire(self) -> None:
        with self._lock:
            if self._done or self.expired:
                return
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shutdown(sock)

    def finish(self) -> None:
        """The fetch is over: its sockets (kept alive for the next fetch) are no longer ours."""
        with self._lock:
            self._done = True
            self._sockets = []


def _shutdown(sock: socket.socket) -> None:
    try:
        # socket.socket's own shutdown, also for an SSLSocket: the fd is what must close;
        # the TLS layer then fails the blocked read instead of waiting.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed or never connected


class _Watchdog:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self, seconds: float) -> Deadline:
        deadline = Deadline(time.monotonic() + seconds)
        with self._cond:
            heapq.heappush(self._heap, (deadline.at, next(self._seq), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="fetch-watchdog",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()
        return deadline

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, _, deadline = heapq.heappop(self._heap)
            deadline.fire()


_watchdog = _Watchdog()


class watching:
    """`with watching(seconds) as deadline:` every socket the calling thread's fetch opens
    or reuses inside the block is shut down when `seconds` have passed."""

    def __init__(self, seconds: float) -> None:
        self.deadline = _watchdog.start(seconds)

    def __enter__(self) -> Deadline:
        self._outer = getattr(_local, "deadline", None)
        _local.deadline = self.deadline
        return self.deadline

    def __exit__(self, *exc: object) -> None:
        _local.deadline = self._outer
        self.deadline.finish()


def register(sock: socket.socket | None) -> None:
    """Called by the guarded connection classes for each socket a request uses."""
    deadline = getattr(_local, "deadline", None)
    if deadline is not None and sock is not None:
        deadline.add(sock)
