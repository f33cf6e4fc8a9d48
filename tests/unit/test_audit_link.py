"""The audit chain's link is SHA-256 over the compact JSON list [previous hash, *the row's values as text]:
files written by earlier versions verify only if every version hashes exactly that text."""

from __future__ import annotations

import hashlib
import json

import pytest

from mediation_console.db.audit import GENESIS, link

ROWS = [
    (1, "2026-11-05 09:00:00", "lead", "requisition", 7, "create", None, '{"title": "Data \\"Lead\\""}'),
    (2, "2026-11-05 09:00:00", "Rita Récruteuse", "person", None, "update", '{"a": 1}', '{"a": 2}'),
    (3, "at", "李 Lead", "x", 0, "create", "\u202e\x00\x1b\n\t\\", "\ud800 lone surrogate"),
    (4, True, 2.5, float("nan"), -0.0, 10**30, "", "€"),
    (),
]


@pytest.mark.parametrize("row", ROWS, ids=range(len(ROWS)))
def test_a_link_hashes_the_compact_json_of_the_previous_hash_and_the_values_as_text(row):
    text = json.dumps(
        [GENESIS, *(None if v is None else str(v) for v in row)], ensure_ascii=False, separators=(",", ":")
    )
    assert link(GENESIS, row) == hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def test_a_link_depends_on_the_previous_hash_and_on_every_value():
    row = ROWS[0]
    first = link(GENESIS, row)
    assert link(first, row) != first
    for i in range(len(row)):
        changed = list(row)
        changed[i] = None if row[i] is not None else "x"
        assert link(GENESIS, changed) != first, i
