"""Months of a forecast: labels "YYYY-MM" and offsets from the start month."""

from __future__ import annotations

from caisse.rules import validate_month


def month_labels(start: str, months: int) -> tuple[str, ...]:
    """The `months` consecutive months from `start` ("YYYY-MM").

    >>> month_labels("2027-11", 3)
    ('2027-11', '2027-12', '2028-01')
    """
    validate_month(start)
    year, month = int(start[:4]), int(start[5:])
    labels = []
    for offset in range(months):
        total = year * 12 + (month - 1) + offset
        labels.append(f"{total // 12:04d}-{total % 12 + 1:02d}")
    return tuple(labels)


def months_between(start: str, month: str) -> int:
    """How many months `month` comes after `start` (negative when before).

    >>> months_between("2027-11", "2028-02"), months_between("2027-11", "2027-10")
    (3, -1)
    """
    validate_month(start)
    validate_month(month)
    return (int(month[:4]) - int(start[:4])) * 12 + int(month[5:]) - int(start[5:])
