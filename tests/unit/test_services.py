"""The services the app hands its screens: one Mediator, with the lead's --rules pack, loaded once."""

from __future__ import annotations

from mediation_console.console.core.services import Services


def test_the_mediator_is_built_once_with_the_rules_pack(store, clock, tmp_path):
    pack = tmp_path / "strict.toml"
    pack.write_text("[grades]\nA = 100\nB = 99\n", encoding="utf-8")
    services = Services(store, clock, pack)
    mediator = services.mediator
    assert mediator is not None and mediator is services.mediator
    assert (mediator.pack.grade_a, mediator.pack.grade_b) == (100, 99)
    assert services.rules_problem is None


def test_a_pack_that_cannot_load_is_said_once_and_leaves_no_mediator(store, clock, tmp_path):
    pack = tmp_path / "broken.toml"
    pack.write_text("[grades]\nA = 40\nB = 45\n", encoding="utf-8")
    told: list[str] = []
    services = Services(store, clock, pack, on_problem=told.append)
    assert services.mediator is None and services.mediator is None
    assert told == [services.rules_problem]
    assert told[0].startswith("The rule pack could not be loaded:") and "B (45) must be below A (40)" in told[0]
