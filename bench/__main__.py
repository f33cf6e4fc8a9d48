"""`make bench`: runs every benchmark module, prints one table of figures with targets, writes JSON."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from bench.common import CACHE, Figure

# Each module has `measure() -> list[Figure]`. Order: cheapest first so a failure shows early.
MODULES = [
    "bench.bench_rules",
    "bench.bench_metrics",
    "bench.bench_standup",
    "bench.bench_import",
    "bench.bench_lock_window",
    "bench.bench_app",
    "bench.throughput",
    "bench.blackbox",
    "bench.serve",
    "bench.bench_damage_scan",
]


def fmt(value: float | None, unit: str) -> str:
    if value is None or value != value:  # None, or NaN (a figure that could not be measured)
        return "–"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "s":
        return f"{value:,.2f} s"
    if unit == "×":
        return f"{value:,.1f}×"
    return f"{value:,.0f} {unit}"


def _spread(f: Figure) -> str:
    if f.spread is None:
        return ""
    low, mid, high = f.spread
    if f.unit == "ms":
        return f"{low:,.0f} / {mid:,.0f} / {high:,.0f}" if low >= 10 else f"{low:,.1f} / {mid:,.1f} / {high:,.1f}"
    return f"{low:,.2f} / {mid:,.2f} / {high:,.2f}" if f.unit == "s" else f"{low:,.0f} / {mid:,.0f} / {high:,.0f}"


def _target(f: Figure) -> str:
    parts = []
    if f.target is not None:
        parts.append("≤ " + fmt(f.target, f.unit))
    if f.target_ratio is not None:
        parts.append(f"≤ {f.target_ratio:g}× floor")
    return ", ".join(parts)


def print_table(figures: list[Figure]) -> None:
    """One line a figure: the value judged (`basis`), its spread, target, floor and peer with ratios, mark."""
    header = (
        f"{'figure':<62} {'size':>9} {'measured':>10} {'min / median / p95':>20} {'target':>16} "
        f"{'floor':>23} {'ratio':>6} {'peer':>18} {'ratio':>6}  result"
    )
    print(header)
    print("-" * len(header))
    for f in figures:
        mark = "ERROR" if f.error else {True: "pass", False: "MISS", None: "info"}[f.passed]
        size = f"{f.size:,}" if f.size else ""
        floor = f"{f.anchor} {fmt(f.bare, f.unit)}" if f.bare is not None else ""
        peer = f"{f.peer_name} {fmt(f.peer, f.unit)}" if f.peer is not None else ""
        ratio = "" if f.ratio is None else f"{f.ratio:.1f}×" if f.ratio >= 0.1 else f"{f.ratio:.2f}×"
        peer_ratio = f"{f.peer_ratio:.1f}×" if f.peer_ratio is not None else ""
        measured = fmt(f.value, f.unit) + (f" {f.basis}" if f.basis == "p95" else "")
        print(
            f"{f.name:<62} {size:>9} {measured:>10} {_spread(f):>20} {_target(f):>16} "
            f"{floor:>23} {ratio:>6} {peer:>18} {peer_ratio:>6}  {mark}"
            + (f"  ({f.note})" if f.note else "")
            + (f"  ({f.error.splitlines()[0][:300]})" if f.error else "")
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("only", nargs="*", help="run only these modules (e.g. rules import)")
    parser.add_argument(
        "--size",
        default=None,
        help="sizes for the black-box and command figures, comma-separated: 100k (default), 1m "
        "(builds the 1,000,000-requisition database once into the cache; ~9 GB)",
    )
    parser.add_argument("--json", default=str(Path(__file__).parent / "results.json"), help="where to write JSON")
    args = parser.parse_args(argv)
    if args.size:
        os.environ["MEDIATE_BENCH_SIZES"] = args.size
    modules = [m for m in MODULES if not args.only or any(m.endswith(o) for o in args.only)]
    figures: list[Figure] = []
    started = time.perf_counter()
    for name in modules:
        print(f"… {name}", file=sys.stderr, flush=True)
        module = importlib.import_module(name)
        try:
            figures.extend(module.measure())
        except Exception as exc:  # one module that cannot finish must not lose every other module's figures
            traceback.print_exc()
            figures.append(
                Figure(f"{name}: did not finish", float("nan"), unit="", error=f"{type(exc).__name__}: {exc}")
            )
    print()
    print(
        f"Mediation Console benchmarks — {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}, cache {CACHE}"
    )
    print()
    print_table(figures)
    misses = [f for f in figures if f.passed is False and not f.error]
    errors = [f for f in figures if f.error]
    print()
    print(
        f"{len(figures)} figures, {len(misses)} missed their target"
        + (f", {len(errors)} modules did not finish" if errors else "")
        + f", in {time.perf_counter() - started:.0f} s"
    )
    Path(args.json).write_text(
        json.dumps(
            [
                {
                    "name": f.name,
                    "value": None if f.error else round(f.value, 3),
                    "unit": f.unit,
                    "target": f.target,
                    "size": f.size,
                    "bare": None if f.bare is None else round(f.bare, 3),
                    "passed": f.passed,
                    "note": f.note,
                    "error": f.error or None,
                    **f.extra,
                }
                for f in figures
            ],
            indent=2,
        )
    )
    print(f"JSON written to {args.json}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
