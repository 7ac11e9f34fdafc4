"""applicant → active ⇄ suspended → left, applicant → left; nothing else."""

from __future__ import annotations

import itertools

from caisse.members.models import MemberStatus as S
from caisse.members.status import ALLOWED_MOVES, refusal

ALLOWED = {(S.APPLICANT, S.ACTIVE), (S.APPLICANT, S.LEFT), (S.ACTIVE, S.SUSPENDED), (S.ACTIVE, S.LEFT),
           (S.SUSPENDED, S.ACTIVE), (S.SUSPENDED, S.LEFT)}


def test_exactly_the_documented_moves_are_allowed() -> None:
    for current, to in itertools.product(S, S):
        assert (refusal(current, to) is None) == ((current, to) in ALLOWED), (current, to)


def test_a_refusal_names_the_moves_that_are_allowed() -> None:
    message = refusal(S.APPLICANT, S.SUSPENDED)
    assert message is not None and "active, left" in message


def test_leaving_is_final() -> None:
    assert ALLOWED_MOVES[S.LEFT] == ()
    message = refusal(S.LEFT, S.ACTIVE)
    assert message is not None and "final" in message
