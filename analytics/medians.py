"""A median that the database computes, on PostgreSQL and on SQLite alike.

PostgreSQL has it built in (percentile_cont, an ordered-set aggregate that takes FILTER like
any other); SQLite gets the same aggregate written in Python, registered on every new
connection. Both interpolate between the two middle values of an even count, as
statistics.median does, so the embedded default and production agree to the second.
"""

import statistics

from django.db.models import Aggregate, DurationField

SQLITE_MEDIAN = "TB_MEDIAN"


class _SqliteMedian:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


def register_sqlite_median(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_MEDIAN, 1, _SqliteMedian)


class Median(Aggregate):
    """The median of a duration (an expression of two datetimes' difference)."""

    function = SQLITE_MEDIAN
    name = "Median"
    output_field = DurationField()
    allow_distinct = False

    def as_postgresql(self, compiler, connection, **extra_context):
        # The template as an attribute: Aggregate.as_sql wraps it in FILTER (WHERE …).
        clone = self.copy()
        clone.template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
        return clone.as_sql(compiler, connection, **extra_context)
