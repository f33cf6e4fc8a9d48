"""One exit code per kind of problem, for every command: 0 done, 1 input rejected (or a check found
problems), 2 usage or environment (an unknown option, a missing or unreadable file or folder, a
database that cannot be opened), 130 interrupted. Each row runs `mediate` as the shell would (its
`main()`, in process) and checks the code, a word of the message and that no traceback shows."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import click
import pytest

from mediation_console.console.cli import cli, main

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "tests" / "fixtures" / "csv"
STORY = ROOT / "tests" / "stories" / "blame_repeat_pair.toml"


def every_command() -> set[str]:
    found: set[str] = set()

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, (*path, name))
        else:
            found.add(" ".join(path))

    walk(cli, ())
    return found | {"(console)"}


# (command, arguments, exit code, words the message holds). {db} is a copy of the demo, {nofolder} a
# database path in a folder that does not exist, {missing} a file that does not exist, {tmp} a folder.
TABLE: list[tuple[str, str, int, str]] = [
    ("(console)", "--db {nofolder}", 2, "does not exist"),
    ("(console)", "--db {db} --frobnicate", 2, "no such option"),
    ("(console)", "--db {db} --rules {missing}", 2, "does not exist"),
    ("demo", "demo --db {tmp}/new.db --requisitions 3", 0, "demo database written"),
    ("demo", "demo --db {db}", 1, "already holds a demo"),
    ("demo", "demo --db {db} --keep", 0, "kept as it is"),
    ("demo", "demo --db {tmp}/new.db --requisitions 0", 2, "not in the range"),
    ("demo", "demo --db {nofolder}", 2, "does not exist"),
    ("backup", "backup --db {db} {tmp}/copy.db", 0, "backup written"),
    ("backup", "backup --db {db} {db}", 2, "the database itself"),
    ("backup", "backup --db {db} {binary}", 2, "already exists"),
    ("backup", "backup --db {nofolder}", 2, "does not exist"),
    ("doctor", "doctor --db {db}", 0, "ok"),
    ("doctor", "doctor --db {damaged}", 1, "problems found"),
    ("doctor", "doctor --db {nofolder}", 2, "the folder"),
    ("doctor", "doctor --db {binary}", 2, "not an sqlite file"),
    ("doctor", "doctor --db {db} --against 1:nothex", 2, "neither an audit head"),
    ("audit verify", "audit verify --db {db}", 0, "intact"),
    ("audit verify", "audit verify --db {nofolder}", 2, "does not exist"),
    ("audit head", "audit head --db {db}", 0, ":"),
    ("audit head", "audit head --db {nofolder}", 2, "does not exist"),
    ("import requisitions", "import requisitions {csv}/clean.csv --db {db} --dry-run --create-people", 0, "dry run"),
    ("import requisitions", "import requisitions {csv}/bad_rows.csv --db {db} --dry-run", 1, "rejected"),
    ("import requisitions", "import requisitions {binary} --db {db} --dry-run", 1, "rejected"),
    ("import requisitions", "import requisitions {missing} --db {db}", 2, "does not exist"),
    ("import requisitions", "import requisitions {tmp} --db {db}", 2, "is a folder"),
    ("import requisitions", "import requisitions {csv}/custom.csv --map {missing} --db {db}", 2, "does not exist"),
    ("import requisitions", "import requisitions {csv}/custom.csv --map {bad_toml} --db {db}", 1, "toml"),
    ("import requisitions", "import requisitions {csv}/clean.csv --preset nosuch --db {db}", 2, "invalid value"),
    ("export requisitions", "export requisitions --db {db} -o {tmp}/out.csv", 0, "written to"),
    ("export requisitions", "export requisitions --db {db} -o {db}", 2, "the database itself"),
    ("export requisitions", "export requisitions --db {db} -o {binary}", 2, "already exists"),
    ("export requisitions", "export requisitions --db {db} --format xml", 2, "invalid value"),
    ("export requisitions", "export requisitions --db {nofolder}", 2, "does not exist"),
    ("export notes", "export notes --db {db} -o {tmp}/notes.md", 0, "written to"),
    ("export notes", "export notes --db {db} --standup 999", 1, "no standup 999"),
    ("export notes", "export notes --db {db} --standup abc", 1, "not 'abc'"),
    ("export notes", "export notes --db {nofolder}", 2, "does not exist"),
    ("export commitments", "export commitments --db {db} -o {tmp}/c.md", 0, "written to"),
    ("export commitments", "export commitments --db {db} --owner Nobody", 1, "nobody called"),
    ("export commitments", "export commitments --db {nofolder}", 2, "does not exist"),
    ("rules check", "rules check", 0, "ok:"),
    ("rules check", "rules check {bad_toml}", 1, "not valid toml"),
    ("rules check", "rules check {missing}", 2, "does not exist"),
    ("rules check", "rules check {tmp}", 2, "folder"),
    ("rules check", "--rules {missing} rules check", 2, "does not exist"),
    ("rules explain", "rules explain REQ-0001 --db {db}", 0, "grade"),
    ("rules explain", "rules explain REQ-9999 --db {db}", 1, "no requisition req-9999"),
    ("rules explain", "rules explain FOO --db {db}", 1, "neither a requisition"),
    ("rules explain", "--rules {missing} rules explain REQ-0001 --db {db}", 2, "does not exist"),
    ("rules explain", "rules explain REQ-0001 --db {nofolder}", 2, "does not exist"),
    ("people add", "people add 'Quinn Newhire' --role recruiter --db {db}", 0, "quinn newhire"),
    ("people add", "people add 'Quinn Newhire' --role sales --email bad --db {db}", 1, "not an email"),
    ("people add", "people add X --role wizard --db {db}", 2, "invalid value"),
    ("people add", "people add X --role sales --db {nofolder}", 2, "does not exist"),
    ("people list", "people list --db {db}", 0, "name"),
    ("people list", "people list --format xml --db {db}", 2, "invalid value"),
    ("people list", "people list --db {nofolder}", 2, "does not exist"),
    ("people import", "people import {people_csv} --db {db}", 0, "created"),
    ("people import", "people import {bad_people} --db {db}", 1, "rejected"),
    ("people import", "people import {binary} --db {db}", 1, "binary"),
    ("people import", "people import {missing} --db {db}", 2, "does not exist"),
    ("story load", "story load {story} --db {tmp}/story.db", 0, "loaded"),
    ("story load", "story load {bad_toml} --db {tmp}/story.db", 1, "not valid toml"),
    ("story load", "story load {missing} --db {tmp}/story.db", 2, "does not exist"),
    ("replicate", "replicate --status --db {db}", 2, "no replica is set"),
    ("replicate", "replicate --remember --db {db}", 1, "--remember needs --to"),
    ("restore", "restore --db {db}", 2, "no replica is set"),
    ("restore", "restore --from {tmp}/no-replica --db {db}", 1, "holds no copy of a database yet"),
    ("restore", "restore --from {tmp} --db {db} --at yesterday-ish", 1, "is not a time"),
    ("serve", "serve --port 99999 --db {db}", 2, "not in the range"),
    ("serve", "serve --db {nofolder}", 2, "does not exist"),
    ("browse", "browse --port 99999 --db {db}", 2, "not in the range"),
    ("browse", "browse --db {nofolder}", 2, "does not exist"),
    ("keys", "keys", 0, "queue.new"),
    ("keys", "keys --frobnicate", 2, "no such option"),
]


@pytest.fixture
def places(demo_template: Path, tmp_path: Path) -> dict[str, str]:
    db = tmp_path / "demo.db"
    shutil.copyfile(demo_template, db)
    work = tmp_path / "work"
    work.mkdir()
    binary = work / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04")
    bad_toml = work / "bad.toml"
    bad_toml.write_text("x = [\n")
    damaged = tmp_path / "damaged.db"
    shutil.copyfile(demo_template, damaged)
    with sqlite3.connect(damaged) as conn:
        conn.execute("DROP TRIGGER events_no_delete")
    conn.close()
    people_csv = work / "people.csv"
    people_csv.write_text("name,role,team,email\nRobin Newcomer,recruiter,,robin@example.com\n")
    bad_people = work / "bad_people.csv"
    bad_people.write_text("name,role,team,email\nRobin Newcomer,wizard,,\n")
    return {
        "db": str(db),
        "damaged": str(damaged),
        "nofolder": str(tmp_path / "nowhere" / "x.db"),
        "missing": str(work / "missing.file"),
        "tmp": str(work),
        "binary": str(binary),
        "bad_toml": str(bad_toml),
        "people_csv": str(people_csv),
        "bad_people": str(bad_people),
        "csv": str(CSV),
        "story": str(STORY),
    }


def run(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["mediate", *args])
    monkeypatch.setattr(sys, "stdin", open("/dev/null"))  # noqa: SIM115 - closed with the test
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), captured.out + captured.err


def test_the_table_covers_every_command():
    assert {row[0] for row in TABLE} == every_command()
    for command in every_command():
        codes = {code for name, _args, code, _words in TABLE if name == command}
        assert 2 in codes, f"{command} has no usage or environment row"


@pytest.mark.parametrize(("command", "arguments", "code", "words"), TABLE, ids=[f"{r[0]}: {r[1]}" for r in TABLE])
def test_exit_code(command, arguments, code, words, places, monkeypatch, capsys):
    import shlex

    args = [part.format(**places) for part in shlex.split(arguments)]
    got, text = run(args, monkeypatch, capsys)
    assert got == code, text
    assert "Traceback" not in text
    assert words.lower() in text.lower(), text


def test_keys_with_a_wrong_keymap_is_rejected_input(tmp_path, monkeypatch, capsys):
    settings = tmp_path / "settings.json"
    settings.write_text('{"keymap": {"nope.nothing": "x"}}')
    monkeypatch.setenv("MEDIATE_SETTINGS", str(settings))
    code, text = run(["keys"], monkeypatch, capsys)
    assert code == 1
    assert "'nope.nothing': no command has this id" in text and "Traceback" not in text


def test_a_missing_file_exits_2_for_import_and_rules_check_alike(places, monkeypatch, capsys):
    missing = places["missing"]
    codes = {
        run(["import", "requisitions", missing, "--db", places["db"]], monkeypatch, capsys)[0],
        run(["people", "import", missing, "--db", places["db"]], monkeypatch, capsys)[0],
        run(["rules", "check", missing], monkeypatch, capsys)[0],
        run(["--rules", missing, "rules", "check"], monkeypatch, capsys)[0],
        run(["story", "load", missing, "--db", places["db"]], monkeypatch, capsys)[0],
    }
    assert codes == {2}


def test_doctor_on_a_missing_folder_names_the_folder_and_does_not_suggest_the_demo(places, monkeypatch, capsys):
    code, text = run(["doctor", "--db", places["nofolder"]], monkeypatch, capsys)
    assert code == 2
    assert (
        text.strip()
        == f"mediate: The folder {Path(places['nofolder']).parent} does not exist (is the --db path right?)"
    )
    assert "demo" not in text


def test_ctrl_c_exits_130_with_one_line(places, monkeypatch, capsys):
    from mediation_console.db.store import Store

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "doctor", interrupted)
    code, text = run(["doctor", "--db", places["db"]], monkeypatch, capsys)
    assert code == 130
    assert text.strip() == "mediate: interrupted."


def test_the_exit_codes_are_documented_in_help_and_readme(monkeypatch, capsys):
    code, text = run(["--help"], monkeypatch, capsys)
    assert code == 0
    for line in ("0    done", "1    input rejected", "2    usage or environment", "130  interrupted"):
        assert line in text
    readme = (ROOT / "README.md").read_text()
    assert "0 done, 1 input rejected" in readme and "2 usage or environment" in readme and "130 interrupted" in readme
