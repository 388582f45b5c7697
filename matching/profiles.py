"""What the matcher knows of one party: texts to compare and the structure to weigh.

A profile comes from the database (a listing or a service team) or from a line of JSON (the
offline `rank` command); the matcher treats both alike.
"""

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class Profile:
    # The index id: "achievement:42", "organization:7", or a JSON line's id.
    id: str
    kind: str
    # What a demand is compared with: one text for most listings; an expert's projects one
    # each, so an expert is found by their best-matching work, not by a blurred average.
    passages: list[str]
    title: str = ""
    organization: str = ""
    # The field's code and its ancestors' codes; agreement at a deeper level counts more.
    fields: tuple[str, ...] = ()
    region: str = ""
    province: str = ""
    cooperation_modes: frozenset[str] = frozenset()
    maturity: int | None = None
    # A demand's wish: the lowest TRL it can use.
    maturity_wanted: int | None = None
    published: date | None = None
    completeness: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def text(self):
        return "\n".join(self.passages)


def as_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


class RowReader:
    """Profiles from JSON objects: `id` and `text` (or `passages`), and optionally the
    platform's own keys (`kind`, `organization`, `field` code, `region` code,
    `cooperation_modes` codes, `maturity` 1–9, `published_at`) or the crawled market's
    (`industry`, `classification`, `cooperationMethod`, `maturity` in words, `postTime`).

    Reads the taxonomy from the database; writes nothing.
    """

    def __init__(self):
        from repositories.importing import MarketRows
        from taxonomy.models import Field, Region

        self.market = MarketRows("achievement")
        self.fields = {f.code: f for f in Field.objects.select_related("parent__parent")}
        self.regions = {r.code: r for r in Region.objects.select_related("parent")}

    def profile(self, row, *, kind):
        from repositories.importing import _modes
        from taxonomy.selectors import field_best_match

        if not isinstance(row, dict):
            raise ValueError("each line must be a JSON object")
        profile_id = str(row.get("id") or "").strip()
        if not profile_id:
            raise ValueError("`id` is missing")
        if "#" in profile_id:
            raise ValueError(f"id {profile_id!r}: `#` is reserved for passages")
        passages = row.get("passages") or [row.get("text") or ""]
        passages = [str(p).strip() for p in passages if str(p).strip()]
        if not passages:
            raise ValueError(f"id {profile_id!r}: `text` is missing or empty")
        field = self.fields.get(str(row.get("field") or ""))
        market_field = " ".join(
            filter(None, (row.get(key) for key in ("industry", "classification", "name")))
        )
        if field is None and market_field:
            field = field_best_match(text=market_field)
        region = self.regions.get(str(row.get("region") or ""))
        modes = row.get("cooperation_modes")
        if isinstance(modes, str):
            modes = [m.strip() for m in modes.replace(";", ",").split(",")]
        if not modes and row.get("cooperationMethod"):
            modes = [m.code for m in _modes(row["cooperationMethod"], self.market.modes)]
        wanted = row.get("maturity_wanted")
        maturity = row.get("maturity")
        if isinstance(maturity, str):
            maturity = int(maturity) if maturity.isdigit() else self.market.MATURITY.get(maturity)
        return Profile(
            id=profile_id,
            kind=row.get("kind") or kind,
            passages=passages,
            title=row.get("name") or row.get("title") or "",
            organization=str(row.get("organization") or ""),
            fields=tuple(node.code for node in field.lineage()) if field else (),
            region=region.code if region else "",
            province=region.province.code if region else "",
            cooperation_modes=frozenset(m for m in modes or () if m),
            maturity=maturity if isinstance(maturity, int) and 1 <= maturity <= 9 else None,
            maturity_wanted=wanted if isinstance(wanted, int) and 1 <= wanted <= 9 else None,
            published=as_date(row.get("published_at") or row.get("postTime")),
            completeness=row.get("completeness"),
        )
