"""Bulk import of needs and achievements from JSONL or CSV.

Each row is imported whole or rejected with (line, field, problem); rows are keyed by
external id, so importing a file again updates rows instead of duplicating them. Rejected rows
are reported as they are found (RejectedRowsReport), so an import stopped midway, even killed,
leaves every row it rejected so far on disk.
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from repositories.models import ListingKind, kind_text_fields
from repositories.services import listing_import_row
from taxonomy.models import Field, IPStatus, Maturity, Region
from taxonomy.selectors import cooperation_modes_by_name, field_best_match

SUMMARY_LENGTH = 200
CHUNK_ROWS = 500


class RowError(Exception):
    """One or more (field, problem) pairs that keep a row out."""

    def __init__(self, field_name=None, problem=None, *, problems=None):
        self.problems = problems or [(field_name, problem)]
        super().__init__("; ".join(f"{f}: {p}" for f, p in self.problems))


@dataclass
class Rejection:
    line: int
    external_id: str
    field: str
    problem: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list = field(default_factory=list)

    @property
    def rejected_rows(self):
        return len({rejection.line for rejection in self.rejected})

    @property
    def total(self):
        return self.created + self.updated + self.unchanged + self.rejected_rows


class RejectedRowsReport:
    """The rejected rows of an import as TSV (file, line, external_id, field, problem).

    The header is written when the report opens, and each rejected row's lines are written
    together and flushed as soon as it is rejected: killed at any moment, the import leaves a
    readable file of whole lines holding every row rejected until then.
    """

    HEADER = ("file", "line", "external_id", "field", "problem")

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("w", encoding="utf-8", newline="")
        self.rows = 0
        self._write([self.HEADER])

    def add(self, file_name, rejections):
        """One row's rejections (one line per field and problem)."""
        self._write([[file_name, r.line, r.external_id, r.field, r.problem] for r in rejections])
        self.rows += 1

    def _write(self, lines):
        # Formatted first, then written at once: a kill never leaves half a row behind a flush.
        text = io.StringIO()
        csv.writer(text, delimiter="\t").writerows(lines)
        self._handle.write(text.getvalue())
        self._handle.flush()

    def close(self):
        self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def read_rows(path):
    """(line number, row dict or RowError) for each record of a .jsonl or .csv file."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if path.suffix.lower() == ".csv":
            for index, row in enumerate(csv.DictReader(handle), start=2):
                yield index, row
            return
        for index, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                yield index, RowError("line", f"not valid JSON ({error.msg})")
                continue
            if not isinstance(row, dict):
                yield index, RowError("line", "not a JSON object")
                continue
            yield index, row


def _text(row, key):
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _required(row, names):
    """The values of required keys {key: field name}; every missing one is reported at once."""
    missing = [
        (field_name, "missing or empty") for key, field_name in names.items() if not _text(row, key)
    ]
    if missing:
        raise RowError(problems=missing)
    return [_text(row, key) for key in names]


def _summary_of(text):
    """The first sentence(s) of a text, up to SUMMARY_LENGTH characters."""
    sentences = re.split(r"(?<=[。！？!?.])", text)
    summary = ""
    for sentence in sentences:
        if len(summary) + len(sentence) > SUMMARY_LENGTH:
            break
        summary += sentence
    return summary or text[:SUMMARY_LENGTH]


def _date(value, field_name):
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise RowError(field_name, f"not a date: {value!r}") from None


def _decimal(value, field_name):
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowError(field_name, f"not a number: {value!r}") from None
    if number < 0:
        raise RowError(field_name, "must not be negative")
    return number


def _modes(text, table):
    """Cooperation modes named anywhere in the text (the market glues names together)."""
    found = {}
    lowered = text.lower()
    for name, mode in table.items():
        if name and name in lowered:
            found[mode.code] = mode
    return list(found.values())


class PlatformRows:
    """The platform's own columns: model field names, taxonomy by code, modes separated by ,;|."""

    name = "platform"

    def __init__(self, kind):
        self.kind = kind
        self.modes = cooperation_modes_by_name()
        self.fields = {f.code: f for f in Field.objects.filter(level=Field.Level.DIRECTION)}
        self.regions = {r.code: r for r in Region.objects.all()}

    def map(self, row):
        external_id, title, summary = _required(
            row, {"external_id": "external_id", "title": "title", "summary": "summary"}
        )
        data = {"title": title, "summary": summary}
        for name in kind_text_fields(self.kind):
            data[name] = _text(row, name)
        if code := _text(row, "field"):
            if code not in self.fields:
                raise RowError("field", f"unknown direction code {code!r}")
            data["field"] = self.fields[code]
        if code := _text(row, "region"):
            if code not in self.regions:
                raise RowError("region", f"unknown region code {code!r}")
            data["region"] = self.regions[code]
        modes = []
        for name in re.split(r"[,;|，；、]", _text(row, "cooperation_modes")):
            if name.strip():
                mode = self.modes.get(name.strip().lower())
                if mode is None:
                    raise RowError("cooperation_modes", f"unknown mode {name.strip()!r}")
                modes.append(mode)
        if self.kind == ListingKind.NEED:
            for name in ("budget_min", "budget_max"):
                if value := _text(row, name):
                    data[name] = _decimal(value, name)
            data["budget_negotiable"] = _text(row, "budget_negotiable").lower() in (
                "1",
                "true",
                "yes",
            )
            if value := _text(row, "deadline"):
                data["deadline"] = _date(value, "deadline")
        else:
            if value := _text(row, "maturity"):
                if value not in {str(m.value) for m in Maturity}:
                    raise RowError("maturity", f"must be 1–9, not {value!r}")
                data["maturity"] = int(value)
            if value := _text(row, "ip_status"):
                if value not in IPStatus.values:
                    raise RowError("ip_status", f"unknown IP status {value!r}")
                data["ip_status"] = value
            if value := _text(row, "price"):
                data["price"] = _decimal(value, "price")
            data["price_negotiable"] = _text(row, "price_negotiable").lower() in (
                "1",
                "true",
                "yes",
            )
        published = (
            _date(_text(row, "published_at"), "published_at")
            if _text(row, "published_at")
            else None
        )
        return external_id, data, modes, published


class MarketRows:
    """Rows crawled from a provincial technology market (51jishu): name, context, industry…"""

    name = "51jishu"
    MATURITY = {"正在研发": 3, "通过小试": 4, "已有样品": 5, "通过中试": 6, "可以量产": 8}
    IP_STATUS = {
        "发明专利": IPStatus.INVENTION_PATENT,
        "实用新型专利": IPStatus.UTILITY_MODEL,
        "外观专利": IPStatus.DESIGN_PATENT,
        "非专利技术": IPStatus.TRADE_SECRET,
    }
    # The market's words for modes that the platform names differently.
    MODE_ALIASES = {
        "完全转让": "transfer",
        "许可转让": "license",
        "技术入股": "equity",
        "合作生产": "joint_development",
    }
    PRICE_RANGE = re.compile(r"([\d.]+)\s*万元")

    def __init__(self, kind):
        self.kind = kind
        self.modes = cooperation_modes_by_name()
        by_code = {mode.code: mode for mode in self.modes.values()}
        for alias, code in self.MODE_ALIASES.items():
            self.modes[alias] = by_code[code]

    def map(self, row):
        text_field = "problem" if self.kind == ListingKind.NEED else "description"
        external_id, title, context = _required(
            row, {"id": "external_id", "name": "title", "context": text_field}
        )
        if len(title) > 200:
            raise RowError("title", "longer than 200 characters")
        data = {"title": title, "summary": _summary_of(context), text_field: context}
        field_text = " ".join(
            filter(None, [_text(row, "industry"), _text(row, "classification"), title])
        )
        data["field"] = field_best_match(text=field_text)
        modes = _modes(_text(row, "cooperationMethod"), self.modes)
        if self.kind == ListingKind.ACHIEVEMENT:
            maturity = _text(row, "maturity")
            if maturity:
                if maturity not in self.MATURITY:
                    raise RowError("maturity", f"unknown maturity {maturity!r}")
                data["maturity"] = self.MATURITY[maturity]
            data["ip_status"] = self.IP_STATUS.get(_text(row, "zlxx"), IPStatus.NONE)
            price = _text(row, "price")
            if price == "面议" or not price:
                data["price_negotiable"] = True
            else:
                amounts = self.PRICE_RANGE.findall(price)
                if not amounts:
                    raise RowError("price", f"not a price: {price!r}")
                data["price"] = _decimal(amounts[0], "price")
            if scope := _text(row, "scope"):
                data["application_scenarios"] = scope
        published = (
            _date(_text(row, "postTime"), "published_at") if _text(row, "postTime") else None
        )
        return external_id, data, modes, published


SOURCES = {source.name: source for source in (PlatformRows, MarketRows)}


def detect_source(row):
    return (
        MarketRows if isinstance(row, dict) and "context" in row and "name" in row else PlatformRows
    )


def listings_import(
    *, rows, kind, organization, user, status, source=None, progress=None, on_reject=None
):
    """Import (line, row) pairs; commit every CHUNK_ROWS rows, each row in its own savepoint.
    `on_reject(rejections)` hears of each rejected row (its Rejections) as soon as it is."""
    result = ImportResult()
    mapper = None
    chunk = []

    def flush():
        with transaction.atomic():
            for line, row in chunk:
                _import_one(line, row)
        chunk.clear()

    def _reject(rejections):
        rejections = list(rejections)
        result.rejected.extend(rejections)
        if on_reject:
            on_reject(rejections)

    def _import_one(line, row):
        external_id = (
            (_text(row, "id") or _text(row, "external_id")) if isinstance(row, dict) else ""
        )
        try:
            if isinstance(row, RowError):
                raise row
            external_id, data, modes, published = mapper.map(row)
            with transaction.atomic():
                outcome = listing_import_row(
                    kind=kind,
                    organization=organization,
                    user=user,
                    external_id=external_id,
                    data=data,
                    cooperation_modes=modes,
                    status=status,
                    published_at=_aware(published),
                )
        except RowError as error:
            _reject(
                Rejection(line, external_id, field_name, problem)
                for field_name, problem in error.problems
            )
        except ValidationError as error:
            _reject(
                Rejection(line, external_id, name, " ".join(messages))
                for name, messages in error.message_dict.items()
            )
        else:
            setattr(result, outcome, getattr(result, outcome) + 1)
        if progress:
            progress()

    for line, row in rows:
        if mapper is None and not isinstance(row, RowError):
            mapper = (source or detect_source(row))(kind)
        chunk.append((line, row))
        if len(chunk) >= CHUNK_ROWS:
            flush()
    if chunk:
        if mapper is None:
            mapper = (source or PlatformRows)(kind)
        flush()
    return result


def _aware(day):
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))
