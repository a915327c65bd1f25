"""Demo data: an HQ, two offices, four checkpoints and ~40 labelled permits.

``make_demo_data`` fills a folder with everything a demo (or a trainer, or a test) needs:

- ``hq/``          an HQ data dir (root key, office keys, registry)
- ``trust.bundle`` the signed trust bundle, built after every revocation and watchlist entry
- ``cases.json``   every permit text with the verdict it must get at its checkpoint
- ``cards/``       the QR of each permit as PNG (and a PDF card for the first five valid ones)
- ``README.md``    what is there and how to use it

Names, numbers, dates and the list of cases depend only on ``(seed, now)``; key material is
fresh each time, so QR texts and signatures differ between runs. Every label is what
``booth.rules.check`` answers at the case's checkpoint at ``now`` with this bundle.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import random
import shutil
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cbor2

from sync.hq.errors import HQError
from sync.hq.facade import HQ, IssuedPermit
from sync.hq.holder_file import Holder
from sync.hq.photo import fit_photo
from sync.protocol import cbor, cose, keys
from sync.protocol import permit as permit_codec
from sync.protocol.base45 import b45encode
from sync.protocol.bundle import Checkpoint, WatchEntry
from sync.protocol.permit import BODY_CLAIM, PREFIX, Permit
from sync.protocol.times import DAY
from sync.protocol.watchlist import WatchlistKey

log = logging.getLogger(__name__)

DEMO_CHECKPOINT = "KH-PHD"
KH_OFFICE = "KH-BTB-01"
TH_OFFICE = "TH-SKW-01"
PDF_CARDS = 5

CHECKPOINTS = (
    Checkpoint("KH-PHD", "KH", "Phnom Dei", "ភ្នំដី", "พนมดี"),
    Checkpoint("KH-STB", "KH", "Stung But", "ស្ទឹងបត់", "สตึงบต"),
    # Thai counterparts: demo placeholders (codes and spellings are not official)
    Checkpoint("TH-PKD", "TH", "Ban Pak Kad", "បានផាក់កាដ", "บ้านผักกาด"),
    Checkpoint("TH-NIA", "TH", "Ban Nong Ian", "បាននងអៀន", "บ้านหนองเอี่ยน"),
)
OFFICES = (
    (KH_OFFICE, "Battambang provincial permit office"),
    (TH_OFFICE, "Sa Kaeo permit office"),
)

# (FAMILY, GIVEN, native name, sex). Khmer names are written family name first, as in Latin;
# Thai names are written given name first, so ``nn`` reads "given family".
KHMER_NAMES: tuple[tuple[str, str, str, str], ...] = (
    ("SOK", "CHANTHA", "សុខ ចន្ថា", "F"),
    ("CHAN", "DARA", "ចាន់ ដារ៉ា", "M"),
    ("HENG", "SOPHEAP", "ហេង សុភាព", "F"),
    ("KIM", "SOVANN", "គឹម សុវណ្ណ", "M"),
    ("KEO", "SOPHAL", "កែវ សុផល", "M"),
    ("CHEA", "SREYMOM", "ជា ស្រីមុំ", "F"),
    ("MEAS", "SOKHA", "មាស សុខា", "M"),
    ("PICH", "VANNAK", "ពេជ្រ វណ្ណៈ", "M"),
    ("SAO", "BOPHA", "សៅ បុប្ផា", "F"),
    ("LIM", "SREYNEANG", "លឹម ស្រីនាង", "F"),
    ("TOUCH", "SAMBATH", "ទូច សម្បត្តិ", "M"),
    ("VANN", "SOPHEA", "វ៉ាន់ សុភា", "F"),
    ("PRAK", "SOKHOM", "ប្រាក់ សុខុម", "M"),
    ("ROS", "SREYLEAK", "រស់ ស្រីល័ក្ខ", "F"),
    ("OUK", "SAMNANG", "អ៊ុក សំណាង", "M"),
    ("LY", "SOPHANNA", "លី សុផាន់ណា", "F"),
    ("SEANG", "DAVY", "ស៊ាង ដាវី", "F"),
    ("NGET", "VIBOL", "ង៉ែត វិបុល", "M"),
    ("YIM", "SOVANNARY", "យឹម សុវណ្ណារី", "F"),
    ("SAM", "BORA", "សំ បូរ៉ា", "M"),
    ("TAN", "MALIS", "តាន់ ម្លិះ", "F"),
    ("SUN", "SREYPOV", "ស៊ុន ស្រីពៅ", "F"),
)
THAI_NAMES: tuple[tuple[str, str, str, str], ...] = (
    ("JAIDEE", "SOMCHAI", "สมชาย ใจดี", "M"),
    ("SRISUK", "WILAI", "วิไล ศรีสุข", "F"),
    ("SAETANG", "NIRAN", "นิรันดร์ แซ่ตั้ง", "M"),
    ("BOONMA", "SOMPONG", "สมปอง บุญมา", "M"),
    ("KAEWKLA", "PRANEE", "ปราณี แก้วกล้า", "F"),
    ("THONGDEE", "SURIYA", "สุริยา ทองดี", "M"),
    ("CHAIYAPHUM", "ANAN", "อนันต์ ชัยภูมิ", "M"),
    ("INTHARAWONG", "MALEE", "มาลี อินทรวงศ์", "F"),
    ("PHROMMA", "KITTI", "กิตติ พรหมมา", "M"),
    ("SRIWICHAI", "NONGNUCH", "นงนุช ศรีวิชัย", "F"),
    ("RAKTHAI", "WICHAI", "วิชัย รักไทย", "M"),
    ("SUKSAWAT", "PORNTHIP", "พรทิพย์ สุขสวัสดิ์", "F"),
    ("WONGSA", "THANAKORN", "ธนากร วงษา", "M"),
    ("PHUTHONG", "SAIFON", "สายฝน ภู่ทอง", "F"),
    ("KHAMPHA", "BOONMEE", "บุญมี คำผา", "M"),
    ("CHANTHARA", "RATTANA", "รัตนา จันทรา", "F"),
    ("MEESUK", "PRASERT", "ประเสริฐ มีสุข", "M"),
    ("THEPSIRI", "KANYA", "กัญญา เทพศิริ", "F"),
    ("NAKPRASERT", "ARTHIT", "อาทิตย์ นาคประเสริฐ", "M"),
    ("YODKAEW", "SUDARAT", "สุดารัตน์ ยอดแก้ว", "F"),
    ("PANYADEE", "CHATCHAI", "ชาติชาย ปัญญาดี", "M"),
    ("KONGKAEW", "SOMSAK", "สมศักดิ์ คงแก้ว", "M"),
)
KHMER_RESIDENCES = (
    "Kamrieng, Battambang",
    "Sampov Loun, Battambang",
    "Phnom Proek, Battambang",
    "Malai, Banteay Meanchey",
    "Ou Chrov, Banteay Meanchey",
    "Thma Puok, Banteay Meanchey",
)
THAI_RESIDENCES = (
    "Aranyaprathet, Sa Kaeo",
    "Khlong Hat, Sa Kaeo",
    "Ta Phraya, Sa Kaeo",
    "Pong Nam Ron, Chanthaburi",
    "Soi Dao, Chanthaburi",
)
# the zone a holder may visit on the other side of the border
ZONES_FOR_KHMER = ("Pong Nam Ron district, Chanthaburi", "Soi Dao district, Chanthaburi", "Chanthaburi province")
ZONES_FOR_THAI = ("Kamrieng district, Battambang", "Phnom Proek district, Battambang", "Battambang province")
CP_FOR_KHMER = (("KH-PHD",), ("KH-PHD", "KH-STB"))
CP_FOR_THAI = (("KH-PHD", "TH-PKD"), ("KH-PHD", "KH-STB", "TH-PKD", "TH-NIA"))


@dataclass(frozen=True)
class DemoCase:
    number: str | None  # permit number; None when the text is not a readable permit
    text: str  # the QR text
    label: str  # "valid" or the primary reason code
    expected_reasons: tuple[str, ...]  # exactly what booth.rules.check answers
    checkpoint: str  # where it is scanned in the demo
    description: str  # one short English sentence
    holder: str  # "FAMILY GIVEN · native name (NAT)", or "" when there is no holder

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["expected_reasons"] = list(self.expected_reasons)
        return out


@dataclass(frozen=True)
class DemoData:
    cases: tuple[DemoCase, ...]
    cases_file: Path
    hq_dir: Path
    bundle_file: Path
    root_fingerprint: str
    watchlist_key: WatchlistKey  # the bundle's watchlist is hashes under it; a booth gets it from HQ


@dataclass
class _Person:
    holder: Holder

    @property
    def summary(self) -> str:
        h = self.holder
        return f"{h.family_name} {h.given_names} · {h.native_name} ({h.nationality})"


class _People:
    """Deterministic holders: each name is used once, each document number is unique."""

    def __init__(self, rng: random.Random, now: int) -> None:
        self.rng = rng
        self.year = dt.datetime.fromtimestamp(now, dt.UTC).year
        self.pools = {"KHM": list(KHMER_NAMES), "THA": list(THAI_NAMES)}
        for pool in self.pools.values():
            rng.shuffle(pool)
        self.documents: set[str] = set()

    def take(
        self, nat: str, *, cp: tuple[str, ...] | None = None, photo: bool = False, kind: str | None = None
    ) -> _Person:
        rng = self.rng
        pool = self.pools[nat]
        if not pool:
            raise HQError(f"demo name list for {nat} is used up")
        family, given, native, sex = pool.pop(0)
        khmer = nat == "KHM"
        dob = dt.date(self.year - rng.randint(18, 68), rng.randint(1, 12), rng.randint(1, 28)).isoformat()
        holder = Holder(
            family_name=family,
            given_names=given,
            native_name=native,
            dob=dob,
            sex=sex,
            nationality=nat,
            document=self._document(khmer),
            residence=rng.choice(KHMER_RESIDENCES if khmer else THAI_RESIDENCES),
            checkpoints=cp if cp is not None else rng.choice(CP_FOR_KHMER if khmer else CP_FOR_THAI),
            zone=rng.choice(ZONES_FOR_KHMER if khmer else ZONES_FOR_THAI),
            stay_days=rng.randint(1, 7),  # the bilateral pass: stays of at most 7 days
            kind=kind or rng.choice(("single", "multi", "multi")),
            photo=_face(rng) if photo else None,
        )
        return _Person(holder)

    def _document(self, khmer: bool) -> str:
        while True:
            if khmer:  # Cambodian national ID card: 9 digits
                doc = f"{self.rng.randint(10_000_000, 299_999_999):09d}"
            else:  # Thai ID: 12 digits and a mod-11 check digit
                head = [self.rng.choice((1, 3))] + [self.rng.randint(0, 9) for _ in range(11)]
                check = (11 - sum(d * (13 - i) for i, d in enumerate(head)) % 11) % 10
                doc = "".join(map(str, head)) + str(check)
            if doc not in self.documents:
                self.documents.add(doc)
                return doc


def _face(rng: random.Random) -> bytes:
    """A synthetic head-and-shoulders silhouette (no real person), shrunk as issuing does."""
    from PIL import Image, ImageDraw

    background = rng.choice(((214, 226, 240), (236, 232, 220), (222, 236, 222), (240, 224, 224)))
    tone = rng.choice(((150, 110, 80), (175, 130, 95), (125, 90, 65), (190, 150, 115)))
    shirt = rng.choice(((40, 70, 120), (120, 40, 40), (50, 100, 60), (90, 90, 90), (200, 200, 200)))
    hair = rng.choice(((20, 20, 20), (45, 30, 20), (60, 60, 60)))
    im = Image.new("RGB", (48, 60), background)
    draw = ImageDraw.Draw(im)
    draw.ellipse((4, 42, 44, 78), fill=shirt)  # shoulders
    draw.rectangle((20, 34, 28, 44), fill=tone)  # neck
    draw.ellipse((13, 10, 35, 38), fill=tone)  # face
    draw.chord((12, 7, 36, 30), 180, 360, fill=hair)  # hair
    out = io.BytesIO()
    im.save(out, "PNG")
    return fit_photo(out.getvalue())  # the same shrinking that real issuing applies


@dataclass
class _Plan:
    """One case to make: who, issued when, and what happens to it afterwards."""

    kind: str  # valid | issued | forged | tampered | wrong_issuer | raw
    description: str
    reasons: tuple[str, ...]
    person: _Person | None = None
    issue_at: int = 0
    valid_days: int = 365
    office: str = KH_OFFICE
    revoke_number: bool = False
    revoke_copy: bool = False
    watch_document: bool = False
    text: str | None = None  # for raw cases
    number: str | None = None  # for forged / wrong-issuer cases
    issued: IssuedPermit | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


def make_demo_data(out_dir: Path, *, seed: int = 7, now: int, cards: bool = True) -> DemoData:
    """Fill ``out_dir`` (absent or empty) with a demo HQ, trust bundle, labelled permits and
    (unless ``cards`` is false) printable cards.

    Built in a hidden folder beside ``out_dir`` and renamed into place when complete: an
    interrupted run leaves ``out_dir`` as it was, and a re-run starts afresh."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise HQError(f"{out_dir} is a file; --out names a folder to make (or an empty one)")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise HQError(f"{out_dir} is not an empty folder; choose a new one for demo data")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        fingerprint, cases, watchlist_key = _fill(partial, seed=seed, now=now, cards=cards)
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        partial.rename(out_dir)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return DemoData(cases, out_dir / "cases.json", out_dir / "hq", out_dir / "trust.bundle", fingerprint, watchlist_key)


def _fill(out_dir: Path, *, seed: int, now: int, cards: bool) -> tuple[str, tuple[DemoCase, ...], WatchlistKey]:
    rng = random.Random(seed)
    people = _People(rng, now)
    plans = _plan(rng, people, now)

    hq_dir = out_dir / "hq"
    hq = HQ(hq_dir)
    try:
        fingerprint = hq.init()
        for cp in CHECKPOINTS:
            hq.add_checkpoint(cp)
        for office, name in OFFICES:
            hq.add_issuer(office, name=name, not_before=now - 1000 * DAY)
        # issue in time order, so serial numbers grow with issue dates as in a real office
        signed_by_hq = [p for p in plans if p.kind in ("valid", "issued", "tampered")]
        for plan in sorted(signed_by_hq, key=lambda p: p.issue_at):
            plan.issued = hq.issue(
                plan.person.holder, office=plan.office, valid_days=plan.valid_days, now=plan.issue_at
            )
        kh_key = keys.load_private(hq.paths.issuer_key(KH_OFFICE))
        cases = tuple(_finish(plan, hq, kh_key, now) for plan in plans)
        _, bundle_data = hq.build_bundle(now=now)  # after every revocation and watchlist entry
        watchlist_key = hq.watchlist_key()
    finally:
        hq.close()

    bundle_file = out_dir / "trust.bundle"
    bundle_file.write_bytes(bundle_data)
    cases_file = out_dir / "cases.json"
    cases_file.write_text(
        json.dumps([c.to_json() for c in cases], ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    if cards:
        _write_cards(out_dir / "cards", cases, plans)
    (out_dir / "README.md").write_text(_readme(cases, fingerprint, seed, now), encoding="utf-8")
    return fingerprint, cases, watchlist_key


def _plan(rng: random.Random, people: _People, now: int) -> list[_Plan]:
    """Decide every case (deterministic in ``rng``); nothing is signed yet."""
    plans: list[_Plan] = []

    def recent() -> int:  # issued within the last two months
        return now - rng.randint(1, 60) * DAY - rng.randint(0, 9) * 3600

    def office(nat: str) -> str:
        return KH_OFFICE if nat == "KHM" else TH_OFFICE

    # ~25 valid permits, Khmer and Thai holders alternating, a third with a photo
    for i in range(26):
        nat = "KHM" if i % 2 == 0 else "THA"
        photo = i % 3 == 0
        person = people.take(nat, photo=photo)
        issue_at = recent()
        days = rng.choice((90, 180, 365))
        h = person.holder
        entry = "multiple-entry" if h.kind == "multi" else "single-entry"
        ago = (now - issue_at) // DAY
        when = "yesterday" if ago == 1 else f"{ago} days ago"
        plans.append(
            _Plan(
                "valid",
                f"Valid {entry} permit issued {when}{', with photo' if photo else ''}.",
                (),
                person,
                issue_at,
                days,
                office(nat),
            )
        )

    for nat in ("KHM", "THA"):
        person = people.take(nat)
        exp_ago = 400 - 365
        plans.append(
            _Plan(
                "issued",
                f"Expired {exp_ago} days ago (issued for one year).",
                ("expired",),
                person,
                now - 400 * DAY,
                365,
                office(nat),
            )
        )

    plans.append(
        _Plan(
            "issued",
            "Not valid yet: starts in 10 days.",
            ("not_yet_valid",),
            people.take("KHM"),
            now + 10 * DAY,
            90,
            KH_OFFICE,
        )
    )

    plans.append(
        _Plan(
            "issued",
            "Revoked by HQ after it was reported stolen.",
            ("revoked",),
            people.take("THA"),
            recent(),
            180,
            TH_OFFICE,
            revoke_number=True,
        )
    )
    plans.append(
        _Plan(
            "issued",
            "This printed copy was revoked (reported lost); a reprint would pass.",
            ("revoked",),
            people.take("KHM"),
            recent(),
            365,
            KH_OFFICE,
            revoke_copy=True,
        )
    )

    plans.append(
        _Plan(
            "issued",
            "Valid only at Stung But, not at Phnom Dei.",
            ("wrong_checkpoint",),
            people.take("KHM", cp=("KH-STB",)),
            recent(),
            180,
            KH_OFFICE,
        )
    )
    plans.append(
        _Plan(
            "issued",
            "Valid only at Stung But and Ban Nong Ian, not at Phnom Dei.",
            ("wrong_checkpoint",),
            people.take("THA", cp=("KH-STB", "TH-NIA")),
            recent(),
            90,
            TH_OFFICE,
        )
    )

    for nat in ("KHM", "THA"):
        plans.append(
            _Plan(
                "issued",
                "Holder's identity document is on the watchlist.",
                ("watchlist",),
                people.take(nat),
                recent(),
                365,
                office(nat),
                watch_document=True,
            )
        )

    plans.append(
        _Plan(
            "forged",
            "Forged: signed by a key no permit office holds.",
            ("unknown_issuer",),
            people.take("KHM"),
            number=f"KH-BTB-{_year(now)}-{rng.randint(7000, 7999):06d}",
        )
    )
    tampered = people.take("THA")
    new_family = rng.choice(("SAKDA", "WONGSAWAT", "RATTANAKUL"))
    plans.append(
        _Plan(
            "tampered",
            f"Altered after signing: family name changed to {new_family}.",
            ("bad_signature",),
            tampered,
            recent(),
            180,
            TH_OFFICE,
            extra={"family_name": new_family},
        )
    )
    plans.append(
        _Plan(
            "wrong_issuer",
            "Claims the Sa Kaeo office but is signed with the Battambang key.",
            ("issuer_not_valid",),
            people.take("THA"),
            number=f"TH-SKW-{_year(now)}-{rng.randint(7000, 7999):06d}",
        )
    )

    not_cose = zlib.compress(cbor2.dumps({"permit": "demo", "note": "a CBOR map, not a COSE_Sign1"}), 9)
    plans.append(
        _Plan(
            "raw",
            "Well-wrapped BP1 text whose content is not a signed permit.",
            ("bad_format",),
            text=PREFIX + b45encode(not_cose),
        )
    )
    plans.append(_Plan("raw", "Damaged text: strict base45 refuses GGW.", ("unreadable",), text="BP1:GGW"))
    plans.append(
        _Plan("raw", "A web address, not a border permit.", ("unreadable",), text="https://example.org/not-a-permit")
    )

    plans.append(
        _Plan(
            "issued",
            "Expired last month and valid only at Stung But.",
            ("expired", "wrong_checkpoint"),
            people.take("KHM", cp=("KH-STB",)),
            now - 400 * DAY,
            365,
            KH_OFFICE,
        )
    )
    plans.append(
        _Plan(
            "issued",
            "Revoked, and the holder's document is on the watchlist.",
            ("revoked", "watchlist"),
            people.take("THA"),
            recent(),
            365,
            TH_OFFICE,
            revoke_number=True,
            watch_document=True,
        )
    )
    return plans


def _year(now: int) -> int:
    return dt.datetime.fromtimestamp(now, dt.UTC).year


def _finish(plan: _Plan, hq: HQ, kh_key: Any, now: int) -> DemoCase:
    """Sign what is not signed by HQ, apply revocations and watchlist entries, make the case."""
    label = plan.reasons[0] if plan.reasons else "valid"
    summary = plan.person.summary if plan.person else ""
    if plan.kind == "raw":
        return DemoCase(None, plan.text or "", label, plan.reasons, DEMO_CHECKPOINT, plan.description, "")
    if plan.kind in ("forged", "wrong_issuer"):
        h = plan.person.holder
        issued_at = now - 3 * DAY
        office = TH_OFFICE if plan.kind == "wrong_issuer" else KH_OFFICE
        permit = h.permit(plan.number or "", office, issued_at=issued_at, valid_days=180)
        key = keys.generate() if plan.kind == "forged" else kh_key
        text = permit_codec.encode(permit, key)
        plan.extra["permit"] = permit
        return DemoCase(permit.number, text, label, plan.reasons, DEMO_CHECKPOINT, plan.description, summary)

    issued = plan.issued
    assert issued is not None
    number = issued.permit.number
    if plan.revoke_number:
        hq.revoke(permit_no=number, reason="reported stolen", at=now - 2 * DAY)
    if plan.revoke_copy:
        hq.revoke(signature_sha256=issued.signature_sha256, reason="printed copy reported lost", at=now - 2 * DAY)
    if plan.watch_document:
        h = plan.person.holder
        entry = WatchEntry(document=h.document, nationality=h.nationality, reason="court order: call the supervisor")
        hq.watch(entry, at=now - 5 * DAY)
    text = issued.text
    if plan.kind == "tampered":
        text = _tamper(text, plan.extra["family_name"])
        plan.extra["permit"] = permit_codec.decode(text).permit
    else:
        plan.extra["permit"] = issued.permit
    return DemoCase(number, text, label, plan.reasons, DEMO_CHECKPOINT, plan.description, summary)


def _tamper(text: str, family_name: str) -> str:
    """Change the family name inside a signed permit and keep the ORIGINAL signature."""
    signed = permit_codec.decode(text).sign1
    claims = cbor2.loads(signed.payload)
    claims[BODY_CLAIM]["fn"] = family_name
    message = cbor2.CBORTag(cose.COSE_SIGN1_TAG, [signed.protected, {}, cbor.dumps_cbor(claims), signed.signature])
    return PREFIX + b45encode(zlib.compress(cbor2.dumps(message), 9))


def _write_cards(folder: Path, cases: tuple[DemoCase, ...], plans: list[_Plan]) -> None:
    """QR PNGs for every permit, PDF cards for the first few valid ones (``booth.card``)."""
    from booth.card.pdf import card_pdf, qr_png  # fpdf2 and fonts only when printing
    from booth.errors import CardError

    folder.mkdir(exist_ok=True)
    offices = dict(OFFICES)
    names = {cp.code: cp.name_en for cp in CHECKPOINTS}
    pdfs = 0
    for case, plan in zip(cases, plans, strict=True):
        if case.number is None:
            continue
        try:
            qr_png(case.text, folder / f"{case.number}.png")
            if case.label == "valid" and pdfs < PDF_CARDS:
                permit: Permit = plan.extra["permit"]
                card_pdf(
                    permit,
                    case.text,
                    folder / f"{case.number}.pdf",
                    office_name=offices.get(permit.issuer, ""),
                    checkpoint_names=names,
                )
                pdfs += 1
        except (CardError, OSError, ValueError) as exc:
            log.warning("card for %s skipped: %s", case.number, exc)


def _readme(cases: tuple[DemoCase, ...], fingerprint: str, seed: int, now: int) -> str:
    counts: dict[str, int] = {}
    for c in cases:
        counts[c.label] = counts.get(c.label, 0) + 1
    at = permit_codec.iso(now)
    order = sorted(counts.items(), key=lambda kv: (kv[0] != "valid", kv[0]))
    table = "\n".join(f"| {label} | {n} |" for label, n in order)
    cps = "\n".join(f"- `{c.code}` {c.name_en} — {c.name_km} — {c.name_th} ({c.country})" for c in CHECKPOINTS)
    return f"""# Booth demo data

Made by `booth-hq demo-data` with seed {seed}, as of {at}. **Everything here is invented:**
the holders, their document numbers and their photos (plain drawn silhouettes) are not
real people. Names, numbers and dates follow from the seed; keys are new on every run.

## What is here

- `hq/` — an HQ data dir (root key, issuing-office keys, watchlist key, registry). Use it with
  `booth-hq --data-dir hq ...` to issue more permits, revoke, or build newer bundles. Its key
  files are unencrypted on purpose (demo keys guard nothing real, and no passphrase is asked);
  a real HQ keeps them under a passphrase (`booth-hq --passphrase-file FILE init`).
- `trust.bundle` — the trust bundle, signed by the HQ root, built after every revocation
  and watchlist entry below.
- `cases.json` — {len(cases)} QR texts, each with the verdict it must get when scanned at its
  `checkpoint` (all at `KH-PHD`) on {at}: `label` is `valid` or the main reason,
  `expected_reasons` the full list.
- `cards/` — the QR of each permit as `PERMIT_NO.png`, and printable PDF cards for the
  first {PDF_CARDS} valid permits (when the card printer module is available).

| label | cases |
|---|---|
{table}

## Checkpoints and offices

{cps}

The Thai counterpart checkpoints (`TH-PKD`, `TH-NIA`) and their spellings are demo
placeholders, not official codes or names.

Issuing offices: `{KH_OFFICE}` ({OFFICES[0][1]}) and `{TH_OFFICE}` ({OFFICES[1][1]}).

## HQ root fingerprint

    {fingerprint}

## How to use

    booth bundle install trust.bundle --pin "{fingerprint}"
    booth bundle key - < hq/keys/watchlist.key
    booth verify --checkpoint KH-PHD --at {at} TEXT

where TEXT is a `text` from `cases.json`. The bundle's watchlist is sealed: without HQ's
watchlist key (`booth bundle key`, which an enrolled booth gets from HQ) every verdict says
`watchlist_unreadable`. Without `--at`, permits age with the real clock
and the bundle turns stale after 7 days (every verdict then carries `trust_stale`).
"""
