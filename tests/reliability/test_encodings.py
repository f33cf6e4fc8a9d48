"""Finding 10 of issue 21: every common CSV encoding is read as what it is; control bytes are refused.

UTF-16 files with a byte-order mark (what Excel's "Unicode text" and many ATS exports write) were
read as Windows-1252: the big-endian one became rows of NUL bytes. NUL bytes were stored as they came.
"""

from __future__ import annotations

import codecs

import pytest

from mediation_console.console.core.database import open_store
from tests.reliability.helpers import assert_clean_failure, mediate

ROWS = [
    ["Job Title", "Company", "Owner", "Notes"],
    ["Data Engineer – Zoë", "Société Générale", "Zoë Ångström", "Salary €90k; café"],
    ["Analyst", "São Paulo Ltd", "Sam Seller", "line one\nline two"],
]


def _csv_text() -> str:
    lines = []
    for row in ROWS:
        lines.append(",".join(f'"{cell}"' if "\n" in cell or "," in cell else cell for cell in row))
    return "\r\n".join(lines) + "\r\n"


ENCODED = {
    "UTF-8": _csv_text().encode("utf-8"),
    "UTF-8 with BOM": codecs.BOM_UTF8 + _csv_text().encode("utf-8"),
    "UTF-16 LE with BOM": codecs.BOM_UTF16_LE + _csv_text().encode("utf-16-le"),
    "UTF-16 BE with BOM": codecs.BOM_UTF16_BE + _csv_text().encode("utf-16-be"),
    "Windows-1252": _csv_text().encode("cp1252"),
}


@pytest.mark.parametrize("label", list(ENCODED))
def test_a_csv_in_each_common_encoding_is_imported_as_the_text_it_holds(tmp_path, label):
    path = tmp_path / "export.csv"
    path.write_bytes(ENCODED[label])
    db = tmp_path / "t.db"
    result = mediate("import", "requisitions", "--create-people", str(path), "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 created" in result.stdout
    store = open_store(db)
    try:
        stored = {(r.title, r.client, r.notes) for r in store.iter_requisitions()}
        names = {p.name for p in store.list_people()}
    finally:
        store.close()
    assert stored == {
        ("Data Engineer – Zoë", "Société Générale", "Salary €90k; café"),
        ("Analyst", "São Paulo Ltd", "line one\nline two"),
    }
    assert "Zoë Ångström" in names
    assert not any("\x00" in field for row in stored for field in row)


@pytest.mark.parametrize(
    "cell, named",
    [("Analyst\x00\x00", "U+0000 (NUL)"), ("Analyst \x1b]0;x\x07", "U+001B (ESC)"), ("Good\rEVIL", "U+000D (CR)")],
    ids=["NUL", "ESC", "lone CR"],
)
def test_a_cell_holding_a_control_character_is_a_rejected_row_with_its_reason(tmp_path, cell, named):
    path = tmp_path / "bad.csv"
    path.write_bytes(f'Job Title,Company,Owner\r\nFine,Initech,Sam\r\n"{cell}",Initech,Sam\r\n'.encode())
    db = tmp_path / "t.db"
    result = mediate("import", "requisitions", "--create-people", str(path), "--db", str(db))
    assert_clean_failure(result, 1, "row 3", named, "control character")
    assert "\x00" not in result.stderr and "\x1b" not in result.stderr
    store = open_store(db)
    try:
        assert list(store.iter_requisitions()) == []  # all rows or none
    finally:
        store.close()


# The team's own CSV (`mediate people import`) is read the same way: a UTF-16 file from Excel was
# refused as "binary data", and a name holding ESC was created as it came.
PEOPLE = "Name,Role,Team\r\nZoë Ångström,sales,Société Générale\r\nJoão Ñúñez,recruiter,São Paulo\r\n"
PEOPLE_ENCODED = {
    "UTF-8": PEOPLE.encode("utf-8"),
    "UTF-8 with BOM": codecs.BOM_UTF8 + PEOPLE.encode("utf-8"),
    "UTF-16 LE with BOM": codecs.BOM_UTF16_LE + PEOPLE.encode("utf-16-le"),
    "UTF-16 BE with BOM": codecs.BOM_UTF16_BE + PEOPLE.encode("utf-16-be"),
    "Windows-1252": PEOPLE.encode("cp1252"),
}


@pytest.mark.parametrize("label", list(PEOPLE_ENCODED))
def test_a_people_csv_in_each_common_encoding_is_imported_as_the_names_it_holds(tmp_path, label):
    path = tmp_path / "team.csv"
    path.write_bytes(PEOPLE_ENCODED[label])
    db = tmp_path / "t.db"
    result = mediate("people", "import", str(path), "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    store = open_store(db)
    try:
        people = {(p.name, p.team_name) for p in store.list_people()}
    finally:
        store.close()
    assert people == {("Zoë Ångström", "Société Générale"), ("João Ñúñez", "São Paulo")}


@pytest.mark.parametrize(
    "cell, named",
    [("Zo\x00e", "U+0000 (NUL)"), ("Zoe \x1b]0;owned\x07", "U+001B (ESC)"), ("Zoe\x9b2J", "U+009B")],
    ids=["NUL", "ESC", "8-bit CSI"],
)
def test_a_people_cell_holding_a_control_character_is_a_rejected_row_with_its_reason(tmp_path, cell, named):
    path = tmp_path / "team.csv"
    path.write_bytes(f"Name,Role\r\nSam Seller,sales\r\n{cell},recruiter\r\n".encode())
    db = tmp_path / "t.db"
    result = mediate("people", "import", str(path), "--db", str(db))
    assert_clean_failure(result, 1, "line 3", named, "control character")
    assert "\x00" not in result.stdout + result.stderr and "\x1b" not in result.stdout + result.stderr
    store = open_store(db)
    try:
        assert store.list_people() == []  # all rows or none
    finally:
        store.close()


def test_a_binary_file_given_as_the_people_csv_is_refused_as_not_a_csv(tmp_path):
    path = tmp_path / "team.xlsx.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)))
    result = mediate("people", "import", str(path), "--db", str(tmp_path / "t.db"))
    assert_clean_failure(result, 1, "not a CSV file")
