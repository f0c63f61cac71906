"""The collector's spool: requests accepted while the database is unreachable, fsynced to disk.

Built on ``otel_llm.storage.spool.Spool`` (one JSON file per request, fsynced before ``put``
returns, deleted only after it was written to the database; spans the database refuses go to
``dead/``). Unlike the in-app exporter, the
collector never drops spooled spans it has acknowledged: when the spool is full, ``put`` raises
``SpoolFull`` and the client gets a 503 to retry later. Each worker process has its own directory
(``w<index>``); worker 0 also replays directories left by workers that no longer exist.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from otel_llm_server.collector.auth import Principal

from otel_llm.storage.normalize import SpanRecord
from otel_llm.storage.spool import Spool

Part = tuple[Principal, list[SpanRecord]]
_NEVER_DROP = 1 << 62


class SpoolFull(Exception):
    pass


class WorkerSpool:
    def __init__(self, directory: Path, worker: int, workers: int, max_bytes: int):
        self.root = Path(directory)
        self.max_bytes = max_bytes
        self._own = Spool(self.root / f"w{worker}", _NEVER_DROP)
        self._replayed = [self._own] + (self._orphans(workers) if worker == 0 else [])
        self._pending = any(s.files() for s in self._replayed)

    def _orphans(self, workers: int) -> list[Spool]:
        if not self.root.is_dir():
            return []
        names = {f"w{i}" for i in range(workers)}
        return [
            Spool(p, _NEVER_DROP) for p in sorted(self.root.iterdir()) if p.is_dir() and p.name not in names
        ]

    def pending(self) -> bool:
        return self._pending

    def size(self) -> int:
        return self._own.size_bytes()

    def put(self, parts: list[Part]) -> None:
        """Write ``parts`` durably; ``SpoolFull`` when the spool already holds ``max_bytes``."""
        used = self.size()
        if used >= self.max_bytes:
            raise SpoolFull(f"the database is unreachable and the spool is full ({used} bytes)")
        for part in parts:
            self._own.put(_part_json(part))
        self._pending = True

    def drain(self, write: Callable[[list[Part]], None]) -> int:
        """Write every spooled batch (oldest first); raises on the first failure."""
        written = 0
        for spool in self._replayed:
            written += spool.drain(lambda batch: write([_part(batch)]))
        self._pending = any(s.files() for s in self._replayed)
        return written

    def reject(self, part: Part, error: BaseException) -> None:
        """Keep spans the database refuses in ``dead/``, for a human to look at; never retried."""
        self._own.reject(_part_json(part), error)


def _part_json(part: Part) -> dict[str, Any]:
    principal, records = part
    return {
        "project": principal.project_name,
        "project_id": principal.project_id,
        "records": [r.to_json() for r in records],
    }


def _part(batch: dict[str, Any]) -> Part:
    principal = Principal(project_name=batch["project"], project_id=batch.get("project_id"))
    return principal, [SpanRecord.from_json(r) for r in batch["records"]]
