"""PIN rules and hashing, retry keys and payment amounts: pure checks, no database."""

from __future__ import annotations

import pytest

from caisse.errors import ValidationFailed
from caisse.spending.payments import MAX_PAYMENT_CENTS, check_client_key, check_payment_amount
from caisse.spending.pins import check_new_pin, is_trivial, pin_digest, pin_matches


@pytest.mark.parametrize(
    "pin", ["0000", "9999", "1234", "4321", "0123", "3210", "56789", "98765", "123456", "654321"]
)
def test_repeated_digits_and_straight_runs_are_trivial(pin: str) -> None:
    assert is_trivial(pin)
    with pytest.raises(ValidationFailed, match="too easy"):
        check_new_pin(pin)


@pytest.mark.parametrize("pin", ["2580", "1357", "1235", "9012", "8901", "7391", "112233", "482619"])
def test_other_pins_of_four_to_six_digits_are_accepted(pin: str) -> None:
    assert check_new_pin(pin) == pin


@pytest.mark.parametrize("pin", ["", "123", "1234567", "12a4", " 2580", "2580 ", "２５８０", "٢٥٨٠", "25.8"])
def test_a_pin_is_four_to_six_ascii_digits(pin: str) -> None:
    with pytest.raises(ValidationFailed, match="4 to 6 digits") as refused:
        check_new_pin(pin)
    assert refused.value.problems == [{"field": "pin", "message": "A PIN is 4 to 6 digits (0-9)."}]


def test_a_pin_matches_only_its_own_salted_digest() -> None:
    salt, other_salt = "00" * 16, "ff" * 16
    digest = pin_digest(salt, "2580")
    assert len(digest) == 64 and digest != pin_digest(other_salt, "2580")
    assert pin_matches(salt, digest, "2580")
    assert not pin_matches(salt, digest, "2581")
    assert not pin_matches(other_salt, digest, "2580")
    assert not pin_matches(salt, digest, "２５８０")  # full-width digits are not a PIN


@pytest.mark.parametrize(
    "key", ["abcdefgh", "x" * 100, "4f1c2b8e-6d1a-4c51-9a0e-5b7f3d2a1c90", "till#7/2026-11-23/0042"]
)
def test_retry_keys_of_eight_to_a_hundred_visible_characters_are_accepted(key: str) -> None:
    assert check_client_key(key) == key


@pytest.mark.parametrize(
    "key", ["", "short", "x" * 101, "has space", "tab\tkey1", "clé-accentuée", "new\nline1"]
)
def test_other_retry_keys_are_refused(key: str) -> None:
    with pytest.raises(ValidationFailed, match="idempotency_key"):
        check_client_key(key)


@pytest.mark.parametrize("cents", [0, -1, MAX_PAYMENT_CENTS + 1, True, 12.5, "100"])
def test_a_payment_is_a_whole_number_of_cents_up_to_the_cap(cents: object) -> None:
    with pytest.raises(ValidationFailed, match="amount_cents"):
        check_payment_amount(cents)  # type: ignore[arg-type]
    assert check_payment_amount(1) == 1 and check_payment_amount(MAX_PAYMENT_CENTS) == MAX_PAYMENT_CENTS
