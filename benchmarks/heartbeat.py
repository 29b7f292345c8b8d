"""Benchmark: heartbeats + posters for 3 personas must render in < 10 s together.

    .venv/bin/python benchmarks/heartbeat.py                 # synthetic study (default)
    .venv/bin/python benchmarks/heartbeat.py --study STUDY   # a real study, when it has
                                                             # codings and personas/assignments.csv
    options: --out DIR (write there and keep), --keep (keep the temporary folder), --full
    (accepted for run.py; there is no larger variant)

The synthetic study is fictional throughout (placeholders, invented sentences); its figures
go to benchmarks/out/heartbeat/ (git-ignored) unless --out says otherwise. A real study's
posters carry real transcript quotes: the privacy check (``klantreis.anonymize.privacy_gate``)
runs first and nothing is drawn when it finds suspects, and the figures go to a temporary
folder that is removed afterwards (--keep keeps it, --out DIR writes to DIR), never into
the repository by default.

Prints seconds per step and the total, wall clock and process CPU time: on a busy 2-core
machine the wall clock is the larger, and the CPU time is what the same work costs when the
machine is otherwise idle. The target is judged on the wall clock.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "toolkit"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import add_full, verdict  # noqa: E402

from klantreis.codebook import Codebook  # noqa: E402
from klantreis.models import Category, Code, Coding, Journey, Phase, Step, Transcript  # noqa: E402

LIMIT_SECONDS = 10.0

# code id -> (name, phases, valence, organisations, sentences)
_CODES = {
    "melding_veilig_thuis": ("Melding bij Veilig Thuis", ["voor_opvang"], -1, ["Veilig Thuis"], [
        "Toen de buren belden ging alles ineens heel snel, ik wist niet wat er gebeurde.",
        "Veilig Thuis belde terug en zei dat ik dezelfde dag nog weg kon, dat was eng maar ook goed.",
    ]),
    "crisisopvang_snel": ("Snel een plek in de crisisopvang", ["voor_opvang", "instroom"], 2,
                          ["opvang"], [
        "Binnen een dag had ik een bed voor mij en de kinderen, daar ben ik nog steeds dankbaar voor.",
        "Ze stonden meteen voor ons klaar, ik hoefde niets uit te leggen.",
    ]),
    "wachten_op_uitkering": ("Wachten op uitkering", ["instroom", "verblijf"], -2, ["gemeente"], [
        "Ik heb zes weken op geld gewacht en ondertussen moest ik luiers kopen van leefgeld dat er niet was.",
        "Elke week belde ik de gemeente en elke week zeiden ze dat het nog in behandeling was, ik werd er gek van.",
        "Dan zit je daar met niks, en dan moet je ook nog formulieren invullen die je niet snapt.",
    ]),
    "toeslagen_partner": ("Toeslagen lopen via de partner", ["instroom", "uitstroom"], -3,
                          ["Belastingdienst", "SVB"], [
        "De kinderbijslag ging nog maanden naar [PERSOON-1], en ik kon daar helemaal niets aan doen.",
        "Omdat het huurcontract op zijn naam stond moest alles eerst via hem, terwijl ik juist weg wilde.",
    ]),
    "hulp_financien": ("Hulp bij financiën in de opvang", ["verblijf"], 2, ["opvang"], [
        "De financieel medewerker heeft alles voor mij op een rij gezet, ik had eindelijk overzicht.",
        "Zij regelde de brieven en belde met instanties, dat scheelde mij zoveel zorgen.",
    ]),
    "privacy_rekening": ("Zorgen om privacy van de bankrekening", ["verblijf"], -1, ["opvang"], [
        "Het voelt raar dat iemand anders mijn inlogcodes heeft, ook al bedoelen ze het goed.",
    ]),
    "waardering_medewerkers": ("Waardering voor medewerkers", ["verblijf", "uitstroom"], 3,
                               ["opvang"], [
        "Mijn begeleider is echt een schat, ze heeft me er doorheen gesleept.",
        "Iedereen hier doet zijn best, je merkt dat ze om je geven.",
        "Zonder de mensen hier had ik het niet gered, dat meen ik echt.",
    ]),
    "wachten_op_therapie": ("Wachten op therapie", ["verblijf"], -2, ["opvang", "GGZ"], [
        "Ik sta al maanden op een wachtlijst voor traumabehandeling en ondertussen gebeurt er niks.",
    ]),
    "groepslessen": ("Steun aan groepslessen", ["verblijf"], 2, ["opvang"], [
        "In de groep merkte ik dat ik niet de enige ben, dat gaf me kracht.",
    ]),
    "dagbesteding_beperkt": ("Te weinig dagbesteding", ["verblijf"], -1, ["opvang"], [
        "De dagen zijn lang, er is eigenlijk weinig te doen behalve wachten.",
    ]),
    "woning_zoeken": ("Zoeken naar een woning", ["uitstroom"], -2, ["woningcorporatie",
                                                                     "gemeente"], [
        "Ik heb voorrang gekregen, maar het duurde alsnog een half jaar voordat er iets was.",
        "Elke keer als ik reageerde op een woning stond ik ergens onderaan de lijst.",
    ]),
    "verhuizing_gemeente": ("Verhuizing naar andere gemeente", ["uitstroom", "na_uitstroom"], -2,
                            ["gemeente"], [
        "In de nieuwe gemeente moest alles opnieuw, alsof de vorige gemeente nooit had bestaan.",
        "Weer een nieuwe aanvraag, weer een nieuw loket, weer je verhaal vertellen.",
    ]),
    "begeleid_wonen": ("Zelfstandig begeleid wonen", ["uitstroom"], 2, ["opvang"], [
        "Een eigen voordeur en toch iemand in de buurt, dat was precies wat ik nodig had.",
    ]),
    "zelf_regelen": ("Alles zelf moeten regelen", ["na_uitstroom"], -2,
                     ["gemeente", "schuldhulpverlening"], [
        "Nu sta ik er alleen voor, en de brieven blijven maar komen.",
        "Ik weet niet waar ik recht op heb en niemand die het me uitlegt.",
    ]),
    "eigen_plek": ("Trots op een eigen plek", ["na_uitstroom"], 3, [], [
        "Voor het eerst in jaren doe ik zelf de deur op slot en voel ik me veilig.",
    ]),
}

_PHASES = [
    ("voor_opvang", "Voor de opvang", [("melding", "Melding en vlucht", ["Veilig Thuis", "politie"])]),
    ("instroom", "Instroom in de opvang", [
        ("inschrijving", "Inschrijven bij de gemeente", ["gemeente"]),
        ("uitkering_aanvragen", "Uitkering aanvragen", ["gemeente"]),
        ("toeslagen_regelen", "Toeslagen en kinderbijslag regelen", ["Belastingdienst", "SVB"])]),
    ("verblijf", "Verblijf in de opvang", [
        ("financien", "Financiën op orde brengen", ["opvang"]),
        ("therapie", "Therapie en hulpverlening", ["opvang", "GGZ"])]),
    ("uitstroom", "Uitstroom", [("woning", "Woning zoeken", ["woningcorporatie", "gemeente"]),
                                ("verhuizen", "Verhuizen", ["gemeente"])]),
    ("na_uitstroom", "Na de opvang", []),
]

_CODE_MAP = {
    "melding_veilig_thuis": {"phase": "voor_opvang", "step": "melding"},
    "wachten_op_uitkering": {"step": "uitkering_aanvragen"},
    "toeslagen_partner": {"step": "toeslagen_regelen"},
    "hulp_financien": {"step": "financien"},
    "wachten_op_therapie": {"step": "therapie"},
    "groepslessen": {"step": "therapie"},
    "woning_zoeken": {"step": "woning"},
}

# persona -> valence shift per code (how her group experiences it)
_PERSONA_SHIFT = {
    "tessa": {"hulp_financien": -1, "privacy_rekening": -1, "wachten_op_therapie": -1,
              "begeleid_wonen": +1},
    "lyna": {"groepslessen": +1, "zelf_regelen": -1},
    "rosanna": {"begeleid_wonen": -4, "zelf_regelen": -1, "groepslessen": +1},
}


def synthetic(n_respondents: int = 16, seed: int = 7):
    """A fictional study: journey, codebook, codings, assignments, transcripts, personas,
    recommendations and findings (plain data, no files)."""
    rng = random.Random(seed)
    journey = Journey(
        id="vrouwenopvang", name="Klantreis vrouwen in de vrouwenopvang",
        organisations=["Veilig Thuis", "politie", "gemeente", "opvang", "Belastingdienst", "SVB",
                       "GGZ", "woningcorporatie", "schuldhulpverlening"],
        phases=[Phase(pid, name, [Step(sid, sname, orgs) for sid, sname, orgs in steps])
                for pid, name, steps in _PHASES],
        code_map=dict(_CODE_MAP))
    cat = Category("ervaring", "Ervaringen", codes=[
        Code(cid, name, "ervaring", phases=phases, valence=val, organisations=orgs)
        for cid, (name, phases, val, orgs, _) in _CODES.items()])
    codebook = Codebook("Synthetisch codeboek", categories=[cat])
    personas = [
        {"id": "tessa", "name": "Tessa", "color": "#0072B2",
         "description": "Moeder van Nederlandse komaf; onder normale omstandigheden "
                        "zelfredzaam. Wil snel weer op eigen benen staan.",
         "needs": ["Overzicht van regelingen en waar ze recht op heeft",
                   "Privacy over haar eigen bankzaken", "Snel passende therapie"],
         "goals": ["Weer zelfstandig wonen met de kinderen", "Terug aan het werk"],
         "quote": "Ik wil gewoon weten waar ik aan toe ben."},
        {"id": "lyna", "name": "Lyna", "color": "#D55E00",
         "description": "Jonge moeder die uit haar land van herkomst is gevlucht en nog "
                        "steeds op de vlucht is voor haar ex; spreekt beperkt Nederlands.",
         "needs": ["Uitleg in eenvoudige taal of met tolk", "Veiligheid en een geheim adres"],
         "goals": ["De taal leren", "Een veilige plek voor haar kind"]},
        {"id": "rosanna", "name": "Rosanna", "color": "#009E73",
         "description": "Moeder onder de 21 met een moeilijke jeugd; begrijpt de overheid niet "
                        "en wil het liefst dat alles voor haar geregeld wordt.",
         "needs": ["Iemand die met haar meekijkt na de opvang"],
         "goals": ["Een eigen huis", "Rust"]},
    ]
    pids = [p["id"] for p in personas]
    transcripts, codings, assignments = [], [], {}
    code_ids = list(_CODES)
    for r in range(1, n_respondents + 1):
        rid = f"R{r:02d}"
        persona = pids[(r - 1) % 3]
        assignments[rid] = persona
        parts, spans = [f"Interview {rid}\nDatum: [DATUM]\n\n"], []
        pos = len(parts[0])
        chosen = rng.sample(code_ids, k=rng.randint(7, 11))
        # interviews follow the journey: sort by the code's first phase
        order = [p[0] for p in _PHASES]
        chosen.sort(key=lambda c: order.index(_CODES[c][1][0]))
        for i, cid in enumerate(chosen):
            q = f"I: Kun je daar iets meer over vertellen, deel {i + 1}?\n\n"
            parts.append(q)
            pos += len(q)
            sentence = rng.choice(_CODES[cid][4])
            filler = "R: Ja. Nou, even denken. [stilte] "
            parts.append(filler)
            pos += len(filler)
            spans.append((cid, pos, pos + len(sentence)))
            tail = " Zo was het eigenlijk wel, ja.\n\n"
            parts.append(sentence + tail)
            pos += len(sentence) + len(tail)
        text = "".join(parts)
        transcripts.append(Transcript(rid, Path(f"{rid}.txt"), text, sha256="0" * 64,
                                      format="txt", encoding="utf-8"))
        for k, (cid, s, e) in enumerate(spans):
            base = _CODES[cid][2] + _PERSONA_SHIFT[persona].get(cid, 0) + rng.choice([0, 0, 0, -1, 1])
            codings.append(Coding(rid, cid, s, e, coder="A", quote=text[s:e],
                                  valence=max(-3, min(3, base)), id=len(codings) + 1))
    findings = [{"id": "afhankelijkheid_partner", "title": "Afhankelijk van de partner",
                 "codes": ["toeslagen_partner"]}]
    recommendations = [
        {"id": "een_overheid", "text": "Werk als één overheid: zet regelingen tegelijk in gang "
                                       "zodra een vrouw instroomt.",
         "answers": ["wachten_op_uitkering", "afhankelijkheid_partner"], "desired_valence": 1,
         "kind": "quick win"},
        {"id": "soepele_verhuizing", "text": "Zorg bij verhuizing voor een soepele overgang "
                                             "tussen gemeenten.",
         "answers": ["verhuizing_gemeente"], "kind": "not so quick win"},
    ]
    return dict(journey=journey, codebook=codebook, codings=codings, assignments=assignments,
                transcripts=transcripts, personas=personas, recommendations=recommendations,
                findings=findings)


def _bundled(study_path: Path):
    from klantreis import Study
    from klantreis.journeys import heartbeats_for_study
    study = Study.load(study_path)
    res = heartbeats_for_study(study)
    personas = {p.id: p for p in study.personas}
    return res.journey, res.heartbeats, personas


def _gate(study_path: Path):
    """None when the study's transcripts pass the privacy check, else the refusal."""
    from klantreis import Study
    from klantreis.anonymize import privacy_gate
    from klantreis.errors import PrivacyGateError
    try:
        privacy_gate(Study.load(study_path))
    except PrivacyGateError as exc:
        return exc
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--study", type=Path, help="studiemap met coderingen en toewijzing")
    ap.add_argument("--out", type=Path, help="uitvoermap (blijft staan); standaard "
                    "benchmarks/out/heartbeat (synthetisch) of een tijdelijke map (--study)")
    ap.add_argument("--keep", action="store_true",
                    help="de tijdelijke uitvoermap van --study niet verwijderen")
    add_full(ap)
    args = ap.parse_args(argv)

    if args.study:
        args.study = args.study.expanduser().resolve()
        if not (args.study / "study.yaml").is_file():
            ap.error(f"{args.study} is geen studiemap (study.yaml ontbreekt)")
        refused = _gate(args.study)   # before anything with real quotes is drawn
        if refused is not None:
            print("privacycontrole: niets getekend, de transcripten bevatten mogelijk nog "
                  f"persoonsgegevens.\n{refused}")
            verdict({f"< {LIMIT_SECONDS:.0f} s": None})
            return getattr(refused, "exit_code", 3)   # as 'klantreis run' does
        print("privacycontrole: geen verdachte woorden in de transcripten")
    if args.out:
        out, temporary = args.out.expanduser().resolve(), False
    elif args.study:
        out, temporary = Path(tempfile.mkdtemp(prefix="klantreis-heartbeat-")), True
    else:
        out, temporary = ROOT / "benchmarks" / "out" / "heartbeat", False
    try:
        ok = _measure(args.study, out)
    finally:
        if temporary and not args.keep:
            shutil.rmtree(out, ignore_errors=True)
            print(f"(tijdelijke uitvoermap {out} verwijderd; --keep bewaart hem)")
    return verdict({f"heartbeats + posters < {LIMIT_SECONDS:.0f} s (wand)": ok})


def _measure(study: Path | None, out: Path) -> bool:
    from klantreis.heartbeat import write_heartbeat_figures
    from klantreis.journeys import compute_heartbeats
    from klantreis.parallel import workers
    from klantreis.posters import write_posters

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    t0, c0 = time.perf_counter(), time.process_time()
    if study:
        journey, hbs, personas = _bundled(study)
        source = f"studie {study}"
    else:
        data = synthetic()
        journey = data["journey"]
        hbs = compute_heartbeats(journey, data["codebook"], data["codings"], data["assignments"],
                                 data["transcripts"], personas=data["personas"],
                                 recommendations=data["recommendations"],
                                 findings=data["findings"])
        personas = {p["id"]: p for p in data["personas"]}
        source = (f"synthetisch ({len(data['codings'])} coderingen, "
                  f"{len(data['assignments'])} respondenten)")
    t_compute, c_compute = time.perf_counter() - t0, time.process_time() - c0
    hbs = hbs[:3]
    out.mkdir(parents=True, exist_ok=True)

    # the writers the pipeline uses: figures are drawn side by side on the cores
    # (klantreis.parallel; KLANTREIS_WORKERS=1 draws them one after the other)
    t1, c1 = time.perf_counter(), time.process_time()
    written = write_heartbeat_figures(hbs, journey, out)
    t_heart, c_heart = time.perf_counter() - t1, time.process_time() - c1

    t2, c2 = time.perf_counter(), time.process_time()
    written += write_posters(personas, hbs, journey, out, "A3")
    t_poster, c_poster = time.perf_counter() - t2, time.process_time() - c2
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"bron: {source}; {os.cpu_count()} cores, {workers()} tekenprocessen, "
          f"belasting bij de start {load:.2f}")
    print(f"{'':<50} {'wand s':>7} {'cpu s':>7}  (cpu: dit proces, zonder de tekenprocessen)")
    print(f"{'heartbeats berekenen':<50} {t_compute:7.2f} {c_compute:7.2f}")
    print(f"{f'heartbeat-figuren ({len(hbs)} + vergelijking, png/pdf/svg)':<50} "
          f"{t_heart:7.2f} {c_heart:7.2f}")
    print(f"{f'posters A3 ({len(hbs)}, pdf/png/svg)':<50} {t_poster:7.2f} {c_poster:7.2f}")
    print(f"{'totaal':<50} {total:7.2f} {cpu:7.2f}")
    print(f"doel < {LIMIT_SECONDS:.0f} s (wand): "
          f"{'OK' if total < LIMIT_SECONDS else 'TE TRAAG'}")
    print(f"{len(written)} bestanden in {out}")
    return total < LIMIT_SECONDS


if __name__ == "__main__":
    sys.exit(main())
