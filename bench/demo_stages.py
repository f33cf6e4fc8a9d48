"""`mediate demo` with the time of each of its stages: where the demo's minutes go (issue 15).

    .venv/bin/python -m bench.demo_stages /tmp/NAME/demo.db 100000

Runs the real command (`mediate demo --force`) in this process with timers around the demo builder's
stages and prints, for each, the wall time and this process's CPU; then this process's CPU and that of
its children (the second process that generates the requisitions). Run it under `/usr/bin/time -v` for
the peak memory. A figure, not a test: nothing is asserted.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from typing import Any

from mediation_console.console.cli import main as mediate
from mediation_console.console.core import demo_setup
from mediation_console.db import demo

SPENT: dict[str, tuple[float, float]] = {}


def _timed(owner: Any, name: str, label: str) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent_wall, spent_cpu = SPENT.get(label, (0.0, 0.0))
            SPENT[label] = (spent_wall + time.perf_counter() - wall, spent_cpu + time.process_time() - cpu)

    setattr(owner, name, timed)


def main(argv: list[str]) -> None:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: python -m bench.demo_stages DB REQUISITIONS", file=sys.stderr)
        raise SystemExit(2)
    _timed(demo._DemoBuilder, "_requisitions", "requisitions and their events")
    _timed(demo._DemoBuilder, "_write_requisitions", "  of which writing the batches")
    _timed(demo._DemoBuilder, "_index_the_requisitions", "search and the first indexes")
    _timed(demo._DemoBuilder, "_disputes", "disputes")
    _timed(demo._DemoBuilder, "_commitments", "commitments")
    _timed(demo._DemoBuilder, "_write_rest", "last transaction (grades, indexes)")
    _timed(demo._Grader, "result", "  of which waiting for the grades")
    _timed(demo_setup, "derived_figures", "grading (in a thread of its own; its CPU is this process's)")
    sys.argv = ["mediate", "demo", "--db", argv[0], "--requisitions", argv[1], "--force"]
    try:
        mediate()
    except SystemExit as exit:
        if exit.code:
            raise
    for label, (wall, cpu) in SPENT.items():
        print(f"{label:38s} wall {wall:8.1f} s   cpu {cpu:7.1f} s")
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"CPU: this process {own.ru_utime + own.ru_stime:.1f} s, its children {children.ru_utime + children.ru_stime:.1f} s"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
