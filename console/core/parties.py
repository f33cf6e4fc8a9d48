"""Who is in a dispute, in words: a dispute between the two teams, or one with more than two people."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mediation_console.db.models import Dispute, Person


def and_list(names: Sequence[str]) -> str:
    """ "Lena Novak, Ben Carter and Priya Shah" """
    names = list(names)
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def party_lines(dispute: Dispute, people: Mapping[int, Person | None]) -> list[str]:
    """Who is in the dispute, for the disputes screen and `rules explain`: a dispute between the teams says
    the two people typed in only stand for their teams; one with further parties names everyone in it."""
    ids = list(dict.fromkeys((dispute.raised_by_id, dispute.counterpart_id, *dispute.parties)))
    found = [people.get(pid) for pid in ids]
    lines = []
    if dispute.between_teams:
        standing = [p.name for p in found[:2] if p is not None]
        lines.append(
            f"Between the two teams: {and_list(standing)} stand for them; the rules read the teams' numbers, not theirs"
        )
    if len(ids) > 2:
        lines.append(
            f"{len(ids)} people in it: "
            + and_list([f"{p.name} ({p.team.value})" if p is not None else "someone no longer listed" for p in found])
        )
    return lines


__all__ = ["and_list", "party_lines"]
