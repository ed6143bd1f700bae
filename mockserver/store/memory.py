"""Memory the store frees, handed back to the system."""

from __future__ import annotations

import ctypes
from collections.abc import Callable


def _libc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_malloc_trim = _libc_trim()


def _give_back_freed_memory() -> None:
    """glibc keeps the memory a program frees for its next allocations, and a write's short-lived buffers (a JSON
    text is written into 16 KiB) leave free pages between the documents that stay: the worker's resident size grew
    by about 10 MiB over 10,000 writes. malloc_trim returns the whole free pages to the system; ctypes lets the
    interpreter go on meanwhile."""
    if _malloc_trim is not None:
        _malloc_trim(0)
