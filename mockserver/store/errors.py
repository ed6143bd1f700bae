"""What the store raises: it cannot be opened, another process holds it, or the disk refused a write."""

from __future__ import annotations

import errno


class StoreError(Exception):
    """The store cannot be opened or used. str(exc) is a one-line message that names the file."""


class StoreLocked(StoreError):
    """Another process holds the store's lock: ``holder`` is its pid where the system tells, else None."""

    def __init__(self, message: str, holder: int | None):
        super().__init__(message)
        self.holder = holder


class StoreUnavailable(StoreError):
    """A write the disk refused; ``cause`` says why in a few words (disk full, permission denied…)."""

    def __init__(self, path: object, exc: OSError):
        self.cause = _CAUSES.get(exc.errno or 0, exc.strerror or type(exc).__name__)
        super().__init__(f"{path}: cannot write the store: {self.cause}")


_CAUSES = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted (is the file immutable?)",
    errno.EROFS: "read-only file system",
    errno.EIO: "input/output error",
}
