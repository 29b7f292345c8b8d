"""Rich HTML for Jupyter: a coded transcript, the codebook, a study and a coding session.

Plain HTML/CSS strings, no dependencies. Every piece of text is HTML-escaped. Coded
passages are marked with exact offsets (``data-start``/``data-end`` are offsets into
``Transcript.text``); overlapping codings nest, each level adding its own tint and a
stacked underline in the category colour, so overlaps stay visible.
"""
from __future__ import annotations

import html
from collections import Counter
from typing import TYPE_CHECKING, Iterable

from .models import Coding, Segment, Transcript

if TYPE_CHECKING:  # pragma: no cover
    from .codebook import Codebook
    from .study import Study

ROLE_NAMES_NL = {"interviewer": "interviewer", "respondent": "respondent",
                 "interpreter": "tolk", "other": "overig"}
_FALLBACK = "#888888"

_CSS = """
<style>
.kr{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:14px;line-height:1.55;
  color:#222;max-width:1100px}
.kr h3{margin:.2em 0 .4em;font-size:1.15em}
.kr .kr-meta{color:#666;font-size:.9em;margin-bottom:.6em}
.kr table.kr-t{border-collapse:collapse;width:100%}
.kr table.kr-t td{vertical-align:top;padding:4px 8px;border-top:1px solid #eee}
.kr td.kr-sp{width:9em;white-space:nowrap;color:#444}
.kr td.kr-sp .kr-role{display:block;font-size:.78em;color:#888}
.kr td.kr-tx{white-space:pre-wrap}
.kr td.kr-mg{width:15em;font-size:.8em}
.kr tr.kr-interviewer td.kr-tx{color:#555;font-style:italic}
.kr .kr-m{border-radius:2px;padding:1px 0}
.kr .kr-chip{display:inline-block;margin:1px 2px;padding:0 5px;border-radius:8px;color:#fff;
  white-space:nowrap}
.kr .kr-sw{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin-right:.4em;
  vertical-align:middle}
.kr pre.kr-head{color:#777;font-size:.85em;margin:0 0 .5em;white-space:pre-wrap}
.kr table.kr-cb td,.kr table.kr-cb th{text-align:left;vertical-align:top;padding:2px 8px;
  border-top:1px solid #eee}
.kr .kr-core{font-size:.75em;background:#222;color:#fff;border-radius:3px;padding:0 4px;
  margin-left:.5em}
.kr dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:0}
.kr dt{color:#666}.kr dd{margin:0}
</style>
"""


class Html(str):
    """An HTML string that Jupyter renders (no IPython import needed)."""

    def _repr_html_(self) -> str:
        return str(self)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _rgb(color: str) -> tuple[int, int, int]:
    c = (color or "").strip().lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    try:
        if len(c) != 6:
            raise ValueError
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    except ValueError:
        return _rgb(_FALLBACK)


def _hex(color: str) -> str:
    return "#%02x%02x%02x" % _rgb(color)


def _code_info(codebook: "Codebook | None", code_id: str) -> tuple[str, str, str]:
    """(code name, category name, colour); an unknown code shows its id in grey."""
    if codebook is None:
        return code_id, "", _FALLBACK
    try:
        cat = codebook.category_of(code_id)
    except KeyError:
        return codebook.name_of(code_id), "", _FALLBACK
    return codebook.name_of(code_id), cat.name, _hex(cat.color)


# --- transcripts ------------------------------------------------------------------------------

def highlight(text: str, offset: int, codings: list[Coding], codebook: "Codebook | None") -> str:
    """HTML for ``text`` (which starts at ``offset``) with nested marks for the codings."""
    end_all = offset + len(text)
    spans = []
    for c in codings:
        s, e = max(c.start, offset), min(c.end, end_all)
        if s < e:
            spans.append((s, e, c))
    if not spans:
        return _e(text)
    # order: outer (earlier, longer) spans first, so that nesting is stable
    spans.sort(key=lambda x: (x[0], -x[1], x[2].id or 0))
    cuts = sorted({offset, end_all, *[s for s, _, _ in spans], *[e for _, e, _ in spans]})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = _e(text[a - offset:b - offset])
        active = [x for x in spans if x[0] <= a and b <= x[1]]
        for level, (s, e, c) in reversed(list(enumerate(active))):
            name, cat, color = _code_info(codebook, c.code)
            r, g, bl = _rgb(color)
            title = f"{name} ({cat})" if cat else name
            if c.coder:
                title += f" · {c.coder}"
            underline = 2 * (len(active) - level)  # outer marks thicker: stacked lines
            piece = (f'<mark class="kr-m" data-code="{_e(c.code)}" data-id="{_e(c.id or "")}" '
                     f'data-start="{s}" data-end="{e}" title="{_e(title)}" '
                     f'style="background:rgba({r},{g},{bl},0.22);'
                     f'box-shadow:inset 0 -{underline}px 0 {color}">{piece}</mark>')
        out.append(piece)
    return "".join(out)


def _chips(codings: Iterable[Coding], codebook: "Codebook | None") -> str:
    seen, chips = set(), []
    for c in sorted(codings, key=lambda c: (c.start, c.end, c.code)):
        key = (c.code, c.coder)
        if key in seen:
            continue
        seen.add(key)
        name, cat, color = _code_info(codebook, c.code)
        who = f" · {c.coder}" if c.coder else ""
        chips.append(f'<span class="kr-chip" style="background:{color}" '
                     f'title="{_e(cat)}">{_e(name)}{_e(who)}</span>')
    return "".join(chips)


def transcript_html(transcript: Transcript, codings: Iterable[Coding] = (),
                    codebook: "Codebook | None" = None) -> str:
    """The transcript turn by turn: speaker and role, the text with coded passages marked
    in their category colours, and the codes in the right margin."""
    codings = [c for c in codings if c.respondent_id == transcript.respondent_id]
    text = transcript.text
    parts = [_CSS, '<div class="kr">',
             f'<h3>Transcript {_e(transcript.respondent_id)}</h3>',
             f'<div class="kr-meta">{len(transcript.segments)} beurten · '
             f'{transcript.word_count} woorden · {len(codings)} coderingen</div>']
    segments: list[Segment] = sorted(transcript.segments, key=lambda s: s.start)
    if segments and segments[0].start > 0:
        head = text[:segments[0].start].strip()
        if head:
            parts.append(f'<pre class="kr-head">{_e(head)}</pre>')
    parts.append('<table class="kr-t">')
    if not segments:  # unparsed text: one block
        parts.append(_row("", "", 0, text, codings, codebook))
    for seg in segments:
        mine = [c for c in codings if c.start < seg.end and seg.start < c.end]
        parts.append(_row(seg.speaker, seg.role, seg.start, text[seg.start:seg.end], mine,
                          codebook, seg))
    parts.append("</table></div>")
    return "".join(parts)


def _row(speaker: str, role: str, offset: int, text: str, codings: list[Coding],
         codebook, seg: Segment | None = None) -> str:
    role_nl = ROLE_NAMES_NL.get(role, role)
    stamp = f" [{_e(seg.timestamp)}]" if seg is not None and seg.timestamp else ""
    interp = " (vertaalt)" if seg is not None and seg.interpreted else ""
    return (f'<tr class="kr-{_e(role or "none")}">'
            f'<td class="kr-sp"><b>{_e(speaker)}</b>{stamp}'
            f'<span class="kr-role">{_e(role_nl)}{interp}</span></td>'
            f'<td class="kr-tx" data-start="{offset}">{highlight(text, offset, codings, codebook)}'
            f'</td><td class="kr-mg">{_chips(codings, codebook)}</td></tr>')


# --- codebook ---------------------------------------------------------------------------------

def codebook_html(codebook: "Codebook") -> str:
    parts = [_CSS, '<div class="kr">', f"<h3>{_e(codebook.name)}</h3>",
             f'<div class="kr-meta">{len(codebook.categories)} categorieën · '
             f'{len(codebook.codes)} codes · {len(codebook.relations)} relaties</div>',
             '<table class="kr-cb"><tr><th>Code</th><th>Naam</th><th>Definitie</th>'
             '<th>Valentie</th><th>Fasen</th></tr>']
    for cat in codebook.categories:
        color = _hex(cat.color)
        core = '<span class="kr-core">kerncategorie</span>' \
            if cat.id == codebook.core_category else ""
        parts.append(f'<tr><td colspan="5"><span class="kr-sw" style="background:{color}">'
                     f'</span><b>{_e(cat.name)}</b> <code>{_e(cat.id)}</code>{core}'
                     f'<div class="kr-meta">{_e(cat.description)}</div></td></tr>')
        for code in cat.codes:
            parts.append(f"<tr><td><code>{_e(code.id)}</code></td><td>{_e(code.name)}</td>"
                         f"<td>{_e(code.definition)}</td><td>{code.valence:+d}</td>"
                         f"<td>{_e(', '.join(code.phases))}</td></tr>")
    parts.append("</table>")
    if codebook.storyline:
        parts.append(f'<p><b>Verhaallijn.</b> {_e(codebook.storyline)}</p>')
    parts.append("</div>")
    return "".join(parts)


# --- study ------------------------------------------------------------------------------------

def _transcript_count(study: "Study") -> int:
    """The parsed transcripts when the study has read them already, else the transcript
    files in ``interviews/`` (``transcripts.transcript_files`` with a supported format:
    counted, never read: a repr must stay fast and must not fail on a bad file)."""
    loaded = _loaded_transcripts(study)
    if loaded is not None:
        return len(loaded)
    from .transcripts import SUPPORTED, transcript_files

    return sum(1 for p in transcript_files(study.interviews_dir)
               if p.suffix.lower() in SUPPORTED)


def _loaded_transcripts(study: "Study") -> list | None:
    # ``Study.transcripts`` is a functools.cached_property: once read, its value is the
    # instance attribute (vars), and asking for it then costs nothing. Study has no public
    # "already read?" yet; this is the one place that asks.
    return vars(study).get("transcripts") if hasattr(study, "__dict__") else None


def study_html(study: "Study") -> str:
    """Title, commissioner and counts; never transcript text."""
    cfg = study.config
    rows = [("Opdrachtgever", cfg.commissioner), ("Doelgroep", cfg.target_group),
            ("Onderzoeksvraag", cfg.research_question),
            ("Transcripten", _transcript_count(study)),
            ("Categorieën", len(study.codebook.categories)),
            ("Codes", len(study.codebook.codes)),
            ("Persona's", len(study.personas)),
            ("Klantreizen", len(study.journeys))]
    if cfg.executor:
        rows.insert(1, ("Uitvoering", cfg.executor))
    body = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    sub = f'<div class="kr-meta">{_e(cfg.subtitle)}</div>' if cfg.subtitle else ""
    return f'{_CSS}<div class="kr"><h3>{_e(cfg.title)}</h3>{sub}<dl>{body}</dl></div>'


# --- journey and persona archetype -------------------------------------------------------------

def journey_html(journey) -> str:
    """Phases as columns with their steps and the organisations in contact at each."""
    cols = []
    for phase in journey.phases:
        steps = "".join(
            f"<li>{_e(s.name)}"
            + (f'<div class="kr-meta">{_e(", ".join(s.organisations))}</div>'
               if s.organisations else "") + "</li>" for s in phase.steps)
        cols.append(f'<td><b>{_e(phase.name)}</b>'
                    + (f'<div class="kr-meta">{_e(phase.description)}</div>'
                       if phase.description else "")
                    + (f"<ul style='padding-left:1.1em;margin:.2em 0'>{steps}</ul>"
                       if steps else "") + "</td>")
    orgs = ", ".join(journey.organisations)
    return (f'{_CSS}<div class="kr"><h3>{_e(journey.name)}</h3>'
            f'<div class="kr-meta">{len(journey.phases)} fasen · '
            f'{sum(len(p.steps) for p in journey.phases)} stappen'
            + (f" · organisaties: {_e(orgs)}" if orgs else "") + "</div>"
            f'<table class="kr-t"><tr>{"".join(cols)}</tr></table></div>')


def persona_html(persona, codebook: "Codebook | None" = None) -> str:
    """An archetype as a small card: name, description, expected attributes, codes, needs
    and goals (the card with evidence is ``personas.PersonaCard``)."""
    names = []
    for code in persona.codes:
        name, _, color = _code_info(codebook, code)
        names.append(f'<span class="kr-chip" style="background:{color}">{_e(name)}</span>')
    def shown(v):   # typed by the loader: say it the way the researcher wrote it
        if isinstance(v, bool):
            return "ja" if v else "nee"
        return ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v
    attrs = "".join(f"<dt>{_e(k)}</dt><dd>{_e(shown(v))}</dd>"
                    for k, v in persona.attributes.items())

    def items(title: str, values: list[str]) -> str:
        return (f"<p><b>{title}</b></p><ul>" + "".join(f"<li>{_e(v)}</li>" for v in values)
                + "</ul>") if values else ""
    return (f'{_CSS}<div class="kr" style="border-left:6px solid {_hex(persona.color)};'
            f'padding-left:12px"><h3>{_e(persona.name)}</h3>'
            f'<div class="kr-meta">{_e(persona.description)}</div>'
            + (f"<dl>{attrs}</dl>" if attrs else "")
            + (f"<p>{''.join(names)}</p>" if names else "")
            + items("Behoeften", persona.needs) + items("Doelen", persona.goals)
            + (f"<p><i>\u201c{_e(persona.quote)}\u201d</i></p>" if persona.quote else "")
            + "</div>")


# --- coding session ---------------------------------------------------------------------------

def session_html(session) -> str:
    """Coder, number of codings per code (with colours) and the latest changes."""
    codings = session.codings()
    book = session.study.codebook
    counts = Counter(c.code for c in codings)
    respondents = len({c.respondent_id for c in codings})
    rows = []
    for code, n in counts.most_common():
        name, cat, color = _code_info(book, code)
        rows.append(f'<tr><td><span class="kr-sw" style="background:{color}"></span>'
                    f'{_e(name)}</td><td>{_e(cat)}</td><td>{n}</td></tr>')
    events = session.store.events(who=session.coder)[-5:]
    recent = "".join(f"<li>{_e(ev.at[:19].replace('T', ' '))} · {_e(ev.action)}</li>"
                     for ev in reversed(events))
    return (f'{_CSS}<div class="kr"><h3>Codeersessie van codeur {_e(session.coder)}</h3>'
            f'<div class="kr-meta">{len(codings)} coderingen bij {respondents} respondenten · '
            f'{len(counts)} codes gebruikt</div>'
            f'<table class="kr-cb"><tr><th>Code</th><th>Categorie</th><th>Aantal</th></tr>'
            f'{"".join(rows)}</table>'
            + (f"<p><b>Laatste wijzigingen</b></p><ul>{recent}</ul>" if recent else "")
            + "</div>")


__all__ = ["Html", "transcript_html", "codebook_html", "study_html", "session_html",
           "journey_html", "persona_html", "highlight"]
