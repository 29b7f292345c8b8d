"""Jupyter HTML: exact, escaped, colour-coded transcript marks with overlaps; codebook,
study (no transcript text) and coding-session views."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from klantreis.codebook import Codebook
from klantreis.display import codebook_html, highlight, study_html, transcript_html
from klantreis.models import Category, Code, Coding, Persona, Segment, Transcript
from klantreis.study import Study, StudyConfig


def make_transcript() -> Transcript:
    turns = [("I", "interviewer", "Wat gebeurde er met <de> toeslag & huur?"),
             ("R", "respondent", "De toeslag stopte \"ineens\" en de huur <liep> op."),
             ("T", "interpreter", "Zij zegt: alles duurde lang.")]
    text, segs = "Header [DATUM]\n\n", []
    for i, (label, role, speech) in enumerate(turns):
        text += f"{label}: "
        start = len(text)
        text += speech
        segs.append(Segment("R01", i, label, role, start, len(text), speech,
                            text.count("\n", 0, start) + 1, interpreted=role == "interpreter"))
        text += "\n\n"
    return Transcript("R01", Path("R01.txt"), text, "0" * 64, "txt", "utf-8", segments=segs)


def make_codebook() -> Codebook:
    return Codebook(name="Boek <test>", core_category="geld", storyline="Verhaal & lijn.",
                    categories=[
                        Category("geld", "Geld & inkomen", color="#0072B2", codes=[
                            Code("toeslag_stopt", "Toeslag stopt", "geld", valence=-3,
                                 definition="De <toeslag> stopt.", phases=["instroom"])]),
                        Category("wonen", "Wonen", color="#D55E00", codes=[
                            Code("huur", "Huur", "wonen", valence=-1)])])


class Marks(HTMLParser):
    """Collects, per coding id, the text inside its <mark> elements (in order), and the
    text of every transcript cell."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[dict] = []
        self.by_id: dict[str, list[tuple[int, int, str]]] = {}
        self.cells: list[str] = []
        self.in_cell = 0
        self.depth_max = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "td" and a.get("class") == "kr-tx":
            self.in_cell = 1
            self.cells.append("")
        if tag == "mark":
            a["_text"] = ""
            self.stack.append(a)
            self.depth_max = max(self.depth_max, len(self.stack))

    def handle_endtag(self, tag):
        if tag == "mark":
            a = self.stack.pop()
            self.by_id.setdefault(a["data-id"], []).append(
                (int(a["data-start"]), int(a["data-end"]), a["_text"]))
        if tag == "td":
            self.in_cell = 0

    def handle_data(self, data):
        for a in self.stack:
            a["_text"] += data
        if self.in_cell:
            self.cells[-1] += data


def test_transcript_html_marks_are_exact_escaped_and_overlapping():
    t = make_transcript()
    r = t.segments[1]
    toeslag = r.start + r.text.index("toeslag")
    whole = Coding("R01", "huur", r.start, r.end, coder="A", id=1)
    inner = Coding("R01", "toeslag_stopt", toeslag, toeslag + len("toeslag stopte"),
                   coder="B", id=2)
    across = Coding("R01", "huur", t.segments[0].end - 5, r.start + 2, coder="A", id=3)
    other = Coding("R02", "huur", 0, 5, coder="A", id=4)  # another respondent: ignored
    out = transcript_html(t, [whole, inner, across, other], make_codebook())

    parser = Marks()
    parser.feed(out)
    # every cell shows its turn's text exactly (escaping undone by the parser)
    assert parser.cells == [s.text for s in t.segments]
    # each coding's marks together are exactly transcript.text[start:end] (clipped per turn)
    assert "".join(x[2] for x in parser.by_id["1"]) == t.text[whole.start:whole.end]
    assert "".join(x[2] for x in parser.by_id["2"]) == "toeslag stopte"
    assert "".join(x[2] for x in parser.by_id["3"]) == \
        t.text[across.start:t.segments[0].end] + t.text[r.start:across.end]
    assert "4" not in parser.by_id
    for pieces in parser.by_id.values():  # data-start/end are the coding's own offsets
        for s, e, txt in pieces:
            assert txt in t.text[s:e]
    assert parser.depth_max >= 2  # nested marks where codings overlap
    # escaping: no raw angle brackets from the text
    assert "&lt;liep&gt;" in out and "<liep>" not in out and "<de>" not in out
    assert "toeslag &amp; " in out and "& " not in out and "&quot;ineens&quot;" in out
    # category colours, speaker labels, roles and margin codes
    assert "#0072b2" in out.lower() and "#d55e00" in out.lower()
    assert "rgba(0,114,178,0.22)" in out
    assert "<b>R</b>" in out and "respondent" in out and "tolk (vertaalt)" in out
    assert 'class="kr-chip"' in out and "Toeslag stopt · B" in out and "Huur · A" in out
    assert "3 coderingen" in out


def test_highlight_without_codings_is_plain_escaped_text():
    assert highlight("a < b & c", 10, [], None) == "a &lt; b &amp; c"
    c = Coding("R01", "onbekend", 12, 13, coder="A", id=9)
    out = highlight("a < b", 10, [c], None)
    assert 'data-start="12" data-end="13"' in out and "#888888" in out  # unknown code: grey


def test_transcript_without_segments_is_one_block():
    t = Transcript("R09", Path("R09.txt"), "alleen <tekst>", "0" * 64, "txt", "utf-8")
    out = transcript_html(t, [Coding("R09", "huur", 0, 6, coder="A", id=1)], make_codebook())
    parser = Marks()
    parser.feed(out)
    assert parser.cells == ["alleen <tekst>"] and parser.by_id["1"][0][2] == "alleen"


def test_codebook_html():
    out = codebook_html(make_codebook())
    assert "Boek &lt;test&gt;" in out and "De &lt;toeslag&gt; stopt." in out
    assert "kerncategorie" in out and "-3" in out and "instroom" in out
    assert "Verhaal &amp; lijn." in out and "2 categorieën · 2 codes" in out


def test_study_html_shows_counts_not_transcript_text(tmp_path):
    cfg = StudyConfig(title="Studie <x>", commissioner="Beraad", target_group="vrouwen",
                      research_question="Hoe?")
    study = Study(root=tmp_path, config=cfg, codebook=make_codebook(), journeys=[],
                  personas=[Persona("p1", "Een"), Persona("p2", "Twee")])
    (tmp_path / "interviews").mkdir()
    for name in ("R01.txt", "R02.docx", "respondenten.csv", "~$R02.docx"):
        (tmp_path / "interviews" / name).write_text("GEHEIM-TEKST", encoding="utf-8")
    out = study_html(study)
    assert "Studie &lt;x&gt;" in out and "Beraad" in out and "GEHEIM" not in out
    assert "<dt>Transcripten</dt><dd>2</dd>" in out
    assert "<dt>Codes</dt><dd>2</dd>" in out and "<dt>Persona&#x27;s</dt><dd>2</dd>" in out
    study.__dict__["transcripts"] = [make_transcript()]  # parsed already: use that count
    out = study_html(study)
    assert "<dt>Transcripten</dt><dd>1</dd>" in out and "toeslag" not in out
    assert study._repr_html_() == out


def test_session_repr_html(tmp_path):
    from klantreis.coding import CodingSession
    cfg = StudyConfig(title="S", commissioner="C", target_group="t", research_question="q")
    study = Study(root=tmp_path, config=cfg, codebook=make_codebook(), journeys=[],
                  personas=[])
    t = make_transcript()
    with CodingSession(study, "A", transcripts=[t]) as s:
        s.code("R01", "huur", quote="de huur <liep> op")
        s.code("R01", "toeslag_stopt", quote="toeslag stopte")
        out = s._repr_html_()
        shown = s.show("R01")
        assert shown._repr_html_() == str(shown) and shown.count('class="kr-chip"') == 2
        assert "&lt;liep&gt;" in shown
    assert "codeur A" in out and "2 coderingen bij 1 respondenten" in out
    assert "Huur" in out and "coding.add" in out and "liep" not in out


def test_codebook_repr_uses_display():
    book = make_codebook()
    assert book._repr_html_() == codebook_html(book)


def test_journey_and_archetype_display():
    from klantreis.models import Journey, Phase, Step
    journey = Journey(id="j", name="Reis <een>", organisations=["gemeente", "SVB"], phases=[
        Phase(id="p1", name="Voor", steps=[Step(id="s1", name="Melding & vlucht",
                                                organisations=["politie"])]),
        Phase(id="p2", name="Na", description="daarna")])
    out = journey._repr_html_()
    assert "Reis &lt;een&gt;" in out and "Melding &amp; vlucht" in out
    assert "2 fasen · 1 stappen" in out and "politie" in out
    assert out.index("Voor") < out.index("Na</b>"), "phases in journey order"
    persona = Persona(id="a", name="Alfa", description="Fictief <archetype>",
                      attributes={"leeftijd": [18, 21]}, codes=["huur"], needs=["rust"],
                      goals=["werk"], color="#D55E00")
    out = persona._repr_html_()
    assert "Fictief &lt;archetype&gt;" in out and "#D55E00" in out.upper()
    assert "Behoeften" in out and "rust" in out and "huur" in out


def test_codes_are_named_through_the_codebook_and_unknown_codes_stay_readable():
    from klantreis.display import _code_info
    book = make_codebook()
    assert _code_info(book, "huur") == ("Huur", "Wonen", "#d55e00")
    assert _code_info(book, "weg_code") == ("weg_code", "", "#888888")
    assert _code_info(None, "huur") == ("huur", "", "#888888")


def test_study_html_counts_transcript_files_like_the_reader(tmp_path):
    cfg = StudyConfig(title="S", commissioner="C", target_group="t", research_question="q")
    study = Study(root=tmp_path, config=cfg, codebook=make_codebook(), journeys=[],
                  personas=[])
    (tmp_path / "interviews").mkdir()
    for name in ("R01.txt", "R02.md", "R03.srt", "opname.mp3", "notities.pdf", "_oud.txt",
                 ".verborgen.txt"):
        (tmp_path / "interviews" / name).write_text("x", encoding="utf-8")
    assert "<dt>Transcripten</dt><dd>3</dd>" in study_html(study)
