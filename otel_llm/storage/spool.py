"""A bounded on-disk spool for batches that could not be written (database unreachable).

The spool belongs to one database: its folder is named after the destination (``destination_key``:
backend, user, host, port and database name, never the password) and every batch records that key,
so a batch spooled for database X is never replayed into database Y. Folders are ``0700`` and files
``0600`` (they hold prompt text).

Each batch is one JSON file, written to a temporary name, fsynced and renamed, so a crash never
leaves half a batch under a real name; a temporary file whose writer is gone (crash, failed write)
is removed. ``drain`` hands batches back oldest first and deletes a file only after its writer
succeeded. When the spool is full — past ``max_bytes`` or the disk itself — it either drops its
oldest batches (``when_full="drop"``, the in-app exporter: the count is logged) or refuses the new
batch with ``SpoolFull`` (``"refuse"``, the collector, which has already acknowledged what it holds).

Spans that can never be stored (bad data, see ``storage.errors``) and spool files that cannot be
read go to ``dead/`` beside the spool, for a human to look at; it keeps the newest
``DEAD_LETTER_FILES`` files.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from otel_llm.masking import short_error
from otel_llm.storage.normalize import SpanRecord

logger = logging.getLogger(__name__)

DEAD_LETTER_FILES = 100
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class SpoolFull(Exception):
    """The spool may not take this batch (``when_full="refuse"``)."""


def destination_key(database_url: str) -> str:
    """What identifies a database, hashed: the same for every URL spelling of it, without secrets."""
    from otel_llm.storage.db import normalize_url

    url = make_url(normalize_url(database_url))
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = url.database or ""
        identity = f"sqlite:{os.path.abspath(path) if path and path != ':memory:' else path}"
    else:
        port = url.port or (5432 if backend == "postgresql" else "")
        identity = f"{backend}://{url.username or ''}@{url.host or ''}:{port}/{url.database or ''}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def destination_dir(root: Path | str, database_url: str) -> Path:
    """``root/<backend>-<database name>-<key>``: readable, one folder per database."""
    url = make_url(database_url)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(url.database or "memory").name)[:40]
    return Path(root) / f"{url.get_backend_name()}-{name}-{destination_key(database_url)}"


class Spool:
    def __init__(
        self, directory: Path | str, max_bytes: int, destination: str | None = None, when_full: str = "drop"
    ):
        self.directory = Path(directory)
        self.dead_directory = self.directory / "dead"
        self.max_bytes = max_bytes
        self.destination = destination
        self.when_full = when_full
        self._lock = threading.Lock()
        _remove_orphaned_tmp(self.directory)

    def after_fork(self) -> None:
        """In a forked child: a lock held by a thread of the parent would never be released."""
        self._lock = threading.Lock()

    def put(self, batch: dict[str, Any]) -> None:
        """Store a batch durably, or make room for it (``drop``) or raise ``SpoolFull`` (``refuse``)."""
        if self.destination is not None:
            batch = {**batch, "destination": self.destination}
        if self.when_full == "refuse" and self.size_bytes() >= self.max_bytes:
            raise SpoolFull(f"the database is unreachable and the spool is full ({self.size_bytes()} bytes)")
        on_disk = self._put_making_room(batch)
        over_bound = self._enforce_bound()
        batches, spans = on_disk[0] + over_bound[0], on_disk[1] + over_bound[1]
        if batches:
            logger.error(
                "otel-llm: spool full (disk full or over %d bytes); dropped the %d oldest batch(es), "
                "%d span(s), in %s",
                self.max_bytes,
                batches,
                spans,
                self.directory,
            )

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
        reason = short_error(error)
        _write_json(self.dead_directory, {**batch, "error": f"{type(error).__name__}: {error}"[:2000]})
        logger.error(
            "otel-llm: %d span(s) could not be stored (%s); kept in %s",
            len(batch.get("records", [])),
            reason,
            self.dead_directory,
        )
        self._trim_dead()

    def _put_making_room(self, batch: dict[str, Any]) -> tuple[int, int]:
        """Write ``batch``; on a full disk drop the oldest batches (policy ``drop``) until it fits."""
        batches = spans = 0
        while True:
            try:
                _write_json(self.directory, batch)
                return batches, spans
            except OSError as exc:
                if exc.errno not in _DISK_FULL:
                    raise
                oldest = self.files()[:1]
                if self.when_full != "drop" or not oldest:
                    raise SpoolFull(f"the disk holding the spool is full ({self.directory})") from exc
                batches += 1
                spans += _span_count(oldest[0])
                oldest[0].unlink(missing_ok=True)

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            batch = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(batch, dict) or not isinstance(batch.get("records"), list):
                raise ValueError("not a spool batch")
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            self._set_aside(path, ".corrupt", f"unreadable spool file ({exc})")
            return None
        if self.destination is not None and batch.get("destination") != self.destination:
            self._set_aside(path, ".other-destination", "spool file written for another database")
            return None
        return batch

    def _set_aside(self, path: Path, suffix: str, why: str) -> None:
        _make_private_dir(self.dead_directory)
        target = self.dead_directory / (path.name + suffix)
        os.replace(path, target)
        logger.error("otel-llm: %s moved to %s", why, target)
        self._trim_dead()

    def _enforce_bound(self) -> tuple[int, int]:
        files = self.files()
        sizes = {p: _size(p) for p in files}
        total = sum(sizes.values())
        dropped, spans = 0, 0
        for path in files[:-1]:  # never the batch just written
            if total <= self.max_bytes or self.when_full != "drop":
                break
            total -= sizes[path]
            spans += _span_count(path)
            path.unlink(missing_ok=True)
            dropped += 1
        return dropped, spans

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


def _span_count(path: Path) -> int:
    try:
        return len(json.loads(path.read_text(encoding="utf-8")).get("records", []))
    except (OSError, ValueError, AttributeError):
        return 0


def _make_private_dir(directory: Path) -> None:
    if not directory.is_dir():
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)


def _write_json(directory: Path, data: dict[str, Any]) -> Path:
    _make_private_dir(directory)
    name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"
    tmp = directory / f"{name}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, separators=(",", ":"), default=str)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, directory / name)
    finally:
        tmp.unlink(missing_ok=True)  # a failed write leaves no partial file behind
    return directory / name


def _remove_orphaned_tmp(directory: Path) -> None:
    """Remove temporary files whose writing process is gone (a crash between open and rename)."""
    try:
        leftovers = [p for p in directory.iterdir() if p.suffix == ".tmp"]
    except FileNotFoundError:
        return
    for path in leftovers:
        pid = path.stem.rsplit(".", 1)[-1]
        if not (pid.isdigit() and _alive(int(pid))):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Target:
    """Where spans go: a project id when known, else a project name to resolve (or create)."""

    project_name: str
    project_id: int | None = None


Part = tuple[Any, list[SpanRecord]]
"""A target (``Target`` or anything with ``project_name`` and ``project_id``) and its records."""


class SpanSpool:
    """The write engine's spool: parts in, parts out, over this process's folder plus any folders
    it replays (a collector's workers that no longer exist)."""

    def __init__(self, own: Spool, replayed: Sequence[Spool] = ()):
        self.own = own
        self._replayed = [own, *replayed]
        self._pending = any(s.files() for s in self._replayed)

    def after_fork(self) -> None:
        for spool in self._replayed:
            spool.after_fork()

    def pending(self) -> bool:
        """Whether batches wait (as last seen here: ``refresh`` looks at the folders again)."""
        return self._pending

    def refresh(self) -> None:
        self._pending = any(s.files() for s in self._replayed)

    def size(self) -> int:
        return self.own.size_bytes()

    def put(self, parts: Sequence[Part]) -> None:
        """Write each part durably (``SpoolFull`` when the spool may not take it)."""
        for part in parts:
            self.own.put(_part_json(part))
        self._pending = True

    def drain(self, write: Callable[[Part], None], deadline: float | None = None) -> int:
        """Write every spooled part (oldest first) until ``deadline``; raises on the first failure."""

        def write_batch(batch: dict[str, Any]) -> None:
            try:
                part = _part(batch)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:  # kept aside, not retried
                self.own.reject(batch, exc)
                return
            write(part)

        try:
            return sum(s.drain(write_batch, deadline=deadline) for s in self._replayed)
        finally:
            self.refresh()

    def reject(self, part: Part, error: BaseException) -> None:
        self.own.reject(_part_json(part), error)


def _part_json(part: Part) -> dict[str, Any]:
    target, records = part
    return {
        "project": target.project_name,
        "project_id": target.project_id,
        "records": [r.to_json() for r in records],
    }


def _part(batch: dict[str, Any]) -> Part:
    target = Target(project_name=batch["project"], project_id=batch.get("project_id"))
    return target, [SpanRecord.from_json(r) for r in batch["records"]]
