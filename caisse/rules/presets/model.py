"""A preset: the dated rule sets of a real caisse (or proposal), with its sources and assumptions."""

from __future__ import annotations

import re

import msgspec

from caisse.rules.ruleset import RuleSet, rule_in_force

_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class Preset(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """`name` is a slug (``lyon-8e``); `notes` says which figures are sourced and which are assumed."""

    name: str
    title: str
    rule_sets: tuple[RuleSet, ...]
    sources: tuple[str, ...]
    notes: str

    def __post_init__(self) -> None:
        if not _SLUG.fullmatch(self.name):
            raise ValueError(f"a preset name is a lowercase slug like 'lyon-8e', got {self.name!r}")
        if not self.rule_sets or not self.sources:
            raise ValueError(f"preset {self.name!r} needs at least one rule set and one source")
        rule_in_force(self.rule_sets, self.latest.effective_from)  # rejects two rule sets in one month

    @property
    def latest(self) -> RuleSet:
        return max(self.rule_sets, key=lambda rule_set: rule_set.effective_from)

    def in_force(self, month: str | None = None) -> RuleSet:
        """The rule set in force in `month` ("YYYY-MM"); the latest one when `month` is None."""
        return self.latest if month is None else rule_in_force(self.rule_sets, month)
