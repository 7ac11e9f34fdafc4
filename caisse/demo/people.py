"""Fictitious reference persons for the demo: common French first names and surnames."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

FIRST_NAMES = (
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Sarah",
    "Emma",
    "Fatima",
    "Nathalie",
    "Sophie",
    "Isabelle",
    "Aïcha",
    "Marie",
    "Julie",
    "Amandine",
    "Lucas",
    "Hugo",
    "Thomas",
    "Nicolas",
    "Mohamed",
    "Karim",
    "Julien",
    "Antoine",
    "Mathieu",
    "Pierre",
    "Yanis",
    "Jean",
    "Michel",
    "Bernard",
    "Sébastien",
)
SURNAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Benali",
    "Nguyen",
    "Diallo",
    "Bonnet",
    "Lambert",
    "Fontaine",
)


@dataclass(frozen=True)
class Person:
    first_name: str
    surname: str

    @property
    def full(self) -> str:
        return f"{self.first_name} {self.surname}"

    def email(self, number: int) -> str:
        """A unique address on a reserved domain (example.org), so no real person is mailed."""
        local = f"{self.first_name}.{self.surname}.{number}".lower()
        ascii_local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
        return f"{ascii_local}@example.org"


def draw_names(n: int, rng: np.random.Generator) -> list[Person]:
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(SURNAMES), n)
    return [Person(FIRST_NAMES[f], SURNAMES[s]) for f, s in zip(first.tolist(), last.tolist(), strict=True)]
