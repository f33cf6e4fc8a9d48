"""interests.py: when a proposal's text meets a stated interest, and the words it quotes."""

from __future__ import annotations

from mediation_console.console.core.rules.interests import INTERESTS, name_words, plain_text, restate, restate_all

FACTS = {"client": "Lumen", "sales_person": "Tom Okafor", "recruiter_person": "Ben Carter"}
CLIENT, NAMES = name_words(FACTS)


def meets(interest: str, text: str) -> tuple[bool, str]:
    found = restate("sales", "Tom", interest, (plain_text(text),), CLIENT, NAMES)
    return found.met, found.quote


def test_words_of_the_trade_that_name_one_idea_meet_each_other():
    assert meets(
        "Candidates in front of the client this week", "Calibration profiles that show Lumen what it buys"
    ) == (
        True,
        "Candidates in front of the client",
    )
    assert meets("Keep Lumen happy on budget", "Lumen keeps the budget") == (True, "Keep Lumen happy on budget")
    assert meets("Keep referral bonuses for sales", "Ben agrees the same written split up front")[0]
    assert meets("A spec that stops moving", "One brief to search against")[0]


def test_one_plain_word_in_common_is_a_coincidence_two_are_a_match():
    assert meets("Feedback before candidates walk away", "Tom walks the queue with Ben")[0] is False
    assert meets("Talk to the hiring manager first", "The hiring manager on the call") == (True, "hiring manager")


def test_the_client_alone_meets_only_an_interest_that_names_nothing_else():
    assert meets("Keep Lumen", "A concession to close Lumen") == (True, "Keep Lumen")
    assert meets("A first slate for Lumen", "A clear answer from Lumen")[0] is False


def test_the_peoples_names_and_small_words_carry_no_idea():
    assert meets("Know what Tom is looking for", "Tom books the call")[0] is False
    assert meets("Keep the word given", "Keep the date")[0] is False


def test_an_unmet_interest_is_quoted_whole_and_an_empty_one_is_left_out():
    found = restate("recruiting", "Ben", "A ranked queue", (plain_text("Tom escalates to the sponsor"),), CLIENT, NAMES)
    assert found.sentence() == "Does not speak to Ben's 'A ranked queue'"
    facts = {**FACTS, "sales_first": "Tom", "recruiter_first": "Ben", INTERESTS: {"sales": "", "recruiting": "Credit"}}
    both = restate_all(facts, [plain_text("Credit on record")], [plain_text("Ben's share known up front")])
    assert [(i.side, i.met, i.sentence()) for i in both] == [
        ("recruiting", True, "Meets Ben's 'Credit': Ben's share known up front")
    ]


def test_a_team_reads_as_the_team():
    facts = {"sales_first": "the sales team", "recruiter_first": "the recruiting team", INTERESTS: {"sales": "A fee"}}
    assert (
        restate_all(facts, [plain_text("Price agreed")], [])[0].sentence()
        == "Meets the sales team's 'fee': Price agreed"
    )
