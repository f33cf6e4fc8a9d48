"""`make bench`: runs every benchmark module, prints one table of figures with targets, writes JSON."""
from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path

from bench.common import CACHE, Figure

# Each module has `measure() -> list[Figure]`. Order: cheapest first so a failure shows early.
MODULES = [
    "bench.bench_rules",
    "bench.bench_metrics",
    "bench.bench_standup",
    "bench.bench_import",
    "bench.bench_app",
]


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "s":
        return f"{value:,.2f} s"
    if unit == "×":
        return f"{value:,.1f}×"
    return f"{value:,.0f} {unit}"


def print_table(figures: list[Figure]) -> None:
    header = f"{'figure':<52} {'size':>8} {'measured':>12} {'target':>12} {'bare SQL':>11} {'ratio':>6}  result"
    print(header)
    print("-" * len(header))
    for f in figures:
        mark = {True: "pass", False: "MISS", None: "info"}[f.passed]
        ratio = f"{f.ratio:.1f}×" if f.ratio is not None else ""
        size = f"{f.size:,}" if f.size else ""
        target = ("< " + fmt(f.target, f.unit)) if f.target is not None else ""
        print(
            f"{f.name:<52} {size:>8} {fmt(f.value, f.unit):>12} {target:>12} "
            f"{fmt(f.bare, f.unit) if f.bare is not None else '':>11} {ratio:>6}  {mark}"
            + (f"  ({f.note})" if f.note else "")
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("only", nargs="*", help="run only these modules (e.g. rules import)")
    parser.add_argument("--json", default=str(Path(__file__).parent / "results.json"), help="where to write JSON")
    args = parser.parse_args(argv)
    modules = [m for m in MODULES if not args.only or any(m.endswith(o) for o in args.only)]
    figures: list[Figure] = []
    started = time.perf_counter()
    for name in modules:
        print(f"… {name}", file=sys.stderr, flush=True)
        module = importlib.import_module(name)
        figures.extend(module.measure())
    print()
    print(f"Mediation Console benchmarks — {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, cache {CACHE}")
    print()
    print_table(figures)
    misses = [f for f in figures if f.passed is False]
    print()
    print(f"{len(figures)} figures, {len(misses)} missed their target, in {time.perf_counter() - started:.0f} s")
    Path(args.json).write_text(
        json.dumps(
            [
                {"name": f.name, "value": round(f.value, 3), "unit": f.unit, "target": f.target, "size": f.size,
                 "bare": None if f.bare is None else round(f.bare, 3), "passed": f.passed, "note": f.note, **f.extra}
                for f in figures
            ],
            indent=2,
        )
    )
    print(f"JSON written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
