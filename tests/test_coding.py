"""Open coding: CodingSession (code by offsets or quote, undo, search, retrieve, memos,
accepting suggestions), the codings/<coder>/<respondent>.yaml text form (validation with
file:line, idempotent sync, export round trip) and the codings the later stages use."""
from __future__ import annotations

import hashlib
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from klantreis.codebook import Codebook
from klantreis.coding import (CodingSession, all_human_codings, codings_for_analysis,
                              export_codings_dir, find_quote, load_codings_dir, locate_quote,
                              study_codings, sync_codings_dir)
from klantreis.errors import KlantreisError, SchemaError
from klantreis.models import Category, Code, Coding, Journey, Phase, Segment, Transcript
from klantreis.store import Store
from klantreis.study import Study, StudyConfig

ROOT = Path(__file__).resolve().parents[1]

# Fictional interviews; no real persons (placeholders only).
TURNS = {
    "R01": [("I", "interviewer", "Hoe ging het met je uitkering?"),
            ("R", "respondent", "Ik heb zes weken\ngewacht op mijn uitkering. Zes weken!\n"
                                "En [PERSOON-1] zei: bel de gemeente maar."),
            ("I", "interviewer", "En je woning?"),
            ("R", "respondent", "Een woning zoeken was lastig. Ik heb zes weken gewacht, "
                                "weer zes weken.")],
    "R02": [("I", "interviewer", "Vertel eens over de toeslagen."),
            ("R", "respondent", "De toeslagen werden stopgezet toen ik in de opvang kwam.")],
}


def make_transcript(rid: str, turns, root: Path) -> Transcript:
    text, segments = "Interview " + rid + "\n\n", []
    for i, (label, role, speech) in enumerate(turns):
        line = text.count("\n") + 1
        text += f"{label}: "
        start = len(text)
        text += speech
        segments.append(Segment(rid, i, label, role, start, len(text), speech, line))
        text += "\n\n"
    sha = hashlib.sha256(text.encode()).hexdigest()
    return Transcript(rid, root / "interviews" / f"{rid}.txt", text, sha, "txt", "utf-8",
                      segments=segments)


def make_codebook() -> Codebook:
    return Codebook(name="Testcodeboek", core_category="inkomen", categories=[
        Category("inkomen", "Inkomen", color="#0072B2", codes=[
            Code("wachten_op_uitkering", "Wachten op uitkering", "inkomen", valence=-2,
                 phases=["instroom"]),
            Code("toeslagen_stopgezet", "Toeslagen stopgezet", "inkomen", valence=-3)]),
        Category("wonen", "Wonen", color="#D55E00", codes=[
            Code("woning_zoeken", "Woning zoeken", "wonen", valence=-1)]),
    ])


def make_study(root: Path, primary: str | None = None) -> Study:
    cfg = StudyConfig(title="Teststudie", commissioner="Testopdrachtgever",
                      target_group="fictief", research_question="werkt het?",
                      coding={"primary_coder": primary} if primary else {})
    journey = Journey("reis", "Reis", phases=[Phase("instroom", "Instroom"),
                                              Phase("uitstroom", "Uitstroom")])
    study = Study(root=root, config=cfg, codebook=make_codebook(), journeys=[journey],
                  personas=[])
    study.__dict__["transcripts"] = [make_transcript(r, t, root) for r, t in TURNS.items()]
    return study


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path)


@pytest.fixture
def session(study):
    s = CodingSession(study, coder="A")
    yield s
    s.close()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


# --- quotes ---------------------------------------------------------------------------------

def test_quotes_are_located_whitespace_insensitively_with_occurrence():
    text = "Ik heb zes weken\ngewacht.  Toen weer zes   weken gewacht."
    s, e = locate_quote(text, "zes weken gewacht")
    assert text[s:e] == "zes weken\ngewacht"
    s2, e2 = locate_quote(text, "zes weken  gewacht", occurrence=2)
    assert text[s2:e2] == "zes   weken gewacht" and s2 > s
    assert len(find_quote(text, "zes weken")) == 2
    with pytest.raises(LookupError, match="2 keer"):
        locate_quote(text, "zes weken", occurrence=3)
    with pytest.raises(LookupError, match="hoofdletters"):
        locate_quote(text, "ZES WEKEN")
    with pytest.raises(LookupError, match="niet gevonden"):
        locate_quote(text, "tien weken")


# --- CodingSession --------------------------------------------------------------------------

def test_code_by_quote_and_by_offsets(session, study):
    t = study.transcript("R01")
    c = session.code("R01", "wachten_op_uitkering", quote="zes weken gewacht op mijn uitkering",
                     valence=-3, phase="instroom", memo="lang")
    assert t.text[c.start:c.end] == "zes weken\ngewacht op mijn uitkering" == c.quote
    assert (c.coder, c.origin, c.valence, c.phase, c.source_sha256) == \
        ("A", "human", -3, "instroom", t.sha256)
    seg = t.segments[3]
    # offsets padded with whitespace are trimmed to the passage itself
    c2 = session.code("R01", "woning_zoeken", start=seg.start - 1, end=seg.start + 30)
    assert c2.start == seg.start and t.text[c2.start:c2.end] == "Een woning zoeken was lastig."
    second = session.code("R01", "wachten_op_uitkering", quote="zes weken gewacht", occurrence=2)
    assert second.start > seg.start
    assert [x.id for x in session.codings("R01", "wachten_op_uitkering")] == [c.id, second.id]
    # the same passage twice is not a second coding
    again = session.code("R01", "woning_zoeken", start=c2.start, end=c2.end)
    assert again.id == c2.id and len(session.codings()) == 3


def test_mistakes_raise_klantreis_errors_with_close_matches(session):
    with pytest.raises(KlantreisError, match="bedoelde je: wachten_op_uitkering"):
        session.code("R01", "wachten_op_uitkeringen", quote="zes weken")
    with pytest.raises(KlantreisError, match="onbekende respondent 'R03'"):
        session.code("R03", "woning_zoeken", quote="woning")
    with pytest.raises(KlantreisError, match="niet gevonden"):
        session.code("R01", "woning_zoeken", quote="een huis in het buitenland")
    with pytest.raises(KlantreisError, match="valence"):
        session.code("R01", "woning_zoeken", quote="woning", valence=5)
    with pytest.raises(KlantreisError, match="onbekende fase 'instrom'; bedoelde je: instroom"):
        session.code("R01", "woning_zoeken", quote="woning", phase="instrom")
    with pytest.raises(KlantreisError, match="buiten"):
        session.code("R01", "woning_zoeken", start=5, end=10_000)
    with pytest.raises(KlantreisError, match="komen niet overeen"):
        session.code("R01", "woning_zoeken", start=0, end=9, quote="woning")
    assert session.codings() == []


def test_error_messages_do_not_contain_transcript_text(session):
    with pytest.raises(KlantreisError) as err:
        session.code("R01", "woning_zoeken", quote="Bel de gemeente maar", occurrence=1)
    assert "gemeente" not in str(err.value) and "Bel" not in str(err.value)


def test_uncode_undo_and_events(session, study):
    a = session.code("R01", "wachten_op_uitkering", quote="zes weken gewacht op")
    b = session.code("R02", "toeslagen_stopgezet", quote="toeslagen werden stopgezet")
    session.uncode(a.id)
    assert [c.id for c in session.codings()] == [b.id]
    assert "uncode" in session.undo()          # brings a back
    assert {c.id for c in session.codings()} == {a.id, b.id}
    assert "code" in session.undo()            # removes b
    assert [c.id for c in session.codings()] == [a.id]
    m = session.memo("code", "wachten_op_uitkering", "Vaak genoemd, let op duur.")
    assert session.memos("code", "wachten_op_uitkering")[0].id == m.id
    session.undo()
    assert session.memos() == []
    session.undo()                             # removes a
    assert session.codings() == []
    with pytest.raises(KlantreisError, match="niets om ongedaan"):
        session.undo()
    events = session.store.events()
    assert all(e.who == "A" and e.at for e in events)
    actions = [e.action for e in events]
    for action in ("coding.add", "coding.delete", "coding.restore", "memo.add", "memo.delete",
                   "undo"):
        assert action in actions
    assert len(session.store.events("undo")) == 4


def test_undo_is_per_session_and_uncode_checks_coder(study):
    with CodingSession(study, "A") as a, CodingSession(study, "B") as b:
        ca = a.code("R01", "woning_zoeken", quote="Een woning zoeken")
        b.code("R02", "toeslagen_stopgezet", quote="toeslagen")
        with pytest.raises(KlantreisError, match="codeur 'A'"):
            b.uncode(ca.id)
        b.undo()
        assert [c.id for c in a.codings()] == [ca.id] and b.codings() == []


def test_memo_kinds_are_checked(session):
    session.memo("study", "", "Eerste indruk van de studie.")
    session.memo("category", "wonen", "Wonen hangt samen met inkomen.")
    session.memo("respondent", "R02", "Kort interview.")
    with pytest.raises(KlantreisError, match="bedoelde je: wonen"):
        session.memo("category", "wone", "x")
    with pytest.raises(KlantreisError, match="memosoort"):
        session.memo("persoon", "", "x")
    with pytest.raises(KlantreisError, match="zonder tekst"):
        session.memo("study", "", "  ")
    assert len(session.memos()) == 3


def test_search_and_retrieve(session, study):
    hits = session.search("ZES weken gewacht")
    assert [(h.respondent_id, h.speaker, h.role) for h in hits] == [("R01", "R", "respondent")] * 2
    t = study.transcripts[0]
    assert all(t.text[h.start:h.end] == h.text for h in hits)
    assert hits[0].context == t.segments[1].text and hits[0].line == t.line_of(hits[0].start)
    assert len(session.search(re.compile(r"wo\w+ing"))) == 2
    assert [h.respondent_id for h in session.search(r"toeslag\w*", regex=True)] == ["R02", "R02"]
    assert session.search("woning", respondent_only=True)[0].role == "respondent"
    with pytest.raises(KlantreisError, match="reguliere"):
        session.search("(", regex=True)

    a = session.code("R01", "wachten_op_uitkering", quote="zes weken gewacht op mijn uitkering")
    session.code("R02", "toeslagen_stopgezet", quote="toeslagen werden stopgezet", valence=-3)
    df = session.retrieve("wachten_op_uitkering")
    assert list(df["coding_id"]) == [a.id] and df.loc[0, "respondent"] == "R01"
    assert df.loc[0, "quote"] == t.text[a.start:a.end] and df.loc[0, "speaker"] == "R"
    assert (df.loc[0, "start"], df.loc[0, "end"]) == (a.start, a.end)
    assert sorted(session.retrieve("inkomen")["code"]) == ["toeslagen_stopgezet",
                                                            "wachten_op_uitkering"]
    assert session.retrieve("woning_zoeken").empty
    with pytest.raises(KlantreisError, match="bedoelde je"):
        session.retrieve("woning_zoek")


def test_accept_turns_a_suggestion_into_a_coding(session, study, monkeypatch):
    t = study.transcripts[1]
    seg = t.segments[1]
    suggestion = Coding("R02", "toeslagen_stopgezet", seg.start, seg.end, coder="suggesties",
                        origin="suggestion", quote=seg.text)
    assert session.codings() == []
    c = session.accept(suggestion)
    assert (c.coder, c.origin, c.start, c.end) == ("A", "accepted-suggestion", seg.start, seg.end)
    assert session.codings() == [c]
    assert suggestion.origin == "suggestion" and suggestion.coder == "suggesties"  # untouched
    session.undo()
    assert session.codings() == []


def test_codings_for_analysis_human_mixed_or_suggestions(study, monkeypatch):
    """No human codings: suggestions. Part coded: the coded interviews keep their human
    codings and only the uncoded ones get suggestions ("mixed"). All coded: "human"."""
    import klantreis.suggestions as sugg
    machine = []
    for t in study.transcripts:
        seg = t.segments[1]
        machine.append(Coding(t.respondent_id, "toeslagen_stopgezet", seg.start, seg.end,
                              coder="suggesties", origin="suggestion"))
    asked = []

    def fake_suggest(st, transcripts=None):
        ids = {t.respondent_id for t in (transcripts or st.transcripts)}
        asked.append(sorted(ids))
        return [m for m in machine if m.respondent_id in ids]

    monkeypatch.setattr(sugg, "suggest", fake_suggest)
    codings, kind = codings_for_analysis(study)
    assert (codings, kind) == (machine, "suggestions")
    with CodingSession(study, "A") as s:
        s.accept(machine[1])
    codings, kind = codings_for_analysis(study)
    ids = [t.respondent_id for t in study.transcripts]
    assert kind == "mixed"
    assert [c.origin for c in codings if c.respondent_id == ids[1]] == ["accepted-suggestion"]
    assert asked[-1] == sorted(set(ids) - {ids[1]}), "only uncoded interviews are suggested"
    with CodingSession(study, "A") as s:
        for m in machine:
            if m.respondent_id != ids[1]:
                s.accept(m)
    n_asked = len(asked)
    codings, kind = codings_for_analysis(study)
    assert kind == "human" and {c.origin for c in codings} == {"accepted-suggestion"}
    assert len(asked) == n_asked, "no suggestions computed once every interview is coded"


def test_study_codings_uses_primary_coder(tmp_path):
    study = make_study(tmp_path)
    with CodingSession(study, "A") as a, CodingSession(study, "B") as b:
        a.code("R01", "woning_zoeken", quote="Een woning zoeken")
        b.code("R01", "woning_zoeken", quote="Een woning zoeken")
        b.code("R02", "toeslagen_stopgezet", quote="toeslagen")
        b.store.add_coding(Coding("R02", "toeslagen_stopgezet", 0, 5, coder="B",
                                  origin="suggestion"))
    assert {c.coder for c in study_codings(study)} == {"B"}        # most codings
    assert len(study_codings(study)) == 2                          # suggestions excluded
    assert {c.coder for c in study_codings(study, coder="A")} == {"A"}
    configured = make_study(tmp_path, primary="A")
    assert {c.coder for c in study_codings(configured)} == {"A"}


# --- the text form ----------------------------------------------------------------------------

def good_file(study) -> Path:
    return write(study.codings_dir / "A" / "R01.yaml", """
        coder: A
        respondent: R01
        codings:
          - code: wachten_op_uitkering
            quote: "zes weken gewacht op mijn uitkering"
            valence: -3
            phase: instroom
            memo: "duur benoemd"
          - code: wachten_op_uitkering
            quote: "zes weken gewacht"
            occurrence: 2
          - code: woning_zoeken
            quote: "Een woning zoeken was lastig."
        """)


def test_load_codings_dir_locates_and_stores(study):
    good_file(study)
    write(study.codings_dir / "B" / "R02.yaml", """
        coder: B
        respondent: R02
        codings:
          - {code: toeslagen_stopgezet, quote: "toeslagen werden stopgezet"}
        """)
    codings = load_codings_dir(study)
    t = study.transcripts[0]
    assert [(c.coder, c.code) for c in codings] == [
        ("A", "wachten_op_uitkering"), ("A", "wachten_op_uitkering"), ("A", "woning_zoeken"),
        ("B", "toeslagen_stopgezet")]
    first, second = codings[0], codings[1]
    assert t.text[first.start:first.end] == "zes weken\ngewacht op mijn uitkering"
    assert (first.valence, first.phase, first.memo) == (-3, "instroom", "duur benoemd")
    assert second.start > first.start and t.text[second.start:second.end] == "zes weken gewacht"
    assert all(c.id for c in codings)
    with Store(study.store_path) as store:
        assert store.count_codings() == {"A": {"human": 3}, "B": {"human": 1}}


def test_sync_is_idempotent_and_replaces_a_changed_file(study):
    path = good_file(study)
    first = load_codings_dir(study)
    with Store(study.store_path) as store:
        n_events = len(store.events())
        hand = CodingSession(study, "A", store=store).code("R02", "toeslagen_stopgezet",
                                                            quote="toeslagen")
        n_events = len(store.events())
        report = sync_codings_dir(study, store)
        assert report.changed_files == [] and report.added == report.removed == 0
        assert len(store.events()) == n_events                     # nothing happened
        assert [c.id for c in report.codings] == [c.id for c in first]

        # edit the file: drop the woning coding, change a memo, add one
        text = path.read_text(encoding="utf-8")
        text = text.replace('memo: "duur benoemd"', 'memo: "duur: zes weken"')
        text = text.replace("""  - code: woning_zoeken
    quote: "Een woning zoeken was lastig."
""", """  - code: woning_zoeken
    quote: "Een woning zoeken"
""")
        path.write_text(text, encoding="utf-8")
        report = sync_codings_dir(study, store)
        assert report.changed_files == ["codings/A/R01.yaml"]
        assert (report.added, report.removed) == (1, 1)
        live = store.codings(coder="A")
        assert hand.id in [c.id for c in live]                     # hand coding survives
        assert first[0].id in [c.id for c in live]                 # memo edit kept the id
        assert store.get_coding(first[0].id).memo == "duur: zes weken"
        assert len(live) == 4
        assert store.events("codings.import")[-1].payload["file"] == "codings/A/R01.yaml"

        # removing the file withdraws its import, never the hand coding
        path.unlink()
        report = sync_codings_dir(study, store)
        assert report.removed_files == ["codings/A/R01.yaml"] and report.removed == 3
        assert [c.id for c in store.codings(coder="A")] == [hand.id]


def test_unchanged_file_is_validated_again_after_a_codebook_change(study):
    good_file(study)
    assert len(load_codings_dir(study)) == 3
    assert len(load_codings_dir(study)) == 3
    study.codebook.categories[1].codes.clear()  # woning_zoeken leaves the codebook
    with pytest.raises(SchemaError, match="regel 12: onbekende code 'woning_zoeken'"):
        load_codings_dir(study)


def test_a_file_repeating_a_hand_coding_does_not_duplicate_it(study):
    with Store(study.store_path) as store:
        hand = CodingSession(study, "A", store=store).code(
            "R01", "woning_zoeken", quote="Een woning zoeken was lastig.")
        good_file(study)
        sync_codings_dir(study, store)
        woning = store.codings(coder="A", code="woning_zoeken")
        assert [c.id for c in woning] == [hand.id]


def test_changed_transcript_reimports_and_flags_hand_codings(study):
    good_file(study)
    with Store(study.store_path) as store:
        load_codings_dir(study, store)
        hand = CodingSession(study, "A", store=store).code("R01", "woning_zoeken",
                                                            quote="weer zes weken")
        old = study.transcripts[0]
        turns = [list(x) for x in TURNS["R01"]]
        turns[0][2] = "Eerst een extra vraag. Hoe ging het met je uitkering?"
        new = make_transcript("R01", turns, study.root)
        study.__dict__["transcripts"] = [new, study.transcripts[1]]
        report = sync_codings_dir(study, store)
        assert report.changed_files == ["codings/A/R01.yaml"]
        shift = len(new.text) - len(old.text)
        imported = [c for c in store.codings(coder="A") if c.id != hand.id]
        assert all(new.text[c.start:c.end] == c.quote and c.source_sha256 == new.sha256
                   for c in imported)
        assert imported[0].start == load_first_start(old) + shift
        [change] = store.changed_sources(study.transcripts)
        assert (change.respondent_id, change.codings) == ("R01", 1)  # only the hand coding


def load_first_start(t: Transcript) -> int:
    return locate_quote(t.text, "zes weken gewacht op mijn uitkering")[0]


@pytest.mark.parametrize("body, line, message", [
    ("""
     coder: A
     respondent: R01
     codings:
       - code: wachten_op_uitkeringen
         quote: "zes weken"
     """, 4, "bedoelde je: wachten_op_uitkering"),
    ("""
     coder: A
     respondent: R01
     codings:
       - code: woning_zoeken
         quote: "woning"
       - code: woning_zoeken
         quote: "een kasteel aan zee"
     """, 7, "citaat niet gevonden"),
    ("""
     coder: A
     respondent: R09
     codings: []
     """, 2, "onbekende respondent 'R09'"),
    ("""
     coder: A
     respondent: R01
     codings:
       - code: woning_zoeken
         quote: woning
         valence: -4
     """, 6, "'valence' moet tussen -3 en 3"),
    ("""
     coder: A
     respondent: R01
     codings:
       - code: woning_zoeken
         quote: woning
         valence: erg
     """, 6, "'valence' moet een geheel getal"),
    ("""
     coder: A
     respondent: R01
     codings:
       - code: woning_zoeken
         quote: woning
         phase: uitstrom
     """, 6, "bedoelde je: uitstroom"),
    ("""
     coder: A
     respondent: R01
     codings:
       - code: woning_zoeken
         quote: "zes weken"
         occurrence: 4
     """, 6, "3 keer"),
    ("""
     coder: B
     respondent: R01
     codings: []
     """, 1, "map van codeur 'A'"),
    ("""
     coder: A
     respondent: R01
     codings:
       - code: woning_zoeken
         qoute: woning
     """, 5, "onbekend veld 'qoute'"),
])
def test_codings_file_errors_name_file_and_line(study, body, line, message):
    write(study.codings_dir / "A" / "R01.yaml", body)
    with pytest.raises(SchemaError) as err:
        load_codings_dir(study)
    msg = str(err.value)
    assert "R01.yaml" in msg and f"regel {line}:" in msg and message in msg
    assert not study.store_path.exists() or Store(study.store_path).codings() == []


def test_an_error_in_one_file_writes_nothing(study):
    good_file(study)
    write(study.codings_dir / "B" / "R02.yaml", "codings:\n  - code: nope\n    quote: x\n")
    with pytest.raises(SchemaError, match="B/R02.yaml"):
        load_codings_dir(study)
    with Store(study.store_path) as store:
        assert store.codings() == []


def test_yaml_outside_a_coder_folder_is_refused(study):
    write(study.codings_dir / "R01.yaml", "codings: []\n")
    with pytest.raises(KlantreisError, match="map per codeur"):
        load_codings_dir(study)


def test_export_round_trip(study, tmp_path):
    good_file(study)
    with Store(study.store_path) as store:
        original = load_codings_dir(study, store)
        s = CodingSession(study, "A", store=store)
        s.code("R02", "toeslagen_stopgezet", quote="toeslagen werden\n stopgezet",
               memo="regel een\nregel twee: met dubbele punt", valence=-1)
        s.code("R01", "woning_zoeken", quote="zes weken", occurrence=3)
        out = tmp_path / "export"
        paths = export_codings_dir(store, out, "A", transcripts=study)
        assert [p.relative_to(out).as_posix() for p in paths] == ["A/R01.yaml", "A/R02.yaml"]
        with pytest.raises(KlantreisError, match="niet overschreven"):
            export_codings_dir(store, out, "A", transcripts=study)
        exported = sorted(store.codings(coder="A"), key=key)
    assert "occurrence: 3" in paths[0].read_text(encoding="utf-8")

    # a fresh study with the exported files reproduces every coding exactly
    fresh = make_study(tmp_path / "fresh")
    shutil.copytree(out, fresh.codings_dir)
    reloaded = sorted(load_codings_dir(fresh), key=key)
    assert [key(c) for c in reloaded] == [key(c) for c in exported]
    assert len(reloaded) == len(original) + 2


def key(c: Coding) -> tuple:
    return (c.respondent_id, c.code, c.start, c.end, c.valence, c.phase, c.memo, c.coder)


def test_no_codings_folder_does_not_read_transcripts(tmp_path):
    study = make_study(tmp_path)
    del study.__dict__["transcripts"]  # transcripts.py would be needed to read them

    class Boom(Study):
        @property
        def transcripts(self):  # noqa: D401
            raise AssertionError("transcripts read")
    boom = Boom(root=study.root, config=study.config, codebook=study.codebook,
                journeys=study.journeys, personas=[])
    assert load_codings_dir(boom) == []


# --- the CLI --------------------------------------------------------------------------------

def test_cli_code_syncs_reports_and_warns(study, monkeypatch, capsys, tmp_path):
    from klantreis import cli
    from klantreis.study import Study as StudyClass
    good_file(study)
    monkeypatch.setattr(StudyClass, "load", classmethod(lambda cls, path: study))
    assert cli.main(["code", str(study.root)]) == 0
    out = capsys.readouterr().out
    assert "1 bestand(en), 1 nieuw of gewijzigd (+3 / -0" in out
    assert "A: 3 coderingen bij 1 respondent(en)  (primaire codeur)" in out
    assert cli.main(["code", str(study.root)]) == 0
    assert "0 nieuw of gewijzigd" in capsys.readouterr().out

    with Store(study.store_path) as store:
        CodingSession(study, "B", store=store).code("R02", "toeslagen_stopgezet",
                                                    quote="toeslagen")
    turns = [list(x) for x in TURNS["R02"]]
    turns[1][2] = "Aangepaste tekst. " + turns[1][2]
    study.__dict__["transcripts"] = [study.transcripts[0], make_transcript("R02", turns,
                                                                           study.root)]
    out_dir = tmp_path / "uit"
    assert cli.main(["code", str(study.root), "--coder", "B", "--export-codings",
                     str(out_dir)]) == 0
    captured = capsys.readouterr()
    assert "LET OP: transcript R02 is gewijzigd" in captured.err
    assert "A:" not in captured.out and "B: 1 coderingen" in captured.out
    assert (out_dir / "B" / "R02.yaml").exists() and not (out_dir / "A").exists()
    assert cli.main(["code", str(study.root), "--coder", "Z"]) == 2
    assert "codeur 'Z' heeft geen coderingen" in capsys.readouterr().err


def test_cli_code_suggest_prints_counts_per_code(study, monkeypatch, capsys):
    import klantreis.suggestions as sugg
    from klantreis import cli
    from klantreis.study import Study as StudyClass
    monkeypatch.setattr(StudyClass, "load", classmethod(lambda cls, path: study))
    fake = [Coding("R01", "woning_zoeken", 0, 5, coder="suggesties", origin="suggestion"),
            Coding("R02", "woning_zoeken", 0, 5, coder="suggesties", origin="suggestion"),
            Coding("R02", "toeslagen_stopgezet", 0, 5, coder="suggesties", origin="suggestion")]
    monkeypatch.setattr(sugg, "suggest", lambda st, transcripts=None: fake)
    assert cli.main(["code", str(study.root), "--suggest"]) == 0
    out = capsys.readouterr().out
    assert "Codeersuggesties: 3 bij 2 respondent(en)" in out
    assert re.search(r"woning_zoeken\s+2", out) and re.search(r"toeslagen_stopgezet\s+1", out)
    with Store(study.store_path) as store:  # suggestions are not stored as codings
        assert store.codings() == []


# --- end to end with the real transcript reader ----------------------------------------------

def test_end_to_end_with_transcripts_module(tmp_path):
    transcripts = pytest.importorskip("klantreis.transcripts")
    from klantreis import init_study
    root = init_study(tmp_path / "studie")
    if not (root / "study.yaml").exists():  # bundled defaults not written yet: a minimal study
        write(root / "study.yaml", """
            title: Teststudie
            commissioner: Testopdrachtgever
            target_group: fictief
            research_question: Werkt het?
            phases: {define: {}, discover: {}, design: {}, deliver: {}}
            """)
        write(root / "codebook.yaml", """
            name: Testcodeboek
            categories:
              - id: inkomen
                name: Inkomen
                codes:
                  - {id: wachten_op_uitkering, name: Wachten op uitkering}
                  - {id: woning_zoeken, name: Woning zoeken}
            """)
    for stray in list((root / "interviews").iterdir()) + list((root / "codings").glob("*")):
        shutil.rmtree(stray) if stray.is_dir() else stray.unlink()  # only our two transcripts
    study0 = Study.load(root)
    codes = study0.codebook.code_ids()
    (root / "interviews" / "R01.txt").write_text(
        "I: Hoe ging het met de aanvraag?\n\nR: Ik heb zes weken gewacht op mijn uitkering, "
        "echt zes weken.\n", encoding="utf-8")
    (root / "interviews" / "R02.txt").write_text(
        "I: En daarna?\n\nR: Daarna zocht ik een woning via [INSTELLING-1].\n", encoding="utf-8")
    write(root / "codings" / "A" / "R01.yaml", f"""
        coder: A
        respondent: R01
        codings:
          - code: {codes[0]}
            quote: "zes weken gewacht op mijn uitkering"
          - code: {codes[-1]}
            quote: "zes   weken"
            occurrence: 2
        """)
    study = Study.load(root)
    assert [t.respondent_id for t in study.transcripts] == ["R01", "R02"]
    assert transcripts.read_transcript(root / "interviews" / "R01.txt").text == \
        study.transcripts[0].text
    codings = study_codings(study)
    t = study.transcripts[0]
    assert [t.text[c.start:c.end] for c in codings] == ["zes weken gewacht op mijn uitkering",
                                                        "zes weken"]
    codings, source = codings_for_analysis(study)
    assert source == "mixed", "R02 is not coded by A yet"
    assert {c.origin for c in codings if c.respondent_id == "R02"} <= {"suggestion"}
    with Store(study.store_path) as store:
        paths = export_codings_dir(store, tmp_path / "export", "A")  # texts via the store
    assert "occurrence: 2" in paths[0].read_text(encoding="utf-8")


def test_bundled_study_codings_load():
    """The repository's own codings/ (coder A/B) must load against its transcripts."""
    if not any((ROOT / "codings").glob("*/*.yaml")):
        pytest.skip("the bundled study has no codings/ yet")
    pytest.importorskip("klantreis.transcripts")
    import tempfile
    study = Study.load(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "store.sqlite") as store:
            report = sync_codings_dir(study, store)
            assert report.files and len(report.codings) > 0
            for c in report.codings:
                t = study.transcript(c.respondent_id)
                assert t.text[c.start:c.end] == c.quote


# --- the text form governs what it lists -----------------------------------------------------

def test_exported_session_codings_are_governed_by_their_file(study):
    """Coded in a session, exported into codings/, then deleted from the YAML: gone."""
    with Store(study.store_path) as store:
        s = CodingSession(study, "A", store=store)
        keep = s.code("R01", "wachten_op_uitkering", quote="zes weken\ngewacht op mijn uitkering")
        drop = s.code("R01", "woning_zoeken", quote="Een woning zoeken was lastig.")
        other = s.code("R02", "toeslagen_stopgezet", quote="toeslagen werden stopgezet")
        export_codings_dir(store, study.codings_dir, "A", transcripts=study)
        report = sync_codings_dir(study, store)
        assert report.adopted == 3 and report.added == 0
        assert sorted(c.id for c in store.codings(coder="A")) == sorted(
            [keep.id, drop.id, other.id]), "adopted, not duplicated"
        path = study.codings_dir / "A" / "R01.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("- code: woning_zoeken\n  quote: Een woning zoeken was "
                                     "lastig.\n", ""), encoding="utf-8")
        assert "woning" not in path.read_text(encoding="utf-8")
        report = sync_codings_dir(study, store)
        assert report.removed == 1
        assert sorted(c.id for c in store.codings(coder="A")) == sorted([keep.id, other.id])
        assert store.events(action="coding.adopt")
        (study.codings_dir / "A" / "R02.yaml").unlink()     # the whole file: its codings go
        sync_codings_dir(study, store)
        assert [c.id for c in store.codings(coder="A")] == [keep.id]


def test_a_file_coding_coded_again_in_a_session_stays_one_coding(study):
    """The other direction: the file first, then the session codes the same passage."""
    path = good_file(study)
    with Store(study.store_path) as store:
        first = load_codings_dir(study, store)
        s = CodingSession(study, "A", store=store)
        again = s.code("R01", "woning_zoeken", quote="Een woning zoeken was lastig.")
        assert again.id == first[2].id, "no second coding of the same passage"
        extra = s.code("R02", "toeslagen_stopgezet", quote="toeslagen")   # not in any file
        path.write_text(path.read_text(encoding="utf-8").replace(
            "  - code: woning_zoeken\n    quote: \"Een woning zoeken was lastig.\"\n", ""),
            encoding="utf-8")
        sync_codings_dir(study, store)
        live = {c.id for c in store.codings(coder="A")}
        assert first[2].id not in live, "the file governs it: deleted there, deleted here"
        assert extra.id in live, "a coding no file lists is never touched"


def test_an_older_store_adopts_its_twins_once(study, monkeypatch):
    """Stores synced before adoption existed re-import every file once (format version)."""
    import klantreis.coding as coding_mod
    with Store(study.store_path) as store:
        hand = CodingSession(study, "A", store=store).code(
            "R01", "woning_zoeken", quote="Een woning zoeken was lastig.")
        good_file(study)
        monkeypatch.setattr(coding_mod, "_FORMAT_VERSION", "1")
        monkeypatch.setattr(store, "adopt_coding", lambda *a, **k: None)   # the old sync
        sync_codings_dir(study, store)
        monkeypatch.undo()
        report = sync_codings_dir(study, store)
        assert report.changed_files == ["codings/A/R01.yaml"] and report.adopted == 1
        [row] = [s for s in store.stored_codings(coder="A") if s.coding.id == hand.id]
        assert row.import_file == "codings/A/R01.yaml"


def test_unchanged_files_are_not_parsed_again(study, monkeypatch):
    import klantreis.coding as coding_mod
    good_file(study)
    write(study.codings_dir / "B" / "R02.yml", """
        codings:
          - {code: toeslagen_stopgezet, quote: "toeslagen werden stopgezet"}
        """)
    first = load_codings_dir(study)
    assert [c.coder for c in first] == ["A", "A", "A", "B"], ".yml files count too"
    parsed = []
    real = coding_mod._parse_codings_bytes
    monkeypatch.setattr(coding_mod, "_parse_codings_bytes",
                        lambda path, *a: parsed.append(path.name) or real(path, *a))
    assert [c.id for c in load_codings_dir(study)] == [c.id for c in first]
    assert parsed == []
    study.journeys[0].phases.append(Phase("nazorg", "Nazorg"))   # phases count as schema
    assert [c.id for c in load_codings_dir(study)] == [c.id for c in first]
    assert sorted(parsed) == ["R01.yaml", "R02.yml"]


def test_a_file_that_changes_its_respondent_moves_its_codings(study):
    path = write(study.codings_dir / "A" / "X.yaml", """
        respondent: R01
        codings:
          - {code: woning_zoeken, quote: "Een woning zoeken"}
        """)
    with Store(study.store_path) as store:
        load_codings_dir(study, store)
        path.write_text(path.read_text(encoding="utf-8").replace("R01", "R02").replace(
            "Een woning zoeken", "De toeslagen"), encoding="utf-8")
        sync_codings_dir(study, store)
        assert [c.respondent_id for c in store.codings(coder="A")] == ["R02"]


# --- what the later stages get ---------------------------------------------------------------

def test_load_analysis_codings_syncs_once_and_gives_everything(study, monkeypatch):
    import klantreis.coding as coding_mod
    import klantreis.suggestions as sugg
    good_file(study)
    write(study.codings_dir / "B" / "R02.yaml", """
        codings:
          - {code: toeslagen_stopgezet, quote: "toeslagen werden stopgezet"}
        """)
    monkeypatch.setattr(sugg, "suggest", lambda st, transcripts=None: [
        Coding(t.respondent_id, "toeslagen_stopgezet", 0, 5, coder="suggesties",
               origin="suggestion") for t in (transcripts or st.transcripts)])
    opened, syncs = [], []
    real_store, real_sync = coding_mod.Store, coding_mod._sync
    monkeypatch.setattr(coding_mod, "Store", lambda path: opened.append(path) or
                        real_store(path))
    monkeypatch.setattr(coding_mod, "_sync", lambda *a: syncs.append(1) or real_sync(*a))
    result = coding_mod.load_analysis_codings(study)
    assert len(opened) == 1 and len(syncs) == 1
    assert result.source == "mixed" and result.coder == "A" and result.coded == ["R01"]
    assert {(c.coder, c.respondent_id) for c in result.codings} == {("A", "R01"),
                                                                  ("suggesties", "R02")}
    assert {c.coder for c in result.all_human} == {"A", "B"}
    assert result.changed_sources == []
    assert codings_for_analysis(study) == (result.codings, result.source)


def test_an_empty_reviewed_file_counts_as_coded(study, monkeypatch):
    """'codings: []' is the coder's decision that nothing applies: no suggestions there."""
    import klantreis.suggestions as sugg
    good_file(study)
    write(study.codings_dir / "A" / "R02.yaml", "codings: []\n")
    asked = []
    monkeypatch.setattr(sugg, "suggest", lambda st, transcripts=None: asked.append(
        [t.respondent_id for t in transcripts]) or [])
    codings, source = codings_for_analysis(study)
    assert source == "human" and asked == []
    assert {c.respondent_id for c in codings} == {"R01"}


def test_all_human_codings_syncs_itself(study):
    good_file(study)
    assert len(all_human_codings(study)) == 3            # no earlier sync needed


def test_a_session_needs_a_coder(study, tmp_path):
    with pytest.raises(KlantreisError, match="geef een codeur op"):
        CodingSession(study)
    configured = make_study(tmp_path / "met", primary="B")
    with CodingSession(configured) as s:
        assert s.coder == "B"


def test_one_codings_document_for_export_and_import(study, tmp_path):
    from klantreis.coding import codings_document
    with Store(study.store_path) as store:
        s = CodingSession(study, "A", store=store)
        s.code("R01", "woning_zoeken", quote="zes weken", occurrence=3, valence=-1)
        [path] = export_codings_dir(store, tmp_path, "A", transcripts=study)
        codings = store.codings(coder="A")
    assert path.read_text(encoding="utf-8") == codings_document(
        "A", "R01", codings, study.transcripts[0].text)
    assert "occurrence: 3" in path.read_text(encoding="utf-8")


def test_squeezed_offsets_are_compact():
    from array import array

    from klantreis.coding import _squeezed
    text, offsets = _squeezed("a b\n c")
    assert text == "abc" and isinstance(offsets, array) and list(offsets) == [0, 2, 5]
