"""The disputes screen shows each side's fallback costed from the data (issue 14): what Tom and Ben each do
with no agreement, their share of the expected fee, the fee at these terms against the alternative
terms, the expected time to fill and the candidates at risk, as `rules explain` says them; a step that
waits on a silent client shows what happens if the client does not answer by its due date."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from tests.app.test_dispute_parties import disputes_of_story, rendered


async def test_the_disputes_screen_costs_each_sides_fallback(tmp_path):
    async with disputes_of_story(tmp_path, "fallback_discount_costed_against_standard_fee.toml") as (screen, loaded):
        assert screen.analysis.dispute_id == loaded.disputes[-1].id
        summary = rendered(screen.query_one("#dispute-summary", Static).content)
        assert "If no agreement (each side's fallback, costed from the data)" in summary
        assert (
            "Sales Tom gives Lumen the discount to win the business "
            "(its 50% share of the expected fee: $1,875)" in summary
        )
        assert "Recruiting Ben treats REQ-0019 as low priority at the discounted fee" in summary
        assert "Expected fee at these terms (contingent, below the 20% standard fee): $3,750 = 25% fill rate" in summary
        assert "Against the 20% standard fee: $14,000 = 70% fill rate (7 of 10 closed" in summary
        assert "Candidates at risk: 2 submitted candidates waiting for the client" in summary
        # The top option's step that waits on the silent client says what happens if Lumen does not answer.
        top = rendered(screen.query_one("#proposals", OptionList).get_option_at_index(0).prompt)
        assert "Tom Okafor: Offer Lumen the discount in exchange for exclusivity on REQ-0019 by Fri 04 Dec" in top
        assert "If Lumen has not answered by Fri 04 Dec (silent for 3 business days" in top
