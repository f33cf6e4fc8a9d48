"""The expectation metrics' read model: one set-based query of cases per metric, tallied by day."""

from __future__ import annotations

import bisect
import datetime as dt
import json
import os
from collections.abc import Iterable, Sequence
from typing import Any, Self

from pydantic import ValidationError

from mediation_console.db.defaults import (
    CLIENT_FEEDBACK_WITHIN_HOURS,
    FIRST_SUBMITTAL_A,
    FIRST_SUBMITTAL_B,
    INTAKE_WITHIN_HOURS,
    NO_STALE_REQUISITION_DAYS,
    PROMISE_NOT_BEFORE_ESTIMATE,
)
from mediation_console.db.kept_tallies import KeptTallies
from mediation_console.db.models import STORED, MetricBreach, RequisitionStatus
from mediation_console.db.store.connection import StoreError, _julian, _to_sql
from mediation_console.db.store.track_record import TrackRecordReads

# Bumped whenever what a metric's cases are changes (the SQL below): the day tallies kept under the old
# definitions are then never read again (console/core/metrics.py keys them by it).
KEPT_TALLIES_VERSION = 2


class MetricReads(TrackRecordReads):
    """The expectation metrics' read model: one set-based query of cases per metric, tallied by day."""

    # -- expectation metrics and track record ----------------------------------------------------
    # Set-based reads for console/metrics.py and console/track_record.py. Every metric is one
    # "cases" query: a row per measured case (when its clock started, kept 1 / broken 0 / not yet
    # decided NULL, and how far past the threshold it is). The tally groups the cases by day in
    # SQLite, so the caller sums any window and any week from one small result.

    # Open and being worked: a requisition on hold is paused on purpose, so it cannot go stale.
    _RUNNING = ("intake", "qualified", "sourcing", "submitted", "interviewing", "offer")
    # What a breach row carries besides the case itself, for metrics that have nothing more to say.
    _NO_EXTRAS = "NULL AS due_at, NULL AS promised_date, NULL AS estimate_date, NULL AS commitment_id, NULL AS owner"

    # The case of a clock measured in `spent` against the threshold :t (kept once done within it).
    _TIMED_CASES = """
                cases AS (
                    SELECT requisition_id, at, at_jd, done_at, pending, spent - :t AS excess,
                           CASE WHEN done_at IS NOT NULL THEN spent <= :t WHEN spent > :t THEN 0 END AS kept
                    FROM timed
                )"""
    # What a breach of an hours clock carries: when it fell due.
    _HOURS_EXTRAS = (
        "datetime(c.at_jd + :t / 24.0) AS due_at, NULL AS promised_date, NULL AS estimate_date, "
        "NULL AS commitment_id, NULL AS owner"
    )

    def _metric_cases(
        self,
        metric: str | None,
        threshold: float,
        until: dt.datetime,
        *,
        grade: str | None = None,
        calendar: str | None = None,
        expectation_id: int | None = None,
        default_estimate_days: float | None = None,
        few_days: bool = False,
    ) -> tuple[str, dict[str, Any], str]:
        """The CTEs ending in `cases` of one metric, their parameters, and the extra breach columns.

        The cases are those whose clock started after `:start_after` and by `:start_until` (set per
        statement), measured at `until`. `cases` has: requisition_id, at (when the clock started), at_jd (its julian day), done_at,
        kept (1 / 0 / NULL = not decided yet) and excess (past the threshold, in the metric's unit).
        The definitions are documented in console/core/metric_registry.py, which passes the grade of
        a first-submittal metric, the business-day `calendar` and the `default_estimate_days`.
        `few_days`: the cases are those of a day or two (a kept tally's gaps), not of a whole window.
        """
        params: dict[str, Any] = {"t": float(threshold), "until": _to_sql(until), "until_jd": _julian(until)}
        extras = self._NO_EXTRAS

        # Correlated look-ups go through the per-requisition index: the planner otherwise prefers
        # the (kind, at) index and scans every event of that kind for each case.
        def events(alias: str) -> str:
            return f"pipeline_events AS {alias} INDEXED BY pipeline_events_requisition_kind"

        # A clock stopped by a close uses the close time, never a close that predates the case.
        if metric == INTAKE_WITHIN_HOURS:
            sql = (
                """
                base AS (
                    SELECT r.id AS requisition_id, r.opened_at AS at, julianday(r.opened_at) AS at_jd,
                           CASE WHEN r.intake_at <= :until THEN r.intake_at END AS done_at,
                           r.intake_at > :until AS pending,
                           CASE WHEN r.closed_at >= r.opened_at AND r.closed_at < :until
                                THEN r.closed_at ELSE :until END AS stop
                    FROM requisitions r WHERE r.opened_at > :start_after AND r.opened_at <= :start_until
                ),
                timed AS (
                    SELECT *, (julianday(COALESCE(done_at, stop)) - at_jd) * 24 AS spent FROM base
                ),"""
                + self._TIMED_CASES
            )
            extras = self._HOURS_EXTRAS
        elif metric in (FIRST_SUBMITTAL_A, FIRST_SUBMITTAL_B):
            # Each qualification starts a clock; on hold / lost / declined stops it; a re-qualification
            # starts a new one. `calendar` maps each day to [clock-start, clock-stop] business-day ordinals.
            if grade is None:
                raise StoreError(f"The metric {metric!r} is measured for one grade: name it")
            params["grade"] = grade
            params["calendar"] = calendar or "{}"
            # A window's cases: the grade's requisitions as one set of ids read from its index, instead of
            # each qualification's wide requisition row. A day's: each one's (grade, id) sought in that
            # index, instead of a set of every requisition of the grade (~340 ms at 1,000,000).
            grade_check = (
                "EXISTS (SELECT 1 FROM requisitions AS g INDEXED BY requisitions_grade"
                " WHERE g.grade = :grade AND g.id = e.requisition_id)"
                if few_days
                else "e.requisition_id IN ("
                "SELECT g.id FROM requisitions AS g INDEXED BY requisitions_grade WHERE g.grade = :grade)"
            )
            # The next submittal, re-qualification and pause after each qualification are kept beside it
            # (schema migration 11); one after `until` has not happened yet at `until`.
            sql = (
                """
                calendar AS MATERIALIZED (
                    SELECT key AS day, json_extract(value, '$[0]') AS start_n, json_extract(value, '$[1]') AS stop_n
                    FROM json_each(:calendar)
                ),
                qualified AS (
                    SELECT e.requisition_id, e.at, e.answered_at,
                           CASE WHEN e.requalified_at <= :until THEN e.requalified_at END AS next_q,
                           COALESCE(CASE WHEN e.paused_at <= :until THEN e.paused_at END, :until) AS stop
                    FROM pipeline_events AS e INDEXED BY pipeline_events_qualified_answered
                    WHERE e.kind = 'status_change' AND e.to_status = 'qualified'
                      AND e.at > :start_after AND e.at <= :start_until
                      AND GRADE_CHECK
                ),
                submitted AS MATERIALIZED (
                    SELECT q.requisition_id, q.at, julianday(q.at) AS at_jd, q.stop, q.answered_at > :until AS pending,
                           CASE WHEN q.answered_at <= :until AND (q.next_q IS NULL OR q.answered_at < q.next_q)
                                THEN q.answered_at END AS done_at
                    FROM qualified q
                ),
                timed AS MATERIALIZED (
                    -- Look-ups, not joins: joined on an expression, the planner scans the calendar per case.
                    -- Materialized so each case looks its days up once, not once per use of `spent`.
                    SELECT s.*, MAX(0, (SELECT stop_n FROM calendar WHERE day = substr(COALESCE(s.done_at, s.stop), 1, 10))
                                    - (SELECT start_n FROM calendar WHERE day = substr(s.at, 1, 10))) AS spent
                    FROM submitted s
                ),"""
                + self._TIMED_CASES
            ).replace("GRADE_CHECK", grade_check)
        elif metric == CLIENT_FEEDBACK_WITHIN_HOURS:
            sql = (
                """
                base AS (
                    -- The client's first feedback at or after each submittal is kept beside it (schema
                    -- migration 11); one after `until` had not come yet at `until`.
                    SELECT s.requisition_id, s.at, julianday(s.at) AS at_jd,
                           CASE WHEN s.answered_at <= :until THEN s.answered_at END AS done_at,
                           s.answered_at > :until AS pending
                    FROM pipeline_events AS s INDEXED BY pipeline_events_submittal_answered
                    WHERE s.kind = 'submittal' AND s.at > :start_after AND s.at <= :start_until
                ),
                timed AS (
                    -- The requisition's close only matters to a submittal still waiting for feedback.
                    SELECT b.*, (julianday(COALESCE(b.done_at, CASE WHEN b.done_at IS NULL THEN (
                               SELECT r.closed_at FROM requisitions r
                               WHERE r.id = b.requisition_id AND r.closed_at >= b.at AND r.closed_at < :until
                           ) END, :until)) - b.at_jd) * 24 AS spent
                    FROM base b
                ),"""
                + self._TIMED_CASES
            )
            extras = self._HOURS_EXTRAS
        elif metric == PROMISE_NOT_BEFORE_ESTIMATE:
            # Whole days: the estimate is a date (opened + estimate days), compared with the promised date.
            if default_estimate_days is None:
                raise StoreError(f"The metric {metric!r} needs the estimate to fall back on")
            params["default_estimate"] = float(default_estimate_days)
            sql = """
                base AS (
                    SELECT r.id AS requisition_id, r.opened_at AS at, julianday(r.opened_at) AS at_jd,
                           NULL AS done_at, 0 AS pending, r.promised_date,
                           COALESCE(r.estimate_days, :default_estimate) AS estimate_used,
                           CAST(julianday(r.opened_at) + 0.5 AS INTEGER) - 0.5
                               + COALESCE(r.estimate_days, :default_estimate)
                               - julianday(r.promised_date) - :t AS excess
                    FROM requisitions r
                    WHERE r.opened_at > :start_after AND r.opened_at <= :start_until AND r.promised_date IS NOT NULL
                ),
                cases AS (SELECT *, excess <= 0 AS kept FROM base)"""
            extras = (
                "NULL AS due_at, c.promised_date, date(c.at_jd + c.estimate_used) AS estimate_date, "
                "NULL AS commitment_id, NULL AS owner"
            )
        elif metric == NO_STALE_REQUISITION_DAYS:
            # Staleness is a state, so it is measured as a snapshot: every requisition running now,
            # kept when its last status change (or its opening) is at most `t` days old.
            running = ",".join(f"'{s}'" for s in self._RUNNING)
            # Kept when the last change is at or after `until` - t, compared as text: a tally then
            # reads the index and compares, with no date arithmetic (whole seconds: rounded up).
            cutoff = until - dt.timedelta(days=float(threshold))
            params["fresh_since"] = _to_sql(cutoff + dt.timedelta(microseconds=-cutoff.microsecond % 1_000_000))
            sql = f"""
                base AS (
                    -- The latest status change is kept beside the requisition (schema migration 11);
                    -- measured at a moment before it, the change before that moment is looked up.
                    SELECT r.id AS requisition_id, CASE
                               WHEN r.status_changed_at IS NULL THEN r.opened_at
                               WHEN r.status_changed_at <= :until THEN r.status_changed_at
                               ELSE COALESCE((
                                   SELECT MAX(e.at) FROM {events("e")}
                                   WHERE e.requisition_id = r.id AND e.kind = 'status_change' AND e.at <= :until
                               ), r.opened_at) END AS at
                    FROM requisitions AS r INDEXED BY requisitions_status_changed
                    WHERE r.status IN ({running}) AND r.opened_at <= :until
                ),
                cases AS (
                    SELECT requisition_id, at, julianday(at) AS at_jd, NULL AS done_at, at >= :fresh_since AS kept,
                           :until_jd - julianday(at) - :t AS excess
                    FROM base
                )"""
            extras = (
                "datetime(c.at_jd + :t) AS due_at, NULL AS promised_date, NULL AS estimate_date, "
                "NULL AS commitment_id, NULL AS owner"
            )
        elif metric is None:
            # Checked in by hand: the commitments linked to the expectation, dated when their outcome
            # was known (kept or missed early) or fell due, whichever came first.
            params["expectation_id"] = expectation_id
            sql = f"""
                dated AS (
                    SELECT k.*, {self._OUTCOME_DAY.replace("c.", "k.")} AS day
                    FROM commitments k WHERE k.expectation_id = :expectation_id
                ),
                cases AS (
                    SELECT d.requisition_id, d.day || ' 00:00:00' AS at, julianday(d.day) AS at_jd,
                           d.closed_at AS done_at, d.id AS commitment_id, d.due, d.owner_id,
                           CASE d.status WHEN 'kept' THEN 1 WHEN 'missed' THEN 0 END AS kept,
                           MAX(0, julianday(substr(COALESCE(d.closed_at, :until), 1, 10)) - julianday(d.due)) AS excess
                    FROM dated d
                    WHERE d.day || ' 00:00:00' > :start_after AND d.day || ' 00:00:00' <= :start_until
                )"""
            extras = (
                "c.due || ' 00:00:00' AS due_at, NULL AS promised_date, NULL AS estimate_date, c.commitment_id, "
                "(SELECT name FROM people WHERE id = c.owner_id) AS owner"
            )
        else:
            raise StoreError(f"Unknown expectation metric {metric!r}")
        return f"WITH {sql}", params, extras

    def reads_beside(self) -> bool:
        """Whether a second connection sees what this one sees: not while this one has uncommitted
        writes, and never for a database that lives in memory."""
        return not self.conn.in_transaction and not self.in_memory

    def reader_beside(self) -> Self | None:
        """A read-only connection of its own for a second thread of the same work (its second lane), or
        None where that lane would not see what this connection sees (`reads_beside`), there is no second
        core to run it on, or no second connection can be had. Use it as `with reader:`."""
        if (os.cpu_count() or 1) < 2 or not self.reads_beside():
            return None
        try:
            return self.background_reader()
        except StoreError:
            return None

    # Metrics whose cases are few next to the cost of setting their statement up (see measure_metric).
    _FEW_CASES = frozenset({FIRST_SUBMITTAL_A, FIRST_SUBMITTAL_B, None})

    def measure_metric(
        self,
        metric: str | None,
        threshold: float,
        until: dt.datetime,
        segments: Sequence[tuple[dt.datetime, dt.datetime]],
        window_start: dt.datetime,
        limit: int | None = 200,
        *,
        kept: KeptTallies | None = None,
        kept_key: str | None = None,
        settled_before: dt.date | None = None,
        **options: Any,
    ) -> tuple[list[tuple[int, int]], list[MetricBreach]]:
        """One metric measured at `until`: the tally (kept, decided) of the cases whose clock started in
        each of `segments` (after its start, by its end), and the broken cases whose clock started after
        `window_start`, worst first (at most `limit`, none for 0; the tally has the full count).

        Undecided cases (not yet due, or stopped early by a close) are left out, so "no data" stays
        visible instead of looking like 100 %. Staleness is a snapshot at `until`: one tally whatever
        the segments, and breaches however long ago the last change was (the longest-stale are the worst).

        With `kept` (the kept tallies, under `kept_key`: what defines the cases but `until`), the whole
        hours before the day `settled_before` (whose cases are all decided by then) are read from there
        while their day's mark is the one they were tallied under, and tallied and kept when not; only the
        rest of each segment is read here. Not for a snapshot metric.
        """
        bounds = [(_to_sql(start), _to_sql(end)) for start, end in segments]  # as the times are stored
        if kept is not None and kept_key is not None and settled_before is not None and bounds:
            tally = self._tally_with_kept_hours(
                metric, threshold, until, bounds, kept, kept_key, settled_before, **options
            )
            return tally, self._worst_breaches(metric, threshold, until, window_start, limit, **options)
        ctes, params, _extras = self._metric_cases(metric, threshold, until, **options)
        if metric == NO_STALE_REQUISITION_DAYS:
            bounds = [(_to_sql(window_start), _to_sql(until))]
        tally = [(0, 0)] * len(bounds)
        if metric in self._FEW_CASES and bounds:
            # Few cases, and a statement that sets things up first (the grade's requisitions, the
            # calendar): one statement, its cases sorted into their segments.
            for i, (start, end) in enumerate(bounds):
                params[f"a{i}"], params[f"b{i}"] = start, end
            params["start_after"] = min(start for start, _ in bounds)
            params["start_until"] = max(end for _, end in bounds)
            for i, kept_n, decided in self.conn.execute(
                f"{ctes} SELECT {_bucket(range(len(bounds)))} AS segment, SUM(kept), COUNT(kept) FROM cases "
                "WHERE segment IS NOT NULL GROUP BY segment",
                params,
            ):
                tally[i] = (int(kept_n or 0), int(decided or 0))
        else:
            # One aggregate per segment, each reading its own index range: grouping many cases instead
            # sorts all of them (about as long again as working them out).
            count = f"{ctes} SELECT SUM(kept), COUNT(kept) FROM cases"
            for i, (start, end) in enumerate(bounds):
                params["start_after"], params["start_until"] = start, end
                kept_n, decided = self.conn.execute(count, params).fetchone()
                tally[i] = (int(kept_n or 0), int(decided or 0))
        return tally, self._worst_breaches(metric, threshold, until, window_start, limit, **options)

    def _worst_breaches(
        self,
        metric: str | None,
        threshold: float,
        until: dt.datetime,
        window_start: dt.datetime,
        limit: int | None,
        **options: Any,
    ) -> list[MetricBreach]:
        """The broken cases whose clock started after `window_start`, worst first (at most `limit`, none for 0)."""
        if limit == 0:
            return []
        ctes, params, extras = self._metric_cases(metric, threshold, until, **options)
        params["start_after"], params["start_until"] = _to_sql(window_start), _to_sql(until)
        params["limit"] = -1 if limit is None else limit
        # A hand-checked case is a commitment: its text says what was promised.
        title = (
            "COALESCE((SELECT text FROM commitments WHERE id = c.commitment_id), r.title, '')"
            if metric is None
            else "COALESCE(r.title, '')"
        )
        sql = f"""{ctes}
            SELECT c.requisition_id, c.at, c.done_at, c.excess, {extras}, r.code, {title} AS title
            FROM (SELECT * FROM cases WHERE kept = 0 ORDER BY excess DESC, at, requisition_id LIMIT :limit) AS c
            LEFT JOIN requisitions r ON r.id = c.requisition_id
            ORDER BY c.excess DESC, c.at, c.requisition_id"""
        return [b for b in (self._breach(dict(row)) for row in self.conn.execute(sql, params)) if b]

    def tally_marks(self, first: str, last: str) -> dict[str, int]:
        """{day: its mark} of the marked days from `first` to `last` (ISO dates); see db.schema's tally_days."""
        # One row (each row fetched is a wait for Python's lock, which a busy thread holds 5 ms at a time).
        (text,) = self.conn.execute(
            "SELECT json_group_object(day, mark) FROM tally_days WHERE day BETWEEN ? AND ?", (first, last)
        ).fetchone()
        return {day: int(mark) for day, mark in json.loads(text or "{}").items()}

    def _tally_by_hour(
        self, metric: str | None, threshold: float, until: dt.datetime, first: int, last: int, **options: Any
    ) -> dict[int, tuple[int, int, bool]]:
        """{hour: (kept, decided, pending)} of the cases whose clock started in each hour from `first` to
        `last` (hours counted as `_hour` does; an hour is the first thirteen characters of the stored time);
        pending: one of them is answered after `until` (a time ahead of the clock), so may yet change."""
        ctes, params, _extras = self._metric_cases(metric, threshold, until, **options)
        params["start_after"] = _hour_text(first - 1) + _AFTER_ANY_TIME
        params["start_until"] = _hour_text(last) + _AFTER_ANY_TIME
        sql = (
            f"{ctes} SELECT json_group_array(json_array(hour, kept, decided, pending)) FROM ("
            " SELECT substr(at, 1, 13) AS hour, SUM(kept) AS kept, COUNT(kept) AS decided, MAX(pending) AS pending"
            " FROM cases GROUP BY hour)"
        )
        (text,) = self.conn.execute(sql, params).fetchone()
        return {_hour(hour): (int(k or 0), int(n or 0), bool(p)) for hour, k, n, p in json.loads(text or "[]")}

    def _tally_with_kept_hours(
        self,
        metric: str | None,
        threshold: float,
        until: dt.datetime,
        bounds: Sequence[tuple[str, str]],
        kept: KeptTallies,
        kept_key: str,
        settled_before: dt.date,
        **options: Any,
    ) -> list[tuple[int, int]]:
        """`measure_metric`'s tallies of `bounds` (its segments as text), the settled whole hours of each
        segment from the kept tallies: kept by the hour, so a segment's ends (at any time of day) leave
        only an hour each to read; trusted while their day carries the mark they were tallied under."""
        last_settled = settled_before.toordinal() * 24 - 1
        # The hours wholly inside a segment (after its start's hour, before its end's) and settled.
        inside = [(_hour(start) + 1, min(_hour(end) - 1, last_settled)) for start, end in bounds]
        wanted = [(first, last) for first, last in inside if first <= last]
        found: dict[int, tuple[int, int]] = {}
        if wanted:
            first, last = min(f for f, _ in wanted), max(last for _, last in wanted)
            # The marks before the cases: a write meanwhile shows as a new mark, and its hours are read again.
            marks = {
                dt.date.fromisoformat(day).toordinal(): mark
                for day, mark in self.tally_marks(_hour_text(first)[:10], _hour_text(last)[:10]).items()
            }
            # Trusted while its day has the same mark, and only from a moment at or after the one it was
            # tallied at (a clock set back, or figures asked for as of an earlier time, tally afresh).
            now_hour = _hour(_to_sql(until))
            stored = kept.read(kept_key, first, last)
            found = {
                hour: (k, n)
                for hour, (mark, at, k, n) in stored.items()
                if mark == marks.get(hour // 24) and at <= now_hour
            }
            missing = sorted({h for f, last_h in wanted for h in range(f, last_h + 1) if h not in found})
            # Tallied afresh a stretch at a time (the days a write marked, far apart, are read alone).
            stretches: list[list[int]] = []
            for h in missing:
                if stretches and h - stretches[-1][-1] <= 24:
                    stretches[-1].append(h)
                else:
                    stretches.append([h])
            made: list[int] = []
            for stretch in stretches:
                fresh = self._tally_by_hour(metric, threshold, until, stretch[0], stretch[-1], **options)
                for h in range(stretch[0], stretch[-1] + 1):
                    if h not in found:
                        k, n, pending = fresh.get(h, (0, 0, False))
                        found[h] = (k, n)
                        if not pending:  # an hour with an answer dated ahead of the clock is read each time
                            made.append(h)
            kept.write(kept_key, [(h, marks.get(h // 24), now_hour, *found[h]) for h in made])
        tally = []
        for first, last in inside:
            k = n = 0
            for h in range(first, last + 1):
                hk, hn = found[h]
                k, n = k + hk, n + hn
            tally.append((k, n))
        # The rest of each segment is read here: the pieces before and after its kept hours, in one
        # statement (each statement is a wait for Python's lock, which the console's start-up work holds
        # often in its first seconds): a part per run of touching pieces, reading only those cases.
        pieces: list[tuple[int, str, str]] = []
        for i, ((start, end), (first, last)) in enumerate(zip(bounds, inside, strict=True)):
            if first > last:
                pieces.append((i, start, end))
                continue
            pieces.append((i, start, _hour_text(first - 1) + _AFTER_ANY_TIME))
            pieces.append((i, _hour_text(last) + _AFTER_ANY_TIME, end))
        pieces = sorted((piece for piece in pieces if piece[1] < piece[2]), key=lambda piece: piece[1])
        runs: list[list[int]] = []  # indexes into `pieces`
        for j, piece in enumerate(pieces):
            if runs and pieces[runs[-1][-1]][2] >= piece[1]:
                runs[-1].append(j)
            else:
                runs.append([j])
        if runs:
            ctes, params, _extras = self._metric_cases(metric, threshold, until, few_days=True, **options)
            parts = []
            for k, run in enumerate(runs):
                part = ctes.replace(":start_after", f":start_after_{k}").replace(":start_until", f":start_until_{k}")
                params[f"start_after_{k}"] = pieces[run[0]][1]
                params[f"start_until_{k}"] = max(pieces[j][2] for j in run)
                for j in run:
                    params[f"a{j}"], params[f"b{j}"] = pieces[j][1], pieces[j][2]
                parts.append(
                    f"SELECT * FROM ({part} SELECT {_bucket(run)} AS piece, SUM(kept), COUNT(kept) FROM cases"
                    " GROUP BY piece)"
                )
            for j, k, n in self.conn.execute(" UNION ALL ".join(parts), params):
                if j is not None:
                    i = pieces[j][0]
                    tally[i] = (tally[i][0] + int(k or 0), tally[i][1] + int(n or 0))
        return tally

    def _breach(self, data: dict[str, Any]) -> MetricBreach | None:
        try:
            return MetricBreach.model_validate(data, context=STORED)
        except ValidationError as exc:  # read from a damaged requisition or commitment: noted, left out
            table, row_id = (
                ("requisitions", data.get("requisition_id"))
                if data.get("code")
                else ("commitments", data.get("commitment_id"))
            )
            self.damage.record(table, {"id": row_id, "code": data.get("code")}, exc)
            return None

    def stale_requisition_tally(self, days: float, until: dt.datetime, weeks: int) -> list[tuple[int, int]]:
        """(not stale, running) at `until` and at the end of each earlier week; index 0 is `until`.

        A requisition is stale at a week-end W when it is running at W and its last status change (or
        its opening) is more than `days` before W: it was running at W - days and nothing happened in
        [W - days, W]. A re-opened requisition (filled -> sourcing) starts afresh at the re-open.

        Both halves are counted from index ranges, without pairing each change with the next (a
        window function or a seek per change costs ~1 s at 100,000 requisitions):
        - running at a moment X = the requisitions opened by X, less those opened paused or closed,
          plus the changes up to X out of a paused or closed status, less those into one (telescoping
          per requisition). Paused and closed changes are few and counted from indexes alone; a
          requisition's opening status is kept once it first changes (or is its status).
        - of the requisitions running at W - days, those with a change in [W - days, W] are found by
          their first change there: out of a running status, with the change before it (or the
          opening) before W - days; one opened in [W - days, W] was not running before it.
        """
        running = ",".join(f"'{s}'" for s in self._RUNNING)
        stopped = ",".join(f"'{s.value}'" for s in RequisitionStatus if s.value not in self._RUNNING)
        ends = [until - dt.timedelta(days=7 * k) for k in range(weeks)]
        starts = [end - dt.timedelta(days=float(days)) for end in ends]
        # The moments whose running count is needed: just before each [W - days, W] (exclusive) and at
        # each W (inclusive); the changes and openings between consecutive moments are summed once.
        moments = sorted({(_to_sql(s), False) for s in starts} | {(_to_sql(e), True) for e in ends})
        params: dict[str, Any] = {}
        parts: list[str] = []
        for i, (moment, inclusive) in enumerate(moments):
            params[f"m{i}"] = moment
            upper = f"{{col}} {'<=' if inclusive else '<'} :m{i}"
            lower = "" if i == 0 else f"AND {{col}} {'>' if moments[i - 1][1] else '>='} :m{i - 1}"
            parts.append(f"""
                SELECT {i}, COUNT(*) FROM requisitions AS r INDEXED BY requisitions_opened
                WHERE {upper.format(col="r.opened_at")} {lower.format(col="r.opened_at")}""")
            parts.append(f"""
                SELECT {i}, -COUNT(*) FROM pipeline_events AS e INDEXED BY pipeline_events_status_to
                WHERE e.kind = 'status_change' AND e.to_status IN ({stopped})
                  AND {upper.format(col="e.at")} {lower.format(col="e.at")}""")
            parts.append(f"""
                SELECT {i}, COUNT(*) FROM pipeline_events AS e INDEXED BY pipeline_events_status_from
                WHERE e.kind = 'status_change' AND e.from_status IN ({stopped})
                  AND {upper.format(col="e.at")} {lower.format(col="e.at")}""")
        partial = [0] * len(moments)
        for i, value in self.conn.execute(" UNION ALL ".join(parts), params):
            partial[i] += value or 0
        # Requisitions opened paused or closed (an import can bring them so): the status they were opened
        # in is kept once they change (schema migration 11), and until then it is their status. Few, so
        # each is placed by its opening.
        opened_stopped = self.conn.execute(f"""
            SELECT r.opened_at FROM requisitions AS r INDEXED BY requisitions_opened_status
            WHERE COALESCE(r.opened_status, r.status) IN ({stopped})""").fetchall()
        keys = [moment for moment, _ in moments]
        for (opened_at,) in opened_stopped:
            i = bisect.bisect_left(keys, opened_at)
            while i < len(moments) and not (opened_at < keys[i] or (moments[i][1] and opened_at == keys[i])):
                i += 1
            if i < len(moments):
                partial[i] -= 1
        running_at: dict[tuple[str, bool], int] = {}
        total = 0
        for moment, value in zip(moments, partial, strict=False):
            total += value
            running_at[moment] = total

        # Of those running at W - days, the ones with a change in [W - days, W]: their first change there
        # came out of a running status and the change before it (or the opening) was before W - days;
        # each status change carries when that was (schema migration 12).
        moved: list[str] = []
        for k, (start, end) in enumerate(zip(starts, ends, strict=False)):
            params[f"s{k}"], params[f"e{k}"] = _to_sql(start), _to_sql(end)
            moved.append(f"""
                SELECT {k}, COUNT(*) FROM pipeline_events AS e INDEXED BY pipeline_events_status_prev
                WHERE e.kind = 'status_change' AND e.at >= :s{k} AND e.at <= :e{k}
                  AND e.prev_status_at < :s{k} AND e.from_status IN ({running})""")
        moved_from_running = dict(self.conn.execute(" UNION ALL ".join(moved), params).fetchall())
        tally = []
        for k, (start, end) in enumerate(zip(starts, ends, strict=False)):
            running_now = running_at[(_to_sql(end), True)]
            stale = running_at[(_to_sql(start), False)] - moved_from_running.get(k, 0)
            tally.append((running_now - stale, running_now))
        return tally


# A time's text is its day, a space and its hour ("YYYY-MM-DD HH"), then ":MM:SS": every time of an hour
# sorts before the hour followed by this, so a bound "<hour>~" falls after every time in that hour.
_AFTER_ANY_TIME = "~"


def _hour(text: str) -> int:
    """The hour a stored time falls in ("YYYY-MM-DD HH…"), counted from the first day of the calendar."""
    return dt.date.fromisoformat(text[:10]).toordinal() * 24 + int(text[11:13] or 0)


def _bucket(indexes: Iterable[int]) -> str:
    """A CASE naming which of the ranges (:a{i}, :b{i}] a case's clock started in (NULL: none of them)."""
    return "CASE " + " ".join(f"WHEN at > :a{i} AND at <= :b{i} THEN {i}" for i in indexes) + " END"


def _hour_text(hour: int) -> str:
    """An hour as the times are stored: "YYYY-MM-DD HH"."""
    return f"{dt.date.fromordinal(hour // 24).isoformat()} {hour % 24:02d}"
