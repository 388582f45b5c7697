"""The zh-hans catalogue: complete, compiled, current, and what the UI actually shows.

The UI is Simplified Chinese by default (LANGUAGE_CODE = "zh-hans") with English available;
every msgid in code and templates is English, so an untranslated entry shows English to a
Chinese visitor. The .mo is committed so a machine without GNU gettext still shows Chinese.

After changing a translatable string:
    .venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules \\
        --ignore=tests --ignore=staticfiles --no-obsolete
    (translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po, remove "#, fuzzy")
    .venv/bin/python manage.py compilemessages -l zh_Hans --ignore=.venv
"""

import ast
import gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
MO = MESSAGES / "django.mo"

# The same scan as the makemessages command in the module docstring.
SCAN_IGNORE = [".venv", "node_modules", "tests", "staticfiles"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{\s*\w+\s*\}\}")


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstrs: dict[int, str] = field(default_factory=dict)  # plural index (0 if singular) → text
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self):
        """The msgid as gettext's catalogue keys it (with its context, if any)."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def _unquote(text):
    # PO strings use C escapes (\" \\ \n \t); a Python string literal reads them alike.
    return ast.literal_eval(text.strip())


def parse_po(path):
    """A small .po reader: entries (header included, msgid ""), flags and plural forms."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry = Entry(msgid="")
        current = None  # (attribute, plural index) being continued by "..." lines
        seen_msgid = False
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#~"):
                entry.obsolete = True
                continue
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
                continue
            if not line or line.startswith("#"):
                continue
            match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
            if match:
                keyword, index, text = match.groups()
                current = (keyword, int(index or 0))
                value = _unquote(text)
                if keyword == "msgid":
                    seen_msgid = True
            elif line.startswith('"') and current:
                value = _unquote(line)
            else:
                raise AssertionError(f"{path.name}: cannot read line {raw!r}")
            keyword, index = current
            if keyword == "msgstr":
                entry.msgstrs[index] = entry.msgstrs.get(index, "") + value
            else:
                setattr(entry, keyword, (getattr(entry, keyword) or "") + value)
        if seen_msgid:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def po_entries():
    assert PO.exists(), f"{PO} is missing: run makemessages (see this module's docstring)"
    return parse_po(PO)


@pytest.fixture(scope="module")
def header(po_entries):
    headers = [entry for entry in po_entries if entry.msgid == "" and entry.msgctxt is None]
    assert len(headers) == 1, "the catalogue needs exactly one header entry"
    return headers[0]


@pytest.fixture(scope="module")
def messages(po_entries):
    """Every live entry except the header."""
    return [entry for entry in po_entries if entry.msgid and not entry.obsolete]


def test_header_declares_simplified_chinese_with_one_plural_form(header):
    assert "fuzzy" not in header.flags
    text = header.msgstrs[0]
    assert "Language: zh_Hans\n" in text
    assert "Plural-Forms: nplurals=1; plural=0;\n" in text
    assert "Content-Type: text/plain; charset=UTF-8\n" in text


def test_catalogue_is_not_empty(messages):
    assert len(messages) > 100
    assert {"Needs", "Achievements", "Review queue"} <= {entry.msgid for entry in messages}


def test_every_entry_is_translated_and_none_is_fuzzy(messages):
    fuzzy = [entry.msgid for entry in messages if "fuzzy" in entry.flags]
    assert not fuzzy, f"fuzzy entries (check them, then remove the flag): {fuzzy}"
    untranslated = [
        entry.msgid
        for entry in messages
        if not entry.msgstrs or any(not text.strip() for text in entry.msgstrs.values())
    ]
    assert not untranslated, f"entries without a translation: {untranslated}"


def test_plural_entries_have_exactly_the_one_chinese_form(messages):
    plurals = [entry for entry in messages if entry.msgid_plural is not None]
    assert plurals, "expected the listing counters to be plural entries"
    wrong = [entry.msgid for entry in plurals if set(entry.msgstrs) != {0}]
    assert not wrong, f"zh_Hans has nplurals=1: give only msgstr[0] for {wrong}"


def test_translations_keep_the_placeholders(messages):
    wrong = []
    for entry in messages:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        wanted = sorted(set(wanted))
        for text in entry.msgstrs.values():
            if sorted(set(PLACEHOLDER.findall(text))) != wanted:
                wrong.append((entry.msgid, text))
    assert not wrong, f"placeholders differ between msgid and msgstr: {wrong}"


def test_translations_are_chinese(messages):
    """An entry left in English by copy-paste is as bad as an empty one."""
    # Han characters, or Chinese punctuation for separators such as "、" and "：".
    han = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
    english = [entry.msgid for entry in messages if not han.search(entry.msgstrs.get(0, ""))]
    assert not english, f"translations without any Chinese: {english}"


def test_compiled_catalogue_matches_the_po(messages):
    assert MO.exists(), f"{MO} is missing: run compilemessages (see this module's docstring)"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.info().get("plural-forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    expected = {}
    for entry in messages:
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstrs[0]
        else:
            for index, text in entry.msgstrs.items():
                expected[(entry.key, index)] = text
    actual = {key: text for key, text in compiled._catalog.items() if key != ""}
    missing = sorted(str(key) for key in expected.keys() - actual.keys())
    extra = sorted(str(key) for key in actual.keys() - expected.keys())
    changed = sorted(
        str(key) for key in expected.keys() & actual.keys() if expected[key] != actual[key]
    )
    assert not (missing or extra or changed), (
        "django.mo is stale: run compilemessages (see this module's docstring). "
        f"Not compiled: {missing}; only in the .mo: {extra}; different: {changed}"
    )


def _copy_sources(destination):
    """The files makemessages reads (.py, .html, .txt), outside the ignored folders."""
    root = Path(settings.BASE_DIR)

    def ignore(folder, names):
        skipped = set()
        for name in names:
            path = Path(folder) / name
            if path.is_dir():
                if name in SCAN_IGNORE or name.startswith(".") or name in {"locale", "static"}:
                    skipped.add(name)
            elif path.suffix not in {".py", ".html", ".txt"} or name.startswith("."):
                skipped.add(name)
        return skipped

    shutil.copytree(root, destination, ignore=ignore, symlinks=True)


@pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgmerge")),
    reason="GNU gettext is not installed",
)
def test_catalogue_holds_exactly_the_strings_marked_in_the_code(
    messages, tmp_path, monkeypatch, settings
):
    """Run makemessages on a copy of the sources: a new string must be added and translated."""
    source = tmp_path / "src"
    _copy_sources(source)
    (source / "locale").mkdir()
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["zh_Hans"], ignore_patterns=SCAN_IGNORE, verbosity=0)
    scanned = parse_po(source / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    in_code = {(entry.key, entry.msgid_plural) for entry in scanned if entry.msgid}
    in_catalogue = {(entry.key, entry.msgid_plural) for entry in messages}
    assert not in_code - in_catalogue, (
        "strings marked for translation but missing from the catalogue (run makemessages and "
        f"translate them): {sorted(key for key, _ in in_code - in_catalogue)}"
    )
    assert not in_catalogue - in_code, (
        "catalogue entries no longer in the code (run makemessages with --no-obsolete): "
        f"{sorted(key for key, _ in in_catalogue - in_code)}"
    )


def _navbar(html):
    return re.search(r'<nav class="navbar.*?</nav>', html, re.S).group(0)


def test_home_page_is_chinese_by_default(client, db):
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<title>首页 · " in html
    navbar = _navbar(html)
    for label in ("技术需求", "科技成果", "项目", "人才", "机构", "登录", "注册"):
        assert label in navbar
    assert "Achievements" not in navbar
    assert "让产业技术需求对接科技创新供给" in html


def test_home_page_is_english_with_the_language_cookie(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "<title>Home · TechBridge</title>" in html
    navbar = _navbar(html)
    for label in ("Needs", "Achievements", "Projects", "Talents", "Organizations", "Log in"):
        assert label in navbar
    assert "技术需求" not in html
    assert "Connect technical needs with the science that solves them" in html


@pytest.mark.parametrize(
    ("url", "chinese"),
    [
        ("/needs/", "技术需求"),
        ("/achievements/", "科技成果"),
        ("/organizations/", "机构"),
        ("/accounts/login/", "登录"),
        ("/accounts/sign-up/", "注册"),
    ],
)
def test_public_pages_are_chinese_by_default(client, db, url, chinese):
    response = client.get(url)
    assert response.status_code == 200
    title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)
    assert title.startswith(chinese), title
