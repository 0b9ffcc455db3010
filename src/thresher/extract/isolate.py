"""Extraction in a child process that a deadline can stop.

The HTML parser (lexbor, inside resiliparse) and the main-content pass run in C, where neither
a signal handler nor any other Python code runs until they return, and several inputs make them
superlinear (docs/EXTRACTION.md has the table: one element with 20,000 distinct attributes
parses in 0.8 s, 40,000 in 5 s, 80,000 in 24 s; `<b>` tags that differ in an attribute, the
options of a `<select>`, `<a><b>` repeated, ...). So `thresher.extract` hands each page to a helper
process, one per calling thread, and waits for the answer no longer than the deadline: a
helper that is late is killed (SIGKILL) and the page rejected `extract-timeout`; a helper that
dies (a crash in C) rejects the page `extract-failed`. The next page starts a new helper. This
works in any thread, and the caller's wait is interruptible (Ctrl-C is not swallowed).

The helper ignores SIGINT (the caller decides what an interrupt means), and dies with the
thread that started it (Linux's parent-death signal; elsewhere it exits when its pipe closes).
A message (a request, or an answer) is a tuple written as fields, each a 9-byte field header
(its kind and length) and its bytes: `bytes` as they are, `str` as UTF-8, a `float` as 8
bytes, `None` empty, any other value as JSON (orjson). The helper has parsed hostile content,
so what it writes is read as data only: an answer is never unpickled, it is copied out of the
shared memory before it is decoded, and one that does not read is the helper's death. (A
request is the caller's own data, and may carry a value JSON cannot hold as a pickle: the
helper trusts its caller.) Each message lies behind a 9-byte header in the pipe (its length,
and whether it lies in the shared memory the two processes map, or follows in the pipe): one
write and one read a message, which is what wakes the other side.
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import weakref
from typing import Any, Final

import orjson

_HEADER: Final = struct.Struct("<QB")  # size, and 1 where the message is in shared memory
_IN_PIPE, _IN_SHARED = 0, 1
_FIELD: Final = struct.Struct("<BQ")  # a field's kind and its size in bytes
_FLOAT_BYTES: Final = struct.Struct("<d")  # a float exactly (JSON has no inf, no nan)
_NONE, _BYTES, _TEXT, _FLOAT, _JSON, _PICKLE = b"NBTFJP"  # the kinds; _PICKLE in requests only
# A message up to this size crosses in shared memory (a Linux memfd, mapped by both): copying
# a 174 kB page there takes 4 us, writing it into a pipe 175 us (the mean page of
# scrapinghub-aeb). The extractor's own cap is 8 MiB; a larger message takes the pipe.
SHARED_BYTES: Final = 9 << 20
_READY: Final = b"R"
_PR_SET_PDEATHSIG: Final = 1
# Starting a helper (a Python process importing the extractor) is not the page's time.
START_TIMEOUT_S: Final = 60.0
# The helper keeps its own in-process deadline (SIGALRM, in its main thread), which ends Python
# work cleanly and keeps the helper; the caller kills it only where that did not answer: C code.
KILL_GRACE_S: Final = 0.5


class CannotStart(Exception):
    """No helper process could be started here (no fork, no usable interpreter)."""


class HelperDied(Exception):
    """The helper process ended without answering (a crash in C, a kill from outside)."""


class Late(Exception):
    """The helper did not answer within the deadline; it has been killed."""


_cannot_start: list[str] = []  # why a helper could not be started in this process, once


def usable() -> bool:
    """Whether pages can be handed to a helper here (POSIX pipes and `select`, and no helper
    has failed to start in this process)."""
    return os.name == "posix" and not _cannot_start


_SERVE: Final = "from thresher.extract.isolate import serve; serve"


class Helper:
    """One helper process, used by one thread at a time."""

    def __init__(self) -> None:
        owner = self.pid_of_owner = os.getpid()
        # the helper imports from where this process does (a caller may have changed sys.path)
        self.shared, shared_fd = _shared_memory()
        code = f"import sys; sys.path[:] = {sys.path!r}; {_SERVE}({shared_fd})"
        try:
            process = self.process = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                close_fds=True,
                pass_fds=() if shared_fd is None else (shared_fd,),
            )
        except OSError as exc:
            raise CannotStart(f"{type(exc).__name__}: {exc}") from None
        finally:
            if shared_fd is not None:  # the mapping stays; the helper has its own copy
                os.close(shared_fd)
        # killed when this object goes (its thread ended) or at exit, by its owner only
        self._stop = weakref.finalize(self, _stop, process, owner)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.send_fd = self.process.stdin.fileno()
        self.receive_fd = self.process.stdout.fileno()
        for fd in (self.send_fd, self.receive_fd):
            _widen(fd)
        self.poller = select.poll()  # the caller's wait: interruptible, with a timeout
        self.poller.register(self.receive_fd, select.POLLIN)
        try:
            _receive_exactly(self.receive_fd, 1, time.monotonic() + START_TIMEOUT_S, self.poller)
        except (HelperDied, Late):
            self.close()
            raise CannotStart(f"{self._how_it_ended()} before it was ready") from None
        except BaseException:
            self.close()
            raise

    def call(self, request: tuple[Any, ...], seconds: float) -> tuple[Any, ...]:
        """Send a request; its answer (a tuple of str, bytes, None and decoded JSON), or `Late`
        after `seconds` (the helper then killed), or `HelperDied` (also for an answer that does
        not read). Any other exception (KeyboardInterrupt) kills the helper too: it would
        answer a question no one waits for."""
        parts = _fields(request, "surrogatepass", requests=True)
        until = time.monotonic() + seconds
        try:
            _put(self.send_fd, self.shared, parts)
            size, where = _header(self.receive_fd, until, self.poller)
            if where not in (_IN_SHARED, _IN_PIPE):
                raise HelperDied("an answer's header that does not read")
            if where == _IN_SHARED:
                if self.shared is None or size > SHARED_BYTES:
                    raise HelperDied("a message in shared memory where there is none")
                message = self.shared[:size]  # a copy: the helper cannot change it under us
            else:
                message = _receive_exactly(self.receive_fd, size, until, self.poller)
            return _answer_of(message)
        except (BrokenPipeError, HelperDied):
            how = self._how_it_ended()
            self.close()
            raise HelperDied(how) from None
        except BaseException:
            self.close()
            raise

    def alive(self) -> bool:
        return self.pid_of_owner == os.getpid() and self.process.poll() is None

    def close(self) -> None:
        self._stop()

    def _how_it_ended(self) -> str:
        try:  # its pipe closed: it is ending, or has ended
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "the extraction helper closed its pipe"
        if code < 0:
            try:
                return f"the extraction helper died of {signal.Signals(-code).name}"
            except ValueError:
                return f"the extraction helper died of signal {-code}"
        return f"the extraction helper exited with status {code}"


# Linux's F_SETPIPE_SZ: a page of up to 1 MiB crosses the pipe in one write, not in 16 (each
# a wake-up of the other process).
_F_SETPIPE_SZ: Final = 1031
PIPE_BYTES: Final = 1 << 20


def _widen(fd: int) -> None:
    if sys.platform.startswith("linux"):
        import fcntl  # POSIX only: this module is imported everywhere

        # over /proc/sys/fs/pipe-max-size: the default size works, slower
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_BYTES)


def _stop(process: subprocess.Popen[bytes], owner: int) -> None:
    if owner != os.getpid():  # a forked copy: the helper is the parent's
        return
    if process.poll() is None:
        process.kill()
    process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


def _shared_memory() -> tuple[mmap.mmap | None, int | None]:
    """A mapping of SHARED_BYTES (untouched pages cost nothing) and its descriptor, for the
    helper to map too; (None, None) where there is no memfd."""
    if not hasattr(os, "memfd_create"):
        return None, None
    try:
        fd = os.memfd_create("thresher-extract", 0)  # not close-on-exec: passed to the helper
    except OSError:
        return None, None
    try:
        os.ftruncate(fd, SHARED_BYTES)
        return mmap.mmap(fd, SHARED_BYTES), fd
    except OSError:
        os.close(fd)
        return None, None


def _fields(values: tuple[Any, ...], errors: str, requests: bool = False) -> list[bytes]:
    """`values` as the parts of a message: each field's header, then its bytes (where any).
    A `str` is encoded with `errors`: `surrogatepass` in requests (the caller's text exactly),
    `replace` in answers (a lone surrogate, from a page given as text, becomes `?`)."""
    parts: list[bytes] = []
    for value in values:
        if value is None:
            parts.append(_FIELD.pack(_NONE, 0))
            continue
        if isinstance(value, bytes):
            kind, data = _BYTES, value
        elif isinstance(value, str):
            kind, data = _TEXT, value.encode("utf-8", errors)
        elif isinstance(value, float):
            kind, data = _FLOAT, _FLOAT_BYTES.pack(value)
        elif requests:
            try:
                kind, data = _JSON, orjson.dumps(value)
            except (orjson.JSONEncodeError, TypeError):
                kind, data = _PICKLE, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            kind, data = _JSON, _as_json(value)
        parts.append(_FIELD.pack(kind, len(data)))
        parts.append(data)
    return parts


def _put(fd: int, shared: mmap.mmap | None, parts: list[bytes]) -> None:
    """One message: its parts copied into the shared memory, and its header through the pipe
    (a single write); a message over SHARED_BYTES follows its header in the pipe."""
    size = sum(map(len, parts))
    if shared is not None and size <= SHARED_BYTES:
        at = 0
        for part in parts:
            end = at + len(part)
            shared[at:end] = part
            at = end
        _send_all(fd, _HEADER.pack(size, _IN_SHARED))
    else:
        _send_all(fd, b"".join([_HEADER.pack(size, _IN_PIPE), *parts]))


def _header(fd: int, until: float, poller: select.poll | None) -> tuple[int, int]:
    size, where = _HEADER.unpack(_receive_exactly(fd, _HEADER.size, until, poller))
    return int(size), int(where)


def _answer_of(message: bytes) -> tuple[Any, ...]:
    """An answer's fields: `str`, `bytes`, `None` or decoded JSON, never a pickle; anything
    else (or a field that does not read) is `HelperDied`."""
    values: list[Any] = []
    view = memoryview(message)
    at, size = 0, len(message)
    try:
        while at < size:
            kind, length = _FIELD.unpack_from(message, at)
            at += _FIELD.size
            end = at + length
            if end > size:
                raise HelperDied("an answer's field runs past its end")
            if kind == _TEXT:
                values.append(str(view[at:end], "utf-8"))
            elif kind == _JSON:
                values.append(orjson.loads(view[at:end]))
            elif kind == _NONE:
                values.append(None)
            elif kind == _FLOAT and length == _FLOAT_BYTES.size:
                values.append(_FLOAT_BYTES.unpack_from(message, at)[0])
            elif kind == _BYTES:
                values.append(bytes(view[at:end]))
            else:
                raise HelperDied(f"an answer's field of kind {kind}")
            at = end
    except (struct.error, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError too
        raise HelperDied(f"an answer that does not read ({type(exc).__name__})") from None
    finally:
        view.release()
    return tuple(values)


def _request_of(message: mmap.mmap | bytes, size: int) -> tuple[Any, ...]:
    """A request's fields, read where they lie (a `bytes` field copied out once)."""
    values: list[Any] = []
    at = 0
    while at < size:
        kind, length = _FIELD.unpack_from(message, at)
        at += _FIELD.size
        end = at + length
        if kind == _BYTES:
            values.append(message[at:end])
        elif kind == _TEXT:
            values.append(message[at:end].decode("utf-8", "surrogatepass"))
        elif kind == _FLOAT:
            values.append(_FLOAT_BYTES.unpack_from(message, at)[0])
        elif kind == _JSON:
            values.append(orjson.loads(message[at:end]))
        elif kind == _PICKLE:
            values.append(pickle.loads(message[at:end]))
        else:
            values.append(None)
        at = end
    return tuple(values)


def _send_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_FOREVER: Final = float("inf")
_LONGEST_POLL_MS: Final = 1 << 30  # poll's timeout is a C int; a longer wait polls again


def _receive_exactly(fd: int, size: int, until: float, poller: select.poll | None = None) -> bytes:
    """`size` bytes from `fd`, waiting (in `poller`, for `fd`) no later than `until`; a
    blocking read where there is no deadline (`until` infinite: the helper's side)."""
    chunks: list[bytes] = []
    left = size
    while left:
        if until != _FOREVER:
            remaining = until - time.monotonic()
            if remaining <= 0:
                raise Late
            assert poller is not None
            if not poller.poll(min(remaining * 1000, _LONGEST_POLL_MS)):  # ms, rounded up
                continue  # the deadline is checked again
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise HelperDied
        chunks.append(chunk)
        left -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_local = threading.local()
_all: weakref.WeakSet[Helper] = weakref.WeakSet()


def call(request: tuple[Any, ...], seconds: float) -> Any:
    """`request` answered by this thread's helper (started, or restarted, as needed) within
    `seconds`: see `Helper.call`."""
    helper: Helper | None = getattr(_local, "helper", None)
    if helper is None or not helper.alive():
        try:
            helper = Helper()
        except CannotStart as exc:
            _cannot_start.append(str(exc))
            raise
        _local.helper = helper
        _all.add(helper)
    return helper.call(request, seconds)


def _forget_after_fork() -> None:
    _local.__dict__.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent was gone before the signal was asked for
        os._exit(1)


def _as_json(answer: Any) -> bytes:
    """The answer as JSON; lone surrogates (from a page given as text) become `?`."""
    try:
        return orjson.dumps(answer)
    except orjson.JSONEncodeError:
        return orjson.dumps(_without_surrogates(answer))


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_surrogates(v) for v in value]
    return value


def serve(shared_fd: int | None = None) -> None:
    """The helper's loop: read a request from stdin, answer on stdout, until stdin closes;
    messages up to SHARED_BYTES lie in the memory mapped from `shared_fd`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    _die_with_parent(parent)
    from thresher.extract import answer  # the extractor's imports are the helper's start-up

    receive, send = sys.stdin.buffer.fileno(), sys.stdout.buffer.fileno()
    sys.stdout = sys.stderr  # nothing else may write on the answer channel
    shared = None if shared_fd is None else mmap.mmap(shared_fd, SHARED_BYTES)
    _send_all(send, _READY)
    while True:
        try:
            size, where = _header(receive, _FOREVER, None)
            if where == _IN_SHARED and shared is not None:
                request = _request_of(shared, size)
            else:
                request = _request_of(_receive_exactly(receive, size, _FOREVER), size)
        except HelperDied:  # the caller closed the pipe (or went)
            return
        _put(send, shared, _fields(tuple(answer(*request)), "replace"))
