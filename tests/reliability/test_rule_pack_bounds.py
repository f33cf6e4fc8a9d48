"""Finding 8 of issue 21: a rule pack cannot hang the console or the CLI, nor crash them.

A regular expression with catastrophic backtracking (`(a+)+$`) runs on RE2, which has no
backtracking, so `rules check` and an import graded by it finish in well under a second of matching;
a pack nested too deep or too big is refused at load with exit 1, naming the file and the rule.
"""

from __future__ import annotations

import csv
import time

from tests.reliability.helpers import assert_clean_failure, mediate

REDOS = """
[[criteria]]
id = "urgency"
title = "Greedy title check"
weight = 15
levels = [
  { score = 2, when = "requisition_title =~ '(a+)+$'", reason = "odd" },
  { score = 1, when = "requisition_title =~~ '(x+x+)+y'", reason = "odd too" },
  { score = 0, reason = "normal" },
]
"""
HOSTILE_TITLE = "a" * 60 + "!"  # ~2^60 steps for a backtracking engine


def _pack(tmp_path, body: str, name: str = "pack.toml"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_rules_check_on_a_redos_pack_finishes_at_once(tmp_path):
    pack = _pack(tmp_path, REDOS)
    started = time.monotonic()
    result = mediate("rules", "check", str(pack), "--db", str(tmp_path / "t.db"), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert time.monotonic() - started < 15  # the process, start-up included; the matching is instant


def test_an_import_graded_by_a_redos_pack_with_a_hostile_title_finishes(tmp_path):
    pack = _pack(tmp_path, REDOS)
    crafted = tmp_path / "hostile.csv"
    with crafted.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Job Title", "Company", "Owner"])
        for n in range(20):
            writer.writerow([HOSTILE_TITLE, f"Client {n}", "Sam Seller"])
            writer.writerow(["x" * 60 + "x", f"Other {n}", "Sam Seller"])
    result = mediate(
        "--rules",
        str(pack),
        "import",
        "requisitions",
        "--create-people",
        str(crafted),
        "--db",
        str(tmp_path / "t.db"),
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "40 created" in result.stdout


def test_the_regex_engine_cannot_backtrack_even_when_called_directly():
    from mediation_console.console.core.rules.conditions import Condition

    condition = Condition.compile("requisition_title =~ '(a+)+$'", {"requisition_title": "STRING"})
    started = time.monotonic()
    assert condition({"requisition_title": HOSTILE_TITLE}) is False
    assert condition({"requisition_title": "aaaa"}) is True
    assert time.monotonic() - started < 1.0


def test_a_pattern_that_needs_backtracking_is_refused_naming_the_rule(tmp_path):
    pack = _pack(
        tmp_path,
        REDOS.replace("'(a+)+$'", "'(?=a)a+'"),  # a look-ahead: RE2 has none
        "backref.toml",
    )
    result = mediate("rules", "check", str(pack), "--db", str(tmp_path / "t.db"))
    assert_clean_failure(result, 1, "backref.toml", "urgency", "regular expression")


def test_a_deeply_nested_condition_is_refused_with_exit_1_naming_the_rule(tmp_path):
    deep = "(" * 500 + "remote" + ")" * 500
    pack = _pack(tmp_path, REDOS.replace("requisition_title =~ '(a+)+$'", deep), "deep.toml")
    result = mediate("rules", "check", str(pack), "--db", str(tmp_path / "t.db"))
    assert_clean_failure(result, 1, "deep.toml", "urgency", "nest")
    assert "RecursionError" not in result.stdout + result.stderr


def test_a_deeply_nested_toml_file_is_refused_with_exit_1(tmp_path):
    pack = _pack(tmp_path, "x = " + "[" * 5000 + "]" * 5000 + "\n", "nested.toml")
    result = mediate("rules", "check", str(pack), "--db", str(tmp_path / "t.db"))
    assert_clean_failure(result, 1, "nested.toml")
    assert "RecursionError" not in result.stdout + result.stderr


def test_an_oversized_pack_is_refused_with_exit_1(tmp_path):
    pack = _pack(tmp_path, REDOS + "# padding\n" * 200_000, "huge.toml")
    result = mediate("rules", "check", str(pack), "--db", str(tmp_path / "t.db"))
    assert_clean_failure(result, 1, "huge.toml", "too big")
