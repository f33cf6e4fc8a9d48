"""`mediate rules check` and `mediate rules explain`: validate rule packs and show the reasoning."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from mediation_console.console.cli.common import (
    CliState,
    Rejected,
    db_option,
    pack_refused,
    pass_state,
)
from mediation_console.console.core import config
from mediation_console.db.words import plural

if TYPE_CHECKING:
    from mediation_console.console.core.rules.service import Mediator
    from mediation_console.db.models import Dispute, Requisition

# The rules module (rule-engine builds its parser on import, ~0.8 s) is imported inside the commands,
# so that `mediate` opening the console does not pay for it.


def _packs(state: CliState) -> list[Path]:
    return [Path(state.rules_path)] if state.rules_path else []


@click.group("rules")
def rules() -> None:
    """Check rule packs and explain scorecards and proposals."""


@rules.command("check")
@db_option
@click.argument("packs", nargs=-1, type=click.Path(), metavar="[PACK.toml ...]")
@pass_state
def check(state: CliState, packs: tuple[str, ...]) -> None:
    """Validate the shipped pack plus the given packs (and your own rules.toml, if any)."""
    from mediation_console.console.core.rules.pack import PackError, load_pack, shipped_pack_path

    given = [Path(p) for p in packs] + _packs(state)
    user = config.user_rules_path()
    to_check = ([user] if user.exists() else []) + given
    try:
        pack = load_pack(to_check)
    except PackError as exc:
        raise pack_refused(exc) from None
    from mediation_console.console.core.rules.proposals import unreachable

    for warning in unreachable(pack):
        click.echo(f"warning: {warning}", err=True)
    names = ", ".join([shipped_pack_path().name, *(str(p) for p in to_check)])
    counts = ", ".join(
        [
            plural(len(pack.criteria), "criterion", "criteria"),
            plural(len(pack.gates), "gate"),
            plural(len(pack.proposals), "proposal"),
        ]
    )
    click.echo(f"ok: {names} — {counts}")


@rules.command("explain")
@db_option
@click.argument("code")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: the diagnosis and every proposal (rule id, category, rank, texts, criterion, commitments) for scripts",
)
@pass_state
def explain(state: CliState, code: str, fmt: str = "text") -> None:
    """Explain a requisition's scorecard (REQ-…) or a dispute's proposals (D-…)."""
    from mediation_console.console.core.rules.pack import PackError
    from mediation_console.console.core.rules.service import Mediator

    store = state.open_store(readonly=False, create=False)
    try:
        try:
            mediator = Mediator(store, extra_packs=_packs(state))
        except PackError as exc:
            raise pack_refused(exc) from None
        key = code.strip().upper()
        if key.startswith("REQ-"):
            req = store.requisition_by_code(key)
            if req is None:
                raise Rejected(f"There is no requisition {code}")
            if fmt == "json":
                raise Rejected("--format json explains disputes (D-…); a requisition's scorecard prints as text")
            _explain_requisition(mediator, req)
        elif key.startswith("D-"):
            dispute = store.dispute_by_code(key)
            if dispute is None:
                raise Rejected(f"There is no dispute {code}")
            if fmt == "json":
                _explain_dispute_json(mediator, dispute)
            else:
                _explain_dispute(mediator, dispute)
        else:
            raise Rejected(f"{code} is neither a requisition (REQ-0042) nor a dispute (D-0007) code")
    finally:
        store.close()


def _explain_requisition(mediator: Mediator, req: Requisition) -> None:
    card = mediator.scorecard_for(req.saved_id)
    click.echo(f"{req.code}  {req.title} — {req.client}")
    click.echo(card.summary())
    click.echo("")
    for reason in card.reasons:
        click.echo(f"  {reason.title:<24} {reason.points:>5g}/{reason.weight:<3} {reason.sentence}")
    click.echo(f"  {'total':<24} {card.score:>5}/100 -> grade {card.score_grade} by score")
    click.echo("")
    if card.gates:
        for gate in card.gates:
            click.echo(f"  gate: {gate.title} (caps at {gate.cap}): {gate.sentence}")
    else:
        click.echo("  gates: none apply")
    click.echo(f"  grade: {card.grade}")
    if card.estimate is not None:
        click.echo(f"  {card.estimate.sentence}")


# How rules explain names each part of a package.
KIND_LABELS = {"step": "Step", "standing": "Standing rule", "check_in": "Check-in"}


def _explain_dispute(mediator: Mediator, dispute: Dispute) -> None:
    from mediation_console.console.core.rules.proposals import SIDE_LABELS

    dispute_id = dispute.saved_id
    click.echo(f"{dispute.code}  {dispute.category.value} (severity {dispute.severity}): {dispute.summary}")
    for party in mediator.party_lines(dispute):
        click.echo(f"  {party}")
    for line in mediator.dispute_facts(dispute_id):
        click.echo(f"  {line.label:<44} {line.value}")
    click.echo("")
    diagnosis, considered = mediator.explain(dispute_id)
    click.echo(f"Diagnosis: {diagnosis.note()}")
    for score in diagnosis.scores:
        if not score.evidence and not score.prior:
            continue
        mark = "supported" if score.supported else "not supported"
        prior = f", +{score.prior:g} as logged" if score.prior else ""
        click.echo(
            f"  {score.label:<22} {score.score:>5g}  {mark} (facts {score.facts_score:g}, "
            f"words {score.words_score:g}{prior})"
        )
        for evidence in score.evidence:
            click.echo(f"      {evidence.weight:+g} {evidence.text}")
    click.echo("")
    top = next((c.proposal for c in considered if c.proposal is not None), None)
    fallback = mediator.costed_fallback(dispute, top.category if top else None)
    click.echo("If no agreement (each side's fallback, costed from the data):")
    for label, text in fallback.side_lines():
        click.echo(f"  {label + ':':<12} {text}")
    for cost in fallback.costs:
        click.echo(f"  · {cost.text}")
    click.echo("")
    if not considered:
        click.echo("No proposal in the rules covers this category.")
    rank = 0
    for consideration in considered:
        if consideration.fired and consideration.proposal is not None:
            rank += 1
            proposal = consideration.proposal
            click.echo(f"{rank}. {proposal.title}  [{proposal.id}, {proposal.mode}, rank {proposal.rank_score:.2f}]")
            for side in ("sales", "recruiting"):
                gives = "; ".join(getattr(proposal, f"{side}_gives"))
                gets = "; ".join(getattr(proposal, f"{side}_gets"))
                click.echo(f"   {SIDE_LABELS[side]} gives: {gives}")
                click.echo(f"   {SIDE_LABELS[side]} gets:  {gets}")
            click.echo(f"   Criterion: {proposal.criterion}: {proposal.criterion_value}")
            for restated in proposal.interest_lines():
                click.echo(f"   Interests: {restated}")
            for together in proposal.together_lines:
                click.echo(f"   Together: {together}")
            for planned in proposal.commitments:
                when = "review" if planned.standing else "due"
                click.echo(
                    f"   {KIND_LABELS[planned.kind]} ({planned.owner}, {when} {planned.due:%a %d %b}): {planned.text}"
                )
                if planned.if_no_answer:
                    click.echo(f"     {planned.if_no_answer}")
            click.echo(f"   Review on {proposal.review_date:%a %d %b %Y}")
            click.echo(f"   Its record: {proposal.record.sentence()} (rank {proposal.record_adjustment:+.2f})")
            for note in proposal.adjustments:
                click.echo(f"   Track record: {note}")
        else:
            click.echo(f"-  {consideration.title}  [{consideration.rule_id}, did not fire]")
        for why in consideration.why:
            click.echo(f"     {why}")
        click.echo("")


def _explain_dispute_json(mediator: Mediator, dispute: Dispute) -> None:
    import json

    dispute_id = dispute.saved_id
    diagnosis, considered = mediator.explain(dispute_id)
    proposals = []
    rank = 0
    for consideration in considered:
        item: dict[str, object] = {
            "rule_id": consideration.rule_id,
            "title": consideration.title,
            "ranked": consideration.proposal is not None,
            "why": list(consideration.why),
        }
        proposal = consideration.proposal
        if proposal is not None:
            rank += 1
            item.update(
                rank=rank,
                category=proposal.category,
                mode=proposal.mode,
                rank_score=round(proposal.rank_score, 3),
                strength=proposal.strength,
                sales_gives=list(proposal.sales_gives),
                sales_gets=list(proposal.sales_gets),
                recruiting_gives=list(proposal.recruiting_gives),
                recruiting_gets=list(proposal.recruiting_gets),
                criterion={"title": proposal.criterion, "value": proposal.criterion_value},
                matched=list(proposal.matched),
                interests=[i.as_dict() for i in proposal.interests],
                interest_adjustment=proposal.interest_adjustment,
                together_with=list(proposal.together_with),
                commitments=[
                    {
                        "owner": c.owner,
                        "text": c.text,
                        "due_in": c.due_in,
                        "due": c.due.isoformat(),
                        "check_in": c.check_in,
                        "kind": c.kind,
                        "window_in": c.window_in or None,
                        "if_no_answer": c.if_no_answer,
                    }
                    for c in proposal.commitments
                ],
                review_date=proposal.review_date.isoformat(),
                adjustments=list(proposal.adjustments),
                record={**proposal.record.as_dict(), "rank_adjustment": round(proposal.record_adjustment, 3)},
            )
        else:
            rule = next((r for r in mediator.pack.proposals if r.id == consideration.rule_id), None)
            item.update(rank=None, category=rule.category if rule else None)
        proposals.append(item)
    top = next((c.proposal for c in considered if c.proposal is not None), None)
    fallback = mediator.costed_fallback(dispute, top.category if top else None)
    facts = {line.fact: line.value for line in mediator.dispute_facts(dispute_id)}
    click.echo(
        json.dumps(
            {
                "dispute": dispute.code,
                "category": dispute.category.value,
                "summary": dispute.summary,
                "between_teams": dispute.between_teams,
                "parties": mediator.party_names(dispute),
                "facts": facts,
                "diagnosis": diagnosis.as_dict(),
                "proposals": proposals,
                "fallback": fallback.as_dict(),
            },
            indent=2,
            ensure_ascii=False,
        )
    )
