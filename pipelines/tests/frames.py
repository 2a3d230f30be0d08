"""In-memory stand-ins for the few Spark pieces the streaming job's pure functions use.

(consolidate() runs on real Spark in the engines tier, test/engines/batch.test.ts.) F evaluates
pyspark.sql.functions expressions on one row at a time, with Spark's null propagation, so an expression built by the job's code is
evaluated as it is, not re-implemented.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

EPOCH = date(1970, 1, 1)


class V:
    """A Spark column evaluated on one row: a value (None = SQL null) and an output name."""

    def __init__(self, value, name=None):
        self.value, self.name = value, name

    def _op(self, other, fn):
        other = other.value if isinstance(other, V) else other
        return V(None if self.value is None or other is None else fn(self.value, other))

    def __add__(self, other):
        return self._op(other, lambda a, b: a + b)

    def __sub__(self, other):
        return self._op(other, lambda a, b: a - b)

    def __mul__(self, other):
        return self._op(other, lambda a, b: a * b)

    def __lt__(self, other):
        return self._op(other, lambda a, b: a < b)

    def cast(self, kind):
        if self.value is None:
            return V(None, self.name)
        casts = {"int": int, "long": int, "string": str}
        return V(casts[kind](self.value), self.name)

    def alias(self, name):
        return V(self.value, name)


class _When:
    def __init__(self, condition, value):
        self.condition, self.value = condition, value

    def otherwise(self, value):
        # A null condition is not true: Spark takes the otherwise branch.
        return V(self.value if self.condition.value is True else value)


class F:
    """pyspark.sql.functions, the subset the jobs use, over one row."""

    def __init__(self, row, today=None):
        self.row, self.today = row, today

    def col(self, name):
        if name not in self.row:
            raise AssertionError(f"no column {name} in {sorted(self.row)}")
        return V(self.row[name], name)

    def lit(self, value):
        return V(value)

    def current_date(self):
        return V(self.today)

    def date_from_unix_date(self, days):
        return V(None if days.value is None else EPOCH + timedelta(days=days.value))

    def to_date(self, text):
        # Spark's to_date without a format: the 'yyyy-MM-dd' prefix of the text.
        return V(None if text.value is None else date.fromisoformat(text.value[:10]))

    def timestamp_millis(self, millis):
        return V(None if millis.value is None else datetime.fromtimestamp(millis.value / 1000, tz=timezone.utc))

    def year(self, day):
        return V(None if day.value is None else day.value.year)

    def month(self, day):
        return V(None if day.value is None else day.value.month)

    def dayofmonth(self, day):
        return V(None if day.value is None else day.value.day)

    def when(self, condition, value):
        return _When(condition, value)

    def struct(self, *columns):
        for column in columns:
            assert column.name, "a struct field without a name"
        return V({c.name: c.value for c in columns})

    def to_json(self, struct, options):
        value = struct.value
        if options.get("ignoreNullFields") != "false":
            value = {k: v for k, v in value.items() if v is not None}
        return V(json.dumps(value, separators=(",", ":")))

    def concat(self, *parts):
        # Spark's concat is null as soon as one argument is.
        values = [p.value for p in parts]
        return V(None if any(v is None for v in values) else "".join(values))
