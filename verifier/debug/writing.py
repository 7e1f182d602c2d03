"""Replacing a file with its repair (``deputy fix --write``) so that the
file stays what it was, except the change.

The text goes to a temporary file beside the original (``.deputy-fix-*``,
a name a directory walk never reads: ``sources.walk``), is given the
original's owner and mode, flushed to disk (``fsync``) and renamed over it,
so that a reader sees the old file or the new one, never half of either
(the sync covers its owner and mode as well as its text). The
temporary file is removed on every way out that a process can see: an
error, Ctrl-C, SIGTERM, SIGHUP (only SIGKILL leaves it behind, and the
walk skips it). Refused, with the reason, unless ``force``: a read-only
file (its mode says it is not to be changed), a file whose owner cannot be
kept (the rename would hand it to the user running deputy). Always
refused: a file with other names (hard links), which the rename would
split from them.

``keep_layout`` gives a repaired text the original's line endings (CRLF
stays CRLF) and its final newline, or its lack of one.
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
from contextlib import contextmanager

from verifier.errors import InputError

TEMP_PREFIX = ".deputy-fix-"
"""Also what ``sources.walk`` skips."""


def keep_layout(original: str, text: str) -> str:
    """``text`` with the line endings of ``original`` (CRLF where it uses
    CRLF) and a final newline exactly where ``original`` has one."""
    crlf = original.count("\r\n") * 2 > original.count("\n")
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    ending = "\r\n" if crlf else "\n"
    if original and not original.endswith("\n"):
        text = text.removesuffix(ending)
    elif original.endswith("\n") and not text.endswith("\n"):
        text += ending
    return text


def replace(path: str, text: str, force: bool = False) -> None:
    """Replace the file ``path`` (through a symlink, not over it) by
    ``text``, atomically; raise ``InputError`` when it is refused,
    ``OSError`` when the system refuses."""
    target = os.path.realpath(path)
    info = os.stat(target)
    _refuse(path, target, info, force)
    directory = os.path.dirname(target)
    suffix = os.path.splitext(target)[1]
    with _cleanup_on_signals():
        fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                # Owner, then mode (a chown may clear set-id bits), then the
                # sync: the rename publishes a file on disk as it will stay.
                _keep_owner(path, temp, info, force)
                os.chmod(temp, stat.S_IMODE(info.st_mode))
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            _remove(temp)
            raise
    _sync_directory(directory)


def _refuse(path: str, target: str, info: os.stat_result, force: bool) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise InputError("it is not a regular file", path)
    if info.st_nlink > 1:
        raise InputError(f"the file has {info.st_nlink} names (hard links), and replacing it would "
                         "leave the others with the old policy; the repaired policy is printed: write it "
                         "through the name you mean", path)
    read_only = not info.st_mode & 0o222 or not os.access(target, os.W_OK)
    if read_only and not force:
        raise InputError(f"the file is read-only (mode {stat.S_IMODE(info.st_mode):04o}); "
                         "--force replaces it anyway, keeping its mode", path)


def _keep_owner(path: str, temp: str, info: os.stat_result, force: bool) -> None:
    mine = os.stat(temp)
    if (mine.st_uid, mine.st_gid) == (info.st_uid, info.st_gid):
        return
    try:
        os.chown(temp, info.st_uid, info.st_gid)
    except PermissionError:
        if not force:
            raise InputError(f"the file belongs to user {info.st_uid}, group {info.st_gid}, and a "
                             "replacement written by this user could not keep them; --force writes it anyway, "
                             "owned by this user", path) from None


def _remove(temp: str) -> None:
    try:
        os.unlink(temp)
    except FileNotFoundError:
        pass


def _sync_directory(directory: str) -> None:
    """The rename itself on disk too (where the system lets a directory be synced)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _Stopped(BaseException):
    """A termination signal met while the temporary file exists."""

    def __init__(self, number: int):
        super().__init__(number)
        self.number = number


@contextmanager
def _cleanup_on_signals():
    """SIGTERM and SIGHUP end the process without unwinding: while the
    temporary file exists, they raise instead, so that it is removed, and
    then end the process as the signal would have."""
    numbers = [n for n in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if n is not None]

    def stop(number, frame):
        raise _Stopped(number)

    try:
        saved = {n: signal.signal(n, stop) for n in numbers}
    except ValueError:  # not the main thread: signals cannot be caught here
        saved = {}
    try:
        yield
    except _Stopped as exc:
        for number, handler in saved.items():
            signal.signal(number, handler)
        saved = {}
        os.kill(os.getpid(), exc.number)
        raise SystemExit(128 + exc.number) from None
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
