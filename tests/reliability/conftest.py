"""Fixtures for the reliability suite: small real databases and root-only mounts (skipped cleanly without root)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from mediation_console.db.models import Person, Requisition, Team
from mediation_console.db.store import Store
from tests.reliability.damaged_rows import demo_template

NOW = dt.datetime(2026, 11, 23, 9, 0)


@pytest.fixture
def real_db(tmp_path) -> Path:
    """A team's database with enough records to span many pages."""
    path = tmp_path / "team.db"
    with Store(path, now=lambda: NOW) as store:
        sales = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        for n in range(120):
            store.add_requisition(
                Requisition(
                    title=f"Role {n}",
                    client="Northwind Analytics",
                    sales_owner_id=sales.id,
                    notes="Needs Spark and Airflow. " * 10,
                )
            )
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The demo database the damaged-row tests copy and damage, built once for each test module."""
    return demo_template(tmp_path_factory.mktemp("demo"))


def _mount(args: list[str], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a test filesystem needs root; this check runs in CI as root")
    result = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a test filesystem here: {result.stderr.strip()}")


def _unmount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


TINY_DISK_KB = 1024


@pytest.fixture
def tiny_disk(tmp_path):
    """A TINY_DISK_KB filesystem that a test can fill up: a full disk without filling the real one.

    Big enough for a new, empty database (the schema and its indexes), small enough to fill quickly.
    """
    target = tmp_path / "tiny-disk"
    _mount(["-t", "tmpfs", "-o", f"size={TINY_DISK_KB}k,mode=0700", "tmpfs"], target)
    yield target
    _unmount(target)


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder mounted read-only: root cannot write there either, unlike a chmod'ed one."""
    target = tmp_path / "read-only"
    target.mkdir()
    yield target, lambda: _mount(["--bind", "-o", "ro", str(target)], target)
    _unmount(target)
