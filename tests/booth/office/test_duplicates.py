"""The duplicate check (issue #18): an existing holder applying again under another spelling is caught.

The synthetic population (``population``, ``respell``, ``reapply``) is shared with bench/duplicates.py.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booth.office.duplicates import (
    LIKELY,
    Match,
    Person,
    Register,
    compare,
    dob_relation,
    normalise,
    romanisation_key,
)

# -- a synthetic population: Khmer and Thai names romanised, random dates of birth

KH_FAMILY = (
    "Sok Chan Kim Heng Ly Lim Keo Meas Chea Seng Phan Pich Prak Nhem Ouk Touch Hun Sar Mao Ros Tep Yim Long "
    "Chhim Khieu Nuon Sim Ek Vann Sam Hem Pen Mam Kong Hak Chum Ngin Sun Tan Eng Sin Uch Yos Chhun Noun"
).split()
KH_SYLLABLES = (
    "so phal chan tha da ra van na srey mom pov rith bo pha vi sal thea ka nha ny lea khe vu thy ro pi seth "
    "sam nang ko chen ma lis pheak ri veas thi bath bol cha mo ni kim heng rak smey sey ha sok kun nita"
).split()
TH_SYLLABLES = (
    "som chai boon mee thong sri suk wong sa kit ti pong rat ta na won pra sert chan ya ka nya su ri phum "
    "jai dee kaew sak da a nan chart pat tha nu wat ruang sin siri lak noi kul"
).split()
RESPELLINGS = (
    (r"ph", "p"), (r"p(?!h)", "ph"), (r"th", "t"), (r"t(?!h)", "th"), (r"kh", "k"), (r"k$", "kh"), (r"v", "w"),
    (r"w", "v"), (r"i$", "y"), (r"y$", "i"), (r"ee", "i"), (r"i$", "ee"), (r"oo", "u"),
    (r"(?<![aeiou])u(?![aeiou])", "oo"), (r"a$", "ah"), (r"a$", "aa"), (r"l$", "ll"), (r"(?<=[aeiou])n(?![gn])", "nn"),
    (r"ea", "a"), (r"ey$", "ei"), (r"ai$", "ay"), (r"^ch", "j"),
)  # fmt: skip


def _dob(rng: random.Random) -> str:
    """A date of birth between 1950 and 2008."""
    return f"{rng.randint(1950, 2008)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _word(rng: random.Random, syllables: list[str], lo: int, hi: int) -> str:
    """A name of ``lo`` to ``hi`` syllables, capitalised."""
    return "".join(rng.choice(syllables) for _ in range(rng.randint(lo, hi))).capitalize()


def person(rng: random.Random, ref: str) -> Person:
    """A new Khmer (60%) or Thai applicant."""
    if rng.random() < 0.6:
        family, given_names, nation = rng.choice(KH_FAMILY), _word(rng, KH_SYLLABLES, 1, 2), "KH"
    else:
        family, given_names, nation = _word(rng, TH_SYLLABLES, 2, 3), _word(rng, TH_SYLLABLES, 2, 2), "TH"
    return Person(family, given_names, _dob(rng), f"{nation}{rng.randrange(10**9):09d}", nation, "", ref)


def population(n: int, seed: int = 18) -> list[Person]:
    """``n`` random people."""
    rng = random.Random(seed)
    return [person(rng, f"P{i:07d}") for i in range(n)]


def respell(name: str, rng: random.Random) -> str:
    """The name written another usual way (unchanged when no rule applies)."""
    lower = name.lower()
    rules = [(old, new) for old, new in RESPELLINGS if re.search(old, lower)]
    for old, new in rng.sample(rules, min(len(rules), rng.randint(1, 2))):
        lower = re.sub(old, new, lower, count=1)
    return lower.capitalize()


def _dob_typo(dob: str, rng: random.Random) -> str:
    """The date with day and month swapped, or one digit of the day or year mistyped."""
    y, m, d = dob.split("-")
    if rng.random() < 0.3 and int(d) <= 12:
        return f"{y}-{d}-{m}"
    if rng.random() < 0.5:
        return f"{y[:3]}{(int(y[3]) + rng.randint(1, 9)) % 10}-{m}-{d}"
    return f"{y}-{m}-{d[0]}{(int(d[1]) + 1) % 10}" if d[1] != "9" else f"{y}-{m}-{d[0]}8"


def reapply(holder: Person, rng: random.Random, ref: str) -> Person:
    """The holder applying again: respelt, sometimes swapped names, a dob typo or a new document."""
    family, given_names = respell(holder.family_name, rng), respell(holder.given_names, rng)
    if (family, given_names) == (holder.family_name, holder.given_names):
        given_names = given_names.upper()
    if rng.random() < 0.2:
        family, given_names = given_names, family
    dob = _dob_typo(holder.dob, rng) if rng.random() < 0.15 else holder.dob
    document = holder.document if rng.random() < 0.2 else f"{holder.nationality}{rng.randrange(10**9):09d}"
    return Person(family, given_names, dob, document, holder.nationality, "", ref)


def p(family: str, given_names: str, dob: str = "1988-04-12", **kw: str) -> Person:
    """A person with a default dob."""
    return Person(family, given_names, dob, **kw)


def caught(register: Register, probe: Person, ref: str) -> bool:
    """Whether ``ref`` is among the probe's likely matches."""
    return any(m.person.ref == ref for m in register.likely(probe))


# -- spelling variants

VARIANTS = (
    ("Sok", "Sokh"), ("Chantha", "Chanthea"), ("Chantha", "Chanta"), ("Srey", "Srei"), ("Sophal", "Sopal"),
    ("Sophal", "Sophall"), ("Phirun", "Pirun"), ("Vanna", "Wanna"), ("Kim", "Kym"), ("Dara", "Darah"),
    ("Somchai", "Somchay"), ("Somchai", "Somchaai"), ("Suriya", "Suriyah"), ("Thongchai", "Tongchai"),
    ("Boonmee", "Bunmi"), ("Boonmee", "Boonmi"), ("Kanya", "Kanyaa"), ("Chaiyaphum", "Chaiyapoom"),
)  # fmt: skip


@pytest.mark.parametrize(("a", "b"), VARIANTS)
def test_romanisation_variants_share_a_key(a: str, b: str) -> None:
    assert romanisation_key(normalise(a)) == romanisation_key(normalise(b))


@pytest.mark.parametrize(("a", "b"), VARIANTS)
def test_a_holder_reapplying_under_a_variant_spelling_is_caught(a: str, b: str) -> None:
    register = Register([p("Heng", a, ref="KH-1"), p("Heng", "Bopha", ref="KH-2")])
    [match] = register.likely(p("HENG", b))
    assert match.person.ref == "KH-1" and "name_variant" in match.reasons and "same_dob" in match.reasons


def test_khmer_full_name_respelt_with_diacritics_is_caught() -> None:
    register = Register([p("Sok", "Chantha", ref="A")])
    assert caught(register, p("  SOKH ", "Chănthéa"), "A")


def test_thai_full_name_respelt_is_caught() -> None:
    register = Register([p("Boonmee", "Somchai", "1975-11-30", ref="T")])
    assert caught(register, p("bunmi", "Somchay", "1975-11-30"), "T")


def test_names_that_differ_only_in_one_letter_of_a_short_name_are_not_folded() -> None:
    assert romanisation_key("sok") != romanisation_key("sak")


# -- swapped, documents, dates


def test_family_and_given_names_swapped_are_caught() -> None:
    register = Register([p("Sok", "Chantha", ref="A")])
    [match] = register.likely(p("Chanthea", "Sokh"))
    assert match.person.ref == "A" and "swapped_names" in match.reasons


def test_the_same_document_is_caught_under_another_name_and_dob() -> None:
    register = Register([p("Sok", "Chantha", "1988-04-12", document="N 0123-4567", nationality="KH", ref="A")])
    [match] = register.likely(p("Meas", "Vibol", "1970-01-01", document="n01234567", nationality="KHM"))
    assert match.person.ref == "A" and match.reasons[0] == "same_document" and match.score >= LIKELY


def test_the_same_document_of_another_nationality_is_not_enough() -> None:
    register = Register([p("Sok", "Chantha", document="N01234567", nationality="KH")])
    assert register.likely(p("Somsak", "Wongsa", "1970-01-01", document="N01234567", nationality="TH")) == []


def test_a_namesake_born_another_day_is_not_likely() -> None:
    register = Register([p("Sok", "Chantha", "1988-04-12", ref="A")])
    assert register.likely(p("Sok", "Chantha", "1991-09-03")) == []
    assert compare(p("Sok", "Chantha", "1988-04-12"), p("Sok", "Chantha", "1991-09-03")).score < LIKELY


def test_the_same_dob_with_a_clearly_different_name_is_not_likely() -> None:
    register = Register([p("Sok", "Chantha", ref="A")])
    assert register.likely(p("Sok", "Vibol")) == []
    assert register.likely(p("Meas", "Chantha")) == []


@pytest.mark.parametrize("typo", ["1988-04-13", "1988-12-04", "1989-04-12", "1898-04-12", "1988-04-21"])
def test_a_dob_typo_with_a_very_similar_name_is_caught(typo: str) -> None:
    register = Register([p("Sok", "Chantha", "1988-04-12", ref="A")])
    [match] = register.likely(p("Sokh", "Chanthea", typo))
    assert match.person.ref == "A" and "dob_typo" in match.reasons


def test_a_dob_typo_with_a_merely_similar_name_is_not_likely() -> None:
    register = Register([p("Sok", "Dara", "1988-04-12")])
    assert register.likely(p("Sok", "Dari", "1988-04-13")) == []


@pytest.mark.parametrize("partial", ["1988", "1988-04", "1988-00-00", "1988-04-00"])
def test_a_partial_dob_is_a_wildcard_either_way(partial: str) -> None:
    assert dob_relation(partial, "1988-04-12") == "same" == dob_relation("1988-04-12", partial)
    assert caught(Register([p("Sok", "Chantha", partial, ref="A")]), p("Sokh", "Chanthea"), "A")
    assert caught(Register([p("Sok", "Chantha", ref="A")]), p("Sokh", "Chanthea", partial), "A")
    assert not caught(Register([p("Sok", "Chantha", partial, ref="A")]), p("Sok", "Chantha", "1987-04-12"), "A")


def test_a_dob_typo_on_a_common_name_needs_more_than_the_name() -> None:
    namesakes = [p("Sok", "Dara", f"{1950 + i}-01-01", ref=f"n{i}") for i in range(30)]
    register = Register([*namesakes, p("Sok", "Dara", "1988-04-12", document="N01234567", ref="A")])
    assert not caught(register, p("Sok", "Dara", "1988-04-13"), "A")
    assert caught(register, p("Sok", "Dara", "1988-04-13", document="N01234567"), "A")
    best = register.likely(p("Sok", "Dara", "1988-04-13"), threshold=0.0)[0]
    assert best.person.ref == "A" and "common_name" in best.reasons


def test_a_typo_in_a_name_is_caught_with_the_same_dob() -> None:
    assert caught(Register([p("Sok", "Chantha", ref="A")]), p("Sok", "Chnatha"), "A")
    assert caught(Register([p("Sok", "Vireakboth", ref="A")]), p("Sok", "Vireakbth"), "A")


def test_a_name_that_merely_contains_another_is_not_likely() -> None:
    assert Register([p("Sam", "Heng")]).likely(p("Sam", "Viheng")) == []
    assert Register([p("Chan", "Rak")]).likely(p("Chan", "Rakvi")) == []


def test_a_probe_without_a_latin_name_is_matched_by_document_only() -> None:
    register = Register([p("Sok", "Dara", document="N01234567", ref="A"), p("", "", "1988-04-13")])
    assert register.likely(p("", "-", "1988-04-13", document="N01234567"))[0].person.ref == "A"
    assert Register([p("Sok", "Dara")]).name_count(p("123", "", "1988-04-13")) == 0


def test_equal_native_names_count() -> None:
    register = Register([p("Sok", "Chantha", native_name="សុខ ចន្ថា", ref="A")])
    [match] = register.likely(p("Sukh", "Jantha", native_name="សុខ\u200bចន្ថា"))
    assert "native_name" in match.reasons


def test_a_name_split_differently_is_caught() -> None:
    assert caught(Register([p("Sok", "Chan Tha", ref="A")]), p("Sok", "Chantha"), "A")


# -- the register


def test_an_empty_register_has_no_matches() -> None:
    register = Register()
    assert len(register) == 0 and register.likely(p("Sok", "Chantha")) == []


def test_results_are_best_first_and_limited() -> None:
    people = [p("Sok", "Chantha", ref="exact"), p("Sokh", "Chanthea", ref="variant")]
    people += [p("Sok", "Chantha", "1988-04-13", ref=f"typo{i}") for i in range(6)]
    register = Register(people)
    found = register.likely(p("Sok", "Chantha"), limit=3)
    assert [m.person.ref for m in found[:2]] == ["exact", "variant"] and len(found) == 3
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
    assert len(register.likely(p("Sok", "Chantha"), limit=10)) == 8


def test_add_grows_the_register() -> None:
    register = Register()
    register.add(p("Sok", "Chantha", ref="A"))
    assert len(register) == 1 and isinstance(register.likely(p("Sok", "Chantha"))[0], Match)


# -- properties

names = st.text(alphabet=st.characters(categories=("L", "M", "Zs", "Pd")), max_size=20).filter(
    lambda s: any(c.isascii() and c.isalpha() for c in s)
)
dobs = st.dates().map(lambda d: d.isoformat()) | st.from_regex(r"\A(19|20)\d\d(-(0[1-9]|1[0-2]))?\Z")
people = st.builds(Person, names, names, dobs, st.text(max_size=12), st.sampled_from(["", "KH", "TH"]), names)


@settings(max_examples=200)
@given(people)
def test_a_person_always_matches_themself(someone: Person) -> None:
    match = compare(someone, someone)
    assert match.score >= 0.999 and "same_dob" in match.reasons
    assert Register([someone]).likely(someone)[0].person is someone


@settings(max_examples=200)
@given(people, people)
def test_the_score_is_symmetric(a: Person, b: Person) -> None:
    assert compare(a, b).score == compare(b, a).score


@settings(max_examples=200)
@given(people)
def test_swapping_names_keeps_the_score_close(a: Person) -> None:
    swapped = replace(a, family_name=a.given_names, given_names=a.family_name)
    assert compare(a, swapped).score >= 0.94


@given(st.text())
def test_normalising_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once and "  " not in once and once == once.strip()


# -- a synthetic population


@pytest.fixture(scope="module")
def crowd() -> tuple[list[Person], Register]:
    people = population(20_000)
    return people, Register(people)


def test_new_people_are_rarely_flagged(crowd: tuple[list[Person], Register]) -> None:
    _, register = crowd
    rng = random.Random(7)
    flagged = sum(bool(register.likely(person(rng, "new"))) for _ in range(2000))
    assert flagged / 2000 < 0.01


def test_spelling_variant_reapplications_are_caught(crowd: tuple[list[Person], Register]) -> None:
    people, register = crowd
    rng = random.Random(8)
    holders = rng.sample(people, 1000)
    hits = sum(caught(register, reapply(h, rng, "again"), h.ref) for h in holders)
    assert hits / len(holders) >= 0.95
