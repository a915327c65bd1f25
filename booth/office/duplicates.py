"""The duplicate check before a permit is issued (issue #18): is this applicant already a holder?

An applicant is compared with the people of a :class:`Register` (the office's own, and HQ's
synced to it); every *likely* match is returned, best first, for a supervisor to decide side by
side. Nothing here decides: it only ranks.

Why these rules:

* Latin names are typed by hand from documents romanised in several competing ways (Khmer has
  no single official romanisation; Thai has RTGS and many personal spellings). So names are
  first normalised (NFKD, combining marks dropped, casefolded, letters only, one space between
  tokens), then every token gets a **romanisation key** that folds the usual variants together:
  aspirate digraphs lose their h (ph, th, kh, bh, dh, gh -> p, t, k, b, d, g; sh -> s;
  ch and j -> c), w -> v, a y not followed by a vowel is an i (Kym, Srey, Somchay), vowel
  spellings of one sound meet (ee, ie, ia, ii, ei -> i; oo, ou, uu -> u; aa -> a; and ea -> a,
  since Khmer uses "ea" for the vowel written "a" elsewhere: Chanthea = Chantha), a final h is
  silent (Darah, Suriyah), doubled letters are one (Sophall, Vanna). Beside the key a coarser
  **skeleton** (first letter, then the key's consonants) is kept: it is the blocking key, and
  two tokens with the same skeleton of three letters or more count as at least
  ``SKELETON_SIMILAR`` (Chanthy/Chanthou). Short skeletons (Sok, Sak, Suk) do not get that
  bump: there the vowel is the name.
* Tokens are compared as a set (the best one-to-one pairing of the two names' tokens), so a
  family name typed in the given-name box still matches ("swapped_names" says so when the
  crossed pairing beats the straight one). Two tokens score 1 when their keys are equal, else
  the lower of the keys' Jaro-Winkler similarity (generous to a shared start or end: Sophal and
  Sopheak, Heng and Viheng) and their edit similarity (one minus edits over the longer length,
  a swap of neighbours being one edit): both must agree. A name's score is the mean of its
  paired tokens averaged with the weakest pair (one different token is a different person:
  Sok Dara is not Sok Vanna), less a tenth per unpaired token (a missing middle name). Names that are equal
  once their tokens are joined (Chan Tha, Chantha) score at least 0.95. Native-script names
  (Khmer, Thai), when both sides have one, are compared after NFC with spaces and zero-width
  characters removed; equal ones lift the name score to ``NATIVE_SIMILAR``.
* Dates of birth: registers may hold only a year or a year and month (or 00 for an unknown
  day or month); the missing parts are wildcards. Full dates differing in one digit, in two
  adjacent digits swapped, or with day and month swapped are a "dob_typo".
* The score (0..1): with the same date of birth it is the name score; with a dob typo it is
  the name score less ``DOB_TYPO_PENALTY`` (so only a very similar name is likely); otherwise
  half the name score, which is never likely: the same name with another date of birth is
  another person (common names are common). The same identity document (uppercased, spaces
  and punctuation removed, at least four characters) with no conflicting nationality is
  strong on its own: the score is then at least ``DOCUMENT_FLOOR``. One rule needs the
  register: a dob typo on a *common* name (more than ``RARE_NAME`` entries share its
  skeletons) is weak evidence, since among a million people many Sok Dara are a typo away from
  any date; such a match loses ``COMMON_NAME_PENALTY`` (reason "common_name") unless the
  document or the native name agrees too. ``LIKELY`` is 0.8: with the same family name and
  date of birth, the given names must then agree to about 0.73 by both measures (one letter in
  four or five); in the synthetic population of the tests and bench/duplicates.py this keeps
  under 1% of new people flagged while catching over 95% of respelt re-applications.
* Speed: a probe never scans the register. It looks at three indexes: the exact date of birth,
  the document key, and (skeleton pair, birth year) for every pair of the name's tokens, the
  year also in its one-typo variants (so a dob typo is found through the name). With a million
  people each block holds tens of people. Index keys are the ``hash()`` of the key text (ints
  are smaller than strings; a collision only adds a candidate, which is scored anyway), and a
  block of one is stored as a bare int.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, permutations

log = logging.getLogger(__name__)

LIKELY = 0.8  # a match at or above this is shown to the supervisor
NAME_SIMILAR = 0.85  # a name score at or above this is reported as "name_variant"
SKELETON_SIMILAR = 0.9  # floor for two tokens with the same skeleton of 3+ letters
NATIVE_SIMILAR = 0.95  # floor of the name score when the native-script names are equal
JOINED_SIMILAR = 0.95  # floor when the names are equal once their tokens are joined
DOB_TYPO_PENALTY = 0.1
NAME_ONLY_FACTOR = 0.5  # a name alone (no dob relation) is never likely
DOCUMENT_FLOOR = 0.9
MISSING_TOKEN_PENALTY = 0.1
MAX_TOKENS = 5  # tokens of a name compared (the pairing is optimal, so it is bounded)
MIN_DOCUMENT = 4  # shorter document numbers ("0", "N/A") are no evidence
RARE_NAME = 20  # a name borne by more entries than this is common (see Register.name_count)
COMMON_NAME_PENALTY = 0.15  # taken off a dob_typo match (without document or native name) for a common name
YEARS = (1850, 2150)  # plausible birth years, for the year's typo variants

VOWELS = frozenset("aeiou")
_DIGRAPHS = re.compile(r"ph|th|kh|bh|dh|gh|sh|ch|ck|w|j")
_DIGRAPH_TO = {"ph": "p", "th": "t", "kh": "k", "bh": "b", "dh": "d", "gh": "g", "sh": "s", "ch": "c", "ck": "k"}
_DIGRAPH_TO |= {"w": "v", "j": "c"}
_LONE_Y = re.compile(r"y(?![aeiou])")
_VOWEL_GROUPS = re.compile(r"ee|ie|ia|ii|ei|oo|ou|uu|aa|ea")
_VOWEL_TO = dict.fromkeys(("ee", "ie", "ia", "ii", "ei"), "i") | dict.fromkeys(("oo", "ou", "uu"), "u")
_VOWEL_TO |= {"aa": "a", "ea": "a"}
_DOUBLED = re.compile(r"(.)\1+")
_LETTERS = re.compile(r"[^\W\d_]+")
_DOB = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_NOT_DOCUMENT = re.compile(r"[^0-9A-Z]")
_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_LETTER_FOLD = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})
_NATIONS = {"KHM": "KH", "THA": "TH", "LAO": "LA", "VNM": "VN", "MMR": "MM"}

Token = tuple[str, str]  # (romanisation key, skeleton)


@dataclass(frozen=True, slots=True)
class Person:
    """An applicant, or a permit holder in a register."""

    family_name: str  # Latin, as typed (any case, maybe diacritics)
    given_names: str
    dob: str  # YYYY-MM-DD, or YYYY-MM / YYYY (or 00 parts) when the register does not know
    document: str = ""  # identity document number, as typed
    nationality: str = ""  # KH | TH | ...
    native_name: str = ""  # Khmer or Thai script, may be empty
    ref: str = ""  # the register's id: a permit number or application id (returned, never matched on)


@dataclass(frozen=True)
class Match:
    """One register entry that may be the probe, with why."""

    person: Person
    score: float  # 0..1
    reasons: tuple[str, ...]  # same_document, same_dob, name_variant, native_name, dob_typo, swapped_names,
    # common_name (a dob typo on a name many entries share: demoted)


# -- normalising


def _normalise_once(text: str) -> str:
    """One pass: casefold, fold đ ø ł, NFKD, no marks, casefold, letter runs joined by one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTER_FOLD))
    bare = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M")).casefold()
    return " ".join(_LETTERS.findall(bare))


def normalise(text: str) -> str:
    """A Latin name folded for comparison: lower case, no diacritics, letters and single spaces."""
    for _ in range(4):  # casefold and NFKD can each undo the other once in a while
        again = _normalise_once(text)
        if again == text:
            break
        text = again
    return text


def romanisation_key(token: str) -> str:
    """The token with the usual Khmer and Thai romanisation variants folded together."""
    key = _DIGRAPHS.sub(lambda m: _DIGRAPH_TO[m.group()], token)
    key = _LONE_Y.sub("i", key)
    key = _VOWEL_GROUPS.sub(lambda m: _VOWEL_TO[m.group()], key)
    if len(key) > 1 and key.endswith("h"):
        key = key[:-1]
    return _DOUBLED.sub(r"\1", key)


def skeleton(key: str) -> str:
    """The key's first letter and then its consonants: the blocking key."""
    return key[:1] + "".join(c for c in key[1:] if c not in VOWELS)


@lru_cache(maxsize=1 << 16)
def name_tokens(text: str) -> tuple[Token, ...]:
    """The (key, skeleton) of each token of a name field, at most ``MAX_TOKENS``."""
    keys = (romanisation_key(t) for t in normalise(text).split()[:MAX_TOKENS])
    return tuple((k, skeleton(k)) for k in keys)


def document_key(document: str) -> str:
    """The document number compared: upper case, letters and digits only."""
    return _NOT_DOCUMENT.sub("", unicodedata.normalize("NFKC", document).upper())


def native_key(name: str) -> str:
    """A native-script name compared: NFC, no spaces or zero-width characters."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", name))


def _nation(code: str) -> str:
    """The nationality as two letters, or empty when unknown."""
    code = code.strip().upper()
    return _NATIONS.get(code, code)


# -- similarity


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity (prefix scale 0.1, prefix up to 4), symmetric."""
    if a > b:
        a, b = b, a
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(0, max(len(a), len(b)) // 2 - 1)
    taken = [False] * len(b)
    matched_a = []
    for i, c in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not taken[j] and b[j] == c:
                taken[j] = True
                matched_a.append(c)
                break
    m = len(matched_a)
    if m == 0:
        return 0.0
    matched_b = [c for c, t in zip(b, taken, strict=True) if t]
    half_transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True))
    jaro = (m / len(a) + m / len(b) + (m - half_transpositions / 2) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of two neighbours (optimal string alignment)."""
    earlier: list[int] = []
    last = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(last[j] + 1, row[j - 1] + 1, last[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], earlier[j - 2] + 1)
        earlier, last = last, row
    return last[-1]


def token_similarity(a: Token, b: Token) -> float:
    """1 for equal keys; else the lower of Jaro-Winkler and edit similarity, lifted when long skeletons agree."""
    if a[0] == b[0]:
        return 1.0
    edits = 1 - edit_distance(a[0], b[0]) / max(len(a[0]), len(b[0]))
    score = min(jaro_winkler(a[0], b[0]), edits)
    if a[1] == b[1] and len(a[1]) >= 3:
        return max(score, SKELETON_SIMILAR)
    return score


def _pairing_score(sims: list[float], unpaired: int) -> float:
    """Mean of the paired tokens averaged with the weakest, less a tenth per unpaired token."""
    return max(0.0, (sum(sims) / len(sims) + min(sims)) / 2 - MISSING_TOKEN_PENALTY * unpaired)


def set_similarity(a: tuple[Token, ...], b: tuple[Token, ...]) -> float:
    """The best one-to-one pairing of two token sets, order ignored (0 when either is empty)."""
    if not a or not b:
        return 0.0
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    table = [[token_similarity(s, t) for t in long] for s in short]
    unpaired = len(long) - len(short)
    best = 0.0
    for chosen in permutations(range(len(long)), len(short)):
        best = max(best, _pairing_score([table[i][j] for i, j in enumerate(chosen)], unpaired))
    return best


def _joined(*fields: tuple[Token, ...]) -> str:
    """The keys of the fields' tokens run together (Chan Tha and Chantha meet)."""
    return "".join(k for field in fields for k, _ in field)


def name_similarity(a: Person, b: Person) -> tuple[float, bool]:
    """The name score of two people, and whether family and given names look swapped."""
    fa, ga, fb, gb = (name_tokens(x) for x in (a.family_name, a.given_names, b.family_name, b.given_names))
    score = set_similarity(fa + ga, fb + gb)
    if _joined(fa, ga) in (_joined(fb, gb), _joined(gb, fb)) and _joined(fa, ga):
        score = max(score, JOINED_SIMILAR)
    swapped = False
    if fa and ga and fb and gb:
        straight = (set_similarity(fa, fb) + set_similarity(ga, gb)) / 2
        crossed = (set_similarity(fa, gb) + set_similarity(ga, fb)) / 2
        swapped = crossed >= NAME_SIMILAR and crossed > straight + 0.05
    return score, swapped


# -- dates of birth


def dob_parts(dob: str) -> tuple[str, ...]:
    """("YYYY", "MM", "DD") as far as known; () when there is no year."""
    found = _DOB.fullmatch(dob.strip())
    if not found:
        return ()
    parts = tuple(p for p in found.groups() if p is not None)
    for n, part in enumerate(parts):
        if part in ("0000", "00"):
            return parts[:n]
    return parts


def _is_typo(a: str, b: str) -> bool:
    """Equal-length digit strings differing in one digit or by two adjacent digits swapped."""
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def dob_relation(a: str, b: str) -> str:
    """How two dates of birth relate: "same" (missing parts are wildcards), "typo" (full dates), or ""."""
    pa, pb = dob_parts(a), dob_parts(b)
    if not pa or not pb:
        return ""
    n = min(len(pa), len(pb))
    if pa[:n] == pb[:n]:
        return "same"
    if len(pa) == len(pb) == 3:
        if pa[0] == pb[0] and pa[1] == pb[2] and pa[2] == pb[1]:
            return "typo"
        if _is_typo("".join(pa), "".join(pb)):
            return "typo"
    return ""


def year_variants(year: str) -> Iterator[str]:
    """The year and its one-typo variants (a digit changed, two adjacent swapped), if plausible."""
    seen = {year}
    yield year
    for i in range(4):
        for d in "0123456789":
            seen.add(year[:i] + d + year[i + 1 :])
        if i < 3:
            seen.add(year[:i] + year[i + 1] + year[i] + year[i + 2 :])
    for y in sorted(seen - {year}):
        if YEARS[0] <= int(y) <= YEARS[1]:
            yield y


# -- scoring


def _same_document(a: Person, b: Person) -> bool:
    """The same document number and no conflicting nationality."""
    doc = document_key(a.document)
    if len(doc) < MIN_DOCUMENT or doc != document_key(b.document):
        return False
    na, nb = _nation(a.nationality), _nation(b.nationality)
    return not na or not nb or na == nb


def compare(probe: Person, other: Person) -> Match:
    """How likely ``other`` is ``probe`` (symmetric in the two), with the reasons."""
    reasons: list[str] = []
    name, swapped = name_similarity(probe, other)
    native = native_key(probe.native_name)
    if native and native == native_key(other.native_name):
        name = max(name, NATIVE_SIMILAR)
        reasons.append("native_name")
    if name >= NAME_SIMILAR:
        reasons.append("name_variant")
    if swapped:
        reasons.append("swapped_names")
    relation = dob_relation(probe.dob, other.dob)
    if relation == "same":
        score = name
        reasons.append("same_dob")
    elif relation == "typo":
        score = max(0.0, name - DOB_TYPO_PENALTY)
        reasons.append("dob_typo")
    else:
        score = name * NAME_ONLY_FACTOR
    if _same_document(probe, other):
        score = DOCUMENT_FLOOR + (1 - DOCUMENT_FLOOR) * score
        reasons.insert(0, "same_document")
    return Match(other, round(min(1.0, score), 6), tuple(reasons))


# -- the register


def _put(index: dict[int, int | list[int]], key: int, i: int) -> None:
    """Add entry ``i`` to a block (a bare int while the block has one entry)."""
    block = index.get(key)
    if block is None:
        index[key] = i
    elif isinstance(block, int):
        index[key] = [block, i]
    else:
        block.append(i)


def _block(index: dict[int, int | list[int]], key: int) -> Iterable[int]:
    """The entries of a block (none when absent)."""
    block = index.get(key)
    if block is None:
        return ()
    return (block,) if isinstance(block, int) else block


def _len(block: int | list[int] | None) -> int:
    """The number of entries in a block."""
    return 0 if block is None else 1 if isinstance(block, int) else len(block)


def _pairs(person: Person) -> set[str]:
    """The name's token skeletons in sorted pairs (a lone token pairs with nothing)."""
    skeletons = sorted({s for _, s in name_tokens(person.family_name) + name_tokens(person.given_names)})
    if len(skeletons) == 1:
        return {skeletons[0] + " "}
    return {f"{x} {y}" for x, y in combinations(skeletons, 2)}


def _typo_alone(match: Match) -> bool:
    """A dob typo with neither the document nor the native name to back it."""
    return "dob_typo" in match.reasons and not {"same_document", "native_name"} & set(match.reasons)


def _demoted(match: Match) -> Match:
    """A dob typo on a common name is weak evidence: many bear it, and some are a typo away."""
    score = round(max(0.0, match.score - COMMON_NAME_PENALTY), 6)
    return Match(match.person, score, (*match.reasons, "common_name"))


class Register:
    """People indexed for the duplicate check: by dob, by document, by (name skeletons, year)."""

    def __init__(self, people: Iterable[Person] = ()) -> None:
        self._people: list[Person] = []
        self._by_dob: dict[int, int | list[int]] = {}
        self._by_document: dict[int, int | list[int]] = {}
        self._by_name: dict[int, int | list[int]] = {}
        self._years: set[str] = set()
        for person in people:
            self.add(person)

    def add(self, person: Person) -> None:
        """Index one more person."""
        i = len(self._people)
        self._people.append(person)
        parts = dob_parts(person.dob)
        if len(parts) == 3:
            _put(self._by_dob, hash("-".join(parts)), i)
        document = document_key(person.document)
        if len(document) >= MIN_DOCUMENT:
            _put(self._by_document, hash(document), i)
        if parts:
            self._years.add(parts[0])
            for pair in _pairs(person):
                _put(self._by_name, hash(f"{pair}|{parts[0]}"), i)

    def __len__(self) -> int:
        return len(self._people)

    def _candidates(self, probe: Person) -> set[int]:
        """Entries in the probe's blocks: same full dob, same document, name pair in a near year."""
        found: set[int] = set()
        parts = dob_parts(probe.dob)
        if len(parts) == 3:
            found.update(_block(self._by_dob, hash("-".join(parts))))
        document = document_key(probe.document)
        if len(document) >= MIN_DOCUMENT:
            found.update(_block(self._by_document, hash(document)))
        if parts:
            pairs = _pairs(probe)
            years = year_variants(parts[0]) if len(parts) == 3 else (parts[0],)
            for year in years:
                for pair in pairs:
                    found.update(_block(self._by_name, hash(f"{pair}|{year}")))
        return found

    def name_count(self, probe: Person) -> int:
        """How many entries share the probe's name skeletons, any year (its rarest pair; 0 without a name)."""
        counts = (
            sum(_len(self._by_name.get(hash(f"{pair}|{year}"))) for year in self._years) for pair in _pairs(probe)
        )
        return min(counts, default=0)

    def likely(self, probe: Person, *, limit: int = 5, threshold: float = LIKELY) -> list[Match]:
        """The register's likely matches of ``probe``, best first, at most ``limit``."""
        candidates = self._candidates(probe)
        common: bool | None = None  # the probe's name is borne by many: asked once, when it matters
        kept: list[tuple[Match, int]] = []
        for i in candidates:
            match = compare(probe, self._people[i])
            if match.score >= threshold and _typo_alone(match):
                if common is None:
                    common = self.name_count(probe) > RARE_NAME
                if common:
                    match = _demoted(match)
            if match.score >= threshold:
                kept.append((match, i))
        kept.sort(key=lambda m: (-m[0].score, m[1]))
        log.debug("duplicate check: %d candidates, %d likely", len(candidates), len(kept))
        return [m for m, _ in kept[:limit]]
