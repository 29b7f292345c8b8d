"""Shared small types of the anonymizer: labels, a detection, the study settings."""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from ..errors import SchemaError

# Labels are the placeholder names of docs/design.md. Numbered labels get [LABEL-n].
PERSOON, PLAATS, ADRES, INSTELLING = "PERSOON", "PLAATS", "ADRES", "INSTELLING"
DATUM, GEBOORTEDATUM, POSTCODE, TELEFOON = "DATUM", "GEBOORTEDATUM", "POSTCODE", "TELEFOON"
EMAIL, URL, BSN, IBAN, KENTEKEN, LEEFTIJD = "EMAIL", "URL", "BSN", "IBAN", "KENTEKEN", "LEEFTIJD"
# Not in the design's list: long digit strings (client, case or account numbers) that are
# not a valid BSN or phone number. Replaced rather than left in.
NUMMER = "NUMMER"

NUMBERED = (PERSOON, PLAATS, ADRES, INSTELLING)
LABELS = NUMBERED + (DATUM, GEBOORTEDATUM, POSTCODE, TELEFOON, EMAIL, URL, BSN, IBAN,
                     KENTEKEN, LEEFTIJD, NUMMER)

# Which detection wins when two overlap (higher first); ties go to the longer one.
PRIORITY = {BSN: 100, IBAN: 100, EMAIL: 100, URL: 95, TELEFOON: 95, POSTCODE: 90, ADRES: 85,
            GEBOORTEDATUM: 80, DATUM: 75, KENTEKEN: 75, NUMMER: 60, INSTELLING: 50,
            PERSOON: 45, PLAATS: 40, LEEFTIJD: 20}

# What the privacy check says about a suspect (never the surrounding text).
REASONS = {PERSOON: "mogelijke naam", PLAATS: "mogelijke plaatsnaam", ADRES: "mogelijk adres",
           INSTELLING: "mogelijke school, werkgever of organisatie", DATUM: "mogelijke datum",
           GEBOORTEDATUM: "mogelijke geboortedatum", POSTCODE: "mogelijke postcode",
           TELEFOON: "mogelijk telefoonnummer", EMAIL: "mogelijk e-mailadres",
           URL: "mogelijke URL", BSN: "mogelijk BSN", IBAN: "mogelijk rekeningnummer (IBAN)",
           KENTEKEN: "mogelijk kenteken", LEEFTIJD: "leeftijd", NUMMER: "mogelijk dossier- of klantnummer"}

# A placeholder already in the text: [PERSOON-3], [DATUM], also with spaces or lower case.
PLACEHOLDER_RE = re.compile(r"\[\s*(?:%s)(?:\s*-\s*\d+)?\s*\]" % "|".join(LABELS), re.I)


@dataclass(frozen=True)
class Detection:
    """A span of personal data in a text: ``text[start:end]`` is what gets replaced."""

    start: int
    end: int
    label: str
    text: str
    source: str = ""     # which recogniser found it (for the benchmark and debugging)

    @property
    def priority(self) -> int:
        return PRIORITY.get(self.label, 0)


@dataclass
class AnonymizationSettings:
    """``study.yaml: anonymization`` (all optional).

    keep_ages                   keep ages ("ik ben 24") instead of [LEEFTIJD]      (true)
    keep_shelter_organisations  keep shelter organisations (shelters.txt) named   (false)
    keep_countries              keep countries and nationalities (countries.txt)  (true)
    use_deduce                  add deduce's recognisers (names, places, streets)  (true)
    """

    keep_ages: bool = True
    keep_shelter_organisations: bool = False
    keep_countries: bool = True
    use_deduce: bool = True

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, path: Path | None = None
                     ) -> "AnonymizationSettings":
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        out = cls()
        for key, value in data.items():
            if key not in known:
                raise SchemaError(f"onbekende instelling 'anonymization.{key}' (bekend: "
                                  f"{', '.join(sorted(known))})", path)
            if not isinstance(value, bool):
                raise SchemaError(f"'anonymization.{key}' moet true of false zijn", path)
            setattr(out, key, value)
        return out
