"""One store, one process: the flock on the store's journal, who holds it, and holding it for a server's life."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable

try:
    import fcntl
except ImportError:  # not POSIX: no guard against a second process
    fcntl = None  # type: ignore[assignment]

from .errors import StoreError, StoreLocked


def _flock(path: object, fd: int) -> None:
    if fcntl is None:  # not POSIX: no guard against a second process
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = lock_holder(fd)
        by = f"held by pid {holder}" if holder else "one store, one server process"
        raise StoreLocked(f"{path}: already open in another Store or process ({by})", holder) from None


def lock_holder(fd: int) -> int | None:
    """The pid holding the flock on ``fd``'s file, where the system says (Linux's /proc/locks), else None."""
    found = os.fstat(fd)
    key = f"{os.major(found.st_dev):02x}:{os.minor(found.st_dev):02x}:{found.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii") as locks:  # "1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF"
            for line in locks:
                fields = line.split()
                if len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == key:
                    return int(fields[4])
    except (OSError, ValueError):
        pass
    return None


def hold_lock(path: str | os.PathLike[str]) -> Callable[..., None]:
    """Take the lock of the store at ``path`` for this process, before anything reads or writes the store,
    and return what releases it. A server holds it for its whole life, so that a second server on the same
    store fails before touching it; the Stores the holder opens then pass lock_held=True."""
    path = pathlib.Path(path)
    journal = path.with_name(path.name + ".journal")
    existed = journal.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"{path}: cannot open store ({exc.strerror or exc})") from exc
    try:
        _flock(path, fd)
    except StoreError:
        os.close(fd)
        raise

    def release(drop_empty_journal: bool = False) -> None:
        if drop_empty_journal and not existed and os.fstat(fd).st_size == 0:
            journal.unlink(missing_ok=True)  # a store refused at its first open is left as it was found
        os.close(fd)

    return release
