"""`[contribution]` and `[allocation]`: the caisse's rules, by preset name or written inline.

Both are decoded and computed by :mod:`caisse.rules`, the code that bills real members.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from caisse.rules import AllocationRule, ContributionScheme, get_preset, validate_month

Share = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]


def _one_of(preset: str | None, inline: object, inline_name: str, rule_month: str | None) -> None:
    if (preset is None) == (inline is None):
        raise ValueError(
            f'give either preset = "<name>" (see `caisse rules list`) or {inline_name} = {{ kind = ... }}, '
            "not both and not neither"
        )
    if preset is not None:
        get_preset(preset)  # ValueError listing the known presets
    if rule_month is not None:
        if preset is None:
            raise ValueError("rule_month picks one of a preset's dated rule sets; it needs a preset")
        try:
            validate_month(rule_month)
            get_preset(preset).in_force(rule_month)
        except ValueError as error:
            raise ValueError(f"rule_month: {error}") from None


class ContributionSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The `[contribution]` table.

    * ``preset`` — name of a caisse preset (``caisse rules list``) whose contribution scheme is used.
    * ``scheme`` — or an inline contribution scheme, a table with ``kind`` = ``"proportional"``,
      ``"marginal_brackets"``, ``"flat_tiers"`` or ``"self_determined"`` and that scheme's fields
      (amounts in € per month). Exactly one of ``preset`` and ``scheme`` is required.
    * ``rule_month`` — ``"YYYY-MM"``: use the preset's rule set in force that month for the whole
      forecast. Default: each simulated month uses the rule set in force that month.
    * ``chosen_ratio`` — self-determined schemes: households choose this multiple of the grid's
      suggestion (then the scheme's bounds and step apply), 0 to 10. Ignored by imposed schemes.
      Default 1.0.
    * ``unpaid_share`` — chance that a member household never pays a month's contribution
      (arrears), 0 to 1. Default 0.
    * ``late_share`` — chance that it pays it a month late, 0 to 1 (with ``unpaid_share``, at most
      1). Default 0. Each member household pays on time, late or never, drawn month by month, so the
      contributions received vary from path to path as in a real caisse.
    """

    preset: str | None = None
    scheme: ContributionScheme | None = None
    rule_month: str | None = None
    chosen_ratio: Annotated[float, msgspec.Meta(ge=0.0, le=10.0)] = 1.0
    unpaid_share: Share = 0.0
    late_share: Share = 0.0

    def __post_init__(self) -> None:
        _one_of(self.preset, self.scheme, "scheme", self.rule_month)
        if self.unpaid_share + self.late_share > 1:
            raise ValueError(
                f"unpaid_share ({self.unpaid_share}) and late_share ({self.late_share}) add up to more than 1"
            )


class AllocationSection(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The `[allocation]` table.

    * ``preset`` — name of a caisse preset whose allocation rule is used.
    * ``rule`` — or an inline allocation rule, a table with ``kind`` = ``"per_person"``,
      ``"per_consumption_unit"``, ``"per_household"`` or ``"mutualist"`` and that rule's fields
      (€ per month). Exactly one of ``preset`` and ``rule`` is required.
    * ``rule_month`` — as for the contribution. Default: the rule set in force each simulated month.
    """

    preset: str | None = None
    rule: AllocationRule | None = None
    rule_month: str | None = None

    def __post_init__(self) -> None:
        _one_of(self.preset, self.rule, "rule", self.rule_month)
