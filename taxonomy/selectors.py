from collections.abc import Iterable
from functools import lru_cache

from django.db.models import Q

from search.text import tokenize
from taxonomy.models import CooperationMode, Field, Region


def within_regions_q(
    regions: Region | int | str | Iterable[Region | int | str], *, lookup: str = "region"
) -> Q:
    """Rows whose region (`lookup`) is one of `regions` or a city of one: a province covers
    its cities. `regions`: Regions, their ids, or one of either."""
    if isinstance(regions, Region | int | str):
        regions = [regions]
    return Q(**{f"{lookup}__in": regions}) | Q(**{f"{lookup}__parent__in": regions})


@lru_cache(maxsize=1)
def _direction_tokens():
    directions = Field.objects.filter(level=Field.Level.DIRECTION).select_related("parent__parent")
    table = []
    for direction in directions:
        own = set(tokenize(f"{direction.name} {direction.keywords}"))
        parents = set(tokenize(f"{direction.parent.name} {direction.parent.parent.name}"))
        table.append((direction, own, parents))
    return table


def field_best_match(*, text: str) -> Field | None:
    """The direction whose name and keywords share most tokens with `text`, or None.

    A token shared with the direction itself counts twice one shared with its industry or domain.
    """
    tokens = set(tokenize(text))
    best, best_score = None, 0
    for direction, own, parents in _direction_tokens():
        score = 2 * len(tokens & own) + len(tokens & parents)
        if score > best_score:
            best, best_score = direction, score
    return best if best_score >= 2 else None


def cooperation_modes_by_name() -> dict[str, CooperationMode]:
    """Chinese and English names and codes → mode, for reading imported text."""
    table = {}
    for mode in CooperationMode.objects.all():
        for key in (mode.code, mode.name, mode.name_en.lower()):
            if key:
                table[key] = mode
    return table
