"""Launched by bench_app as a fresh process: opens the console headless like `mediate` and reports when the queue shows rows.

Usage: python -m bench.launch_app DB [--tour]

Prints one JSON line on stdout as soon as the queue's table has drawn its first requisition row:
{"rss_mb": peak resident memory so far}; the parent times the process from spawn to that line. With
--tour it then visits every mode, jumps to the queue's last row, sorts and filters, and prints a
second line with the peak memory after all that, before exiting.
"""

from __future__ import annotations

import json
import resource
import sys


def peak_rss_mb() -> float:
    # VmHWM is this process image's own peak; ru_maxrss can carry the parent's peak across fork and exec.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main(argv: list[str]) -> None:
    path, tour = argv[0], "--tour" in argv
    # The same imports `mediate` pays for: the click CLI, the Store, then the app when it opens.
    import mediation_console.console.cli  # noqa: F401
    from mediation_console.console.cli.common import pace_drawing

    pace_drawing()  # the frame rate `mediate` sets before Textual is imported
    from mediation_console.console.app import MODES, MediationApp
    from mediation_console.db.store import Store
    from mediation_console.screens.widgets.paged_table import PagedTable

    store = Store(path, readonly=True)
    app = MediationApp(store, owns_process=True)  # its own process, as `mediate` runs it
    reported = False
    original = PagedTable.render_line

    def render_line(self: PagedTable, y: int):  # type: ignore[no-untyped-def]
        nonlocal reported
        strip = original(self, y)
        if not reported and y > 0 and self.total and self.row_at(self.scroll_offset.y + y - 1) is not None:
            reported = True
            print(json.dumps({"rss_mb": peak_rss_mb()}), flush=True)
            app.call_later(after_first_rows)
        return strip

    async def after_first_rows() -> None:
        if tour:
            queue = app.screen
            table = queue.query_one(PagedTable)
            table.action_last()
            for mode in MODES[1:]:
                await app.switch_mode(mode.name)
            await app.switch_mode(MODES[0].name)
            queue.action_reverse_sort()
            queue.query_one("#filter").value = "eng"
            table.action_last()
            print(json.dumps({"after_tour_rss_mb": peak_rss_mb()}), flush=True)
        app.exit()

    PagedTable.render_line = render_line  # type: ignore[method-assign]
    app.run(headless=True, size=(140, 40))
    store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
