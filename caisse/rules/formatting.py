"""How amounts, rates and units read in explanations and messages: "1 800.00 €", "2.5 %", "1.8 UC"."""

from __future__ import annotations


def euros(amount: float) -> str:
    """Format € with a space between thousands and two decimals.

    >>> euros(1800), euros(-3.5), euros(float("inf"))
    ('1 800.00 €', '-3.50 €', 'no limit')
    """
    if amount == float("inf"):
        return "no limit"
    return f"{amount:,.2f} €".replace(",", " ")


def percent(rate: float) -> str:
    """Format a share of income as a percentage.

    >>> percent(0.025), percent(0.1)
    ('2.5 %', '10 %')
    """
    return f"{rate * 100:.6g} %"


def units(value: float) -> str:
    """Format consumption units.

    >>> units(1.8), units(1.0)
    ('1.8 UC', '1 UC')
    """
    return f"{value:.6g} UC"


def persons(count: int, what: str = "person") -> str:
    """Count persons, in the singular or plural.

    >>> persons(1), persons(3, "extra person")
    ('1 person', '3 extra persons')
    """
    return f"{count} {what}{'' if count == 1 else 's'}"
