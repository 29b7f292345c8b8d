"""Shared test helpers: the external eval folder, small Word files and throwaway studies.

Keep this file small and generic; module-specific fixtures belong in the test module.
"""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


@pytest.fixture
def eval_dir() -> Path:
    """../shared/eval (real files made elsewhere); skips when it is not there."""
    if not EVAL_DIR.is_dir():
        pytest.skip(f"{EVAL_DIR} ontbreekt: evaluatiebestanden van buiten het project niet "
                    f"beschikbaar")
    return EVAL_DIR


def _add_paragraph(document, item):
    """item: "text" or (bold_prefix, rest) for a paragraph that starts with a bold run."""
    if isinstance(item, tuple):
        bold, rest = item
        p = document.add_paragraph()
        p.add_run(bold).bold = True
        if rest:
            p.add_run(rest)
        return p
    return document.add_paragraph(item)


@pytest.fixture
def make_docx():
    """make_docx(path, [paragraph | (bold, rest) | ("table", rows)]) -> path."""

    def make(path: Path, items: list) -> Path:
        import docx

        document = docx.Document()
        for item in items:
            if isinstance(item, tuple) and item and item[0] == "table":
                rows = item[1]
                table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
                for r, row in enumerate(rows):
                    for c, value in enumerate(row):
                        table.cell(r, c).text = value
            else:
                _add_paragraph(document, item)
        path.parent.mkdir(parents=True, exist_ok=True)
        document.save(str(path))
        return path

    return make


@pytest.fixture
def make_study(tmp_path):
    """make_study({"R01.txt": str | bytes, ...}, speakers=..., respondent_ids=...) -> folder.

    A study from the bundled defaults (``klantreis init``) with the given interview files;
    keyword arguments replace top-level keys of study.yaml.
    """
    import yaml

    from klantreis import init_study

    counter = {"n": 0}

    def make(files: dict[str, str | bytes] | None = None, **config) -> Path:
        counter["n"] += 1
        root = init_study(tmp_path / f"studie{counter['n']}")
        if config:
            path = root / "study.yaml"
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            data.update(config)
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                            encoding="utf-8")
        for name, content in (files or {}).items():
            target = root / "interviews" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return root

    return make
