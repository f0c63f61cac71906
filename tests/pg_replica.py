"""A real Postgres streaming replica for tests: a primary cluster and a replica made from it by
``pg_basebackup -R``, each on its own free port, in a temporary folder, started and stopped by the
fixture. Run as the ``postgres`` user when the tests run as root (the server refuses root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class Replicated:
    primary_port: int
    replica_port: int

    def url(self, port: int, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{dbname}"

    def wait_caught_up(self, timeout: float = 30.0) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        with psycopg.connect(self.url(self.primary_port), autocommit=True) as primary:
            lsn = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.url(self.replica_port), autocommit=True) as replica:
            while time.monotonic() < deadline:
                done = replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()[0]
                if done:
                    return
                time.sleep(0.05)
        raise TimeoutError("the replica did not catch up")

    def replica_sql(self, statement: str) -> None:
        with psycopg.connect(self.url(self.replica_port), autocommit=True) as replica:
            replica.execute(statement)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str]) -> None:
    subprocess.run(_as_owner(args), check=True, capture_output=True, timeout=120)


def _start(data: Path, port: int) -> None:
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {data}"
    _run([str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start"])


def stop(data: Path) -> None:
    subprocess.run(
        _as_owner([str(BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
        capture_output=True,
        timeout=60,
    )


def available() -> bool:
    return (BIN / "initdb").exists() and (os.geteuid() != 0 or shutil.which("runuser") is not None)


class ReplicaCluster:
    """Primary and replica folders under one temporary folder; ``start()``/``close()``."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="otel-llm-replica-"))
        self.primary = self.root / "primary"
        self.replica = self.root / "replica"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    def start(self) -> Replicated:
        ports = Replicated(_free_port(), _free_port())
        _run([str(BIN / "initdb"), "-D", str(self.primary), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        with open(self.primary / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        _start(self.primary, ports.primary_port)
        _run(
            [
                str(BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(ports.primary_port),
                "-U",
                "postgres",
                "-D",
                str(self.replica),
                "-R",
                "-X",
                "stream",
            ]
        )
        _start(self.replica, ports.replica_port)
        return ports

    def stop_replica(self) -> None:
        stop(self.replica)

    def close(self) -> None:
        for data in (self.replica, self.primary):
            if data.exists():
                stop(data)
        shutil.rmtree(self.root, ignore_errors=True)
