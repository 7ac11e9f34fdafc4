"""The membership status machine: which moves are allowed, and what each one dates."""

from __future__ import annotations

from caisse.members.models import MemberStatus

A, S, L, P = MemberStatus.ACTIVE, MemberStatus.SUSPENDED, MemberStatus.LEFT, MemberStatus.APPLICANT

# applicant → active (admitted) or left (withdrawn); active ⇄ suspended; active/suspended → left.
# Leaving is final: a household that comes back is registered again (a new code, a new ledger).
ALLOWED_MOVES: dict[MemberStatus, tuple[MemberStatus, ...]] = {
    P: (A, L),
    A: (S, L),
    S: (A, L),
    L: (),
}


def refusal(current: MemberStatus, to: MemberStatus) -> str | None:
    """None if `current` → `to` is allowed, else why not, naming the moves that are."""
    if to in ALLOWED_MOVES[current]:
        return None
    if to is current:
        return f"The household is already {current.value}."
    allowed = ALLOWED_MOVES[current]
    if not allowed:
        return (
            f"A household that has left cannot become {to.value}: leaving is final. "
            "Register the household again if it rejoins."
        )
    return (
        f"A household that is {current.value} cannot become {to.value}; "
        f"it can become: {', '.join(s.value for s in allowed)}."
    )
