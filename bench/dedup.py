"""What one-span-per-call costs the write path: ``dedup.resolve`` on a batch of 512 real SDK spans
(the SDK default batch), against ``to_row`` on the same batch (the normalisation every span pays).

- ``to_row``: normalising the batch, the baseline,
- ``resolve_clean``: ``dedup.resolve`` on spans with no duplicates (the usual case),
- ``resolve_marked``: the same with every other span marked ``otel_llm.duplicate``.

Rounds interleaved, medians and ratios to the baseline printed.

usage: .venv/bin/python bench/dedup.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace

from otel_llm import attributes as attrs
from otel_llm.storage import dedup
from otel_llm.storage.normalize import from_readable, to_row

try:
    from bench.exporter_path import make_spans
except ImportError:  # run as a script from the repository root
    from exporter_path import make_spans  # type: ignore[no-redef]

BATCH = 512


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    clean = [from_readable(s) for s in make_spans(BATCH)]
    marked = [
        replace(r, attributes={**r.attributes, attrs.DUPLICATE: True}) if i % 2 else r
        for i, r in enumerate(clean)
    ]
    methods = {
        "to_row": lambda: [to_row(r, 1) for r in clean],
        "resolve_clean": lambda: dedup.resolve(clean, "bench"),
        "resolve_marked": lambda: dedup.resolve(marked, "bench"),
    }
    times: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(args.rounds):
        for name, method in methods.items():
            began = time.perf_counter()
            method()
            times[name].append(time.perf_counter() - began)
    base = statistics.median(times["to_row"])
    result = {
        name: {
            "ms_per_batch": round(statistics.median(t) * 1e3, 3),
            "ratio": round(statistics.median(t) / base, 4),
        }
        for name, t in times.items()
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
