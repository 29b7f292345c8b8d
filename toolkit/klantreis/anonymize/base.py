"""Shared small types of the anonymizer: labels, a detection, the study settings."""
from __future__ import annotations

import os
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


def study_root(study: Any) -> Path | None:
    """The folder of a study given as a ``Study`` (or anything with ``.root``), a path or
    None. (A ``Path``'s own ``.root`` is "/", so paths are recognised first.)"""
    if study is None:
        return None
    if isinstance(study, (str, os.PathLike)):
        return Path(study).expanduser()
    root = getattr(study, "root", None)
    return Path(root).expanduser() if root is not None else None


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

    @classmethod
    def for_study(cls, study: Any = None) -> "AnonymizationSettings":
        """The settings of a study: a ``Study`` (its loaded config), a study folder (a path,
        ``~`` allowed: only the ``anonymization`` block of its study.yaml is read, since raw
        transcripts are often anonymized before the rest of study.yaml is filled in), or
        None (the defaults). The one place where these settings are read."""
        root = study_root(study)
        if root is None:
            return cls()
        cfg = getattr(study, "config", None)
        path = root / "study.yaml"
        if cfg is not None:
            return cls.from_mapping(getattr(cfg, "anonymization", None), path)
        if not path.is_file():
            return cls()
        from ..yamlio import load_yaml
        data = load_yaml(path).data
        block = data.get("anonymization") if isinstance(data, dict) else None
        if block is not None and not isinstance(block, dict):
            raise SchemaError("'anonymization' moet een lijst van instellingen zijn "
                              "(keep_ages: true, ...)", path)
        return cls.from_mapping(block, path)

    def with_overrides(self, **changes: Any) -> "AnonymizationSettings":
        """A copy with some settings changed (None leaves a setting as it is)."""
        out = AnonymizationSettings(**self.__dict__)
        for key, value in changes.items():
            if value is not None:
                setattr(out, key, value)
        return out
