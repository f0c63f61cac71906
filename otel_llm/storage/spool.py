"""A bounded on-disk spool for batches that could not be written (database unreachable).

Each batch is one JSON file, fsynced before ``put`` returns. ``drain`` hands batches back oldest
first and deletes a file only after its writer succeeded. Past ``max_bytes`` the oldest batches are
dropped, and the loss is logged.
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


class Spool:
    def __init__(self, directory: Path, max_bytes: int):
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def put(self, batch: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"
        tmp = self.directory / (name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(batch, handle, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.directory / name)
        self._enforce_bound()

    def files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir() if p.suffix == ".json")

    def __len__(self) -> int:
        return len(self.files())

    def drain(self, write: Callable[[dict[str, Any]], None]) -> int:
        """Write spooled batches oldest first; stop at the first failure. Returns batches written."""
        written = 0
        with self._lock:
            for path in self.files():
                try:
                    batch = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    logger.warning("otel-llm: unreadable spool file %s moved aside", path)
                    path.rename(path.with_suffix(".bad"))
                    continue
                write(batch)  # raises on failure: the file stays for the next attempt
                path.unlink(missing_ok=True)
                written += 1
        return written

    def _enforce_bound(self) -> None:
        files = self.files()
        sizes = {p: p.stat().st_size for p in files}
        total = sum(sizes.values())
        for path in files:
            if total <= self.max_bytes:
                break
            total -= sizes[path]
            path.unlink(missing_ok=True)
            logger.error("otel-llm: spool over %d bytes; dropped oldest batch %s", self.max_bytes, path.name)
