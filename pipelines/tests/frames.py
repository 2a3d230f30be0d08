"""In-memory stand-ins for the few Spark pieces the jobs' pure functions use.

RowFrame has the DataFrame methods consolidate() calls (select, join, dropDuplicates) with
Spark's semantics for them: inner joins on a named column keep one copy of it and never match
nulls, dropDuplicates keeps one row per key. F evaluates pyspark.sql.functions expressions on
one row at a time, with Spark's null propagation, so an expression built by the job's code is
evaluated as it is, not re-implemented.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

EPOCH = date(1970, 1, 1)


class RowFrame:
    def __init__(self, columns, rows):
        self.columns = list(columns)
        self.rows = [dict(zip(self.columns, row)) if not isinstance(row, dict) else dict(row) for row in rows]
        for row in self.rows:
            if list(row) != self.columns:
                raise AssertionError(f"row {row} does not have the columns {self.columns}")

    def select(self, *columns):
        missing = [c for c in columns if c not in self.columns]
        if missing:
            raise AssertionError(f"cannot select {missing} from {self.columns}")
        return RowFrame(columns, [{c: row[c] for c in columns} for row in self.rows])

    def join(self, other, on, how):
        assert how == "inner", how
        shared = (set(self.columns) & set(other.columns)) - {on}
        if shared:
            raise AssertionError(f"ambiguous columns after the join: {sorted(shared)}")
        columns = [on] + [c for c in self.columns if c != on] + [c for c in other.columns if c != on]
        rows = [
            {on: left[on], **{c: left[c] for c in self.columns if c != on}, **{c: right[c] for c in other.columns if c != on}}
            for left in self.rows
            for right in other.rows
            if left[on] is not None and left[on] == right[on]
        ]
        return RowFrame(columns, rows)

    def dropDuplicates(self, keys):  # noqa: N802 - Spark's name
        seen, rows = set(), []
        for row in self.rows:
            key = tuple(row[k] for k in keys)
            if key not in seen:
                seen.add(key)
                rows.append(row)
        return RowFrame(self.columns, rows)


class RowOps:
    """consolidate()'s engine-specific steps, as imdb_silver.SparkOps does them in Spark."""

    @staticmethod
    def explode_csv(frame, column):
        # split(null) is null and explode(null) yields no row.
        others = [c for c in frame.columns if c != column]
        rows = [
            {**{c: row[c] for c in others}, column: part}
            for row in frame.rows
            if row[column] is not None
            for part in row[column].split(",")
        ]
        return RowFrame(others + [column], rows)

    @staticmethod
    def rename(frame, mapping):
        columns = [mapping.get(c, c) for c in frame.columns]
        return RowFrame(columns, [{mapping.get(c, c): v for c, v in row.items()} for row in frame.rows])


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
