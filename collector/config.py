"""The collector's settings, as the CLI passes them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024


@dataclass(frozen=True)
class CollectorConfig:
    database_url: str
    host: str = "127.0.0.1"
    port: int = 4318
    grpc_port: int | None = None
    """OTLP/gRPC port (4317 by convention); None serves OTLP/HTTP only."""
    workers: int = 1
    auth: bool = True
    project: str = "default"
    """Where spans go with ``auth=False``."""
    max_body_bytes: int = 16 * MIB
    """Largest request body, compressed and again once decompressed (413 past it)."""
    max_inflight_bytes: int = 64 * MIB
    """Per worker: request bytes being received, decoded or written at once (503 past it)."""
    max_queued_spans: int = 100_000
    """Per worker: decoded spans waiting for the database (503 past it)."""
    max_group_spans: int = 20_000
    """Most spans written in one transaction (several requests share a commit)."""
    spool_dir: Path | None = None
    """Where requests wait, fsynced, while the database is unreachable (None: answer 503 instead)."""
    spool_max_bytes: int = 256 * MIB
    key_cache_seconds: float = 30.0
    retry_after_seconds: int = 1
