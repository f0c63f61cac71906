"""The spool: belongs to one database, leaves no partial files, and a full disk drops the oldest batches."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from otel_llm.exporter import SQLSpanExporter
from otel_llm.storage import migrate
from otel_llm.storage.db import get_engine
from otel_llm.storage.schema import spans
from otel_llm.storage.spool import Spool, SpoolFull, destination_key
from tests.test_exporter import _record_json


def _count(url: str) -> int:
    with get_engine(url).connect() as connection:
        return connection.execute(select(func.count()).select_from(spans)).scalar_one()


def test_every_spelling_of_one_database_has_one_key_and_other_databases_another(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert destination_key("sqlite:///app.db") == destination_key(f"sqlite:///{tmp_path / 'app.db'}")
    same_pg = {
        destination_key("postgresql://u:one@db.internal/app"),
        destination_key("postgres://u:two@db.internal:5432/app"),
        destination_key("postgresql+psycopg://u@db.internal/app?connect_timeout=3"),
    }
    assert len(same_pg) == 1
    others = {
        destination_key("postgresql://u@db.internal/other"),
        destination_key("postgresql://u@db.internal:5433/app"),
        destination_key("postgresql://u@db2.internal/app"),
        destination_key("sqlite:///other.db"),
    }
    assert len(others) == 4 and not others & same_pg


def test_a_spool_written_for_one_database_is_never_replayed_into_another(db_url, tmp_path, caplog):
    root = tmp_path / "spool"
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    migrate.upgrade(other_url)
    other = SQLSpanExporter(other_url, spool_dir=str(root))
    other.spool.put({"project": "default", "records": [_record_json("for-the-other-database")]})
    ours = SQLSpanExporter(db_url, spool_dir=str(root))
    assert ours.spool.directory != other.spool.directory
    (stray,) = other.spool.files()
    ours.spool.directory.mkdir(parents=True)
    shutil.copy(stray, ours.spool.directory / stray.name)  # even a file moved into our folder by hand
    with caplog.at_level(logging.ERROR, "otel_llm"):
        assert ours.force_flush()
    assert _count(db_url) == 0
    assert [p.name for p in ours.spool.dead_directory.iterdir()] == [stray.name + ".other-destination"]
    assert "written for another database" in caplog.text
    assert len(other.spool) == 1  # still waiting for its own database
    assert other.force_flush() and _count(other_url) == 1
    ours.shutdown()
    other.shutdown()


def test_partial_files_are_removed_at_start_and_when_a_write_fails(tmp_path):
    directory = tmp_path / "spool"
    directory.mkdir()
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    crashed = directory / f"00000000000000000001-deadbeef.json.{int(gone.stdout)}.tmp"
    crashed.write_text('{"project": "p", "rec')
    spool = Spool(directory, 10**6)
    assert not crashed.exists()
    circular: dict = {"project": "p", "records": []}
    circular["records"].append(circular)
    with pytest.raises(ValueError):
        spool.put(circular)
    assert list(directory.iterdir()) == []


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs: a disk that really fills up."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_drops_the_oldest_batches_and_counts_them_in_the_log(small_disk: Path, caplog):
    spool = Spool(small_disk / "spool", max_bytes=10**9)  # only the disk limits it
    batch = {"project": "p", "records": [{"n": 0, "pad": "x" * 6000}, {"n": 1}]}
    with caplog.at_level(logging.ERROR, "otel_llm"):
        for i in range(30):  # about three times what the disk holds
            spool.put({**batch, "i": i})
    kept = [json.loads(p.read_text())["i"] for p in spool.files()]
    assert kept and kept == list(range(30 - len(kept), 30))  # the newest, in order
    counts = [
        re.search(r"dropped the (\d+) oldest batch\(es\), (\d+) span", r.getMessage()) for r in caplog.records
    ]
    assert counts and all(counts)
    assert sum(int(m[1]) for m in counts) == 30 - len(kept)  # every batch dropped is counted
    assert sum(int(m[2]) for m in counts) == 2 * (30 - len(kept))
    assert not [p for p in spool.directory.iterdir() if p.suffix == ".tmp"]


def test_the_collector_spool_refuses_instead_of_dropping_when_the_disk_is_full(small_disk: Path):
    spool = Spool(small_disk / "spool", max_bytes=10**9, when_full="refuse")
    batch = {"project": "p", "records": [{"pad": "x" * 6000}]}
    with pytest.raises(SpoolFull):
        for _ in range(30):
            spool.put(batch)
    assert len(spool) >= 1 and not [p for p in spool.directory.iterdir() if p.suffix == ".tmp"]
