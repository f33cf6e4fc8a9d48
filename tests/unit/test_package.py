"""The package as a user gets it: the wheel built from this tree carries every file the code reads (the
default rule pack, the stylesheet, the ATS presets, the templates), the licence and the metadata of its
peers; installed in a fresh virtual environment it runs `mediate` and `python -m mediation_console`, and
the console starts on its own stylesheet; the sdist carries the tests, the licence and the changelog.

The fresh environment takes the dependencies from the test's own environment (a path line, so nothing
is downloaded); `make package-check` installs the wheel with its dependencies from the index instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("console", "db", "screens")  # the folders that are mediation_console's sub-packages
ATS = ROOT / "tests" / "fixtures" / "csv" / "ats"
SKIP = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache", ".hypothesis"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(wheel, sdist) built from a copy of this tree, as `pip wheel` and a packager would."""
    base = tmp_path_factory.mktemp("package")
    source = base / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=SKIP)
    (source / "demo.db").unlink(missing_ok=True)
    out = base / "dist"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    sdist = subprocess.run(
        [sys.executable, "-c", f"from setuptools import build_meta; print(build_meta.build_sdist({str(out)!r}))"],
        cwd=source,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert sdist.returncode == 0, sdist.stderr
    (wheel,) = out.glob("*.whl")
    return wheel, out / sdist.stdout.strip().splitlines()[-1]


def test_the_wheel_carries_every_file_the_code_reads_the_licence_and_its_metadata(built):
    wheel, _sdist = built
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = set(zipfile.ZipFile(wheel).namelist())

    # Every file of the three sub-packages (code and data alike) is in the wheel, under the one import name.
    expected = {
        f"mediation_console/{path.relative_to(ROOT).as_posix()}"
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert expected - names == set()
    for data in (
        "mediation_console/console/app.tcss",
        "mediation_console/console/core/rules/default_pack.toml",
        "mediation_console/db/presets/greenhouse.toml",
        "mediation_console/console/core/templates/notes.md.j2",
        "mediation_console/console/cli/web/app_index.html",
    ):
        assert data in names
    assert not any(name.startswith(("tests/", "bench/", "docs/")) for name in names)

    dist_info = f"mediation_console-{project['version']}.dist-info"
    assert f"{dist_info}/licenses/LICENSE" in names
    archive = zipfile.ZipFile(wheel)
    metadata = Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
    assert (metadata["Name"], metadata["Version"]) == ("mediation-console", project["version"])
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["Summary"] == project["description"]
    assert metadata["Description-Content-Type"] == "text/markdown"
    # Each dependency of pyproject.toml, with the same versions (the metadata writes them in its own order).
    required = [Requirement(r) for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    declared = [Requirement(r) for r in project["dependencies"]]
    assert {(r.name, r.specifier) for r in required} == {(r.name, r.specifier) for r in declared}
    entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    assert "mediate = mediation_console.console.cli:main" in entry_points


def test_the_sdist_carries_the_tests_the_licence_and_the_changelog(built):
    _wheel, sdist = built
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "tests/conftest.py"):
        assert needed in names
    assert "tests/fixtures/csv/ats/greenhouse_jobs.csv" in names
    assert "tests/unit/test_package.py" in names


def test_the_wheel_installed_in_a_fresh_environment_runs_on_its_own(built, tmp_path):
    wheel, _sdist = built
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True, timeout=120)
    python = fresh / "bin" / "python"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    site = next((fresh / "lib").glob("python3*/site-packages"))
    # The dependencies from this environment, as a plain path: its .pth files (the editable install of
    # this tree among them) are not read, so mediation_console can only come from the wheel.
    ours = next(p for p in map(Path, sys.path) if p.name == "site-packages" and (p / "textual").is_dir())
    (site / "dependencies.pth").write_text(f"{ours}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MEDIATE_DB")}
    env["MEDIATE_SETTINGS"] = str(tmp_path / "settings.json")

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
        )

    where = run(python, "-c", "import mediation_console; print(mediation_console.__file__)")
    assert where.stdout.strip().startswith(str(site)), where.stdout + where.stderr

    assert run(fresh / "bin" / "mediate", "--version").stdout == f"mediate {version}\n"
    assert run(python, "-m", "mediation_console", "--version").stdout == f"mediate {version}\n"
    pack = run(fresh / "bin" / "mediate", "rules", "check")
    assert pack.returncode == 0 and pack.stdout.startswith("ok: default_pack.toml"), pack.stdout + pack.stderr
    dry = run(
        fresh / "bin" / "mediate",
        "import",
        "requisitions",
        ATS / "bullhorn_joborders.csv",
        "--dry-run",
        "--create-people",
        "--db",
        tmp_path / "team.db",
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "Read as a Bullhorn export (preset bullhorn, detected from its headers" in dry.stdout

    # The console starts on the stylesheet inside the wheel and draws its queue.
    started = run(
        python,
        "-c",
        "import asyncio\n"
        "from mediation_console.console.core.database import open_store\n"
        "from mediation_console.console.app import MediationApp\n"
        "async def main():\n"
        f"    app = MediationApp(open_store({str(tmp_path / 'team.db')!r}))\n"
        "    async with app.run_test(size=(100, 30)) as pilot:\n"
        "        await pilot.pause()\n"
        "        print(type(app.screen).__name__, app.stylesheet.rules_map and 'styled')\n"
        "asyncio.run(main())\n",
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["QueueScreen", "styled"]
