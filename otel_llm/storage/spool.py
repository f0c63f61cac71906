"""A bounded on-disk spool for batches that could not be written (database unreachable).

Each batch is one JSON file, written to a temporary name, fsynced and renamed, so a crash never
leaves half a batch under a real name. ``drain`` hands batches back oldest first and deletes a
file only after its writer succeeded. Past ``max_bytes`` the oldest batches are dropped, and the
loss is logged.

Spans that can never be stored (bad data, see ``storage.errors``) and spool files that cannot be
read go to ``dead/`` beside the spool, for a human to look at; it keeps the newest
``DEAD_LETTER_FILES`` files.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DEAD_LETTER_FILES = 100


class Spool:
    def __init__(self, directory: Path | str, max_bytes: int):
        self.directory = Path(directory)
        self.dead_directory = self.directory / "dead"
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def after_fork(self) -> None:
        """In a forked child: a lock held by a thread of the parent would never be released."""
        self._lock = threading.Lock()

    def put(self, batch: dict[str, Any]) -> None:
        """Store a batch durably; may drop the oldest batches to stay under ``max_bytes``."""
        _write_json(self.directory, batch)
        self._enforce_bound()

    def files(self) -> list[Path]:
        try:
            return sorted(p for p in self.directory.iterdir() if p.suffix == ".json")
        except FileNotFoundError:
            return []

    def __len__(self) -> int:
        return len(self.files())

    def size_bytes(self) -> int:
        return sum(_size(p) for p in self.files())

    def drain(
        self, write: Callable[[dict[str, Any]], None], wait: float = 0.0, deadline: float | None = None
    ) -> int:
        """Write spooled batches oldest first; stop at (and raise) the first failure, or at
        ``deadline`` (``time.monotonic()``). Returns the number of batches written.

        Only one thread drains at a time: another caller waits up to ``wait`` seconds for it,
        then returns 0 without writing.
        """
        acquired = self._lock.acquire(timeout=wait) if wait > 0 else self._lock.acquire(blocking=False)
        if not acquired:
            return 0
        try:
            written = 0
            for path in self.files():
                if deadline is not None and time.monotonic() > deadline:
                    break
                batch = self._read(path)
                if batch is None:
                    continue
                write(batch)  # raises on failure: the file stays for the next attempt
                path.unlink(missing_ok=True)
                written += 1
            return written
        finally:
            self._lock.release()

    def reject(self, batch: dict[str, Any], error: BaseException) -> None:
        """Keep spans that cannot be stored in ``dead/`` (with the error), never retried."""
        _write_json(self.dead_directory, {**batch, "error": f"{type(error).__name__}: {error}"[:2000]})
        logger.error(
            "otel-llm: %d span(s) could not be stored (%s); kept in %s",
            len(batch.get("records", [])),
            str(error).splitlines()[0][:200] if str(error) else type(error).__name__,
            self.dead_directory,
        )
        self._trim_dead()

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            batch = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(batch, dict) or not isinstance(batch.get("records"), list):
                raise ValueError("not a spool batch")
            return batch
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            self.dead_directory.mkdir(parents=True, exist_ok=True)
            target = self.dead_directory / (path.name + ".corrupt")
            os.replace(path, target)
            logger.error("otel-llm: unreadable spool file moved to %s (%s)", target, exc)
            self._trim_dead()
            return None

    def _enforce_bound(self) -> None:
        files = self.files()
        sizes = {p: _size(p) for p in files}
        total = sum(sizes.values())
        for path in files[:-1]:  # never the batch just written
            if total <= self.max_bytes:
                break
            total -= sizes[path]
            path.unlink(missing_ok=True)
            logger.error(
                "otel-llm: spool over %d bytes; dropped the oldest batch %s", self.max_bytes, path.name
            )

    def _trim_dead(self) -> None:
        try:
            files = sorted(self.dead_directory.iterdir())
        except FileNotFoundError:
            return
        for path in files[:-DEAD_LETTER_FILES]:
            path.unlink(missing_ok=True)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _write_json(directory: Path, data: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"
    tmp = directory / (name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, separators=(",", ":"), default=str)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, directory / name)
    return directory / name
