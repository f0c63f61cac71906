"""The collector's spool: requests accepted while the database is unreachable, fsynced to disk.

Built on ``otel_llm.storage.spool`` (one ``0600`` JSON file per request, fsynced before ``put``
returns, deleted only after it was written to the database, in a folder of its database so it is
never replayed into another). Unlike the in-app exporter, the collector never drops spooled spans
it has acknowledged: when the spool is full (``max_bytes`` or the disk), ``put`` raises
``SpoolFull`` and the client gets a 503 to retry later. Each worker process has its own folder
(``<database>/w<index>``); worker 0 also replays folders left by workers that no longer exist.
"""

from __future__ import annotations

from pathlib import Path

from otel_llm.storage.spool import SpanSpool, Spool, SpoolFull, destination_dir, destination_key

__all__ = ["SpoolFull", "WorkerSpool"]


class WorkerSpool(SpanSpool):
    def __init__(self, directory: Path, database_url: str, worker: int, workers: int, max_bytes: int):
        self.root = destination_dir(directory, database_url)
        self.max_bytes = max_bytes
        self._destination = destination_key(database_url)
        own = self._spool(self.root / f"w{worker}")
        super().__init__(own, self._orphans(workers) if worker == 0 else [])

    def _spool(self, directory: Path) -> Spool:
        return Spool(directory, self.max_bytes, destination=self._destination, when_full="refuse")

    def _orphans(self, workers: int) -> list[Spool]:
        if not self.root.is_dir():
            return []
        names = {f"w{i}" for i in range(workers)}
        return [self._spool(p) for p in sorted(self.root.iterdir()) if p.is_dir() and p.name not in names]
