"""Ids that arrive in URLs and query strings, kept within what the database can compare.

A 20-digit id is a well-formed number that no row can have, but SQLite and PostgreSQL refuse
to compare a column with it (OverflowError, NumericValueOutOfRange): such an id must find
nothing (404) or be refused as bad input (400), never reach the database.

Importing this module registers the <id:…> URL converter and the `__in` lookups below
(CoreConfig.ready does).
"""

import django_filters
from django import forms
from django.db import models
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

# The largest value of a 64-bit signed integer, the type of every primary key here
# (BigAutoField).
MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """The id written in `value`, or None when it is not a whole number from 1 to MAX_ID."""
    text = str(value)
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdConverter:
    """<id:pk> in URLs: a primary key; any other number matches no route (404)."""

    regex = "[0-9]+"

    def to_python(self, value):
        number = parse_id(value)
        if number is None:
            raise ValueError(value)
        return number

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")


def _values_the_column_holds(values, field, connection):
    try:
        low, high = connection.ops.integer_field_range(field.get_internal_type())
    except KeyError:  # not an integer column
        return values
    return [
        value
        for value in values
        if not isinstance(value, int)
        or ((low is None or value >= low) and (high is None or value <= high))
    ]


# `pk__in=[…]` and `organization__in=[…]` without the values the column cannot hold, as Django
# already does for `pk=…`: a form's list of ids (ModelMultipleChoiceField) with a 20-digit one
# finds the others instead of raising OverflowError.


@models.IntegerField.register_lookup
class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            self.rhs = _values_the_column_holds(self.rhs, self.lhs.output_field, connection)
        return super().process_rhs(compiler, connection)


@models.ForeignKey.register_lookup
class ForeignKeyIn(RelatedIn):
    def process_rhs(self, compiler, connection):
        output_field = self.lhs.output_field
        if self.rhs_is_direct_value() and hasattr(output_field, "path_infos"):
            target = output_field.path_infos[-1].target_fields[-1]
            self.rhs = _values_the_column_holds(self.rhs, target, connection)
        return super().process_rhs(compiler, connection)


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        message = _("Enter an id: a whole number from 1 to %(max)s.") % {"max": MAX_ID}
        kwargs.setdefault(
            "error_messages", {"invalid": message, "min_value": message, "max_value": message}
        )
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """A filter by the id of a related object: a number outside MAX_ID is bad input (400)."""

    field_class = IdField
