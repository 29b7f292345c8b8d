"""The anonymizer: recognisers, placeholders, the run over a folder, the CLI and the check.

Every person, number and organisation below is invented. BSNs are in the 9999xxxxx test
range and pass the 11-proef; IBANs have made-up account numbers with computed checks.
One detector (with deduce, loaded once per process) serves the whole module.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path

import pytest
from klantreis.anonymize import (
    AllowList,
    AnonymizationSettings,
    Detector,
    PseudonymRegistry,
    StudyLists,
    anonymize_folder,
    apply,
    check_text,
    elfproef,
    iban_valid,
    read_source,
)
from klantreis.anonymize.base import PLACEHOLDER_RE
from klantreis.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]
INTERVIEWS = ROOT / "interviews"


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def found(detector, text: str) -> list[tuple[str, str]]:
    return [(d.label, d.text) for d in detector.detect(text)]


def labels_of(detector, text: str, label: str) -> list[str]:
    return [t for lab, t in found(detector, text) if lab == label]


# --- checksums ------------------------------------------------------------------------------

def test_elfproef_and_iban_checks():
    assert elfproef("999955597") and elfproef("111222333")
    assert not elfproef("999955598") and not elfproef("000000000") and not elfproef("12345678")
    assert iban_valid("NL20INGB0001234567") and iban_valid("NL20 INGB 0001 2345 67")
    assert not iban_valid("NL21INGB0001234567")
    assert not iban_valid("NL20INGB000123456")          # wrong length for NL


# --- one recogniser at a time ----------------------------------------------------------------

@pytest.mark.parametrize("text,label,item", [
    # BSN in any grouping, with and without a cue word
    ("Mijn BSN is 999955597.", "BSN", "999955597"),
    ("Het nummer was 999 971 049 denk ik.", "BSN", "999 971 049"),
    ("BSN: 9999.26.846 staat op de brief.", "BSN", "9999.26.846"),
    ("burgerservicenummer 999-960-313", "BSN", "999-960-313"),
    # IBAN with and without spaces
    ("Rekening NL20 INGB 0001 2345 67 graag.", "IBAN", "NL20 INGB 0001 2345 67"),
    ("Het ging naar NL44RABO0123456789 toe.", "IBAN", "NL44RABO0123456789"),
    # phone numbers: mobile, landline, international
    ("Bel me op 06-12345678 als er iets is.", "TELEFOON", "06-12345678"),
    ("Mijn nummer is 06 1234 5678 hoor.", "TELEFOON", "06 1234 5678"),
    ("Of 0612345678, dat kan ook.", "TELEFOON", "0612345678"),
    ("Mijn broer belt op +31 6 2345 6789 elke dag.", "TELEFOON", "+31 6 2345 6789"),
    ("Vast nummer: (010) 123 45 67.", "TELEFOON", "(010) 123 45 67"),
    ("Zijn directe lijn is 058 - 212 34 56.", "TELEFOON", "058 - 212 34 56"),
    ("Via 0031 6 11 22 33 44 bereikbaar.", "TELEFOON", "0031 6 11 22 33 44"),
    ("Bel +31 (0)6 4567 8901 maar.", "TELEFOON", "+31 (0)6 4567 8901"),
    # e-mail and URLs
    ("Mail naar jeske.test1990@example.com vandaag.", "EMAIL", "jeske.test1990@example.com"),
    ("Zijn profiel www.facebook.com/marco.r.test010 was nep.", "URL",
     "www.facebook.com/marco.r.test010"),
    # postcodes and addresses
    ("Ons adres was Kastanjelaan 14, 1502 XK Zaandam.", "POSTCODE", "1502 XK"),
    ("Ons adres was Kastanjelaan 14, 1502 XK Zaandam.", "ADRES", "Kastanjelaan 14"),
    ("We woonden op de Pieter Stuyvesantweg 87 toen.", "ADRES", "Pieter Stuyvesantweg 87"),
    ("Ik woonde op nummer 7 van de Lindenlaan.", "ADRES", "Lindenlaan"),
    ("Mijn moeder woont Oudedijk 112a, vlakbij.", "ADRES", "Oudedijk 112a"),
    # dates, date of birth
    ("Dat was op 12 maart, een dinsdag.", "DATUM", "12 maart"),
    ("Sinds maart 2019 woon ik hier.", "DATUM", "maart 2019"),
    ("Op 22/10/2021 ging ik weg.", "DATUM", "22/10/2021"),
    ("Ik ben geboren op 3 juni 1988 in Assen.", "GEBOORTEDATUM", "3 juni 1988"),
    ("Mijn geboortedatum is 07-11-1990, schrijf maar op.", "GEBOORTEDATUM", "07-11-1990"),
    # licence plates
    ("Hij reed in een auto met kenteken 45-KLR-7 rond.", "KENTEKEN", "45-KLR-7"),
])
def test_pattern_recognisers(detector, text, label, item):
    assert item in labels_of(detector, text, label), found(detector, text)


def test_bsn_needs_the_11_proef_unless_named(detector):
    assert not labels_of(detector, "Het dossier 999955598 is dicht.", "BSN")
    assert labels_of(detector, "Mijn BSN is 999955598.", "BSN")      # a typo is still one


def test_service_numbers_stay(detector):
    assert not labels_of(detector, "Bel Veilig Thuis op 0800-2000.", "TELEFOON")
    assert "Veilig Thuis" not in " ".join(t for _, t in found(detector, "Bel Veilig Thuis op 0800-2000."))


@pytest.mark.parametrize("text,item", [
    ("Mijn ex ronald werd steeds erger.", "ronald"),           # lower case after "mijn ex"
    ("Mijn ex-man marco was lief in het begin.", "marco"),
    ("Iedereen zegt Sannetje tegen haar.", "Sannetje"),        # diminutive
    ("Mijn oudste, Storm, is veertien.", "Storm"),             # a name that is also a word
    ("Mijn zus Roos woont in Hoorn.", "Roos"),
    ("Daar zat een fijne vrouw, Ineke Bloem, die hielp.", "Ineke Bloem"),
    ("Tesfay kwam later via gezinshereniging.", "Tesfay"),     # sentence-initial
    ("Jeroen is een goede man.", "Jeroen"),
    ("Een advocaat, mevrouw De Boer, deed de aanvraag.", "De Boer"),
    ("Volgens dr. Veer is het zo.", "Veer"),
    ("Professor Van der Voort begreep het niet.", "Van der Voort"),
    ("Het verslag is van Dr. A.B. Visser gekomen.", "Dr. A.B. Visser"),
    ("Mijn buurvrouw mevr. Van Wijk hielp.", "Van Wijk"),         # not the place suffix
    ("Toen belde Herman De Prins weer op.", "Herman De Prins"),
])
def test_person_names(detector, text, item):
    assert item in labels_of(detector, text, "PERSOON"), found(detector, text)


def test_speaker_labels_are_names(detector):
    text = "Fatima: Ik kom uit Nador.\nMarloes: En toen?\nFatima: Toen kwam ik hier.\n"
    dets = found(detector, text)
    assert dets.count(("PERSOON", "Fatima")) == 2 and ("PERSOON", "Marloes") in dets
    assert ("PLAATS", "Nador") in dets
    # role labels, header words, table headers and markdown headings are no names
    assert not found(detector, "I: Hoe gaat het?\nR: Goed.\nTolk: Ze zegt goed.\n")
    assert not found(detector, "# Interview N04\n\nSpreker\tTekst\nI\tKrijgt ze brieven?\n")
    assert found(detector, "IBAN: NL20 INGB 0001 2345 67\n") == [("IBAN", "NL20 INGB 0001 2345 67")]
    assert found(detector, "JESKE: ik ben er.\n") == [("PERSOON", "JESKE")]


@pytest.mark.parametrize("text,label,item", [
    ("Ik kom uit Purmerend maar woonde in Zaandam.", "PLAATS", "Purmerend"),
    ("We woonden in Kanaleneiland, bij Utrecht.", "PLAATS", "Kanaleneiland"),
    ("In Doorn was het azc.", "PLAATS", "Doorn"),
    ("Hij zat op basisschool De Vlinderboom in de buurt.", "INSTELLING", "De Vlinderboom"),
    ("Ze ging naar kinderdagverblijf Het Kikkertje.", "INSTELLING", "Het Kikkertje"),
    ("Ik werk weer bij Bakkerij Verhoef.", "INSTELLING", "Bakkerij Verhoef"),
    ("De jongste zit op OBS De Tweemaster.", "INSTELLING", "OBS De Tweemaster"),
    ("Ik werkte via Flexwerk Polska BV in de kassen.", "INSTELLING", "Flexwerk Polska BV"),
    ("Hij werkte bij Garage Brouwer in Epe.", "INSTELLING", "Garage Brouwer"),
    # speech-recognition style: no capitals at all
    ("zijn moeder woonde bij ons in hoofddorp", "PLAATS", "hoofddorp"),
    ("een consulent van de gemeente haarlemmermeer", "PLAATS", "haarlemmermeer"),
    ("elif gaat naar de basisschool de kameleon", "INSTELLING", "de kameleon"),
])
def test_places_and_organisations(detector, text, label, item):
    assert item in labels_of(detector, text, label), found(detector, text)


def test_person_spans_stop_at_the_name(detector):
    text = "Mevrouw Willemsen van het Sociaal Wijkteam hielp. Ik heet Anouk. Anouk de Graaf."
    assert found(detector, text) == [("PERSOON", "Willemsen"), ("PERSOON", "Anouk"),
                                     ("PERSOON", "Anouk de Graaf")]


def test_place_versus_person(detector):
    dets = found(detector, "Mijn buurvrouw Hilde Doorn woonde eerst in Doorn.")
    assert ("PERSOON", "Hilde Doorn") in dets and ("PLAATS", "Doorn") in dets


def test_public_bodies_and_ordinary_words_stay(detector):
    text = ("Ik heb de SVB gebeld, de Belastingdienst, het UWV en de gemeente. Veilig Thuis "
            "en de woningcorporatie hielpen, net als schuldhulpverlening en de opvang. "
            "Jeugdzorg, de IND, het COA en de politie ook. Ik kook Syrisch eten, zij is "
            "Marokkaans en spreekt Frans. Zolang dat huis op ons staat, komt alles erin. "
            "Krijgt ze veel brieven? 's Avonds had ik een T-shirt aan.")
    assert found(detector, text) == []


def test_gemeente_keeps_the_word_and_replaces_the_place(tmp_path):
    src = tmp_path / "ruw"
    src.mkdir()
    (src / "R01.txt").write_text("I: Waar?\nR: Bij de gemeente Haarlem en de SVB.\n",
                                 encoding="utf-8")
    anonymize_folder(src, tmp_path / "uit")
    out = (tmp_path / "uit" / "R01.txt").read_text(encoding="utf-8")
    assert "gemeente [PLAATS-1]" in out and "SVB" in out and "Haarlem" not in out


def test_ages_kept_by_default_and_replaced_when_asked(detector):
    text = "Ik ben 34 en mijn dochter is 16 jaar oud."
    assert not labels_of(detector, text, "LEEFTIJD")
    strict = Detector(settings=AnonymizationSettings(keep_ages=False), engine=detector.engine)
    assert labels_of(strict, text, "LEEFTIJD")


def test_shelter_organisations_follow_the_setting(detector):
    text = "Ik zat in de opvang van Kadera in die tijd."
    assert ("INSTELLING", "Kadera") in found(detector, text)
    keep = Detector(settings=AnonymizationSettings(keep_shelter_organisations=True),
                    engine=detector.engine)
    assert found(keep, text) == []


# --- consistency across files, keep and deny lists ------------------------------------------

def _study(tmp_path: Path, keep: str = "", deny: str = "", allow: str = "") -> Path:
    root = tmp_path / "studie"
    (root / "anonymization").mkdir(parents=True)
    (root / "study.yaml").write_text("title: Testonderzoek\n", encoding="utf-8")
    for name, content in (("keep.txt", keep), ("deny.txt", deny), ("allow.txt", allow)):
        (root / "anonymization" / name).write_text(content, encoding="utf-8")
    return root


def test_same_person_same_placeholder_across_files(tmp_path):
    src = tmp_path / "ruw"
    src.mkdir()
    (src / "R01.txt").write_text("R: Mijn ex Jan de Vries belde. Jan was boos.\n", encoding="utf-8")
    (src / "R02.txt").write_text("R: Toen kwam Jan de Vries weer. Ook Priscilla.\n",
                                 encoding="utf-8")
    (src / "R03.txt").write_text("R: Priscilla hielp me, zij en Jantje.\nR: Kees en Keesje.\n",
                                 encoding="utf-8")
    key = tmp_path / "kluis" / "sleutel.json"
    anonymize_folder(src, tmp_path / "uit", key=key)
    one, two, three = ((tmp_path / "uit" / f"R0{i}.txt").read_text(encoding="utf-8")
                       for i in (1, 2, 3))
    jan = re.search(r"ex (\[PERSOON-\d+\])", one).group(1)
    assert one.count(jan) == 2 and jan in two
    pris = re.search(r"Ook (\[PERSOON-\d+\])", two).group(1)
    assert pris != jan and three.startswith(f"R: {pris} hielp")
    kees = re.findall(r"\[PERSOON-\d+\]", three.splitlines()[1])
    assert len(kees) == 2 and kees[0] == kees[1]            # a diminutive is the same person
    mapping = json.loads(key.read_text(encoding="utf-8"))
    assert mapping["Jan de Vries"] == jan and mapping["Priscilla"] == pris
    # a second run with the same key continues the numbering and keeps the old numbers
    src2 = tmp_path / "ruw2"
    src2.mkdir()
    (src2 / "R04.txt").write_text("R: Jan de Vries en Kiflom kwamen.\n", encoding="utf-8")
    anonymize_folder(src2, tmp_path / "uit2", key=key)
    four = (tmp_path / "uit2" / "R04.txt").read_text(encoding="utf-8")
    assert four.startswith(f"R: {jan} en ") and "Kiflom" not in four
    numbers = {int(n) for n in re.findall(r"PERSOON-(\d+)", four)}
    assert max(numbers) > max(int(n) for n in re.findall(r"PERSOON-(\d+)", one + two + three))


def test_keep_and_deny_lists_of_the_study(tmp_path):
    root = _study(tmp_path, keep="Stichting Zonnestraal\n",
                  deny="kwetal\nPLAATS: Zonnedorp\nINSTELLING: De Hoeksteen\n")
    src = root / "ruw"
    src.mkdir()
    (src / "R01.txt").write_text(
        "R: Via Stichting Zonnestraal kwam ik bij De Hoeksteen. Kwetal zei dat in "
        "zonnedorp alles beter was, en kwetal had gelijk.\n", encoding="utf-8")
    anonymize_folder(src, tmp_path / "uit")
    out = (tmp_path / "uit" / "R01.txt").read_text(encoding="utf-8")
    assert "Stichting Zonnestraal" in out
    assert "[INSTELLING-1]" in out and "Hoeksteen" not in out
    assert "[PLAATS-1]" in out and "onnedorp" not in out
    assert "wetal" not in out and out.count("[PERSOON-1]") == 2


def test_allow_list_semantics(tmp_path):
    root = tmp_path / "s"
    path = root / "interviews" / "R03.txt"
    allow = AllowList(["# commentaar", "Fleur", "interviews/R03.txt:14 Kiflom",
                       "R03.txt:20", "R04.txt:5 Yonas"])
    from klantreis.anonymize.gate import Suspect

    def s(token, line, p=path):
        return Suspect(p, line, "PERSOON", token, 0, len(token))

    assert allow.accepts(s("fleur", 99), root)              # anywhere, any case
    assert allow.accepts(s("Kiflom", 14), root)             # on that line of that file
    assert not allow.accepts(s("Kiflom", 15), root)
    assert allow.accepts(s("Semhar", 20), root)             # the whole line
    assert not allow.accepts(s("Yonas", 5), root)           # another file
    assert not allow.accepts(s("Kiflom", 14, None), root)   # text without a file


# --- the run: files, spans, key, safety ------------------------------------------------------

def _tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            + oct(p.stat().st_mode) for p in sorted(folder.rglob("*"))}


RAW = ("Interviewer: Marloes\n"
       "I: Hoe heet je?\n"
       "R: Ik ben Jeske, mijn ex ronald woont in Zaandam.\n"
       "R: Mijn BSN is 999 955 597 en ik woon op de Kastanjelaan 14, 1502 XK.\n"
       "R: Bel 06-12345678 of mail jeske.test1990@example.com. De SVB weet het.\n")


def test_run_writes_text_keeps_lines_and_leaves_src_alone(tmp_path, make_docx):
    src = tmp_path / "ruw"
    src.mkdir()
    (src / "R01.txt").write_text(RAW, encoding="utf-8")
    (src / "R02.txt").write_bytes(RAW.replace("\n", "\r\n").encode("cp1252"))
    make_docx(src / "R03.docx", ["I: En jij?", "R: Ik ben Femke uit Hoorn."])
    (src / "R04.srt").write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: Waar woon je?\n\n"
        "2\n00:00:03,500 --> 00:00:06,000\nJeske: Ik woon in Zaandam.\n", encoding="utf-8")
    before = _tree_hash(src)
    spans = tmp_path / "kluis" / "spans.jsonl"
    result = anonymize_folder(src, tmp_path / "uit", spans=spans)
    assert _tree_hash(src) == before
    assert sorted(p.name for p in (tmp_path / "uit").iterdir()) == \
        ["R01.txt", "R02.txt", "R03.txt", "R04.txt"]
    for name in ("R01.txt", "R02.txt", "R03.docx", "R04.srt"):
        text = read_source(src / name).text
        out = (tmp_path / "uit" / (Path(name).stem + ".txt")).read_text(encoding="utf-8")
        assert out.count("\n") == text.count("\n")
        for secret in ("Jeske", "ronald", "Zaandam", "999 955 597", "Kastanjelaan", "1502 XK",
                       "06-12345678", "example.com", "Femke", "Hoorn", "Marloes"):
            assert secret not in out
    assert "De SVB weet het." in (tmp_path / "uit" / "R01.txt").read_text(encoding="utf-8")
    assert result.counts["PERSOON"] >= 5
    # --spans: JSON lines whose offsets point into the text as read
    lines = [json.loads(line) for line in spans.read_text(encoding="utf-8").splitlines()]
    assert lines and {"file", "start", "end", "label", "text"} <= set(lines[0])
    texts = {n: read_source(src / n).text for n in ("R01.txt", "R02.txt", "R03.docx", "R04.srt")}
    for item in lines:
        assert texts[item["file"]][item["start"]:item["end"]] == item["text"]
    assert stat.S_IMODE(spans.stat().st_mode) == 0o600


def test_key_file_is_private_and_never_in_the_study(tmp_path):
    root = _study(tmp_path)
    src = root / "ruw"
    src.mkdir()
    (src / "R01.txt").write_text(RAW, encoding="utf-8")
    with pytest.raises(Exception) as err:
        anonymize_folder(src, tmp_path / "uit", key=root / "sleutel.json")
    assert "studiemap" in str(err.value) and "sleutel.json" in str(err.value)
    assert not (tmp_path / "uit").exists() and not (root / "sleutel.json").exists()
    key = tmp_path / "elders" / "sleutel.json"
    anonymize_folder(src, tmp_path / "uit", key=key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "Jeske" in json.loads(key.read_text(encoding="utf-8"))


def _run_cli(argv, capsys):
    rc = cli(["anonymize", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("case", ["empty", "binary", "too_big", "bad_encoding",
                                  "out_inside_src", "existing_output", "key_inside_src"])
def test_bad_input_is_refused_clearly(tmp_path, capsys, case):
    src = tmp_path / "ruw"
    src.mkdir()
    (src / "A01.txt").write_text(RAW, encoding="utf-8")
    out = tmp_path / "uit"
    argv = [str(src), "--out", str(out)]
    bad = src / "B02.txt"
    if case == "empty":
        bad.write_bytes(b"")
    elif case == "binary":
        bad.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    elif case == "too_big":
        with open(bad, "wb") as fh:
            fh.truncate(51 * 1024 * 1024)
    elif case == "bad_encoding":
        bad.write_bytes(b"\xef\xbb\xbfJeske \xff\xfe woont hier")
    elif case == "out_inside_src":
        out = src / "uit"
        argv = [str(src), "--out", str(out)]
        bad = out
    elif case == "existing_output":
        out.mkdir()
        (out / "A01.txt").write_text("al aanwezig", encoding="utf-8")
        bad = out / "A01.txt"
    elif case == "key_inside_src":
        argv += ["--key", str(src / "sleutel.json")]
        bad = src / "sleutel.json"
    before = _tree_hash(src)
    rc, stdout, stderr = _run_cli(argv, capsys)
    assert rc != 0
    assert "Traceback" not in stderr + stdout
    message = [line for line in stderr.splitlines() if "klantreis anonymize:" in line]
    assert message and bad.name in message[0], stderr
    if case == "existing_output":
        assert (out / "A01.txt").read_text(encoding="utf-8") == "al aanwezig"
        assert [p.name for p in out.iterdir()] == ["A01.txt"]
    else:
        assert not out.exists() or not any(out.iterdir())
    if case != "out_inside_src":
        assert _tree_hash(src) == before
    assert not list(tmp_path.rglob("*.tmp"))


def test_cli_run_and_check(tmp_path, capsys):
    src = tmp_path / "ruw"
    src.mkdir()
    (src / "R01.txt").write_text(RAW, encoding="utf-8")
    out = tmp_path / "uit"
    rc, stdout, _ = _run_cli([str(src), "--out", str(out), "--key", str(tmp_path / "k.json")],
                             capsys)
    assert rc == 0 and "1 transcript(en) geanonimiseerd" in stdout
    assert "Jeske" not in stdout                       # the summary shows counts only
    rc, stdout, _ = _run_cli(["--check", str(out)], capsys)
    assert rc == 0, stdout
    # a planted leftover: file:line and why, exit non-zero
    (out / "R02.txt").write_text("I: Vraag.\nR: Toen belde Kiflom op 06-87654321.\n",
                                 encoding="utf-8")
    rc, stdout, stderr = _run_cli(["--check", str(out)], capsys)
    assert rc != 0
    assert re.search(r"R02\.txt:2: mogelijke naam: Kiflom", stdout)
    assert re.search(r"R02\.txt:2: mogelijk telefoonnummer", stdout)
    assert "R01.txt" not in stdout


def test_check_passes_on_the_bundled_interviews(capsys):
    rc, stdout, stderr = _run_cli(["--check", str(INTERVIEWS)], capsys)
    assert rc == 0, stdout + stderr


def test_check_text_on_quoted_passages_of_the_bundled_interviews():
    """The report builder checks each quoted passage on its own: ordinary words at the
    start of a quote must not be flagged either."""
    from klantreis.study import Study
    study = Study.load(ROOT)
    passages = []
    for path in sorted(INTERVIEWS.iterdir()):
        if path.suffix in (".txt", ".docx"):
            for line in read_source(path).text.splitlines():
                # the spoken part of a turn, as a quote would show it
                body = line.split(":", 1)[-1].split("\t", 1)[-1].strip()
                if len(body.split()) >= 4:
                    passages.append(body)
    text = "\n".join(passages)
    assert check_text(text, study=study) == []
    # a quote with a name in it is flagged
    assert [s.token for s in check_text("Toen zei Kiflom dat het klaar was.", study=study)] == \
        ["Kiflom"]


def test_privacy_gate_refuses_until_allowed(tmp_path):
    from klantreis.anonymize import privacy_gate
    from klantreis.errors import PrivacyGateError

    class FakeStudy:
        def __init__(self, root):
            self.root = root
            self.interviews_dir = root / "interviews"
            self.config = None
            self.personas = []

    root = _study(tmp_path)
    (root / "interviews").mkdir()
    (root / "interviews" / "R01.txt").write_text("I: En toen?\nR: Toen kwam Kiflom.\n",
                                                 encoding="utf-8")
    study = FakeStudy(root)
    with pytest.raises(PrivacyGateError) as err:
        privacy_gate(study)
    assert "R01.txt:2" in str(err.value) and "Kiflom" not in str(err.value)
    (root / "anonymization" / "allow.txt").write_text("interviews/R01.txt:2 Kiflom\n",
                                                      encoding="utf-8")
    privacy_gate(study)


# --- properties ------------------------------------------------------------------------------

def test_placeholders_are_never_redetected_and_lines_are_kept(detector):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from([
        "Jeske", "ronald", "mijn ex", "Zaandam", "de SVB", "gemeente Haarlem", "06-12345678",
        "999955597", "NL20 INGB 0001 2345 67", "12 maart", "Kastanjelaan 14", "1502 XK",
        "[PERSOON-3]", "[PLAATS-12]", "[lacht]", "Ik", "ben", "en", "toen", "zei", "dat",
        "Roos", "Sannetje", "De Vlinderboom", "basisschool", ".", ",", ":", "\n", "\nR:",
        "\nI:", "Veilig Thuis", "jeske.test1990@example.com", "Storm", "mijn oudste,",
    ])

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(pieces, min_size=1, max_size=40))
    def check(parts):
        text = " ".join(parts)
        dets = detector.detect(text)
        registry = PseudonymRegistry(detector.lex)
        registry.plan([dets])
        out = apply(text, dets, registry)
        assert out.count("\n") == text.count("\n")
        holders = [m.span() for m in PLACEHOLDER_RE.finditer(out)]
        for d in detector.detect(out):
            assert not any(s < d.end and d.start < e for s, e in holders), (out, d)

    check()


def test_deduce_cache_lives_in_the_user_cache_dir(tmp_path, monkeypatch):
    from klantreis.anonymize.engine import cache_dir
    monkeypatch.setenv("KLANTREIS_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c" / "deduce"
    monkeypatch.delenv("KLANTREIS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x" / "klantreis" / "deduce"
    assert not str(cache_dir()).startswith(str(ROOT))


def test_study_lists_read_labels(tmp_path):
    root = _study(tmp_path, keep="# c\nStichting A\n", deny="Piet\nPLAATS: Zonnedorp\n",
                  allow="R01.txt:3 Roos\n")
    lists = StudyLists.load(root)
    assert lists.keep == ["Stichting A"]
    assert [(d.text, d.label) for d in lists.deny] == [("Piet", "PERSOON"), ("Zonnedorp", "PLAATS")]
    assert lists.allow == ["R01.txt:3 Roos"]
    assert os.path.basename(str(root)) == "studie"


def test_gate_message_groups_by_line_and_points_raw_files_to_the_anonymizer(tmp_path):
    from klantreis.anonymize.gate import RAW_FILE_SUSPECTS, Suspect, gate_message
    raw = tmp_path / "interviews" / "R01.txt"
    done = tmp_path / "interviews" / "R02.txt"
    suspects = [Suspect(raw, 1 + i // 5, "PERSOON", f"Naam{i}", 0, 4)
                for i in range(RAW_FILE_SUSPECTS)]
    suspects += [Suspect(done, 7, "TELEFOON", "0612345678", 0, 10),
                 Suspect(done, 7, "PERSOON", "Kees", 12, 16)]
    msg = gate_message(suspects, tmp_path)
    assert f"{RAW_FILE_SUSPECTS + 2} mogelijke persoonsgegevens in 2 transcript(en)" in msg
    assert "interviews/R01.txt:1: 5x mogelijke naam" in msg
    assert "interviews/R02.txt:7: mogelijk telefoonnummer, mogelijke naam" in msg
    assert "klantreis anonymize" in msg
    hint = next(line for line in msg.splitlines() if "niet-geanonimiseerd" in line)
    assert "R01.txt" in hint and "R02.txt" not in hint
    assert "Naam" not in msg and "Kees" not in msg and "0612345678" not in msg


# --- review fixes: brackets, study names, file names, word lists, settings ---------------------

@pytest.mark.parametrize("text,label,item", [
    ("R: [belt met Jan de Vries]", "PERSOON", "Jan de Vries"),
    ("Mijn BSN [999955597]", "BSN", "999955597"),
    ("[naam zoon: Yusuf]", "PERSOON", "Yusuf"),
    ("R: Ja. [Kiflom komt binnen] Hoi.", "PERSOON", "Kiflom"),
])
def test_text_inside_brackets_is_searched(detector, text, label, item):
    assert item in labels_of(detector, text, label), found(detector, text)


def test_stage_directions_and_placeholders_stay(detector):
    text = ("R: [lacht] Ja. [stilte] [spreekt Tigrinya] [Lacht] [kind huilt] [zucht] "
            "[onderbreking, ca. 2 minuten] [vertaalt] [00:12:50] [PERSOON-2] en [DATUM].")
    assert found(detector, text) == []


def test_title_and_family_words_win_over_keep_and_shop_lists(detector):
    for text, name in (("Toen kwam mevrouw Pool langs.", "Pool"), ("Meneer Coop zei niks.", "Coop"),
                       ("Ik sprak mevrouw Flink.", "Flink"), ("Mijn broer Frans woont hier.", "Frans"),
                       ("Ik belde Frans gisteren.", "Frans")):
        assert name in labels_of(detector, text, "PERSOON"), (text, found(detector, text))
    # the same words as language, nationality and shop stay
    for text in ("Zij spreekt Frans.", "Ik ben Pool.", "Boodschappen doe ik bij de Coop.",
                 "Mijn consulent Jeugdzorg belde.", "Ik wil mijn dochter Nederlands leren."):
        assert found(detector, text) == [], text


def test_first_names_in_spacys_tables_are_no_ordinary_words(detector):
    assert labels_of(detector, "ik belde lisa en emma gisteren", "PERSOON") == ["lisa", "emma"]
    assert labels_of(detector, "ik heb nina gesproken", "PERSOON") == ["nina"]
    assert ("PERSOON", "jan") in found(detector, "Jan kwam. Later kwam jan weer.")
    lex = detector.lex
    for name in ("jan", "emma", "lisa", "eva", "kim", "nina", "mohammed"):
        assert not lex.is_word(name), name
    # ordinary words on the explicit lists, and inflected forms, stay words
    for word in ("roos", "koop", "ken", "lente", "lieve"):
        assert lex.is_word(word), word
    assert found(detector, "het huis is te koop en ik ken de roos in de lente") == []


def test_phrase_index_case_modes():
    from klantreis.anonymize.detector import PhraseIndex
    text = "Fier en fier, het OM en om, de Blijf Groep"
    assert PhraseIndex(["Fier"], "exact").spans(text) == [(0, 4)]
    assert PhraseIndex(["Fier"], "ignore").spans(text) == [(0, 4), (8, 12)]
    assert PhraseIndex(["OM"], "acronyms").spans(text) == [(18, 20)]
    assert PhraseIndex(["blijf   groep", "Blijf"], "ignore").spans(text) == [(31, 42)]
    with pytest.raises(ValueError):
        PhraseIndex(["x"], "sometimes")


class _FakeStudy:
    def __init__(self, root, personas=(), config=None):
        from types import SimpleNamespace
        self.root = root
        self.interviews_dir = root / "interviews"
        self.config = config
        self.personas = [SimpleNamespace(name=n) for n in personas]


def test_study_names_are_no_exception_in_transcripts(tmp_path):
    from klantreis.anonymize import check_files, privacy_gate
    from klantreis.errors import PrivacyGateError
    root = _study(tmp_path)
    (root / "interviews").mkdir()
    (root / "interviews" / "R01.txt").write_text("I: Kinderen?\nR: Mijn dochter Tessa is 4.\n",
                                                 encoding="utf-8")
    study = _FakeStudy(root, personas=["Tessa"])
    with pytest.raises(PrivacyGateError) as err:
        privacy_gate(study)
    assert "R01.txt:2" in str(err.value) and "Tessa" not in str(err.value)
    assert [s.token for s in check_files([root / "interviews" / "R01.txt"], study=study)] == ["Tessa"]
    # report text: the persona's own name is accepted, but only as the whole name
    assert check_text("Dit is de kaart van Tessa.", study=study) == []
    assert [s.token for s in check_text("Toen belde Tessa Jansen.", study=study)] == ["Tessa Jansen"]


def test_privacy_gate_uses_transcripts_already_read(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from klantreis.anonymize import privacy_gate, runner
    from klantreis.errors import PrivacyGateError
    root = _study(tmp_path)
    (root / "interviews").mkdir()
    path = root / "interviews" / "R01.txt"
    path.write_text("I: En?\nR: Goed.\n", encoding="utf-8")

    def no_reading(_path):
        raise AssertionError("the gate read a file it was given")

    monkeypatch.setattr(runner, "read_source", no_reading)
    study = _FakeStudy(root)
    privacy_gate(study, transcripts=[SimpleNamespace(path=path, text="I: En?\nR: Goed.\n")])
    with pytest.raises(PrivacyGateError) as err:
        privacy_gate(study, transcripts=[SimpleNamespace(path=path, text="I: En?\nR: Kiflom.\n")])
    assert "R01.txt:2" in str(err.value)


def test_source_files_in_natural_order(tmp_path):
    from klantreis.anonymize.runner import source_files
    for name in ("R10.txt", "R2.txt", "R1.txt", "respondenten.csv", "opname.mp3", "notes.pdf"):
        (tmp_path / name).write_text("I: a\nR: b\n", encoding="utf-8")
    files, skipped = source_files(tmp_path)
    assert [p.name for p in files] == ["R1.txt", "R2.txt", "R10.txt"]
    assert sorted(skipped) == ["notes.pdf", "opname.mp3"]


def test_names_in_file_names_never_reach_the_output(tmp_path, capsys):
    src = tmp_path / "ruw"
    src.mkdir()
    (src / "Interview Fatima el Amrani.txt").write_text("I: Hoe gaat het?\nR: Goed.\n",
                                                       encoding="utf-8")
    (src / "R02.txt").write_text("I: En jij?\nR: Ook goed.\n", encoding="utf-8")
    (src / "interview_kiflom.txt").write_text("I: En?\nR: Prima.\n", encoding="utf-8")
    key = tmp_path / "kluis" / "sleutel.json"
    rc, stdout, err = _run_cli([str(src), "--out", str(tmp_path / "uit"), "--key", str(key)],
                               capsys)
    assert rc == 0, err
    names = sorted(p.name for p in (tmp_path / "uit").iterdir())
    assert names == ["R02.txt", "transcript-001.txt", "transcript-002.txt"]
    mapping = json.loads(key.read_text(encoding="utf-8"))
    assert mapping["Interview Fatima el Amrani.txt"] == "transcript-001.txt"
    assert mapping["interview_kiflom.txt"] == "transcript-002.txt"
    assert "Fatima" not in stdout + err and "kiflom" not in (stdout + err).lower()
    assert "2 bestandsna(a)m(en)" in stdout
    # --check flags a name in a file name as line 0
    (tmp_path / "uit" / "Gesprek met Yonas.txt").write_text("I: Vraag.\nR: Antwoord.\n",
                                                           encoding="utf-8")
    rc, stdout, _ = _run_cli(["--check", str(tmp_path / "uit")], capsys)
    assert rc == 3
    assert re.search(r"Gesprek met Yonas\.txt:0: mogelijke naam in bestandsnaam: Yonas", stdout)
    assert "persoonsgegevens" in stdout and "tickets" in stdout


def test_key_and_spans_must_differ_and_permissions(tmp_path):
    src = tmp_path / "ruw"
    src.mkdir()
    (src / "R01.txt").write_text(RAW, encoding="utf-8")
    same = tmp_path / "kluis" / "alles.json"
    with pytest.raises(Exception) as err:
        anonymize_folder(src, tmp_path / "uit", key=same, spans=tmp_path / "kluis" / ".." /
                         "kluis" / "alles.json")
    assert "hetzelfde bestand" in str(err.value)
    assert not (tmp_path / "uit").exists() and not same.exists()
    key, spans = tmp_path / "kluis" / "k.json", tmp_path / "kluis" / "s.jsonl"
    mask = os.umask(0o022)
    try:
        anonymize_folder(src, tmp_path / "uit", key=key, spans=spans)
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "uit" / "R01.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(spans.stat().st_mode) == 0o600


def test_settings_are_read_in_one_place(tmp_path, monkeypatch):
    from klantreis.anonymize import make_detector
    root = _study(tmp_path, keep="Stichting Zonnestraal\n")
    (root / "study.yaml").write_text("title: T\nanonymization:\n  keep_ages: false\n",
                                     encoding="utf-8")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert AnonymizationSettings.for_study("~/studie").keep_ages is False
    assert AnonymizationSettings.for_study(root).keep_ages is False
    assert AnonymizationSettings.for_study(None).keep_ages is True
    det = make_detector(root, use_deduce=False)
    assert det.settings.keep_ages is False and det.engine is None
    assert det.lists.keep == ["Stichting Zonnestraal"]     # a path, not Path.root ("/")
    # the run reads the same settings; the caller overrides only use_deduce
    src = root / "ruw"
    src.mkdir()
    (src / "R01.txt").write_text("I: Leeftijd?\nR: Ik ben 34.\n", encoding="utf-8")
    anonymize_folder(src, tmp_path / "uit", use_deduce=False)
    assert "[LEEFTIJD]" in (tmp_path / "uit" / "R01.txt").read_text(encoding="utf-8")


def test_allow_list_file_names_with_spaces(tmp_path):
    from klantreis.anonymize.gate import Suspect
    path = tmp_path / "interviews" / "Interview 3.txt"
    allow = AllowList(['"Interview 3.txt":14 Fleur', "Interview 3.txt:15\tRoos",
                       "Interview 3.txt:16", '"Interview 3.txt":0', "Interview 3.txt:18 Sem"])

    def s(token, line):
        return Suspect(path, line, "PERSOON", token, 0, len(token))

    assert allow.accepts(s("Fleur", 14)) and not allow.accepts(s("Fleur", 15))
    assert allow.accepts(s("roos", 15)) and not allow.accepts(s("Kiflom", 15))
    assert allow.accepts(s("Kiflom", 16)) and allow.accepts(s("Yonas", 0))
    assert not allow.accepts(s("Yonas", 17))
    assert allow.accepts(s("Sem", 18)) and not allow.accepts(s("Sem", 19))


def test_lower_case_first_names_in_file_names(tmp_path):
    from klantreis.anonymize.gate import name_suspects
    det = Detector(settings=AnonymizationSettings(use_deduce=False))
    paths = [tmp_path / n for n in ("fatima.docx", "interview roos.txt", "R01.txt",
                                    "Interview_3_definitief.txt", "gesprek-moeder.md")]
    assert [(s.path.name, s.token) for s in name_suspects(paths, det)] == \
        [("fatima.docx", "fatima"), ("interview roos.txt", "roos")]
