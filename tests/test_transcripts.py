"""Transcript import: formats, encodings, label styles, header, stage directions, roles,
refusals, offsets; the English eval docx files and the bundled transcripts."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klantreis import Study
from klantreis.cli import main
from klantreis.errors import InputError
from klantreis.transcripts import (import_study, load_study_transcripts, read_transcript,
                                   speaker_roles)

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8",
          newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def check_offsets(t) -> None:
    for s in t.segments:
        assert t.text[s.start:s.end] == s.text
        assert s.text == s.text.strip()
        assert t.line_of(s.start) >= s.line
        for sd in s.stage_directions:
            assert s.start <= sd.start < sd.end <= s.end
            assert t.text[sd.start:sd.end] == sd.text


def turns(t):
    return [(s.speaker, s.role, s.speech) for s in t.segments]


# --- label styles ----------------------------------------------------------------------

LABEL_STYLES = [
    ("I: Hoe gaat het?\nR: Goed hoor.", [("I", "interviewer"), ("R", "respondent")]),
    ("Interviewer: Hoe gaat het?\nRespondent: Goed hoor.",
     [("Interviewer", "interviewer"), ("Respondent", "respondent")]),
    ("Interviewer: Hoe gaat het?\nRespondente: Goed hoor.",
     [("Interviewer", "interviewer"), ("Respondente", "respondent")]),
    ("Int: Hoe gaat het?\nR: Goed hoor.", [("Int", "interviewer"), ("R", "respondent")]),
    ("Onderzoeker: Hoe gaat het?\nRespondente: Goed hoor.",
     [("Onderzoeker", "interviewer"), ("Respondente", "respondent")]),
    ("I: Hoe gaat het?\nT: Ze zegt: goed.\nR: Ja.",
     [("I", "interviewer"), ("T", "interpreter"), ("R", "respondent")]),
    ("I: Hoe gaat het?\nTolk: Ze zegt dat het goed gaat.\nR: Ja.",
     [("I", "interviewer"), ("Tolk", "interpreter"), ("R", "respondent")]),
    ("I: Hoe gaat het?\nBegeleider: Zal ik even weggaan?\nR: Nee, blijf maar.",
     [("I", "interviewer"), ("Begeleider", "other"), ("R", "respondent")]),
    ("I: Hoe gaat het?\nB: Ik ga koffie halen.\nR: Prima.",
     [("I", "interviewer"), ("B", "other"), ("R", "respondent")]),
    ("Speaker 1: Hoe gaat het?\nSpeaker 2: Goed hoor, ik woon nu in een eigen huis.",
     [("Speaker 1", "interviewer"), ("Speaker 2", "respondent")]),
    ("Spreker 1: Hoe gaat het?\nSpreker 2: Goed hoor, ik woon nu in een eigen huis.",
     [("Spreker 1", "interviewer"), ("Spreker 2", "respondent")]),
    ("SPEAKER_00: Hoe gaat het?\nSPEAKER_01: Goed hoor, ik woon nu in een eigen huis.",
     [("SPEAKER_00", "interviewer"), ("SPEAKER_01", "respondent")]),
    ("[PERSOON-2]: Hoe gaat het?\n[PERSOON-1]: Goed hoor, ik woon nu in een eigen huis.",
     [("[PERSOON-2]", "interviewer"), ("[PERSOON-1]", "respondent")]),
    ("Jeske: Hoe gaat het?\nAmal: Goed hoor, ik woon nu in een eigen huis.\n"
     "Jeske: Wat vind je daarvan?\nAmal: Het is rustig, de kinderen slapen beter.",
     [("Jeske", "interviewer"), ("Amal", "respondent")]),
    ("Jeske (interviewer): Fijn dat je er bent.\nAmal (tolk): Ze zegt dat ze het fijn vindt.\n"
     "[PERSOON-1]: Ja.",
     [("Jeske", "interviewer"), ("Amal", "interpreter"), ("[PERSOON-1]", "respondent")]),
]


@pytest.mark.parametrize("text,expected", LABEL_STYLES)
def test_label_styles(tmp_path, text, expected):
    t = read_transcript(write(tmp_path, "R01.txt", text + "\n"))
    roles = speaker_roles(t)
    assert list(roles.items()) == expected
    assert all(":" not in s.speaker for s in t.segments)
    check_offsets(t)


@pytest.mark.parametrize("line,label,ts,speech", [
    ("[00:12:31] I: Hoe was dat?", "I", "00:12:31", "Hoe was dat?"),
    ("(00:07:45) R: Moeilijk.", "R", "00:07:45", "Moeilijk."),
    ("00:12:31 Interviewer: Hoe was dat?", "Interviewer", "00:12:31", "Hoe was dat?"),
    ("12:31 I: Hoe was dat?", "I", "00:12:31", "Hoe was dat?"),
    ("I [00:12:31]: Hoe was dat?", "I", "00:12:31", "Hoe was dat?"),
    ("R (00:07:45): Moeilijk.", "R", "00:07:45", "Moeilijk."),
    ("I: [00:12:31] Hoe was dat?", "I", "00:12:31", "Hoe was dat?"),
    ("Spreker 1 (1:02:03): Hoe was dat?", "Spreker 1", "01:02:03", "Hoe was dat?"),
    ("[00:12:31.250] I: Hoe was dat?", "I", "00:12:31", "Hoe was dat?"),
])
def test_timestamps_before_or_after_the_label(tmp_path, line, label, ts, speech):
    t = read_transcript(write(tmp_path, "R01.txt", line + "\nR: Ja.\n"))
    first = t.segments[0]
    assert (first.speaker, first.timestamp, first.speech) == (label, ts, speech)
    check_offsets(t)


def test_label_alone_on_its_line_with_timestamp(tmp_path):
    # ASR exports: "Speaker 1  0:05" on one line, the words on the next
    text = ("Speaker 1  0:05\nHoe gaat het met je?\n\nSpeaker 2  0:09\nGoed. Echt goed.\n"
            "Speaker 1  0:15\nWaar woon je nu?\n\nSpeaker 2  0:18\nIn [PLAATS-1].\n")
    t = read_transcript(write(tmp_path, "R01.txt", text))
    assert [(s.speaker, s.timestamp, s.speech) for s in t.segments] == [
        ("Speaker 1", "00:00:05", "Hoe gaat het met je?"),
        ("Speaker 2", "00:00:09", "Goed. Echt goed."),
        ("Speaker 1", "00:00:15", "Waar woon je nu?"),
        ("Speaker 2", "00:00:18", "In [PLAATS-1]."),
    ]
    check_offsets(t)


def test_continuation_lines_and_speech_colons_are_not_labels(tmp_path):
    text = (
        "I: Hoe ging dat met de gemeente?\n\n"
        "R: Dat duurde lang.\n"
        "Ze zegt: u moet wachten.\n"
        "Nou: toen heb ik gebeld.\n"
        "Mijn moeder: die hielp wel.\n"
        "\n"
        "En daarna kwam de brief.\n"
        "I: En toen?\n"
        "R: Niks. [stilte]\n"
    )
    t = read_transcript(write(tmp_path, "R01.txt", text))
    assert [s.speaker for s in t.segments] == ["I", "R", "I", "R"]
    long_turn = t.segments[1]
    assert long_turn.text.startswith("Dat duurde lang.")
    assert long_turn.text.endswith("En daarna kwam de brief.")
    assert "Ze zegt: u moet wachten." in long_turn.speech
    assert long_turn.line == 3
    check_offsets(t)


def test_a_name_used_once_is_speech_but_a_repeated_one_is_a_label(tmp_path):
    text = ("I: Wie hielp je?\nR: Mijn buurvrouw.\nAnneke: die was er altijd.\nI: Fijn.\n"
            "R: Ja.\n")
    t = read_transcript(write(tmp_path, "R01.txt", text))
    assert [s.speaker for s in t.segments] == ["I", "R", "I", "R"]
    assert "Anneke: die was er altijd." in t.segments[1].text


def test_header_block_is_metadata_not_speech(tmp_path):
    text = (
        "Interview R05\n"
        "Datum: [DATUM]\n"
        "Locatie: opvanglocatie [PLAATS-1]\n"
        "Aanwezig: interviewer (I), respondente (R)\n"
        "Interviewer: [PERSOON-3]\n"
        "Wijze: face-to-face\n"
        "Duur: ca. 50 minuten\n"
        "\n"
        "I: Zullen we beginnen?\n"
        "R: Ja hoor.\n"
    )
    t = read_transcript(write(tmp_path, "R05.txt", text))
    assert t.header == {
        "titel": "Interview R05", "datum": "[DATUM]", "locatie": "opvanglocatie [PLAATS-1]",
        "aanwezig": "interviewer (I), respondente (R)", "interviewer": "[PERSOON-3]",
        "wijze": "face-to-face", "duur": "ca. 50 minuten",
    }
    assert [s.speaker for s in t.segments] == ["I", "R"]
    assert t.segments[0].line == 9
    assert all("Datum" not in s.text for s in t.segments)


def test_stage_directions_are_kept_out_of_speech_but_placeholders_stay(tmp_path):
    text = ("I: Hoe was dat? [stilte] Neem je tijd.\n"
            "R: [lacht] Ik ging met [PERSOON-1] naar [PLAATS-2]. [onverstaanbaar] (lacht) "
            "Dat was (in de zomer) zwaar.\n"
            "T: [spreekt Tigrinya]\n")
    t = read_transcript(write(tmp_path, "R01.txt", text))
    r = t.segments[1]
    assert [sd.text for sd in r.stage_directions] == ["[lacht]", "[onverstaanbaar]", "(lacht)"]
    assert r.speech == "Ik ging met [PERSOON-1] naar [PLAATS-2]. Dat was (in de zomer) zwaar."
    assert t.segments[0].speech == "Hoe was dat? Neem je tijd."
    assert t.segments[2].speech == ""
    assert [sd.text for sd in t.segments[2].stage_directions] == ["[spreekt Tigrinya]"]
    check_offsets(t)


# --- encodings and newlines --------------------------------------------------------------

TEXT_NL = "I: Hoe gaat het met je?\nR: Goed, ik heb een café gevonden – en ’s avonds rust. Geëmotioneerd.\n"


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("utf-16", "utf-16"),
])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_encodings_and_newlines(tmp_path, encoding, expected, newline):
    t = read_transcript(write(tmp_path, "R01.txt", TEXT_NL, encoding, newline))
    assert t.encoding == expected
    assert "\r" not in t.text
    assert t.segments[1].speech == ("Goed, ik heb een café gevonden – en ’s avonds rust. "
                                    "Geëmotioneerd.")
    assert t.segments[1].line == 2
    check_offsets(t)


def test_latin1_bytes_that_cp1252_cannot_decode(tmp_path):
    raw = "I: Hoe gaat het?\nR: Goed, café.\n".encode("latin-1") + b"R: \x81\n"
    t = read_transcript(write_bytes(tmp_path / "R01.txt", raw))
    assert t.encoding == "latin-1"
    assert "café" in t.segments[1].text


def write_bytes(path: Path, raw: bytes) -> Path:
    path.write_bytes(raw)
    return path


def test_sha256_is_of_the_raw_bytes(tmp_path):
    import hashlib
    p = write(tmp_path, "R01.txt", TEXT_NL, "cp1252", "\r\n")
    assert read_transcript(p).sha256 == hashlib.sha256(p.read_bytes()).hexdigest()


# --- markdown, docx, subtitles --------------------------------------------------------------

def test_markdown_bold_labels_header_and_table(tmp_path):
    text = ("# Interview R07\n\nDatum: [DATUM]\n\n**I:** Hoe begon het?\n\n"
            "**Respondente**: Bij Veilig Thuis.\n\n| Spreker | Tekst |\n|---|---|\n"
            "| I | En toen? |\n| R | Toen de opvang. |\n")
    t = read_transcript(write(tmp_path, "R07.md", text))
    assert t.format == "md"
    assert t.header == {"titel": "Interview R07", "datum": "[DATUM]"}
    assert turns(t) == [("I", "interviewer", "Hoe begon het?"),
                        ("Respondente", "respondent", "Bij Veilig Thuis."),
                        ("I", "interviewer", "En toen? |"),
                        ("R", "respondent", "Toen de opvang. |")]
    check_offsets(t)


def test_docx_paragraphs_bold_labels_and_continuations(tmp_path, make_docx):
    path = make_docx(tmp_path / "R02.docx", [
        "Interview R02",
        "Datum: [DATUM]",
        "",
        ("Interviewer", " Hoe kwam je in de opvang?"),
        ("Respondente:", " Via de politie."),
        "Dat ging heel snel.",
        ("Interviewer", ""),
        "En de eerste nacht?",
        ("Respondente", "\tIk heb niet geslapen.\nDe kinderen wel."),
    ])
    t = read_transcript(path)
    assert (t.format, t.encoding) == ("docx", "utf-8")
    assert t.header == {"titel": "Interview R02", "datum": "[DATUM]"}
    assert [(a, b, " ".join(c.split())) for a, b, c in turns(t)] == [
        ("Interviewer", "interviewer", "Hoe kwam je in de opvang?"),
        ("Respondente", "respondent", "Via de politie. Dat ging heel snel."),
        ("Interviewer", "interviewer", "En de eerste nacht?"),
        ("Respondente", "respondent", "Ik heb niet geslapen. De kinderen wel."),
    ]
    assert t.segments[1].text == "Via de politie.\nDat ging heel snel."
    check_offsets(t)


def test_docx_bold_first_names_without_colon(tmp_path, make_docx):
    path = make_docx(tmp_path / "R03.docx", [
        ("Jeske", " Wat gebeurde er toen?"),
        ("Amal", " Ik moest wachten op geld."),
        ("Jeske", " Hoe lang?"),
        ("Amal", " Zes weken, ongeveer."),
        ("Nee", ", dat bedoel ik niet."),   # bold emphasis in speech: not a label
    ])
    t = read_transcript(path)
    assert [(s.speaker, s.role) for s in t.segments] == [
        ("Jeske", "interviewer"), ("Amal", "respondent"), ("Jeske", "interviewer"),
        ("Amal", "respondent")]
    assert t.segments[-1].text.endswith("Nee, dat bedoel ik niet.")


def test_docx_speaker_text_tables(tmp_path, make_docx):
    path = make_docx(tmp_path / "R08.docx", [
        "Interview R08",
        ("table", [["Spreker", "Tekst"],
                   ["I", "Kunt u vertellen hoe het begon?"],
                   ["T", "[vertaalt]"],
                   ["R", "[spreekt Dari]"],
                   ["T", "Ze zegt dat het begon in [PLAATS-1]."],
                   ["", "En dat ze toen alleen was."]]),
        ("table", [["Tijd", "Spreker", "Tekst"],
                   ["00:10:02", "I", "Dank u."]]),
    ])
    t = read_transcript(path)
    assert t.header == {"titel": "Interview R08"}
    assert [(s.speaker, s.role, s.interpreted) for s in t.segments] == [
        ("I", "interviewer", False), ("T", "interpreter", False), ("R", "respondent", False),
        ("T", "interpreter", True), ("I", "interviewer", False)]
    assert t.segments[3].text == "Ze zegt dat het begon in [PLAATS-1].\n\tEn dat ze toen alleen was."
    assert t.segments[4].timestamp == "00:10:02"
    assert "I\tKunt u vertellen" in t.text          # row cells joined by a tab
    check_offsets(t)


def test_webvtt_voice_tags_merge_cues_of_one_speaker(tmp_path):
    text = ("WEBVTT\n\nNOTE gemaakt door een fictieve recorder\n\n"
            "1\n00:00:01.000 --> 00:00:03.500\n<v Jeske>Hoe gaat het</v>\n\n"
            "2\n00:00:03.500 --> 00:00:05.000\n<v Jeske>met je?</v>\n\n"
            "00:00:05.000 --> 00:00:09.000\n<v.loud Amal>Goed. Ik woon &amp; werk nu\nin [PLAATS-1].\n\n"
            "00:01:05.000 --> 00:01:09.000\n<v Jeske>Waar precies?\n")
    t = read_transcript(write(tmp_path, "R04.vtt", text))
    assert t.format == "vtt"
    assert [(s.speaker, s.role, s.timestamp, s.speech) for s in t.segments] == [
        ("Jeske", "interviewer", "00:00:01", "Hoe gaat het met je?"),
        ("Amal", "respondent", "00:00:05", "Goed. Ik woon & werk nu in [PLAATS-1]."),
        ("Jeske", "interviewer", "00:01:05", "Waar precies?"),
    ]
    assert t.text.splitlines()[0] == "[00:00:01] Jeske: Hoe gaat het"
    assert [sd.text for sd in t.segments[0].stage_directions] == ["[00:00:03]"]
    check_offsets(t)


def test_srt_with_name_prefixes(tmp_path):
    text = ("1\n00:00:01,000 --> 00:00:04,000\nInterviewer: Wanneer kwam je binnen?\n\n"
            "2\n00:00:04,500 --> 00:00:08,000\nRespondente: In de winter.\n\n"
            "3\n00:00:08,000 --> 00:00:10,000\n<i>Het was koud.</i>\n\n"
            "4\n00:00:10,000 --> 00:00:12,000\nInterviewer: En toen?\n")
    t = read_transcript(write(tmp_path, "R05.srt", text, newline="\r\n"))
    assert [(s.speaker, s.speech) for s in t.segments] == [
        ("Interviewer", "Wanneer kwam je binnen?"),
        ("Respondente", "In de winter. Het was koud."),
        ("Interviewer", "En toen?")]
    check_offsets(t)


# --- roles -----------------------------------------------------------------------------

def test_interviewer_is_inferred_from_questions_even_when_not_first(tmp_path):
    text = ("Amal: Hallo, kom binnen.\nJeske: Dank je. Hoe gaat het nu met je?\n"
            "Amal: Wel goed. Ik heb eindelijk een huis, na acht maanden wachten op urgentie.\n"
            "Jeske: Hoe lang duurde het voordat je geld kreeg?\n"
            "Amal: Zes weken. In die tijd leenden we van de andere vrouwen.\n"
            "Jeske: Wat heeft je toen het meest geholpen?\n"
            "Amal: Mijn mentor in de opvang.\n")
    t = read_transcript(write(tmp_path, "R06.txt", text))
    assert speaker_roles(t) == {"Amal": "respondent", "Jeske": "interviewer"}


def test_speakers_mapping_overrides_inference(tmp_path):
    text = "Speaker 1: Hoe gaat het?\nSpeaker 2: Goed.\nSpeaker 3: Ik ben de zus.\n"
    p = write(tmp_path, "R01.txt", text)
    t = read_transcript(p, speakers={"speaker 1": "interviewer", "Speaker 3": "other",
                                     "SPEAKER 2": "respondent"})
    assert speaker_roles(t) == {"Speaker 1": "interviewer", "Speaker 2": "respondent",
                                "Speaker 3": "other"}
    t = read_transcript(p, speakers={"I": "respondent"})   # unknown labels are ignored
    assert speaker_roles(t)["Speaker 1"] == "interviewer"


def test_interpreter_turns_that_render_the_respondent_are_flagged(tmp_path):
    text = ("I: Kunt u vertellen hoe het ging?\nTolk: [vertaalt]\nR: [spreekt Tigrinya]\n"
            "Tolk: Ze zegt dat het zwaar was.\nTolk: Zij zegt dat ze geen geld had.\n"
            "Tolk: Ze vertelt dat de begeleider hielp.\nTolk: Haar antwoord is nee.\n"
            "Tolk: Nee, zegt ze, dat wist ik niet.\n"
            "Tolk: Mag ik even vragen wat u bedoelt met toeslag?\n")
    t = read_transcript(write(tmp_path, "R02.txt", text))
    tolk = [s for s in t.segments if s.role == "interpreter"]
    assert [s.interpreted for s in tolk] == [False, True, True, True, True, True, False]
    voice = [s.speech for s in t.respondent_segments]
    assert "Ze zegt dat het zwaar was." in voice
    assert "Mag ik even vragen wat u bedoelt met toeslag?" not in voice


def test_unlabelled_interpreter_is_inferred(tmp_path):
    text = ("Jeske: Hoe kwam u in Nederland?\nYonas: [vertaalt]\nAmal: [spreekt Tigrinya]\n"
            "Yonas: Ze zegt dat ze via Italië kwam.\nJeske: En daarna?\nYonas: [vertaalt]\n"
            "Amal: [spreekt Tigrinya, lang]\nYonas: Ze zegt: eerst naar een azc.\n"
            "Amal: Ja, azc.\n")
    t = read_transcript(write(tmp_path, "R02.txt", text))
    assert speaker_roles(t) == {"Jeske": "interviewer", "Yonas": "interpreter",
                                "Amal": "respondent"}


# --- refusals ----------------------------------------------------------------------------

REFUSALS = [
    ("R01.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "oud Word-formaat"),
    ("R01.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "beveiligd"),
    ("R01.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
    ("R01.txt", b"%PDF-1.4\nstream", "PDF"),
    ("R01.txt", b"", "leeg bestand"),
    ("R01.txt", b" \r\n\t\r\n", "leeg bestand"),
    ("R01.txt", b"I: hallo\x00\x01\x02\x00R: ja", "geen tekstbestand"),
    ("R01.txt", bytes(range(1, 32)) * 40, "geen tekstbestand"),
    ("R01.odt", b"PK\x03\x04rest", "OpenDocument"),
    ("R01.rtf", b"{\\rtf1\\ansi hallo}", "RTF"),
    ("R01.xyz", b"I: hallo\nR: ja\n", "wordt niet ondersteund"),
    ("R01", b"I: hallo\nR: ja\n", "wordt niet ondersteund"),
    ("R01.docx", b"I: dit is platte tekst met de verkeerde extensie\n", "geen zip"),
    ("R01.txt", b"Alleen een verhaal zonder sprekers.\nNog een regel.\n", "geen sprekerbeurten"),
    ("R01.vtt", b"WEBVTT\n\nNOTE leeg\n", "geen ondertitels"),
]


@pytest.mark.parametrize("name,raw,fragment", REFUSALS)
def test_refusals_name_the_file(tmp_path, name, raw, fragment):
    path = write_bytes(tmp_path / name, raw)
    with pytest.raises(InputError) as info:
        read_transcript(path)
    assert name in str(info.value)
    assert fragment in str(info.value)
    assert "hallo" not in str(info.value)          # never transcript text


def test_zip_that_is_not_a_word_document(tmp_path):
    path = tmp_path / "R01.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InputError, match="R01.docx.*documenttekst"):
        read_transcript(path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document><kapot")
    with pytest.raises(InputError, match="R01.docx.*geen geldig Word-document"):
        read_transcript(path)


def test_files_over_50_mb_are_refused_without_reading(tmp_path):
    path = tmp_path / "R01.txt"
    with open(path, "wb") as fh:
        fh.truncate(50 * 1024 * 1024 + 1)          # sparse: no 50 MB write
    with pytest.raises(InputError, match="R01.txt.*te groot"):
        read_transcript(path)


def test_cli_error_is_one_line_without_traceback(make_study):
    root = make_study({"R01.txt": "I: Hoe gaat het?\nR: Goed.\n",
                       "R02.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64})
    proc = subprocess.run([sys.executable, "-m", "klantreis.cli", "check", str(root)],
                          capture_output=True, text=True, cwd=root)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "R02.doc" in proc.stderr and ".docx" in proc.stderr


# --- offsets (property) ----------------------------------------------------------------------

_labels = st.sampled_from(["I", "R", "Interviewer", "Respondente", "T", "Speaker 1",
                           "[PERSOON-2]", "Jeske", "[00:01:02] I", "R (00:07:45)"])
_speech = st.lists(st.sampled_from(list("abc éë?.:,[]()-’") + ["lacht", "Ze zegt", "\n",
                                                               "\r\n", "\t", "Nou:"]),
                   min_size=1, max_size=30).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_labels, _speech), min_size=1, max_size=8),
       st.sampled_from(["\n", "\r\n", "\r"]), st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_offsets_invariant_on_generated_transcripts(tmp_path, body, newline, encoding):
    text = "Interview R09\nDatum: [DATUM]\n\n" + "\n".join(f"{l}: {s}" for l, s in body) + "\n"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        raw = text.replace("\n", newline).encode(encoding)
    except UnicodeEncodeError:
        return
    path = tmp_path / "R09.txt"
    path.write_bytes(raw)
    try:
        t = read_transcript(path)
    except InputError:
        return                                  # e.g. only empty turns: a clear refusal
    assert "\r" not in t.text
    check_offsets(t)
    assert [s.index for s in t.segments] == list(range(len(t.segments)))


# --- study folder ----------------------------------------------------------------------------

def test_study_folder_loading(make_study, make_docx):
    root = make_study({
        "R02.txt": "I: Hoe gaat het?\nR: Goed.\n",
        "R10.txt": "I: En nu?\nR: Beter.\n",
        "interview-amal.vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Jeske>Hoi?\n\n"
                              "00:00:02.000 --> 00:00:04.000\n<v [PERSOON-1]>Hallo, ik ben er.\n",
        "respondenten.csv": "id;leeftijd;tolk\nR02;34;nee\nR10;29;ja\nR03;40;nee\n",
        ".verborgen.txt": "geen transcript",
        "~$R02.docx": b"\x00lock",
        "opname.mp3": b"ID3\x00",
        "oud/R01.txt": "I: archief\nR: ja\n",
    }, respondent_ids={"interview-amal": "R03"}, speakers={"Jeske": "interviewer"})
    make_docx(root / "interviews" / "R01.docx", [("I:", " Hoe begon het?"), ("R:", " Slecht.")])
    result = import_study(Study.load(root))
    ids = [t.respondent_id for t in result.transcripts]
    assert ids == ["R03", "R01", "R02", "R10"]        # natural order by file name
    by_id = {t.respondent_id: t for t in result.transcripts}
    assert by_id["R02"].attributes == {"leeftijd": 34, "tolk": False}
    assert by_id["R03"].attributes == {"leeftijd": 40, "tolk": False}
    assert speaker_roles(by_id["R03"]) == {"Jeske": "interviewer", "[PERSOON-1]": "respondent"}
    assert any("opname.mp3" in w for w in result.warnings)
    assert any("R01" in w and "geen rij" in w for w in result.warnings)
    assert [t.respondent_id for t in load_study_transcripts(Study.load(root))] == ids


def test_duplicate_respondent_ids_are_an_error(make_study):
    root = make_study({"R01.txt": "I: a?\nR: b.\n", "R01.md": "I: a?\nR: b.\n"})
    with pytest.raises(InputError, match="R01.*twee transcripten"):
        import_study(Study.load(root))
    root = make_study({"R01.txt": "I: a?\nR: b.\n", "amal.txt": "I: a?\nR: b.\n"},
                      respondent_ids={"amal": "R01"})
    with pytest.raises(InputError, match="amal.txt"):
        import_study(Study.load(root))


def test_check_and_import_commands(make_study, capsys):
    root = make_study({"R01.txt": "Datum: [DATUM]\n\nI: Hoe gaat het vandaag?\n"
                                  "R: Geheimzinnig antwoord.\n"})
    assert main(["-q", "check", str(root)]) == 0
    out = capsys.readouterr().out
    assert "R01.txt" in out and "I=interviewer, R=respondent" in out
    assert "Geheimzinnig" not in out
    assert main(["import-transcripts", str(root), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["respondent"], r["speaker"], r["role"], r["words"]) for r in rows] == [
        ("R01", "I", "interviewer", 4), ("R01", "R", "respondent", 2)]
    assert main(["import-transcripts", str(root / "interviews" / "R01.txt")]) == 0
    out = capsys.readouterr().out
    assert "respondent" in out and "Geheimzinnig" not in out


# --- real files from elsewhere ---------------------------------------------------------------

@pytest.mark.parametrize("name,roles,min_turns", [
    ("transcript1.docx", {"SOLOMON": "interviewer", "TAVELA": "respondent"}, 150),
    ("short.docx", {"SOLOMON": "interviewer", "TAVELA": "respondent"}, 2),
    ("asr_speakers_en.docx", {"Speaker 1": "interviewer", "Speaker 2": "respondent"}, 6),
    ("badname.docx", {"DANYOW": "interviewer", "JONES": "respondent"}, 3),
])
def test_english_oral_history_docx(eval_dir, name, roles, min_turns):
    t = read_transcript(eval_dir / "docx" / name)
    assert speaker_roles(t) == roles
    assert len(t.segments) >= min_turns
    check_offsets(t)
    # the title block before the first turn is header, not speech
    if not name.startswith("asr"):
        assert "Oral History Program" in t.header["opmerkingen"]
        assert all("Transcribed by" not in s.text for s in t.segments)


def test_transcript1_quirks(eval_dir):
    t = read_transcript(eval_dir / "docx" / "transcript1.docx")
    assert t.header["titel"] == "Susan E. Tavela"
    # "‘SOLOMON:" (a stray quote) and " TAVELA:" (a leading space) are still labels
    assert {s.speaker for s in t.segments} == {"SOLOMON", "TAVELA"}
    chuckles = [s for s in t.segments if s.speech == "" and s.stage_directions]
    assert len(chuckles) > 10
    assert {s.stage_directions[0].text for s in chuckles} == {"[Chuckles.]", "[Laughs.]"}


def test_spoken_dutch_dialogue_as_subtitles(eval_dir, tmp_path):
    """IFADV (real Dutch conversation with timings) written as WebVTT with voice tags."""
    rows = list(csv.DictReader(open(eval_dir / "dialogue_nl" / "IFADV_DVA13U.csv",
                                    encoding="utf-8")))[:120]

    def ts(ms: str) -> str:
        total = float(ms) / 1000
        return f"{int(total // 3600):02d}:{int(total % 3600 // 60):02d}:{total % 60:06.3f}"

    cues = [f"{ts(r['begin'])} --> {ts(r['end'])}\n<v {r['participant'].split()[0]}>"
            f"{r['utterance']}" for r in rows]
    path = tmp_path / "R01.vtt"
    path.write_text("WEBVTT\n\n" + "\n\n".join(cues) + "\n", encoding="utf-8")
    t = read_transcript(path)
    changes = 1 + sum(1 for a, b in zip(rows, rows[1:])
                      if a["participant"].split()[0] != b["participant"].split()[0])
    assert len(t.segments) == changes
    assert set(speaker_roles(t)) == {"spreker1", "spreker2"}
    assert "respondent" in speaker_roles(t).values()
    check_offsets(t)


def test_bundled_transcripts_all_import_with_a_respondent():
    folder = ROOT / "interviews"
    files = sorted(p for p in folder.glob("R*.*") if p.suffix in (".txt", ".docx", ".md"))
    if len(files) < 16:
        pytest.skip("de 16 meegeleverde transcripten zijn (nog) niet aanwezig")
    study = Study.load(ROOT)
    result = import_study(study)
    assert len(result.transcripts) == 16
    for t in result.transcripts:
        roles = set(speaker_roles(t).values())
        assert "respondent" in roles and "interviewer" in roles, t.path.name
        assert t.attributes, t.path.name
        assert sum(len(s.speech.split()) for s in t.respondent_segments) > 500, t.path.name
        check_offsets(t)
    with_interpreter = [t for t in result.transcripts
                        if any(s.role == "interpreter" for s in t.segments)]
    assert with_interpreter
    assert all(any(s.interpreted for s in t.segments) for t in with_interpreter)
    assert not [w for w in result.warnings if "transcript" in w and "geen" in w]


def test_every_unreadable_file_is_named_at_once(make_study, capsys):
    from klantreis.cli import main
    root = make_study({"R01.txt": b"\x00\x01\x02" * 400, "R02.txt": b"",
                       "R03.txt": "I: Hoe ging het?\n\nR: Goed.\n", "R04.pdf": b"%PDF-1.4"})
    assert main(["-q", "check", str(root)]) == 2
    err = capsys.readouterr().err
    assert "3 bestanden kunnen niet worden gelezen" in err
    for name in ("R01.txt", "R02.txt", "R04.pdf"):
        assert name in err
    assert "R03.txt" not in err and "Traceback" not in err


# --- interpreters, duo interviews, organisations (review fixes) --------------------------------

@pytest.mark.parametrize("line", [
    "Tolk: Hij zegt dat het zwaar was.",
    "Tolk: Meneer vertelt dat hij geen geld had.",
    "Tolk: De man zegt dat de begeleider hielp.",
    "Tolk: Nee, zegt hij, dat wist ik niet.",
    "Tolk: Zijn antwoord is nee.",
    "Tolk: De respondent geeft aan dat hij wil werken.",
    "Tolk: He says he waited six weeks.",
    "Tolk: Ja. Hij zegt: eerst naar een azc.",
])
def test_male_and_neutral_renderings_are_interpreted(tmp_path, line):
    text = f"I: Kunt u vertellen hoe het ging?\nTolk: [vertaalt]\nR: [spreekt Tigrinya]\n{line}\n"
    t = read_transcript(write(tmp_path, "R02.txt", text))
    last = t.segments[-1]
    assert (last.role, last.interpreted) == ("interpreter", True)
    assert last in t.respondent_segments


def test_unlabelled_interpreter_of_a_man_is_inferred(tmp_path):
    text = ("Jeske: Hoe kwam u in Nederland?\nYonas: [vertaalt]\nAhmed: [spreekt Tigrinya]\n"
            "Yonas: Hij zegt dat hij via Italië kwam.\nJeske: En daarna?\nYonas: [vertaalt]\n"
            "Ahmed: [spreekt Tigrinya, lang]\nYonas: Meneer zegt: eerst naar een azc.\n"
            "Ahmed: Ja, azc.\n")
    t = read_transcript(write(tmp_path, "R02.txt", text))
    assert speaker_roles(t) == {"Jeske": "interviewer", "Yonas": "interpreter",
                                "Ahmed": "respondent"}


DUO_ANSWERS_A = ["Ik woon nu drie maanden in de opvang en het gaat langzaam beter met me.",
                 "Het geld was het grootste probleem, de uitkering duurde zes weken.",
                 "Mijn kinderen gaan weer naar school, dat geeft rust in huis."]
DUO_ANSWERS_B = ["Bij mij ging het anders, ik had al werk maar geen huis meer.",
                 "De toeslagen werden stopgezet en ik moest alles terugbetalen.",
                 "Ik slaap slecht, maar de groepsgesprekken helpen me wel."]
QUESTIONS = ["Hoe gaat het nu met jullie?", "Wat was het moeilijkste in het begin?",
             "Hoe gaat het met de kinderen?"]


@pytest.mark.parametrize("labels", [("Spreker 1", "Spreker 2", "Spreker 3"),
                                    ("Jeske", "Amal", "Sara"),
                                    ("SPEAKER_00", "SPEAKER_01", "SPEAKER_02")])
def test_duo_interview_both_answering_speakers_are_respondents(tmp_path, labels):
    iv, a, b = labels
    lines = []
    for q, x, y in zip(QUESTIONS, DUO_ANSWERS_A, DUO_ANSWERS_B):
        lines += [f"{iv}: {q}", f"{a}: {x} {x}", f"{b}: {y}"]
    t = read_transcript(write(tmp_path, "R01.txt", "\n".join(lines) + "\n"))
    assert speaker_roles(t) == {iv: "interviewer", a: "respondent", b: "respondent"}
    assert len(t.respondent_segments) == 6


def test_a_companion_who_says_little_stays_other(tmp_path):
    lines = []
    for q, x in zip(QUESTIONS, DUO_ANSWERS_A):
        lines += [f"Spreker 1: {q}", f"Spreker 2: {x} {x} {x}"]
    lines.insert(3, "Spreker 3: Ja.")
    lines.insert(6, "Spreker 3: Ik haal even koffie.")
    t = read_transcript(write(tmp_path, "R01.txt", "\n".join(lines) + "\n"))
    assert speaker_roles(t) == {"Spreker 1": "interviewer", "Spreker 2": "respondent",
                                "Spreker 3": "other"}


def test_organisation_lines_are_speech_not_speakers(tmp_path):
    # every organisation is a public body from the bundled keep list, not a word list of
    # this study's domain
    text = ("I: Met welke instanties had je te maken?\n"
            "R: Met heel veel.\n"
            "Belastingdienst: die stuurde alleen brieven.\n"
            "Werkplein: daar moest ik drie keer heen.\n"
            "Belastingdienst: en daarna nog een aanmaning.\n"
            "Werkplein: en toen was het dossier kwijt.\n"
            "I: En wie hielp je?\n"
            "R: Mijn mentor.\n")
    t = read_transcript(write(tmp_path, "R01.txt", text))
    assert [s.speaker for s in t.segments] == ["I", "R", "I", "R"]
    assert "Werkplein: en toen was het dossier kwijt." in t.segments[1].text


def test_study_organisations_and_declared_speakers(make_study):
    lines = ("I: Wie hielp je?\nR: Eerst niemand.\nStichting Noordlicht: die belde nooit.\n"
             "Stichting Noordlicht: ook niet na de melding.\nI: En toen?\nR: Toen ging ik zelf.\n")
    root = make_study({"R01.txt": lines})
    journey = root / "journeys" / "vrouwenopvang.yaml"
    text = journey.read_text(encoding="utf-8")
    journey.write_text(text.replace("organisations: [gemeente,",
                                    "organisations: [Stichting Noordlicht, gemeente,", 1),
                       encoding="utf-8")
    assert "Stichting Noordlicht" in Study.load(root).journey.organisations
    t = Study.load(root).transcripts[0]
    assert [s.speaker for s in t.segments] == ["I", "R", "I", "R"]
    # outside the study the same name is taken for a speaker (it recurs)
    assert "Stichting Noordlicht" in {s.speaker for s in read_transcript(
        root / "interviews" / "R01.txt").segments}
    # a label declared in study.yaml is a speaker even when it is an organisation word
    text = "I: Wie is er bij?\nConsulent: Ik, als consulent.\nR: En ik.\n"
    root = make_study({"R01.txt": text}, speakers={"Consulent": "other"})
    t = Study.load(root).transcripts[0]
    assert speaker_roles(t) == {"I": "interviewer", "Consulent": "other", "R": "respondent"}


def test_organisation_words_come_from_the_keep_list_not_a_hard_coded_domain_list():
    from klantreis import transcripts
    text = (ROOT / "toolkit" / "klantreis" / "data" / "anonymize" / "keep.txt").read_text("utf-8")
    keep = transcripts.read_word_list(text)
    assert {"gemeente", "svb", "uwv", "belastingdienst", "veilig thuis", "ind", "coa",
            "politie", "jeugdzorg", "opvang", "de opvang", "woningcorporatie",
            "rechtbank"} <= keep
    assert not keep & transcripts._NOT_NAMES


# --- stage directions: one rule; word counts are speech ---------------------------------------

def test_stage_directions_one_rule_for_import_and_quotes(tmp_path):
    from klantreis.quotes import STAGE_DIRECTION, quote_text
    from klantreis.transcripts import STAGE_DIRECTION_RE, strip_stage_directions
    long = "[spreekt lang in het Tigrinya met de tolk over de brief van de gemeente en de huur]"
    assert len(long) > 60
    text = (f"I: Hoe ging dat?\nR: Ik ging met [PERSOON-1] naar [PLAATS-2]. (lacht) {long} "
            "Dat was (in de zomer) zwaar [zucht].\n")
    t = read_transcript(write(tmp_path, "R01.txt", text))
    r = t.segments[1]
    assert [sd.text for sd in r.stage_directions] == ["(lacht)", long, "[zucht]"]
    spans = [m.group(0) for m in STAGE_DIRECTION_RE.finditer(r.text)]
    assert spans == [sd.text for sd in r.stage_directions]
    assert [m.group(0).strip() for m in STAGE_DIRECTION.finditer(r.text)] == spans
    expected = "Ik ging met [PERSOON-1] naar [PLAATS-2]. Dat was (in de zomer) zwaar."
    assert quote_text(r.text) == expected
    assert r.speech == "Ik ging met [PERSOON-1] naar [PLAATS-2]. Dat was (in de zomer) zwaar ."
    assert " ".join(strip_stage_directions(r.text).split()) == r.speech
    # placeholders are never stage directions, in any module
    for holder in ("[PERSOON-1]", "[DATUM]", "[GEBOORTEDATUM]", "[PLAATS-12]"):
        assert STAGE_DIRECTION_RE.search(holder) is None
        assert quote_text(f"met {holder} weg") == f"met {holder} weg"


def test_word_count_counts_speech_and_the_overview_reuses_it(tmp_path):
    from klantreis.transcripts import transcript_overview
    text = "I: Hoe ging dat? [stilte]\nR: [lacht] Goed hoor. (zucht) [spreekt Dari met de tolk]\n"
    t = read_transcript(write(tmp_path, "R01.txt", text))
    assert t.word_count == 5 == sum(s.word_count for s in t.segments)
    assert t.respondent_word_count == 2
    row = transcript_overview([t])[0]
    assert (row["woorden"], row["respondent_woorden"]) == (5, 2)


def test_placeholder_pattern_is_defined_once():
    from klantreis import models, nlp, quotes, transcripts
    assert nlp.PLACEHOLDER_RE is models.PLACEHOLDER_RE
    assert transcripts.PLACEHOLDER_RE is models.PLACEHOLDER_RE
    assert models.PLACEHOLDER_RE.pattern in transcripts.STAGE_DIRECTION_RE.pattern
    assert transcripts.STAGE_DIRECTION_RE.pattern in quotes.STAGE_DIRECTION.pattern


def test_segment_speech_is_the_one_implementation(tmp_path):
    from klantreis.models import speech_text
    text = "I: Hoe?\nR: [lacht] Ik  ging\n  met (lacht) haar mee.\nI: Fijn.\n"
    t = read_transcript(write(tmp_path, "R01.txt", text))
    r = t.segments[1]
    assert r.speech == speech_text(r.text, r.start, r.stage_directions) == "Ik ging met haar mee."
    assert t.segments[2].speech == "Fijn."


# --- reading files: bytes once, refusals by kind -----------------------------------------------

def test_docx_is_read_from_disk_once(tmp_path, make_docx, monkeypatch):
    path = make_docx(tmp_path / "R02.docx", [("I:", " Hoe begon het?"), ("R:", " Slecht.")])
    opened = []
    real_read_bytes = Path.read_bytes
    real_zipfile = zipfile.ZipFile.__init__

    def read_bytes(self):
        opened.append(self.name)
        return real_read_bytes(self)

    def zip_init(self, file, *args, **kwargs):
        assert not isinstance(file, (str, Path)), "the .docx is opened again from disk"
        return real_zipfile(self, file, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(zipfile.ZipFile, "__init__", zip_init)
    t = read_transcript(path)
    assert opened == ["R02.docx"]
    assert [s.speaker for s in t.segments] == ["I", "R"]


def test_refusal_kinds_decide_the_message(tmp_path):
    from klantreis.transcripts import _sniff_refusal
    assert _sniff_refusal(b"PK\x03\x04rest", ".odt")[0] == "zip"
    assert _sniff_refusal(b"%PDF-1.4", ".txt")[0] == "pdf"
    assert _sniff_refusal(b"PK\x03\x04rest", ".docx") is None
    # a real OLE file with .doc gets the .doc advice, a zip with .odt the OpenDocument advice
    with pytest.raises(InputError, match="OpenDocument"):
        read_transcript(write_bytes(tmp_path / "R01.odt", b"PK\x03\x04rest"))
    with pytest.raises(InputError, match="beveiligd document"):
        read_transcript(write_bytes(tmp_path / "R01.pdf.docx",
                                    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64))


# --- privacy: names are not printed ------------------------------------------------------------

def test_cli_hides_speaker_names_but_shows_role_words(make_study, capsys):
    text = ("Jeske: Hoe gaat het met je?\nAmal: Goed hoor, ik woon nu in een eigen huis.\n"
            "Jeske: Wat vind je daarvan?\nAmal: Het is rustig, de kinderen slapen beter.\n")
    root = make_study({"R01.txt": text,
                       "R02.txt": "Spreker 1: Hoe gaat het?\nSpreker 2: Goed hoor, echt.\n",
                       "R03.txt": "[PERSOON-2]: Hoe gaat het?\n[PERSOON-1]: Goed, dank je.\n",
                       "R04.txt": "Interviewer 2: Hoe gaat het?\nTolk Amal: Ze zegt: goed.\n"
                                  "R: Ja.\n"})
    assert main(["-q", "check", str(root)]) == 0
    out = capsys.readouterr().out
    assert "Jeske" not in out and "Amal" not in out
    assert "naam (verborgen)=interviewer, naam (verborgen)=respondent" in out
    assert "Spreker 1=interviewer, Spreker 2=respondent" in out
    assert "[PERSOON-2]=interviewer, [PERSOON-1]=respondent" in out
    assert "Interviewer 2=interviewer, naam (verborgen)=interpreter, R=respondent" in out
    for args in (["import-transcripts", str(root)], ["import-transcripts", str(root), "--json"],
                 ["import-transcripts", str(root / "interviews" / "R01.txt")]):
        assert main(args) == 0
        captured = capsys.readouterr()
        assert "Jeske" not in captured.out + captured.err
        assert "Amal" not in captured.out + captured.err
        assert "naam (verborgen)" in captured.out


def test_public_labels():
    from klantreis.transcripts import HIDDEN_LABEL, public_label
    for label in ("I", "R", "Interviewer", "Respondente", "Tolk", "T", "Begeleider",
                  "Spreker 1", "Speaker 2", "SPEAKER_00", "[PERSOON-1]", "Interviewer 2"):
        assert public_label(label) == label
    for label in ("Jeske", "Amal", "Tolk Amal", "Interviewer Jeske", "SOLOMON", "Paul Danyow"):
        assert public_label(label) == HIDDEN_LABEL
