"""Pattern recognisers: identifiers, dates, ages and street addresses.

Each ``find_*`` function takes the text and returns ``Detection``s. Checksums keep the
number recognisers precise: a BSN must pass the 11-proef, an IBAN the mod-97 check.
Spans never cross a line break (the output keeps its line structure).
"""
from __future__ import annotations

import re
from typing import Iterable

from .base import (
    ADRES,
    BSN,
    DATUM,
    EMAIL,
    GEBOORTEDATUM,
    IBAN,
    KENTEKEN,
    LEEFTIJD,
    NUMMER,
    POSTCODE,
    TELEFOON,
    URL,
    Detection,
)

_SEP = r"[ \t]?[-.]?[ \t]?"      # between digit groups: "06 - 1234", "123.456", "12 34"


def _det(m: re.Match, label: str, source: str, group: int = 0) -> Detection:
    return Detection(m.start(group), m.end(group), label, m.group(group), source)


# --- BSN ---------------------------------------------------------------------------------

_BSN_RE = re.compile(r"(?<![\w.,/+-])(?<!\d[ .-])(\d(?:[ .-]?\d){8})(?![\w])(?![ .-]?\d)")
_BSN_CONTEXT = re.compile(r"\b(?:bsn|burger\s?service\s?nummer|burgerservicenummer|"
                          r"sofi-?nummer|sofinummer)\b", re.I)


def elfproef(digits: str) -> bool:
    """The BSN 11-proef: 9*d1 + 8*d2 + ... + 2*d8 - d9 is a multiple of 11."""
    if len(digits) != 9 or not digits.isdigit() or digits == "0" * 9:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1))) - int(digits[8])
    return total % 11 == 0


def find_bsn(text: str) -> list[Detection]:
    out = []
    for m in _BSN_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(1))
        if "\n" in m.group(1):
            continue
        # A failed 11-proef right after "BSN" is still someone's number (a typo or a
        # mis-hearing); elsewhere nine digits without a valid check are left alone.
        before = text[max(0, m.start() - 40): m.start()]
        if elfproef(digits) or _BSN_CONTEXT.search(before):
            out.append(_det(m, BSN, "bsn", 1))
    return out


# --- IBAN --------------------------------------------------------------------------------

_IBAN_RE = re.compile(r"(?<![\w])([A-Z]{2}[ \t]?\d{2}(?:[ \t]?[A-Z0-9]{4}){2,7}(?:[ \t]?[A-Z0-9]{1,3})?)"
                      r"(?![\w])", re.I)
_IBAN_LENGTH = {"NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "ES": 24, "IT": 27, "PL": 28,
                "LU": 20, "AT": 20, "CH": 21, "TR": 26, "PT": 25, "IE": 22, "DK": 18, "SE": 24}


def iban_valid(candidate: str) -> bool:
    s = re.sub(r"\s", "", candidate).upper()
    if len(s) < 15 or len(s) > 34 or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    if s[:2] in _IBAN_LENGTH and len(s) != _IBAN_LENGTH[s[:2]]:
        return False
    rearranged = s[4:] + s[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def find_iban(text: str) -> list[Detection]:
    out = []
    for m in _IBAN_RE.finditer(text):
        cand = m.group(1)
        # The regex may run one group too far ("NL91 ABNA 0417 1643 00 en"): shorten.
        while cand and not iban_valid(cand):
            parts = cand.rsplit(None, 1)
            if len(parts) < 2:
                cand = ""
                break
            cand = parts[0]
        if cand:
            out.append(Detection(m.start(1), m.start(1) + len(cand), IBAN, cand, "iban"))
    return out


# --- phone numbers -----------------------------------------------------------------------

_PHONE_NL = re.compile(
    r"(?<![\w+])(?:(?:\+|00)[ \t]?31[ \t]?[-.]?[ \t]?(?:\(0\)[ \t]?)?|\(0\d{1,3}\)[ \t]?[-.]?[ \t]?|0)"
    r"\d(?:" + _SEP + r"\d){4,10}(?![\w])(?!" + _SEP + r"\d)")
_PHONE_INTL = re.compile(r"(?<![\w+])(?:\+|00)(?!31)[1-9]\d{0,2}(?:" + _SEP + r"\(?\d\)?){7,13}"
                         r"(?![\w])(?!" + _SEP + r"\d)")
# Public service lines stay: 0800 (free), 0900/0906/0909 (paid), 14 0xx (municipalities).
_SERVICE_PREFIXES = ("0800", "0900", "0906", "0909")


def _national_digits(raw: str) -> str:
    s = raw.replace("(0)", "")
    digits = re.sub(r"\D", "", s)
    if s.lstrip().startswith("+31"):
        digits = "0" + digits[2:]
    elif digits.startswith("0031"):
        digits = "0" + digits[4:]
    return digits


def find_phone(text: str) -> list[Detection]:
    out = []
    for m in _PHONE_NL.finditer(text):
        if "\n" in m.group(0):
            continue
        digits = _national_digits(m.group(0))
        if digits.startswith(_SERVICE_PREFIXES):
            continue
        if len(digits) == 10 and digits[0] == "0" and digits[1] != "0":
            out.append(_det(m, TELEFOON, "phone"))
    for m in _PHONE_INTL.finditer(text):
        if "\n" not in m.group(0) and 8 <= len(re.sub(r"\D", "", m.group(0))) <= 15:
            out.append(_det(m, TELEFOON, "phone"))
    return out


# --- e-mail and URLs ---------------------------------------------------------------------

_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w])", re.I)
_TLDS = ("nl|com|org|net|be|eu|info|nu|de|io|app|me|online|shop|frl|amsterdam|uk|fr|tv|biz|"
         "co|edu|gov|int|ma|tr|sr")
_URL_RE = re.compile(
    r"(?<![\w@./-])(?:(?:https?://|www\.)[^\s<>()\[\]\"']+|"
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:" + _TLDS + r")(?:/[^\s<>()\[\]\"']*)?)"
    r"(?![\w@])", re.I)
# Public websites: no person behind them. A study can add domains to its keep.txt.
PUBLIC_DOMAINS = {
    "rijksoverheid.nl", "overheid.nl", "government.nl", "toeslagen.nl", "belastingdienst.nl",
    "svb.nl", "uwv.nl", "werk.nl", "digid.nl", "mijnoverheid.nl", "ind.nl", "coa.nl",
    "politie.nl", "rechtspraak.nl", "juridischloket.nl", "rvr.org", "duo.nl", "cak.nl",
    "cjib.nl", "veiligthuis.nl", "nibud.nl", "ggd.nl", "thuisarts.nl", "113.nl",
    "slachtofferhulp.nl", "vluchtelingenwerk.nl", "voedselbankennederland.nl", "leergeld.nl",
    "jeugdfondssportencultuur.nl", "nationaleombudsman.nl", "kinderbescherming.nl",
    "google.com", "google.nl", "facebook.com", "instagram.com", "youtube.com", "whatsapp.com",
    "marktplaats.nl", "funda.nl", "woningnet.nl",
}


def _host(url: str) -> tuple[str, str]:
    s = re.sub(r"^https?://", "", url, flags=re.I)
    host, _, path = s.partition("/")
    host = host.lower()
    if host.startswith("www."):
        host = host[4:]
    return host, path


def find_email_url(text: str, keep_domains: Iterable[str] = ()) -> list[Detection]:
    keep = PUBLIC_DOMAINS | {d.lower() for d in keep_domains}
    out = [_det(m, EMAIL, "email") for m in _EMAIL_RE.finditer(text)]
    taken = [(d.start, d.end) for d in out]
    for m in _URL_RE.finditer(text):
        raw = m.group(0).rstrip(".,;:!?'\"")
        if any(s <= m.start() < e for s, e in taken):
            continue
        host, path = _host(raw)
        # A profile page on a public platform is personal; its home page is not.
        if host in keep and (not path.strip("/") or host not in
                             {"facebook.com", "instagram.com", "youtube.com"}):
            continue
        if re.fullmatch(r"[\d.]+", host.rsplit(".", 1)[0]):
            continue    # "1.5.nl"-like noise
        out.append(Detection(m.start(), m.start() + len(raw), URL, raw, "url"))
    return out


# --- postcodes and licence plates ---------------------------------------------------------

_POSTCODE_RE = re.compile(r"(?<![\w-])([1-9]\d{3})([ \t]?)([A-Z]{2}|[a-z]{2})(?![\w-])")
_POSTCODE_CONTEXT = re.compile(r"(?:postcode|adres)[ \t:]*(?:is|was)?[ \t:]*$", re.I)


def find_postcode(text: str) -> list[Detection]:
    out = []
    for m in _POSTCODE_RE.finditer(text):
        letters = m.group(3)
        if letters.upper() in ("SA", "SD", "SS"):
            continue    # never issued
        if letters.islower():
            # "1234ab" glued is a postcode; "2019 en" is not, unless "postcode" precedes.
            before = text[max(0, m.start() - 20): m.start()]
            if m.group(2) and not _POSTCODE_CONTEXT.search(before):
                continue
        out.append(_det(m, POSTCODE, "postcode"))
    return out


_PLATE_RE = re.compile(r"(?<![\w-])([A-Z]{1,3}|\d{1,3})-([A-Z]{1,3}|\d{1,3})-([A-Z]{1,3}|\d{1,3})"
                       r"(?![\w-])", re.I)
_PLATE_CONTEXT = re.compile(r"kenteken|nummerbord|auto|wagen|busje|scooter", re.I)
# Dutch side codes 1-14 as letter (L) / digit (D) shapes.
_SIDECODES = {"LL-DD-DD", "DD-DD-LL", "DD-LL-DD", "LL-DD-LL", "LL-LL-DD", "DD-LL-LL",
              "DD-LLL-D", "D-LLL-DD", "LL-DDD-L", "L-DDD-LL", "LLL-DD-L", "L-DD-LLL",
              "D-LL-DDD", "DDD-LL-D"}


def find_plate(text: str) -> list[Detection]:
    out = []
    for m in _PLATE_RE.finditer(text):
        shape = "-".join("D" * len(g) if g.isdigit() else "L" * len(g) for g in m.groups())
        if shape not in _SIDECODES:
            continue
        if not m.group(0).isupper() or m.group(0).isdigit():
            before = text[max(0, m.start() - 40): m.start()]
            if not _PLATE_CONTEXT.search(before):
                continue
        out.append(_det(m, KENTEKEN, "plate"))
    return out


# --- dates -------------------------------------------------------------------------------

_MONTHS = (r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|"
           r"november|december|jan|feb|febr|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)\.?")
_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_MON = r"(?:1[0-2]|0?[1-9])"
_YEAR = r"(?:(?:19|20)\d{2}|'\d{2}|’\d{2})"
_DATE_RES = [
    # 12-03-2019, 12/3/19, 1.3.2019
    re.compile(r"(?<![\w/.-])" + _DAY + r"([-/.])" + _MON + r"\1(?:(?:19|20)?\d{2})(?![\w/-])(?!\.\d)"),
    # 2019-03-12
    re.compile(r"(?<![\w/.-])(?:19|20)\d{2}([-/.])" + _MON + r"\1" + _DAY + r"(?![\w/-])(?!\.\d)"),
    # 12 maart 2019, 12 maart, 12e maart, 3-mrt-2019
    re.compile(r"(?<![\w])" + _DAY + r"(?:e|ste|de)?[ \t-]+" + _MONTHS + r"(?:[ \t-]+" + _YEAR
               + r")?(?![\w])", re.I),
    # maart 2019, maart '19
    re.compile(r"(?<![\w])" + _MONTHS + r"[ \t]+" + _YEAR + r"(?![\w])", re.I),
    # 12-04-'02, 30-5-`22 (a year with an apostrophe)
    re.compile(r"(?<![\w/.-])" + _DAY + r"([-/.])" + _MON + r"\1[`'’]\d{2}(?![\w/-])"),
    # 23 10 2011, 2011 10 23 (spaces only with a four-digit year)
    re.compile(r"(?<![\w.,])" + _DAY + r"[ \t]" + _MON + r"[ \t](?:19|20)\d{2}(?![\w.,]\d)"
               r"(?![\w])"),
    re.compile(r"(?<![\w.,])(?:19|20)\d{2}[ \t]" + _MON + r"[ \t]" + _DAY + r"(?![\w])"
               r"(?![.,]\d)"),
    # 15.jan.1928, 15-jan-1928
    re.compile(r"(?<![\w])" + _DAY + r"[.-]" + _MONTHS + r"[.-]?" + _YEAR + r"(?![\w])", re.I),
    # 2011 mei 17, 2011-mei-17, 1928.jan.15, 1928- jan 15
    re.compile(r"(?<![\w])(?:19|20)\d{2}[ \t.-]{1,2}" + _MONTHS + r"[ \t.-]{1,2}" + _DAY
               + r"(?![\w])", re.I),
]
_BIRTH_BEFORE = re.compile(r"(?:geboren|geboortedatum|geb\.|geboortedag|verjaardag|jarig)"
                           r"[^\n.!?]{0,25}$", re.I)
_BIRTH_AFTER = re.compile(r"^[^\n.!?]{0,12}\b(?:geboren|jarig)\b", re.I)


def find_dates(text: str) -> list[Detection]:
    out = []
    for rx in _DATE_RES:
        for m in rx.finditer(text):
            if "\n" in m.group(0):
                continue
            # "mei" alone in "12 mei" is certain; "jan 2019" could be a name: need a digit day
            if rx is _DATE_RES[3] and m.group(0).lower().startswith("jan") and \
                    not m.group(0).lower().startswith("januari"):
                continue
            before = text[max(0, m.start() - 40): m.start()]
            after = text[m.end(): m.end() + 20]
            label = GEBOORTEDATUM if (_BIRTH_BEFORE.search(before) or
                                      _BIRTH_AFTER.search(after)) else DATUM
            out.append(_det(m, label, "date"))
    return out


# --- ages (only replaced when the study does not keep them) -------------------------------

_AGE_NUM = r"\d{1,3}(?:[.,]\d)?(?:[ \t]?-[ \t]?\d{1,3}(?:[.,]\d)?)?"   # 6,5  11-12,5
_AGE_RES = [
    re.compile(r"(?<![\w,.])" + _AGE_NUM + r"[ \t]?-?[ \t]?jarige?(?![\w])", re.I),
    re.compile(r"(?<![\w,.])" + _AGE_NUM + r"[ \t]+jaar[ \t]+oud(?![\w])", re.I),
    re.compile(r"(?<![\w])leeftijd[ \t:]+(?:van[ \t]+)?(" + _AGE_NUM + r")(?![\w,.]\d)", re.I),
    re.compile(r"(?<![\w])(?:ben|was|werd|word|wordt|is|zijn|waren)[ \t]+(?:(?:nu|toen|pas|net|al|"
               r"bijna|ongeveer|inmiddels)[ \t]+)?(\d{1,2}(?:[ \t]+jaar)?)(?![\w])"
               r"(?![ \t]+(?:jaar[ \t]+)?(?:geleden|lang|getrouwd|samen|in|bij|hier|daar|weg|"
               r"keer|maanden|weken|dagen|uur|euro|procent|minuten|kinderen))", re.I),
    re.compile(r"(?<![\w])toen[ \t]+(?:ik|ze|zij|hij|hem|haar)[ \t]+(\d{1,2}(?:[ \t]+jaar)?)"
               r"[ \t]+(?:was|werd)(?![\w])", re.I),
    re.compile(r"(?<![\w])op[ \t]+(?:mijn|haar|zijn|m'n|d'r)[ \t]+\d{1,2}(?:e|de|ste)(?![\w])", re.I),
]


def find_ages(text: str) -> list[Detection]:
    out = []
    for rx in _AGE_RES:
        for m in rx.finditer(text):
            group = 1 if rx.groups and m.group(1) else 0
            out.append(_det(m, LEEFTIJD, "age", group))
    return out


# --- street addresses --------------------------------------------------------------------

# Suffixes that make a street by themselves ("Kerkstraat") and ones that need a house
# number to count ("Rozenhof 12"), since "hof", "park" or "dam" also end ordinary words.
_STRONG = ("straat|laan|weg|plein|gracht|kade|singel|dreef|steeg|plantsoen|straatweg|"
           "dwarsstraat|boulevard|allee|burgwal|dijk|kanaal|wetering")
_WEAK = "hof|park|pad|markt|baan|wal|ring|erf|veld|hoek|zijde|haven|dam|hove|kamp|akker|weide|" \
        "berg|poort|lei|gaarde|tuin|oord|werf|hoven|vaart|brink|horst|donk|hout|rade|meent|" \
        "promenade|passage|galerij|straat"
_HOUSE_NO = r"[ \t]+\d{1,5}(?:[ \t]?[a-zA-Z](?![\w]))?(?:[ \t]?-[ \t]?\d{1,4}|[ \t]+(?:hs|bis|huis|boven|I{1,3})\b)?"
_PREFIX_WORD = r"(?:[A-Z][\w'’.-]*|van|de|der|den|het|'t|ter|ten|op|aan|in|bij|la|le)"
_STREET_STRONG = re.compile(r"(?<![\w-])((?:" + _PREFIX_WORD + r"[ \t]+){0,3}[A-Z][\w'’-]*?(?:"
                            + _STRONG + r"))(?![\w])(" + _HOUSE_NO + r")?")
_STREET_WEAK = re.compile(r"(?<![\w-])((?:" + _PREFIX_WORD + r"[ \t]+){0,3}[A-Z][\w'’-]+?(?:"
                          + _WEAK + r"))(" + _HOUSE_NO + r")(?![\w])")
_STREET_LOWER = re.compile(r"(?<![\w-])([a-z][\w'’-]{2,}(?:" + _STRONG + r"|" + _WEAK + r"))("
                           + _HOUSE_NO + r")(?![\w])")
_STREET_LEADING = re.compile(r"(?<![\w-])((?:Laan|Plein|Weg|Kade|Singel|Burgwal|Dijk|Hof|Park)"
                             r"[ \t]+(?:van|der|de|den|het|'t|op|naar)?(?:[ \t]+(?:van|der|de|den|het))?"
                             r"(?:[ \t]+[A-Z][\w'’-]+){1,3})(" + _HOUSE_NO + r")?(?![\w])")
# Capitalised words with a street ending that are no street without a house number
# (only the strong endings can match without a number, so only those are listed).
_NOT_STREET = {"onderweg", "halfweg", "hoofdstraat", "zijstraat", "winkelstraat", "snelweg",
               "autoweg", "speelplein", "marktplein"}


def find_addresses(text: str) -> list[Detection]:
    out = []
    for rx, need_number in ((_STREET_STRONG, False), (_STREET_WEAK, True),
                            (_STREET_LOWER, True), (_STREET_LEADING, False)):
        for m in rx.finditer(text):
            street = m.group(1)
            head = street.split()[-1] if street.split() else street
            if head.lower() in _NOT_STREET and not m.group(2):
                continue
            if not m.group(2) and (need_number or (rx is _STREET_LEADING and
                                                   not street.startswith(("Laan ", "Plein ")))):
                continue
            if "\n" in m.group(0):
                continue
            # Keep only the street itself plus what clearly belongs to it: drop leading
            # ordinary words that happened to be capitalised ("Ik woonde Kerkstraat 1").
            words = list(re.finditer(r"\S+", street))
            while len(words) > 1 and (words[0].group(0) in _LEADING_STOP or
                                      words[0].group(0) in _LOWER_LEADING):
                words.pop(0)
            start = m.start(1) + words[0].start()
            end = m.end(2) if m.group(2) else m.end(1)
            out.append(Detection(start, end, ADRES, text[start:end], "street"))
    return out


_LEADING_STOP = {"Ik", "Je", "We", "Ze", "Hij", "Zij", "In", "Op", "Aan", "Bij", "Een", "En",
                 "Maar", "Dus", "Toen", "Dan", "Daar", "Die", "Dat", "Nou", "Ja", "Nee", "Wij",
                 "Jij", "U", "Naar", "Uit", "Via", "Langs", "Hier", "Ook", "Nog", "Wel"}
_LOWER_LEADING = {"de", "het", "'t", "op", "aan", "in", "bij", "van", "ter", "ten", "la", "le",
                  "der", "den"}


# --- long numbers ------------------------------------------------------------------------

_LONG_NUMBER = re.compile(r"(?<![\w.,])\d{7,}(?![\w])")


def find_long_numbers(text: str) -> list[Detection]:
    return [_det(m, NUMMER, "number") for m in _LONG_NUMBER.finditer(text)]


def find_identifiers(text: str, keep_domains: Iterable[str] = ()) -> list[Detection]:
    """Every pattern recogniser except ages and addresses."""
    return (find_bsn(text) + find_iban(text) + find_phone(text) +
            find_email_url(text, keep_domains) + find_postcode(text) + find_plate(text) +
            find_dates(text) + find_long_numbers(text))
