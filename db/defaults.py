"""The ids of the expectation metrics, as the expectations table stores them and the Store's queries know them.

What each metric measures, its words and its default figures are declared once, in the core's
metric registry (console/core/metric_registry.py); the industry norms the console ships with (time to
fill, staleness, feedback hours) are in console/core/norms.py.
"""

from __future__ import annotations

INTAKE_WITHIN_HOURS = "intake_within_hours"  # threshold: hours from a new requisition to its intake call
FIRST_SUBMITTAL_A = "first_submittal_grade_a"  # threshold: business days from qualification, grade A
FIRST_SUBMITTAL_B = "first_submittal_grade_b"  # threshold: business days from qualification, grade B
CLIENT_FEEDBACK_WITHIN_HOURS = "client_feedback_within_hours"  # threshold: hours from submittal to feedback
NO_STALE_REQUISITION_DAYS = "no_stale_requisition_days"  # threshold: days without a status change
PROMISE_NOT_BEFORE_ESTIMATE = "promise_not_before_estimate"  # no threshold: promise >= realistic estimate
