"""Ingestion throughput: texts per second on synthetic texts (and the seed's parse time).

Run on demand: `.venv/bin/python benchmarks/bench_ingest.py [--texts N] [--projects K]`.
Prints a small table and writes benchmarks/results/ingest.json (git-ignored). Never run by tests."""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tracemalloc

from helpers.core import paths
from helpers.core.decoding import decode_bytes
from helpers.ingest.loader import parse_file, parse_text
from helpers.ingest.synthetic import make_document


def _time(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--texts", type=int, default=500)
    ap.add_argument("--projects", type=int, default=2)
    args = ap.parse_args()

    seed = paths.raw_dir() / "2024" / "hongta-jishengxie-2024.txt"
    parse_file(seed)  # warm imports
    seed_bytes = seed.read_bytes()
    # decode + parse every time (parse_file would answer from its per-process cache)
    seed_times = _time(lambda: parse_text(decode_bytes(seed_bytes, str(seed))), 50)
    cached_times = _time(lambda: parse_file(seed), 50)

    texts = [make_document(2024, seed=i, n_projects=args.projects).encode("utf-8") for i in range(args.texts)]
    total_bytes = sum(len(t) for t in texts)
    t0 = time.perf_counter()
    facts = 0
    for i, data in enumerate(texts):
        doc = parse_text(decode_bytes(data, f"synthetic-{i}.txt"))
        facts += sum(len(p.facts) for p in doc.projects)
    elapsed = time.perf_counter() - t0
    # Memory in a separate pass: tracemalloc slows Python down several times.
    tracemalloc.start()
    for i, data in enumerate(texts[:50]):
        parse_text(decode_bytes(data, f"synthetic-{i}.txt"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    result = {
        "seed_parse_ms_median": round(statistics.median(seed_times) * 1000, 2),
        "seed_parse_ms_max": round(max(seed_times) * 1000, 2),
        "seed_cached_lookup_ms_median": round(statistics.median(cached_times) * 1000, 2),
        "synthetic_texts": args.texts,
        "projects_per_text": args.projects,
        "texts_per_second": round(args.texts / elapsed, 1),
        "facts_per_second": round(facts / elapsed, 1),
        "mb_per_second": round(total_bytes / elapsed / 1e6, 3),
        "peak_traced_memory_mb": round(peak / 1e6, 2),
    }
    for k, v in result.items():
        print(f"{k:>24}: {v}")
    out = paths.project_root() / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "ingest.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
