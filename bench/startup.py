"""Start-up time of the ``otel-llm`` command line: every command group's ``--help`` and a real read
command of each group against a small SQLite database, next to ``python -c pass``,
``python -c "import click"`` and ``python -c "import sqlalchemy"`` (no read command can start faster)
measured in the same run. Commands that call a provider are left out.

Each command runs ``--runs`` times, all commands taking turns (so a load change on the machine hits
them alike); the median wall time is printed with its ratio to ``python -c pass``. The load average
before and after is printed too: on a shared machine, compare ratios, not seconds. So is whether
``PYTHONDONTWRITEBYTECODE`` is set: without bytecode caches every otel-llm module is compiled at
each start (about 35 ms more for a read command than in an installed package, which has them).

    python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.3
PY = sys.executable
SCRIPT = Path(PY).parent / "otel-llm"
CLI = [str(SCRIPT)] if SCRIPT.exists() else [PY, "-m", "otel_llm_server.cli"]

BASELINES = {
    "python -c pass": [PY, "-c", "pass"],
    'python -c "import click"': [PY, "-c", "import click"],
    'python -c "import sqlalchemy"': [PY, "-c", "import sqlalchemy"],
}
GROUPS = (
    "collector db demo experiments feedback keys mock-llm prices projects prompts replay traces users web"
).split()
READS = [
    "traces list",
    "traces list --json --limit 5",
    "projects list",
    "keys list --project default",
    "prompts list",
    "experiments list",
    "replay list",
    "replay runs",
    "feedback list",
    "users list",
    "prices list",
    "db current",
]


def small_database(folder: Path) -> str:
    """A migrated SQLite file with project ``default`` and a few stored LLM spans."""
    from otel_llm.storage import migrate
    from otel_llm.storage.db import get_engine
    from otel_llm.storage.writer import ensure_project

    url = f"sqlite:///{folder / 'bench.db'}"
    migrate.upgrade(url)
    with get_engine(url).begin() as conn:
        ensure_project(conn, "default")
    _store_spans(url)
    return url


def _store_spans(url: str) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    import otel_llm

    provider = TracerProvider()
    otel_llm.configure(database_url=url, tracer_provider=provider)
    tracer = provider.get_tracer("bench")
    for n in range(20):
        attributes = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 40 + n,
            "gen_ai.usage.output_tokens": 30,
        }
        with tracer.start_as_current_span("chat gpt-4o-mini", attributes=attributes):
            pass
    otel_llm.shutdown()


def measure(commands: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            start = time.perf_counter()
            done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            times[name].append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"{name} failed: {done.stderr.decode()[-500:]}")
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = small_database(Path(folder))
        env = {**os.environ, "OTEL_LLM_DATABASE_URL": url}
        env.pop("OTEL_LLM_PROJECT", None)
        commands = dict(BASELINES)
        commands["otel-llm --help"] = [*CLI, "--help"]
        commands.update({f"otel-llm {group} --help": [*CLI, group, "--help"] for group in GROUPS})
        commands.update({f"otel-llm {read}": [*CLI, *read.split()] for read in READS})
        load_before = os.getloadavg()
        medians = measure(commands, args.runs, env)
        load_after = os.getloadavg()
    report(medians, args.runs, load_before, load_after)


def report(medians: dict[str, float], runs: int, before: tuple, after: tuple) -> None:
    floor = medians["python -c pass"]
    sqla = medians['python -c "import sqlalchemy"']
    print(
        f"load average before {before[0]:.2f} {before[1]:.2f}, after {after[0]:.2f} {after[1]:.2f}; ", end=""
    )
    print(f"{os.cpu_count()} CPUs; median of {runs} runs; target {TARGET_SECONDS} s", end="")
    print("; PYTHONDONTWRITEBYTECODE set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "")
    print(f"{'command':<44} {'median s':>9} {'× pass':>7} {'- pass s':>9} {'× sqlalchemy':>13}")
    for name, seconds in medians.items():
        mark = "  over target" if name.startswith("otel-llm") and seconds > TARGET_SECONDS else ""
        print(
            f"{name:<44} {seconds:>9.3f} {seconds / floor:>7.1f} {seconds - floor:>9.3f} {seconds / sqla:>13.2f}{mark}"
        )
    ours = [s for name, s in medians.items() if name.startswith("otel-llm")]
    print(f"otel-llm commands: slowest {max(ours):.3f} s, median {statistics.median(ours):.3f} s")


if __name__ == "__main__":
    main()
