"""The industry norms the console ships with, each written once, with where it comes from.

More than one part of the console reads each of these (the rules pack's constants, the metric
registry's default thresholds, the agenda, the estimates); a lead's own rule pack can override the
pack's copy, and a team's agreed expectations override the metrics' defaults. A default that only one
metric uses lives in its entry of ``metric_registry`` instead.
"""

from __future__ import annotations

# SHRM's average time to fill (~36 days): the realistic estimate while the team's own history is too
# short (the rules' estimates, the "promise not before the estimate" metric, the agenda's at-risk list).
DEFAULT_TIME_TO_FILL_DAYS = 36
# Similar filled requisitions needed before the team's own median time to fill is trusted.
MIN_HISTORY = 5
# Bullhorn's staleness flag: this many days without a status change.
STALE_DAYS = 5
# Lever's hiring-manager feedback norm, in hours after a submittal.
FEEDBACK_HOURS = 48
# A fee below this share of the first-year salary is a concession.
STANDARD_FEE_PCT = 20

__all__ = ["DEFAULT_TIME_TO_FILL_DAYS", "FEEDBACK_HOURS", "MIN_HISTORY", "STALE_DAYS", "STANDARD_FEE_PCT"]
