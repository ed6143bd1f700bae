"""What the store tests read of a store's files, and a crash as a killed process leaves them."""

from __future__ import annotations

import json


def crash(store):
    """Let go of the files as a killed process would: no close(), so no compaction."""
    store._release()


def journal_lines(path):
    return (path.parent / (path.name + ".journal")).read_bytes().splitlines()


def snapshot(path):
    return json.loads(path.read_text())
