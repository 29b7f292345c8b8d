"""The codebook: categories (axial) holding codes (open), core category and storyline
(selective) and the paradigm relations between categories.

Loaded from ``codebook.yaml`` in a study folder; every structural mistake is reported with
file and line. Renames and merges are done by the store (so codings follow the code).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .models import Category, Code, Relation
from .yamlio import YamlDoc, check_keys, expect, get, load_yaml

RELATION_KINDS = ("oorzaak", "context", "strategie", "gevolg", "intermediair", "samenhang")
_CODE_KEYS = ("id", "name", "definition", "use_when", "not_when", "examples", "cues",
              "phases", "valence", "organisations")
_CATEGORY_KEYS = ("id", "name", "description", "color", "codes")


@dataclass
class Codebook:
    name: str
    categories: list[Category] = field(default_factory=list)
    core_category: str | None = None
    storyline: str = ""
    relations: list[Relation] = field(default_factory=list)
    path: Path | None = None

    # --- look-ups --------------------------------------------------------------------
    @property
    def codes(self) -> list[Code]:
        return [c for cat in self.categories for c in cat.codes]

    def code(self, code_id: str) -> Code:
        for c in self.codes:
            if c.id == code_id:
                return c
        raise KeyError(code_id)

    def category(self, category_id: str) -> Category:
        for cat in self.categories:
            if cat.id == category_id:
                return cat
        raise KeyError(category_id)

    def category_of(self, code_id: str) -> Category:
        return self.category(self.code(code_id).category)

    def __contains__(self, code_id: str) -> bool:
        return any(c.id == code_id for c in self.codes)

    def code_ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def name_of(self, code_id: str) -> str:
        """The code's display name; the id itself for a code the codebook does not know
        (an imported or since-removed code must not break a figure or a report)."""
        try:
            return self.code(code_id).name
        except KeyError:
            return code_id

    def valence_of(self, coding) -> int:
        """A coding's valence: the coder's own for this passage, else the code's default
        (0 for a code the codebook does not know)."""
        if getattr(coding, "valence", None) is not None:
            return coding.valence
        try:
            return self.code(coding.code).valence
        except KeyError:
            return 0

    def _repr_html_(self) -> str:  # Jupyter
        from .display import codebook_html
        return codebook_html(self)


def load_codebook(path: str | Path, phase_ids: list[str] | None = None) -> Codebook:
    """Read and validate a codebook; ``phase_ids`` (from the journey) checks code phases."""
    doc = load_yaml(path)
    return codebook_from_doc(doc, phase_ids)


def codebook_from_doc(doc: YamlDoc, phase_ids: list[str] | None = None) -> Codebook:
    root = expect(doc, doc.data, dict, name="codebook")
    check_keys(doc, root, ("name", "core_category", "storyline", "categories", "relations"))
    book = Codebook(name=get(doc, root, "name", str), path=doc.path)
    book.storyline = get(doc, root, "storyline", str, required=False, default="").strip()
    seen: dict[str, tuple] = {}
    for ci, raw_cat in enumerate(get(doc, root, "categories", list)):
        where = ("categories", ci)
        expect(doc, raw_cat, dict, *where, name="categorie")
        check_keys(doc, raw_cat, _CATEGORY_KEYS, *where)
        cat = Category(
            id=_ident(doc, raw_cat, where),
            name=get(doc, raw_cat, "name", str, *where),
            description=get(doc, raw_cat, "description", str, *where, required=False, default=""),
            color=get(doc, raw_cat, "color", str, *where, required=False, default="#888888"),
        )
        if cat.id in seen:
            raise doc.error(f"id '{cat.id}' komt twee keer voor (ook op regel "
                            f"{doc.line(*seen[cat.id])})", *where, "id")
        seen[cat.id] = where
        for ki, raw in enumerate(get(doc, raw_cat, "codes", list, *where)):
            kw = where + ("codes", ki)
            expect(doc, raw, dict, *kw, name="code")
            check_keys(doc, raw, _CODE_KEYS, *kw)
            code = Code(
                id=_ident(doc, raw, kw),
                name=get(doc, raw, "name", str, *kw),
                category=cat.id,
                definition=get(doc, raw, "definition", str, *kw, required=False, default=""),
                use_when=get(doc, raw, "use_when", str, *kw, required=False, default=""),
                not_when=get(doc, raw, "not_when", str, *kw, required=False, default=""),
                examples=_str_list(doc, raw, "examples", kw),
                cues=_str_list(doc, raw, "cues", kw),
                phases=_str_list(doc, raw, "phases", kw),
                valence=get(doc, raw, "valence", int, *kw, required=False, default=0),
                organisations=_str_list(doc, raw, "organisations", kw),
            )
            if not -3 <= code.valence <= 3:
                raise doc.error("'valence' moet tussen -3 en 3 liggen", *kw, "valence")
            if phase_ids is not None:
                for pi, ph in enumerate(code.phases):
                    if ph not in phase_ids:
                        raise doc.error(f"onbekende fase '{ph}' (bekend: {', '.join(phase_ids)})",
                                        *kw, "phases", pi)
            if code.id in seen:
                raise doc.error(f"id '{code.id}' komt twee keer voor (ook op regel "
                                f"{doc.line(*seen[code.id])})", *kw, "id")
            seen[code.id] = kw
            cat.codes.append(code)
        book.categories.append(cat)
    category_ids = {c.id for c in book.categories}
    core = get(doc, root, "core_category", str, required=False)
    if core is not None and core not in category_ids:
        raise doc.error(f"core_category '{core}' is geen categorie", "core_category")
    book.core_category = core
    for ri, raw in enumerate(get(doc, root, "relations", list, required=False, default=[])):
        rw = ("relations", ri)
        expect(doc, raw, dict, *rw, name="relatie")
        check_keys(doc, raw, ("from", "to", "kind", "note"), *rw)
        rel = Relation(source=get(doc, raw, "from", str, *rw), target=get(doc, raw, "to", str, *rw),
                       kind=get(doc, raw, "kind", str, *rw),
                       note=get(doc, raw, "note", str, *rw, required=False, default=""))
        for key, value in (("from", rel.source), ("to", rel.target)):
            if value not in category_ids:
                raise doc.error(f"'{key}': '{value}' is geen categorie", *rw, key)
        if rel.kind not in RELATION_KINDS:
            raise doc.error(f"'kind' moet een van {', '.join(RELATION_KINDS)} zijn", *rw, "kind")
        book.relations.append(rel)
    return book


def _ident(doc: YamlDoc, raw: dict, where: tuple) -> str:
    value = str(get(doc, raw, "id", (str, int), *where))
    if not value.replace("_", "").replace("-", "").isalnum():
        raise doc.error("'id' mag alleen letters, cijfers, _ en - bevatten", *where, "id")
    return value


def _str_list(doc: YamlDoc, raw: dict, key: str, where: tuple) -> list[str]:
    items = get(doc, raw, key, list, *where, required=False, default=[])
    for i, item in enumerate(items):
        expect(doc, item, (str, int, float), *where, key, i, name=f"{key}[{i}]")
    return [str(i) for i in items]
