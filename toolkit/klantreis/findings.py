"""Findings, recommendations and nuance themes of a study (``findings.yaml``).

The researchers write the findings; the toolkit counts their evidence ("n van N
respondenten") from the codings, picks quotes and flags findings with weak evidence.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .codebook import Codebook
from .yamlio import YamlDoc, check_keys, expect, get, load_yaml

KINDS = ("quick win", "not so quick win")
VALENCE_RANGE = (-3, 3)          # as the codebook's valence: -3 pain .. +3 high


@dataclass
class Finding:
    id: str
    title: str
    text: str = ""
    codes: list[str] = field(default_factory=list)


@dataclass
class Recommendation:
    id: str
    text: str
    audience: str                      # overheid | vervolgonderzoek | an organisation
    kind: str                          # quick win | not so quick win
    organisations: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)   # finding ids and/or code ids
    desired_valence: int | None = None


@dataclass
class Theme:
    id: str
    name: str
    codes: list[str] = field(default_factory=list)


@dataclass
class Findings:
    findings: list[Finding] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    path: Path | None = None

    def finding(self, finding_id: str) -> Finding:
        for f in self.findings:
            if f.id == finding_id:
                return f
        raise KeyError(finding_id)

    def codes_answered(self, rec: Recommendation) -> set[str]:
        """Code ids a recommendation answers, directly or through findings."""
        ids = {f.id: f for f in self.findings}
        out: set[str] = set()
        for a in rec.answers:
            out.update(ids[a].codes if a in ids else [a])
        return out


def _strs(doc: YamlDoc, raw: dict, key: str, where: tuple) -> list[str]:
    items = get(doc, raw, key, list, *where, required=False, default=[])
    for i, item in enumerate(items):
        expect(doc, item, str, *where, key, i, name=f"{key}[{i}]")
    return list(items)


def load_findings(path: str | Path, codebook: Codebook | None = None) -> Findings:
    """Read findings.yaml; a missing file gives empty findings (a new study)."""
    path = Path(path)
    if not path.exists():
        return Findings(path=path)
    doc = load_yaml(path)
    if doc.data is None:
        return Findings(path=path)
    root = expect(doc, doc.data, dict, name="findings.yaml")
    check_keys(doc, root, ("findings", "recommendations", "themes"))
    out = Findings(path=path)
    known = set(codebook.code_ids()) if codebook else None

    def check_codes(codes: list[str], where: tuple) -> None:
        if known is None:
            return
        for i, c in enumerate(codes):
            if c not in known:
                raise doc.error(f"code '{c}' staat niet in het codeboek", *where, "codes", i)

    def check_unique(item_id: str, seen: dict[str, int], what: str, where: tuple) -> None:
        if item_id in seen:
            raise doc.error(f"{what} '{item_id}' staat twee keer in {path.name} (ook op regel "
                            f"{seen[item_id]}); elke {what} heeft een eigen id", *where, "id")
        seen[item_id] = doc.line(*where, "id") or 0

    seen: dict[str, int] = {}
    for i, raw in enumerate(get(doc, root, "findings", list, required=False, default=[])):
        w = ("findings", i)
        expect(doc, raw, dict, *w, name="bevinding")
        check_keys(doc, raw, ("id", "title", "text", "codes"), *w)
        f = Finding(id=str(get(doc, raw, "id", (str, int), *w)), title=get(doc, raw, "title", str, *w),
                    text=get(doc, raw, "text", str, *w, required=False, default="").strip(),
                    codes=_strs(doc, raw, "codes", w))
        check_unique(f.id, seen, "bevinding", w)
        check_codes(f.codes, w)
        out.findings.append(f)
    finding_ids = {f.id for f in out.findings}
    seen = {}
    for i, raw in enumerate(get(doc, root, "recommendations", list, required=False, default=[])):
        w = ("recommendations", i)
        expect(doc, raw, dict, *w, name="aanbeveling")
        check_keys(doc, raw, ("id", "text", "audience", "organisations", "kind", "answers",
                              "desired_valence"), *w)
        r = Recommendation(
            id=str(get(doc, raw, "id", (str, int), *w)), text=get(doc, raw, "text", str, *w).strip(),
            audience=get(doc, raw, "audience", str, *w), kind=get(doc, raw, "kind", str, *w),
            organisations=_strs(doc, raw, "organisations", w), answers=_strs(doc, raw, "answers", w),
            desired_valence=get(doc, raw, "desired_valence", int, *w, required=False))
        check_unique(r.id, seen, "aanbeveling", w)
        if r.kind not in KINDS:
            raise doc.error(f"'kind' moet '{KINDS[0]}' of '{KINDS[1]}' zijn", *w, "kind")
        low, high = VALENCE_RANGE
        if r.desired_valence is not None and not low <= r.desired_valence <= high:
            raise doc.error(f"'desired_valence' moet tussen {low} en {high} liggen", *w,
                            "desired_valence")
        for j, a in enumerate(r.answers):
            if a not in finding_ids and (known is not None and a not in known):
                raise doc.error(f"'{a}' is geen bevinding of code", *w, "answers", j)
        out.recommendations.append(r)
    seen = {}
    for i, raw in enumerate(get(doc, root, "themes", list, required=False, default=[])):
        w = ("themes", i)
        expect(doc, raw, dict, *w, name="thema")
        check_keys(doc, raw, ("id", "name", "codes"), *w)
        t = Theme(id=str(get(doc, raw, "id", (str, int), *w)), name=get(doc, raw, "name", str, *w),
                  codes=_strs(doc, raw, "codes", w))
        check_unique(t.id, seen, "thema", w)
        check_codes(t.codes, w)
        out.themes.append(t)
    return out
