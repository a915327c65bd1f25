"""The dashboard's words in English, Khmer and Thai: GNU gettext catalogues, read at start.

People translate ``assets/i18n/dashboard/<lang>/LC_MESSAGES/dashboard.po`` (any PO editor);
``scripts/i18n-dashboard`` adds what the templates and this package say and keeps the rest.
The English msgid is the key; a missing or empty translation shows the English. Pages call
``_("words")`` (``_("%(n)s record(s)", n=3)`` with values); Python marks its words with ``N_``
for translation when shown. The reasons a booth gives for its verdicts are the booth's own
translations (``assets/i18n/booth_<lang>.ts``, context ``Reason``), so both say the same.
"""

from __future__ import annotations

import ast
import functools
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

from booth.assets import ASSETS_DIR

LANGUAGES = ("en", "km", "th")
NAMES = {"en": "English", "km": "ខ្មែរ", "th": "ไทย"}  # each language in its own words, for the selector
DOMAIN = "dashboard"
CATALOGUES = ASSETS_DIR / "i18n" / DOMAIN
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def N_(msgid: str) -> str:
    """Mark ``msgid`` for the catalogue; it is translated where it is shown."""
    return msgid


def po_path(language: str) -> Path:
    return CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), body)


def read_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a PO file (no plural forms or contexts: the dashboard uses neither).
    Fuzzy entries count as untranslated, as msgfmt has it."""
    out: dict[str, str] = {}
    entry: dict[str, str] = {}
    field, fuzzy = "", False

    def done() -> None:
        if entry.get("msgid") and entry.get("msgstr") and not fuzzy:
            out[entry["msgid"]] = entry["msgstr"]

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgid ", "msgstr ")):
            if line.startswith("msgid "):
                done()
                entry = {}
            field, _, quoted = line.partition(" ")
            entry[field] = _unquote(quoted)
        elif line.startswith('"') and field:
            entry[field] = entry.get(field, "") + _unquote(line)
        elif not line:
            done()
            entry, field, fuzzy = {}, "", False
    done()
    return out


def read_ts(path: Path, context: str) -> dict[str, str]:
    """source -> translation of one context of a Qt Linguist file."""
    if not path.exists():
        return {}
    out = {}
    for ctx in ElementTree.parse(path).getroot().iter("context"):
        if ctx.findtext("name") != context:
            continue
        for message in ctx.iter("message"):
            source, translation = message.findtext("source"), message.find("translation")
            if source and translation is not None and translation.text and translation.get("type") is None:
                out[source] = translation.text
    return out


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """The dashboard's words and the booth's reasons in ``language`` (empty for English)."""
    if language not in LANGUAGES or language == "en":
        return {}
    words = read_ts(ASSETS_DIR / "i18n" / f"booth_{language}.ts", "Reason")
    path = po_path(language)
    return words | (read_po(path) if path.exists() else {})


def translator(language: str) -> Callable[..., str]:
    """``_(msgid, **values)``: the words in ``language``, values put in by name (``%(name)s``)."""
    words = catalogue(language)

    def _(msgid: str, **values: object) -> str:
        text = words.get(msgid) or msgid
        return text % values if values else text

    return _


def best_language(accept_language: str) -> str:
    """The first of our languages an ``Accept-Language`` header names, else English."""
    for part in accept_language.split(",")[:20]:
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# -- extraction (scripts/i18n-dashboard)


def python_msgids(path: Path) -> list[str]:
    """The literal first arguments of ``N_(...)`` and ``_(...)`` calls in a Python file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("N_", "_"):
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.append(node.args[0].value)
    return found


def template_msgids(folder: Path) -> list[str]:
    """The literal first arguments of ``_(...)`` calls in the Jinja templates of ``folder``."""
    import jinja2

    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    found = []
    for path in sorted(folder.glob("*.html")):
        for _line, _func, message in env.extract_translations(path.read_text(encoding="utf-8")):
            first = message[0] if isinstance(message, tuple) else message  # a tuple: called with values
            if isinstance(first, str):
                found.append(first)
    return found


def all_msgids(package: Path) -> list[str]:
    """Every msgid the dashboard's templates and Python say, each once, in order of appearance."""
    found = template_msgids(package / "templates")
    for path in sorted(package.glob("*.py")):
        found += python_msgids(path)
    return list(dict.fromkeys(found))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def write_po(path: Path, language: str, msgids: list[str], known: dict[str, str]) -> list[str]:
    """Write the catalogue of ``msgids`` with the translations ``known`` (others empty); the
    msgids left without a translation."""
    header = (
        f"# The HQ dashboard's words in {NAMES[language]}. Update: scripts/i18n-dashboard\n"
        'msgid ""\n'
        'msgstr ""\n'
        '"Project-Id-Version: Booth HQ dashboard\\n"\n'
        '"PO-Revision-Date: \\n"\n'
        '"Last-Translator: \\n"\n'
        f'"Language-Team: {NAMES[language]}\\n"\n'
        f'"Language: {language}\\n"\n'
        '"MIME-Version: 1.0\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Content-Transfer-Encoding: 8bit\\n"\n'
    )
    entries = [
        ("#, python-format\n" if "%(" in m else "") + f"msgid {_quote(m)}\nmsgstr {_quote(known.get(m, ''))}\n"
        for m in msgids
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *entries]), encoding="utf-8")
    return [m for m in msgids if not known.get(m)]
