"""Anonymization of raw Dutch transcripts, and the privacy gate before reports.

Raw transcripts of women who fled violence hold names, addresses, BSNs and dates; one
miss can endanger a respondent. This package replaces them with the placeholders of
docs/design.md and checks anonymized text for leftovers.

    from klantreis.anonymize import anonymize_folder, check_text, privacy_gate, Detector
    anonymize_folder("ruw/", "interviews/", key="~/kluis/sleutel.json")
    Detector().detect("Mijn ex Jan belde vanuit Haarlem.")   # -> [Detection, ...]
    check_text(report_text, study=study)                     # -> [Suspect, ...]
    privacy_gate(study)                                      # raises PrivacyGateError

What is replaced: person names (also as speaker labels, in lower case after cue words
such as "mijn ex", diminutives), places and neighbourhoods, street addresses, postcodes,
phone numbers, e-mail addresses, URLs, dates (date of birth -> [GEBOORTEDATUM]), BSNs
(11-proef), IBANs (mod-97), licence plates, long client/case numbers ([NUMMER]), schools,
day care, employers and other private organisations ([INSTELLING-n]); ages only when
``study.yaml: anonymization: keep_ages: false``. Public bodies and services stay named
(bundled keep list plus the study's ``anonymization/keep.txt``); shelter organisations
follow ``keep_shelter_organisations``; ``deny.txt`` names are always replaced. Only real
placeholders are skipped: names inside other square brackets ("[belt met Jan]") are found.
A file name with a name in it gets a neutral output name (``transcript-001.txt``); the
original name is kept only in the key file. Settings: ``AnonymizationSettings.for_study``.

The recognisers: patterns with checksums (patterns.py), capitalisation and word lists for
names (names.py), deduce 3 for its Dutch name, place, street and care-institution lists
(engine.py; its lookup cache is built once in ~/.cache/klantreis/deduce).
The allow.txt format of the privacy gate is described in ``klantreis.anonymize.gate``.
"""
from __future__ import annotations

from .base import LABELS, NUMBERED, AnonymizationSettings, Detection, study_root
from .detector import Detector, resolve
from .engine import DeduceEngine, cache_dir, shared_engine
from .gate import (
                   AllowList,
                   Suspect,
                   check_files,
                   check_text,
                   make_detector,
                   privacy_gate,
                   study_allowed_names,
)
from .lexicon import Lexicon, StudyLists
from .patterns import elfproef, iban_valid
from .pseudonyms import PseudonymRegistry, apply
from .runner import RunResult, anonymize_folder, read_source

__all__ = [
    "AllowList", "AnonymizationSettings", "DeduceEngine", "Detection", "Detector", "LABELS",
    "Lexicon", "NUMBERED", "PseudonymRegistry", "RunResult", "StudyLists", "Suspect",
    "anonymize_folder", "apply", "cache_dir", "check_files", "check_text", "elfproef",
    "iban_valid", "make_detector", "privacy_gate", "read_source", "resolve", "shared_engine",
    "study_allowed_names", "study_root",
]
