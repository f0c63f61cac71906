"""Process model: one listening socket, ``workers`` processes accepting on it, each a full pipeline.

Each worker has its own event loop, decoder thread, group committer and database connection, so
the work spreads over cores; the parent only binds the socket, forks the workers, replaces a worker
that dies, and on SIGTERM or Ctrl-C stops them (each finishes the requests it accepted, then exits).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import wait

from aiohttp import web
from otel_llm_server.collector.app import Receiver, build_app
from otel_llm_server.collector.auth import KeyCache
from otel_llm_server.collector.committer import GroupCommitter
from otel_llm_server.collector.config import CollectorConfig
from otel_llm_server.collector.spooling import WorkerSpool

from otel_llm.pricing import PricingTable
from otel_llm.storage import db as storage_db

logger = logging.getLogger(__name__)

SWITCH_INTERVAL_SECONDS = 0.001
RESTART_DELAY_SECONDS = 1.0


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def serve(config: CollectorConfig, sock: socket.socket, on_ready: Callable[[], None] | None = None) -> None:
    """Serve on ``sock`` until stopped: in this process for one worker, else in child processes."""
    storage_db.dispose_all()  # never share database connections across fork
    if config.workers <= 1:
        if on_ready:
            on_ready()
        run_worker(config, sock, 0)
        return
    supervisor = _Supervisor(config, sock)
    if on_ready:
        on_ready()
    supervisor.run()


class _Supervisor:
    """Keeps ``workers`` processes running: a worker that dies is replaced (at most once a second);
    SIGTERM or SIGINT stops them all (each finishes the requests it accepted)."""

    def __init__(self, config: CollectorConfig, sock: socket.socket):
        self.config = config
        self.sock = sock
        self.context = multiprocessing.get_context("fork")
        self.stopping = False
        self.children = [self._start(i) for i in range(config.workers)]

    def _start(self, index: int):
        child = self.context.Process(
            target=run_worker, args=(self.config, self.sock, index), name=f"otel-llm-collector-{index}"
        )
        child.start()
        return child

    def _stop(self, _signum, _frame) -> None:
        self.stopping = True
        for child in self.children:
            if child.is_alive() and child.pid:
                os.kill(child.pid, signal.SIGTERM)

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        while not self.stopping:
            wait([c.sentinel for c in self.children], timeout=1.0)
            for index, child in enumerate(self.children):
                if not child.is_alive() and not self.stopping:
                    logger.error(
                        "otel-llm collector: worker %d exited (code %s); starting a new one",
                        index,
                        child.exitcode,
                    )
                    time.sleep(RESTART_DELAY_SECONDS)
                    self.children[index] = self._start(index)
        for child in self.children:
            child.join()


def run_worker(config: CollectorConfig, sock: socket.socket, worker: int) -> None:
    # The event loop and the committer mostly wait on sockets; while the decoder thread computes,
    # each of their wake-ups waits for the GIL for up to the switch interval. 1 ms instead of 5 ms
    # keeps them moving (bench/ingest.py: higher throughput under load).
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    for signum in (signal.SIGTERM, signal.SIGINT):  # not the supervisor's, inherited by fork
        signal.signal(signum, signal.SIG_DFL)
    engine = storage_db.get_engine(config.database_url)
    spool = None
    if config.spool_dir is not None:
        spool = WorkerSpool(
            config.spool_dir, config.database_url, worker, config.workers, config.spool_max_bytes
        )
    committer = GroupCommitter(
        engine,
        spool,
        PricingTable.load(),
        max_group_spans=config.max_group_spans,
        max_queued_spans=config.max_queued_spans,
    )
    keys = KeyCache(engine, ttl=config.key_cache_seconds) if config.auth else None
    receiver = Receiver(config, committer, keys, worker)
    app = build_app(receiver)

    async def start_committer(_app: web.Application) -> None:
        committer.start()

    async def stop_committer(_app: web.Application) -> None:
        committer.stop()
        receiver.decoder.shutdown(wait=False)

    app.on_startup.append(start_committer)
    if config.grpc_port is not None:
        _serve_grpc(app, receiver, config, worker)
    app.on_cleanup.append(stop_committer)
    web.run_app(app, sock=sock, access_log=None, print=None, shutdown_timeout=30, handle_signals=True)


def _serve_grpc(app: web.Application, receiver: Receiver, config: CollectorConfig, worker: int) -> None:
    from otel_llm_server.collector import grpc_service

    async def start(_app: web.Application) -> None:
        assert config.grpc_port is not None
        server, port = await grpc_service.start(receiver, config.host, config.grpc_port)
        app["grpc_server"] = server
        if worker == 0:
            print(f"otel-llm collector OTLP/gRPC on {config.host}:{port}", flush=True)

    async def stop(_app: web.Application) -> None:
        await app["grpc_server"].stop(grace=10)  # finish accepted calls, refuse new ones

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
