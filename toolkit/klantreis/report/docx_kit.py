"""Word building blocks that python-docx does not offer out of the box.

Fields (TOC, SEQ, PAGE, PAGEREF), numbered headings linked to the heading styles, captions,
bookmarks, boxed notices, A4 sections (portrait and landscape), the document language and an
atomic save. ``DocxWriter`` wraps a ``docx.Document`` (empty, or an organisation's template
whose body is cleared while styles, headers and footers stay).

The table of contents is a real ``TOC`` field, marked dirty (and ``w:updateFields`` is set),
so Word rebuilds it when the document is opened. Its cached content is filled with the
report's own headings (with hyperlinks and ``PAGEREF`` fields) so that a reader who never
updates fields still sees a usable contents list; LibreOffice rebuilds it through
``klantreis.report.render.render_pdf``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from ..errors import KlantreisError
from ..fileio import write_atomic

A4 = (Mm(210), Mm(297))
HEADING_LEVELS = 3
NOTICE_COLOR = "D55E00"        # Okabe-Ito vermillion: the eye finds it, colour-blind safe
NOTICE_FILL = "FDF0E6"
HEADER_FILL = "DCE6F0"
# pPr children in schema order (CT_PPr); used to insert elements python-docx has no API for
_PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
              "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd",
              "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
              "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
              "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
              "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
              "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
              "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _el(tag: str, **attrs: str) -> OxmlElement:
    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}") if ":" not in key else qn(key), str(value))
    return el


def _insert_ppr(ppr, element) -> None:
    """Put ``element`` into ``pPr`` at its schema position (replacing one of the same tag)."""
    tag = element.tag
    for old in ppr.findall(tag):
        ppr.remove(old)
    name = next(t for t in _PPR_ORDER if qn(t) == tag)
    later = _PPR_ORDER[_PPR_ORDER.index(name) + 1:]
    ppr.insert_element_before(element, *later)


def add_field(paragraph, instruction: str, cached: str = "", *, dirty: bool = False,
              bold: bool | None = None):
    """A complex field (begin / instruction / separate / cached result / end) in one run row."""
    def run_with(child):
        run = paragraph.add_run()
        run._r.append(child)
        return run

    begin = _el("w:fldChar", fldCharType="begin")
    if dirty:
        begin.set(qn("w:dirty"), "true")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction.strip()} "
    run_with(instr)
    run_with(_el("w:fldChar", fldCharType="separate"))
    result = paragraph.add_run(cached)
    if bold is not None:
        result.bold = bold
    run_with(_el("w:fldChar", fldCharType="end"))
    return result


def field_instructions(document) -> list[str]:
    """Every field instruction in the body, headers and footers (for tests and checks)."""
    parts = [document.element.body]
    for section in document.sections:
        for hf in (section.header, section.footer, section.first_page_header,
                   section.first_page_footer):
            if not hf.is_linked_to_previous:
                parts.append(hf._element)
    out = []
    for part in parts:
        out += [" ".join((t.text or "").split()) for t in part.iter(qn("w:instrText"))]
        out += [" ".join((f.get(qn("w:instr")) or "").split())
                for f in part.iter(qn("w:fldSimple"))]
    return out


@dataclass
class OutlineEntry:
    level: int
    number: str          # "2.1", "" for unnumbered headings
    text: str
    bookmark: str


class DocxWriter:
    """A Dutch A4 document built top to bottom; ``finish()`` then ``save()``."""

    def __init__(self, template: str | Path | None = None, language: str = "nl-NL",
                 margins_cm: float = 2.5):
        self.template = Path(template) if template else None
        if self.template is not None:
            if not self.template.is_file():
                raise KlantreisError("het sjabloon bestaat niet", self.template)
            if self.template.suffix.lower() not in (".docx", ".dotx"):
                raise KlantreisError("een sjabloon moet een .docx-bestand zijn", self.template)
            try:
                self.doc = Document(str(self.template))
            except Exception as exc:  # python-docx raises several types for a bad package
                raise KlantreisError(f"het sjabloon is geen geldig Word-bestand "
                                     f"({type(exc).__name__})", self.template) from None
            self._clear_body()
        else:
            self.doc = Document()
        self.language = language
        self.outline: list[OutlineEntry] = []
        self.figures = 0
        self.tables = 0
        self._counters = [0] * HEADING_LEVELS
        self._bookmark_id = 100
        self._toc_anchor = None
        self._break_pending = False
        self._numbering_id: int | None = None
        first = self.doc.sections[0]
        self._set_a4(first, landscape=False, margins_cm=None if self.template else margins_cm)
        self._margins = (first.left_margin, first.right_margin, first.top_margin,
                         first.bottom_margin)
        self._ensure_styles()
        self._set_language()
        self._number_headings()

    # --- setup ---------------------------------------------------------------------------
    def _clear_body(self) -> None:
        body = self.doc.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)

    @staticmethod
    def _set_a4(section, landscape: bool, margins_cm: float | None) -> None:
        width, height = A4
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (height, width) if landscape else (width, height)
        if margins_cm is not None:
            for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
                setattr(section, side, Cm(margins_cm))

    def _style(self, name: str, kind=WD_STYLE_TYPE.PARAGRAPH, base: str | None = None):
        try:
            return self.doc.styles[name]
        except KeyError:
            style = self.doc.styles.add_style(name, kind)
            if base:
                try:
                    style.base_style = self.doc.styles[base]
                except KeyError:
                    pass
            return style

    def _ensure_styles(self) -> None:
        """Styles the report uses; an organisation's template keeps its own when it has them."""
        for level in range(1, HEADING_LEVELS + 1):
            style = self._style(f"Heading {level}", base="Normal")
            if style.font.size is None and self.template is not None:
                style.font.size = Pt({1: 16, 2: 13, 3: 11.5}[level])
                style.font.bold = True
        for name in ("Title", "Subtitle", "Caption", "Quote", "List Bullet", "Table Grid",
                     "Intense Quote"):
            kind = WD_STYLE_TYPE.TABLE if name == "Table Grid" else WD_STYLE_TYPE.PARAGRAPH
            style = self._style(name, kind, base="Normal" if kind != WD_STYLE_TYPE.TABLE else None)
            if name == "Caption" and style.font.size is None:
                style.font.size = Pt(9)
                style.font.bold = True
            if name == "Quote" and style.font.italic is None:
                style.font.italic = True
        caption = self.doc.styles["Caption"]
        caption.paragraph_format.space_after = Pt(10)
        for level in range(1, HEADING_LEVELS + 1):
            style = self._style(f"toc {level}", base="Normal")
            fmt = style.paragraph_format
            fmt.left_indent = Cm(0.6 * (level - 1))
            fmt.space_after = Pt(3 if level > 1 else 4)
            fmt.tab_stops.clear_all()
            fmt.tab_stops.add_tab_stop(Cm(0.6 * (level - 1) + 1.2))
            fmt.tab_stops.add_tab_stop(self.text_width, WD_TAB_ALIGNMENT.RIGHT,
                                       WD_TAB_LEADER.DOTS)
            if level == 1:
                style.font.bold = True

    def _set_language(self) -> None:
        """Document language (spelling, hyphenation): docDefaults and Normal, plus metadata."""
        styles = self.doc.styles.element
        defaults = styles.find(qn("w:docDefaults"))
        if defaults is None:
            defaults = _el("w:docDefaults")
            styles.insert(0, defaults)
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is None:
            rpr_default = _el("w:rPrDefault")
            defaults.insert(0, rpr_default)
        rpr = rpr_default.find(qn("w:rPr"))
        if rpr is None:
            rpr = _el("w:rPr")
            rpr_default.append(rpr)
        for target in (rpr, self.doc.styles["Normal"].element.get_or_add_rPr()):
            lang = target.find(qn("w:lang"))
            if lang is None:
                lang = _el("w:lang")
                target.append(lang)
            lang.set(qn("w:val"), self.language)
            lang.set(qn("w:eastAsia"), self.language)
        settings = self.doc.settings.element
        theme = settings.find(qn("w:themeFontLang"))
        if theme is not None:
            theme.set(qn("w:val"), self.language)
        self.doc.core_properties.language = self.language

    def _number_headings(self) -> None:
        """A multilevel list (1, 1.1, 1.1.1) linked to the heading styles."""
        numbering = self.doc.part.numbering_part.element
        abstract_ids = [int(a.get(qn("w:abstractNumId"))) for a in
                        numbering.findall(qn("w:abstractNum"))]
        num_ids = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
        abstract_id = max(abstract_ids, default=0) + 1
        self._numbering_id = max(num_ids, default=0) + 1
        abstract = _el("w:abstractNum", abstractNumId=abstract_id)
        abstract.append(_el("w:multiLevelType", val="multilevel"))
        for level in range(HEADING_LEVELS):
            style = self.doc.styles[f"Heading {level + 1}"]
            lvl = _el("w:lvl", ilvl=level)
            lvl.append(_el("w:start", val=1))
            lvl.append(_el("w:numFmt", val="decimal"))
            lvl.append(_el("w:pStyle", val=style.style_id))
            lvl.append(_el("w:lvlText", val=".".join(f"%{i + 1}" for i in range(level + 1))))
            lvl.append(_el("w:lvlJc", val="left"))
            ppr = _el("w:pPr")
            indent = 567 + 284 * level
            ppr.append(_el("w:ind", left=indent, hanging=indent))
            lvl.append(ppr)
            abstract.append(lvl)
        first_num = numbering.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            numbering.append(abstract)
        num = _el("w:num", numId=self._numbering_id)
        num.append(_el("w:abstractNumId", val=abstract_id))
        numbering.append(num)
        for level in range(HEADING_LEVELS):
            ppr = self.doc.styles[f"Heading {level + 1}"].element.get_or_add_pPr()
            num_pr = _el("w:numPr")
            num_pr.append(_el("w:ilvl", val=level))
            num_pr.append(_el("w:numId", val=self._numbering_id))
            _insert_ppr(ppr, num_pr)

    # --- measures ------------------------------------------------------------------------
    @property
    def text_width(self):
        s = self.doc.sections[-1]
        return s.page_width - s.left_margin - s.right_margin

    @property
    def text_height(self):
        s = self.doc.sections[-1]
        return s.page_height - s.top_margin - s.bottom_margin

    # --- blocks --------------------------------------------------------------------------
    def _bookmark(self, paragraph, name: str) -> None:
        self._bookmark_id += 1
        start = _el("w:bookmarkStart", id=self._bookmark_id, name=name)
        end = _el("w:bookmarkEnd", id=self._bookmark_id)
        paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, start)
        paragraph._p.append(end)

    def heading(self, text: str, level: int = 1, *, numbered: bool = True,
                prefix: str = "", page_break: bool = False):
        """A heading in the outline; unnumbered ones (annexes) carry their own ``prefix``."""
        if not 1 <= level <= HEADING_LEVELS:
            raise ValueError(level)
        if page_break:
            self.page_break()
        p = self.add_paragraph(style=f"Heading {level}")
        if numbered:
            self._counters[level - 1] += 1
            for i in range(level, HEADING_LEVELS):
                self._counters[i] = 0
            number = ".".join(str(n) for n in self._counters[:level])
        else:
            num_pr = _el("w:numPr")
            num_pr.append(_el("w:ilvl", val=0))
            num_pr.append(_el("w:numId", val=0))   # 0 = no numbering for this paragraph
            _insert_ppr(p._p.get_or_add_pPr(), num_pr)
            number = prefix
        label = f"{prefix}  {text}" if (prefix and not numbered) else text
        p.add_run(label)
        bookmark = f"_Toc{len(self.outline) + 1:06d}"
        self._bookmark(p, bookmark)
        self.outline.append(OutlineEntry(level, number if numbered else "", label, bookmark))
        p.paragraph_format.keep_with_next = True
        return p

    def paragraph(self, text: str = "", style: str | None = None, *, bold: bool = False,
                  italic: bool = False, size: float | None = None, align=None):
        p = self.add_paragraph(style=style)
        if text:
            run = p.add_run(text)
            run.bold = bold or None
            run.italic = italic or None
            if size:
                run.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        return p

    def text(self, text: str) -> list:
        """Plain text from YAML: blank lines separate paragraphs; ``- `` lines are bullets."""
        out = []
        for block in re.split(r"\n\s*\n", (text or "").strip()):
            lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
            if not lines:
                continue
            if all(ln.startswith(("- ", "* ")) for ln in lines):
                out += self.bullets(ln[2:].strip() for ln in lines)
            else:
                out.append(self.paragraph(" ".join(lines)))
        return out

    def bullets(self, items: Iterable[str], style: str = "List Bullet") -> list:
        return [self.add_paragraph(str(item), style=style) for item in items]

    def labelled(self, label: str, text: str):
        """``Label: text`` with the label in bold."""
        p = self.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(text)
        return p

    def add_paragraph(self, text: str = "", style: str | None = None):
        """Every paragraph goes through here: a pending page break becomes
        "page break before" on it (a separate break paragraph at the foot of a full page
        would leave an empty page)."""
        p = self.doc.add_paragraph(text, style=style)
        if self._break_pending:
            p.paragraph_format.page_break_before = True
            self._break_pending = False
        return p

    def page_break(self) -> None:
        """The next paragraph starts a new page (nothing to do right after a section break)."""
        body = self.doc.element.body
        last = body[-2] if len(body) > 1 and body[-1].tag == qn("w:sectPr") else None
        if last is not None and last.tag == qn("w:p") and last.find(qn("w:r")) is None \
                and last.find(qn("w:pPr")) is not None and \
                last.find(qn("w:pPr")).find(qn("w:sectPr")) is not None:
            return
        self._break_pending = True

    def caption(self, kind: str, text: str):
        """``Figuur 3: text`` / ``Tabel 2: text`` with a SEQ field (numbers Word can update)."""
        if kind == "Figuur":
            self.figures += 1
            n = self.figures
        else:
            self.tables += 1
            n = self.tables
        p = self.add_paragraph(style="Caption")
        p.add_run(f"{kind} ")
        add_field(p, f"SEQ {kind} \\* ARABIC", str(n))
        p.add_run(f": {text}")
        return p

    def figure(self, path: str | Path, caption: str, *, max_height=None, width=None):
        """An image scaled to the text width (and ``max_height``), caption below."""
        from PIL import Image
        path = Path(path)
        with Image.open(path) as img:
            w_px, h_px = img.size
        max_w = width or self.text_width
        max_h = max_height or int(self.text_height * 0.8)
        scale = min(max_w / w_px, max_h / h_px)
        p = self.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.keep_with_next = True
        p.add_run().add_picture(str(path), width=int(w_px * scale), height=int(h_px * scale))
        self.caption("Figuur", caption)
        return p

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]], *,
              caption: str | None = None, widths_cm: Sequence[float] | None = None,
              font_size: float = 9.0, bold_first_column: bool = False):
        """A table with a repeated, shaded header row; the caption goes above it."""
        if caption:
            cap = self.caption("Tabel", caption)
            cap.paragraph_format.keep_with_next = True
        if self._break_pending:
            self.add_paragraph().paragraph_format.space_after = Pt(0)
        table = self.doc.add_table(rows=1, cols=len(header))
        try:
            table.style = self.doc.styles["Table Grid"]
        except KeyError:
            pass
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        widths = self._column_widths(len(header), widths_cm, header, rows)
        head = table.rows[0]
        for i, text in enumerate(header):
            self._cell(head.cells[i], str(text), font_size, bold=True, fill=HEADER_FILL)
        for values in rows:
            cells = table.add_row().cells
            for i, value in enumerate(values):
                self._cell(cells[i], "" if value is None else str(value), font_size,
                           bold=bold_first_column and i == 0)
        for i, column in enumerate(table.columns):
            column.width = widths[i]          # w:gridCol: what LibreOffice lays out by
        for r, row in enumerate(table.rows):
            tr_pr = row._tr.get_or_add_trPr()
            # CT_TrPr order: ... cantSplit, trHeight, tblHeader, tblCellSpacing, jc, hidden
            tr_pr.insert_element_before(_el("w:cantSplit", val="true"), "w:trHeight",
                                        "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden")
            if r == 0:   # the header row repeats on every page
                tr_pr.insert_element_before(_el("w:tblHeader", val="true"),
                                            "w:tblCellSpacing", "w:jc", "w:hidden")
            for i, cell in enumerate(row.cells):
                cell.width = widths[i]        # w:tcW: what Word lays out by
        tbl_pr = table._tbl.tblPr
        for old in tbl_pr.findall(qn("w:tblW")):
            tbl_pr.remove(old)
        # schema order matters to Word: tblW comes before jc, borders, layout and look
        tbl_pr.insert_element_before(
            _el("w:tblW", w=sum(int(w / 635) for w in widths), type="dxa"),
            "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout",
            "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
        spacer = self.add_paragraph()
        spacer.paragraph_format.space_after = Pt(4)
        return table

    def _column_widths(self, n: int, widths_cm: Sequence[float] | None,
                       header: Sequence[str] = (), rows: Sequence[Sequence[object]] = ()
                       ) -> list:
        total = self.text_width
        if not widths_cm:
            widths_cm = _content_widths(n, header, rows)
        scale = total / sum(Cm(w) for w in widths_cm)
        return [int(Cm(w) * scale) for w in widths_cm]

    @staticmethod
    def _cell(cell, text: str, size: float, *, bold: bool = False, fill: str | None = None):
        paragraphs = text.split("\n")
        first = cell.paragraphs[0]
        for i, chunk in enumerate(paragraphs):
            p = first if i == 0 else cell.add_paragraph()
            p.paragraph_format.space_after = Pt(1)
            p.paragraph_format.line_spacing = 1.0
            run = p.add_run(chunk)
            run.font.size = Pt(size)
            run.bold = bold or None
        if fill:
            tc_pr = cell._tc.get_or_add_tcPr()
            tc_pr.append(_el("w:shd", val="clear", color="auto", fill=fill))

    def notice(self, title: str, lines: Sequence[str], *, color: str = NOTICE_COLOR,
               fill: str = NOTICE_FILL) -> list:
        """A boxed notice: consecutive paragraphs with the same border form one box."""
        out = []
        for i, text in enumerate([title, *lines]):
            p = self.add_paragraph()
            run = p.add_run(text)
            if i == 0:
                run.bold = True
                run.font.color.rgb = RGBColor.from_string(color)
            ppr = p._p.get_or_add_pPr()
            borders = _el("w:pBdr")
            for side in ("top", "left", "bottom", "right"):
                borders.append(_el(f"w:{side}", val="single", sz=18, space=6, color=color))
            _insert_ppr(ppr, borders)
            _insert_ppr(ppr, _el("w:shd", val="clear", color="auto", fill=fill))
            p.paragraph_format.left_indent = Cm(0.3)
            p.paragraph_format.right_indent = Cm(0.3)
            p.paragraph_format.space_after = Pt(0)
            p.paragraph_format.keep_with_next = i < len(lines)
            out.append(p)
        self.add_paragraph().paragraph_format.space_after = Pt(2)
        return out

    def quote(self, text: str, source: str, label: str = ""):
        """A respondent's words: italic, indented, with ``[Q3] (R05)`` behind them."""
        p = self.add_paragraph()
        p.paragraph_format.left_indent = Cm(1.0)
        p.paragraph_format.right_indent = Cm(1.0)
        run = p.add_run(f"\u201c{text}\u201d")
        run.italic = True
        tail = " ".join(x for x in (f"[{label}]" if label else "", f"({source})") if x)
        small = p.add_run(f" {tail}")
        small.font.size = Pt(9)
        return p

    # --- sections ------------------------------------------------------------------------
    def new_section(self, landscape: bool) -> None:
        """A new page with its own orientation; headers and footers continue."""
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.different_first_page_header_footer = False
        self._set_a4(section, landscape, None)
        (section.left_margin, section.right_margin, section.top_margin,
         section.bottom_margin) = self._margins
        if landscape:   # the long side is now across: keep the same margins around
            section.top_margin = section.bottom_margin = min(self._margins[2], Cm(2.0))

    # --- table of contents -------------------------------------------------------------
    def toc(self, title: str = "Inhoud") -> None:
        """Where the table of contents goes; it is filled by ``finish()``."""
        p = self.paragraph(title, bold=True, size=16)
        p.paragraph_format.space_after = Pt(12)
        self._toc_anchor = self.doc.add_paragraph()

    def _fill_toc(self) -> None:
        if self._toc_anchor is None:
            return
        entries = [e for e in self.outline if e.level <= 2]
        anchor = self._toc_anchor._p
        paragraphs = []
        for entry in entries or [OutlineEntry(1, "", "Klik met de rechtermuisknop en kies "
                                                  "'Veld bijwerken'", "")]:
            p = self.doc.add_paragraph(style=f"toc {entry.level}")
            paragraphs.append(p)
        # begin + instruction + separate in the first entry, end after the last one
        first = paragraphs[0]
        begin = first.add_run()
        begin._r.append(_el("w:fldChar", fldCharType="begin", dirty="true"))
        instr_run = first.add_run()
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = ' TOC \\o "1-2" \\h \\z \\u '
        instr_run._r.append(instr)
        first.add_run()._r.append(_el("w:fldChar", fldCharType="separate"))
        for p, entry in zip(paragraphs, entries or [None]):
            if entry is None:
                p.add_run("Klik met de rechtermuisknop en kies 'Veld bijwerken'")
                continue
            link = _el("w:hyperlink", anchor=entry.bookmark, history="1")
            p._p.append(link)
            text = f"{entry.number}\t{entry.text}" if entry.number else entry.text
            run = p.add_run(text)
            link.append(run._r)
            add_field(p, f"PAGEREF {entry.bookmark} \\h", "")
        paragraphs[-1].add_run()._r.append(_el("w:fldChar", fldCharType="end"))
        for p in paragraphs:
            anchor.addprevious(p._p)
        anchor.getparent().remove(anchor)
        self._toc_anchor = None
        settings = self.doc.settings.element
        if settings.find(qn("w:updateFields")) is None:
            # CT_Settings order: updateFields comes right before these
            settings.insert_element_before(
                _el("w:updateFields", val="true"), "w:hdrShapeDefaults", "w:footnotePr",
                "w:endnotePr", "w:compat", "w:docVars", "w:rsids", "m:mathPr",
                "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping",
                "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures",
                "w:forceUpgrade", "w:captions", "w:readModeInkLockDown", "w:smartTagType",
                "sl:schemaLibrary", "w:shapeDefaults", "w:doNotEmbedSmartTags",
                "w:decimalSymbol", "w:listSeparator")

    # --- finishing ---------------------------------------------------------------------
    def page_numbers(self) -> None:
        """A PAGE field in the footer (unless the template already has one); none on the
        cover page."""
        first = self.doc.sections[0]
        first.different_first_page_header_footer = True
        footer = first.footer
        has_page = any("PAGE" in (t.text or "").upper() for t in
                       footer._element.iter(qn("w:instrText"))) or any(
            "PAGE" in (f.get(qn("w:instr")) or "").upper()
            for f in footer._element.iter(qn("w:fldSimple")))
        if has_page:
            return
        p = footer.add_paragraph() if footer.paragraphs and footer.paragraphs[0].text \
            else (footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph())
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_field(p, "PAGE", "1")

    def finish(self) -> None:
        self._break_pending = False
        self._fill_toc()
        self.page_numbers()

    def save(self, path: str | Path) -> Path:
        """Write atomically: a temporary file next to the target, then rename."""
        return write_atomic(path, lambda tmp: self.doc.save(str(tmp)))


def _content_widths(n: int, header: Sequence[str], rows: Sequence[Sequence[object]]
                    ) -> list[float]:
    """Relative column widths from the content: never narrower than the longest word (a
    word broken over two lines reads badly), wider for columns with long texts."""
    out = []
    for i in range(n):
        texts = [str(header[i]) if i < len(header) else ""] + \
            ["" if i >= len(r) or r[i] is None else str(r[i]) for r in rows]
        longest_word = max((len(w) for t in texts for w in t.split()), default=1)
        typical = sum(min(len(t), 60) for t in texts) / max(len(texts), 1)
        out.append(max(longest_word * 1.05, typical * 0.55, 2.5))
    return out


__all__ = ["DocxWriter", "OutlineEntry", "add_field", "field_instructions", "A4"]
