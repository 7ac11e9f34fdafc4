"""The pure stratified draw: deterministic, quotas exact, shortfall reported, as documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caisse.committee.lottery import ALGORITHM, draw, uniform_below
from caisse.committee.strata import cell_key
from caisse.committee.volunteers import pseudonym

SEED = "3f2a9c41d07b5e86a1c4f0e2b9d35a77"
DOC = Path(__file__).resolve().parents[3] / "docs" / "lottery.md"


def pool(cells: dict[str, int]) -> list[tuple[str, dict[str, str]]]:
    """Volunteers numbered in order: `cells` maps an age group to how many volunteer."""
    out: list[tuple[str, dict[str, str]]] = []
    for age, count in cells.items():
        for _ in range(count):
            out.append((pseudonym(len(out) + 1), {"age": age}))
    return out


def test_same_seed_gives_the_same_draw_whatever_the_input_order() -> None:
    volunteers = pool({"young": 30, "old": 25})
    quotas = {"age=young": 4, "age=old": 3}
    first = draw(volunteers, quotas, SEED)
    again = draw(list(reversed(volunteers)), dict(reversed(list(quotas.items()))), SEED.upper())
    assert first == again


def test_a_different_seed_gives_a_different_draw_for_a_big_pool() -> None:
    volunteers = pool({"young": 200})
    first = draw(volunteers, {"age=young": 10}, SEED)
    other = draw(volunteers, {"age=young": 10}, "a" * 32)
    assert set(first.selected) != set(other.selected)


def test_quotas_are_respected_exactly_and_reserves_ranked() -> None:
    result = draw(
        pool({"young": 12, "middle": 9, "old": 7}), {"age=young": 3, "age=middle": 2, "age=old": 1}, SEED
    )
    by_key = {c.key: c for c in result.cells}
    assert [c.key for c in result.cells] == ["age=middle", "age=old", "age=young"]
    assert {k: len(c.selected) for k, c in by_key.items()} == {"age=young": 3, "age=middle": 2, "age=old": 1}
    assert {k: len(c.reserve) for k, c in by_key.items()} == {"age=young": 9, "age=middle": 7, "age=old": 6}
    assert result.shortfall == 0 and len(result.selected) == 6


def test_a_thin_cell_selects_everyone_and_reports_the_shortfall() -> None:
    result = draw(pool({"young": 10, "old": 1}), {"age=young": 2, "age=old": 3}, SEED)
    cells = {c.key: c for c in result.cells}
    assert cells["age=old"].selected == ("V-0011",) and cells["age=old"].reserve == ()
    assert cells["age=old"].shortfall == 2 and result.shortfall == 2
    # The empty seats are not filled from the other cell.
    assert len(cells["age=young"].selected) == 2 and len(result.selected) == 3


def test_an_empty_cell_and_an_unlisted_cell_are_reported() -> None:
    result = draw(pool({"young": 3, "other": 2}), {"age=young": 1, "age=old": 1}, SEED)
    cells = {c.key: c for c in result.cells}
    assert cells["age=old"].available == 0 and cells["age=old"].shortfall == 1
    assert cells["age=other"].quota == 0 and len(cells["age=other"].reserve) == 2


def test_pseudonyms_follow_registration_order() -> None:
    assert [pseudonym(n) for n in (1, 7, 42, 9999)] == ["V-0001", "V-0007", "V-0042", "V-9999"]


def test_result_as_json_names_the_algorithm_and_every_cell() -> None:
    out = draw(pool({"young": 2}), {"age=young": 1}, SEED).to_dict()
    assert out["algorithm"] == ALGORITHM and out["seed"] == SEED
    assert out["cells"][0]["stratum"] == {"age": "young"} and len(out["selected"]) == 1


@pytest.mark.parametrize(
    ("volunteers", "quotas", "seed", "message"),
    [
        ([], {}, "xyz", "hexadecimal"),
        ([], {}, "0x1f", "hexadecimal"),
        ([("V-0001", {}), ("V-0001", {})], {}, SEED, "twice"),
        ([], {"": -1}, SEED, "0 or more"),
        ([], {"": True}, SEED, "whole number"),
    ],
)
def test_bad_input_is_a_value_error_saying_what_to_fix(
    volunteers: list[Any], quotas: dict[str, Any], seed: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        draw(volunteers, quotas, seed)


def test_uniform_below_has_no_modulo_bias_on_its_rejection_boundary() -> None:
    class Words:
        def __init__(self, words: list[int]) -> None:
            self.words = words

        def random_raw(self) -> int:
            return self.words.pop(0)

    class Rng:
        def __init__(self, words: list[int]) -> None:
            self.bit_generator = Words(words)

    # With bound 3, 2^64 mod 3 = 1: the last word (2^64 - 1) is rejected, the next one used.
    assert uniform_below(Rng([2**64 - 1, 5]), 3) == 2  # type: ignore[arg-type]


def _reference_draw() -> Any:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- reference-implementation -->\s*```python\n(.*?)```", text, re.S)
    assert block, "docs/lottery.md lost its reference implementation"
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), str(DOC), "exec"), namespace)
    return namespace["reference_draw"]


strata = st.fixed_dictionaries(
    {"age": st.sampled_from(["a", "b", "c"]), "band": st.sampled_from(["low", "high"])}
)


@st.composite
def pools_and_quotas(draw_: st.DrawFn) -> tuple[list[tuple[str, dict[str, str]]], dict[str, int], str]:
    members = draw_(st.lists(strata, max_size=40))
    volunteers = [(pseudonym(i + 1), s) for i, s in enumerate(members)]
    keys = draw_(st.lists(strata.map(cell_key), unique=True, max_size=6))
    quotas = {k: draw_(st.integers(0, 6)) for k in keys}
    seed = draw_(st.text("0123456789abcdef", min_size=1, max_size=64))
    return volunteers, quotas, seed


@settings(max_examples=200, deadline=None)
@given(pools_and_quotas())
def test_any_pool_selects_min_of_quota_and_available_within_each_cell(
    case: tuple[list[tuple[str, dict[str, str]]], dict[str, int], str],
) -> None:
    volunteers, quotas, seed = case
    result = draw(volunteers, quotas, seed)
    for cell in result.cells:
        members = {p for p, s in volunteers if cell_key(s) == cell.key}
        assert len(cell.selected) == min(quotas.get(cell.key, 0), len(members))
        assert set(cell.selected) <= members and set(cell.selected) | set(cell.reserve) == members
        assert not set(cell.selected) & set(cell.reserve)
        assert cell.shortfall == max(0, quotas.get(cell.key, 0) - len(members))
    assert {c.key for c in result.cells} == set(quotas) | {cell_key(s) for _, s in volunteers}


@settings(max_examples=100, deadline=None)
@given(pools_and_quotas())
def test_the_documented_reference_implementation_gives_the_same_draw(
    case: tuple[list[tuple[str, dict[str, str]]], dict[str, int], str],
) -> None:
    volunteers, quotas, seed = case
    expected = _reference_draw()(volunteers, quotas, seed)
    result = draw(volunteers, quotas, seed)
    assert {c.key: (list(c.selected), list(c.reserve)) for c in result.cells} == expected
