"""Verifying a saved public record: a faithful record matches, any tampering is named, and the
revealed seed must be the one committed to at the announcement."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from caisse.committee.lottery import draw, seed_commitment
from caisse.committee.public import (
    PublicDraw,
    PublicQuota,
    PublicResult,
    PublicVolunteer,
    parse_record,
    verify,
)

SEED = "0123456789abcdef0123456789abcdef"


def _record(**changes: Any) -> PublicDraw:
    volunteers = [
        PublicVolunteer(pseudonym=f"V-{i:04d}", stratum={"age": "young" if i % 3 else "old"})
        for i in range(1, 31)
    ]
    quotas = [PublicQuota(stratum={"age": "young"}, seats=3), PublicQuota(stratum={"age": "old"}, seats=2)]
    result = draw([(v.pseudonym, v.stratum) for v in volunteers], {"age=young": 3, "age=old": 2}, SEED)
    record = PublicDraw(
        reference="TIRAGE-2027-01",
        purpose="Comité 2027",
        description="",
        status="drawn",
        algorithm="caisse-lottery-1",
        seats=5,
        dimensions={"age": ["young", "old"]},
        quotas=quotas,
        seed_commitment=seed_commitment(SEED),
        seed=SEED,
        announced_at=datetime(2027, 1, 5, tzinfo=UTC),
        closes_at=datetime(2027, 2, 1, tzinfo=UTC),
        drawn_at=datetime(2027, 2, 2, tzinfo=UTC),
        cancelled_reason="",
        volunteers=volunteers,
        result=msgspec.convert(result.to_dict(), PublicResult),
    )
    return msgspec.structs.replace(record, **changes)


def test_a_faithful_record_matches_after_a_json_round_trip() -> None:
    saved = msgspec.json.encode(_record())
    outcome = verify(parse_record(saved))
    assert outcome.matches and outcome.differences == [] and len(outcome.rerun.selected) == 5


def test_another_seed_is_a_mismatch() -> None:
    outcome = verify(_record(seed="f" * 32))
    assert not outcome.matches
    assert any("not the revealed" in d for d in outcome.differences)


def test_a_seed_that_is_not_the_committed_one_is_named_even_with_a_result_drawn_from_it() -> None:
    """Swapping the seed after the announcement, and re-drawing with it, shows: the commitment
    published at the announcement no longer matches."""
    other = "f" * 32
    redrawn = draw(
        [(v.pseudonym, v.stratum) for v in _record().volunteers], {"age=young": 3, "age=old": 2}, other
    )
    outcome = verify(_record(seed=other, result=msgspec.convert(redrawn.to_dict(), PublicResult)))
    assert not outcome.matches
    assert [d for d in outcome.differences if "commitment" in d] == [
        f"the seed {other} does not match the commitment published at the announcement "
        f"({seed_commitment(SEED)}): its sha256 is {seed_commitment(other)}"
    ]


def test_the_commitment_saved_at_the_announcement_is_checked_too() -> None:
    assert verify(_record(), commitment=seed_commitment(SEED).upper()).matches
    # A record whose published commitment was rewritten along with the seed still fails against
    # the commitment the verifier saved.
    other = "e" * 32
    redrawn = draw(
        [(v.pseudonym, v.stratum) for v in _record().volunteers], {"age=young": 3, "age=old": 2}, other
    )
    forged = _record(
        seed=other,
        seed_commitment=seed_commitment(other),
        result=msgspec.convert(redrawn.to_dict(), PublicResult),
    )
    assert verify(forged).matches
    outcome = verify(forged, commitment=seed_commitment(SEED))
    assert not outcome.matches and any("the commitment you saved" in d for d in outcome.differences)


def test_a_drawn_record_without_its_seed_cannot_be_verified() -> None:
    with pytest.raises(ValueError, match="shows no seed"):
        verify(_record(seed=None))


def test_a_swapped_selection_is_named() -> None:
    record = _record()
    assert record.result is not None
    cells = [
        msgspec.structs.replace(c, selected=list(reversed(c.reserve[:1] + c.selected[1:])))
        for c in record.result.cells
    ]
    outcome = verify(_record(result=msgspec.structs.replace(record.result, cells=cells)))
    assert not outcome.matches and any("selected should be" in d for d in outcome.differences)


def test_a_volunteer_added_after_the_draw_is_a_mismatch() -> None:
    record = _record()
    extra = [*record.volunteers, PublicVolunteer(pseudonym="V-0031", stratum={"age": "old"})]
    outcome = verify(_record(volunteers=extra))
    assert not outcome.matches


def test_an_undrawn_record_cannot_be_verified() -> None:
    with pytest.raises(ValueError, match="not been drawn"):
        verify(_record(result=None, status="announced", seed=None))


@pytest.mark.parametrize(
    ("data", "message"), [(b"{", "Not JSON"), (json.dumps({"a": 1}).encode(), "Not a lottery")]
)
def test_a_file_that_is_not_a_record_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_record(data)
