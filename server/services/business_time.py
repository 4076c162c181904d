"""Business time: SLA due times counted in *business minutes* of one app's opening hours.

The model
---------
An app's :class:`BusinessHours` are a time zone, a week of local wall-clock intervals
(Monday first; each day a sorted tuple of ``[start, end)`` minute-of-day intervals,
``0 <= start < end <= 1440``) and a set of local holiday dates on which nothing is open.
An instant is *open* when, read on the wall clock of that time zone, its date is not a holiday
and its minute of day lies in one of that weekday's intervals. Business time is real elapsed
time during which the hours are open, so ``add(start, 60)`` is the earliest instant at which
sixty open minutes have gone by since ``start``.

Daylight saving time
--------------------
Opening hours are what the clock on the office wall says, because that is what the people
answering tickets go by; so they are defined on local wall-clock time and DST follows from
that definition, with no special cases:

* On a spring-forward day the skipped wall-clock hour never happens. An interval
  ``02:30-04:00`` on that day (in a zone that jumps from 02:00 to 03:00) is open only
  ``03:00-04:00``: one real hour instead of one and a half.
* On a fall-back day the repeated hour happens twice, and an interval covering it is open both
  times: ``00:00-03:00`` is four real hours. An interval edge inside the repeated hour splits
  the day into two open stretches (``01:30-05:00`` with a 02:00 -> 01:00 fall-back is open
  from the first 01:30 to the first 02:00, and again from the second 01:30 on).
* Zones whose offset changes by 30 minutes (Australia/Lord_Howe), changes at midnight
  (so that the wall clock goes from 23:59 back into the day before, or skips 00:00-01:00),
  and changes of standard offset all work the same way: the definition never mentions DST.
  Weekdays and holidays are those of the local date.

How it is computed
------------------
Time is measured in whole microseconds. Between two consecutive changes of the UTC offset the
map from a UTC instant to its wall-clock reading is a plain translation by the offset, and the
set of open wall-clock readings is a weekly pattern with holidays cut out. So the timeline is
cut at the offset changes, and within each piece the open time between two readings is a
difference of one closed-form function (whole weeks times the weekly total, a table look-up
within the week, a prefix sum over the holidays before). :meth:`BusinessHours.add`,
:meth:`~BusinessHours.between` and :meth:`~BusinessHours.next_open` therefore cost
O(log holidays) per offset change crossed (about two a year in a DST zone), however many days
or weeks they span; nothing steps through days or minutes. This also derives the open
stretches of a DST day from the definition instead of assuming one stretch per interval.

The offset changes of a zone and UTC year are found once per process (and cached) through
:mod:`zoneinfo` alone, by sampling the offset once a day and bisecting each change to the
second: about 365 look-ups, a millisecond or two. UTC and the other fixed-offset zones are
known to have none. Daily sampling misses only an offset that holds for less than a day and
then gives way to the one before it: the tz database has none (its shortest, Africa/Freetown's
in 1939, lasted about four days). The first and last two days of the years 0001 and 9999,
where datetime arithmetic would overflow, are not sampled.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import ValidationFailed

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_INTERVALS_PER_DAY = 10
MAX_HOLIDAYS = 400

_MINUTES_PER_DAY = 1440
_US = timedelta(microseconds=1)
_SECOND = 1_000_000
_MINUTE = 60 * _SECOND
_DAY = _MINUTES_PER_DAY * _MINUTE
_WEEK = 7 * _DAY
# Instants are microseconds since 0001-01-01 00:00 UTC; wall-clock readings are microseconds
# since 0001-01-01 00:00 local, so ``reading // _DAY`` is ``date.toordinal() - 1`` and, as
# 0001-01-01 was a Monday, ``reading // _DAY % 7`` is ``date.weekday()``.
_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)
_PROBE_STEP = _DAY
_PROBE_MARGIN = 2 * _DAY
_FIRST_YEAR, _LAST_YEAR = 1, 9999
_LAST_INSTANT = date.max.toordinal() * _DAY - 1

_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9][A-Za-z0-9_+\-]*)*")
# The tz database's fixed-offset zones (UTC and its aliases, Etc/GMT+5 ...): no changes ever.
_FIXED_ZONE = re.compile(r"(?:Etc/)?(?:UTC|UCT|Universal|Zulu|Greenwich|GMT(?:0|[+-][0-9]{1,2})?)")
# Files on the zone search path that load as zones but are not IANA zone names.
_NOT_ZONES = frozenset({"localtime", "posixrules"})

Interval = tuple[int, int]
Week = tuple[tuple[Interval, ...], ...]


def _load_zone(name: object) -> ZoneInfo | None:
    """The zone called ``name`` if it is an IANA time zone name known here, else None."""
    if not isinstance(name, str) or len(name) > 100 or not _ZONE_NAME.fullmatch(name):
        return None
    if name in _NOT_ZONES or name.startswith(("right/", "posix/")):
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, KeyError, UnicodeError):  # not found is a KeyError
        return None


def _format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _parse_minute(value: object) -> int | None:
    """Minutes since midnight for ``"HH:MM"`` (``"00:00"`` to ``"24:00"``), else None."""
    if not isinstance(value, str):
        return None
    match = _TIME.fullmatch(value)
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def _week_problem(weekly: object) -> str | None:
    """Why ``weekly`` is not a valid :attr:`BusinessHours.weekly`, or None if it is."""
    if not isinstance(weekly, tuple) or len(weekly) != 7:
        return "weekly must be a tuple of 7 days, Monday first"
    open_minutes = 0
    for name, day in zip(WEEKDAYS, weekly, strict=True):
        if not isinstance(day, tuple):
            return f"{name}: must be a tuple of (start, end) intervals"
        previous_end = 0
        for interval in day:
            if (
                not isinstance(interval, tuple)
                or len(interval) != 2
                or not all(type(edge) is int for edge in interval)
            ):
                return f"{name}: {interval!r} is not a (start, end) pair of ints"
            start, end = interval
            if not 0 <= start < end <= _MINUTES_PER_DAY:
                return f"{name}: {interval!r} needs 0 <= start < end <= {_MINUTES_PER_DAY}"
            if start < previous_end:
                return f"{name}: intervals must be sorted and must not overlap"
            previous_end = end
            open_minutes += end - start
    if not open_minutes:
        return "open at least one minute a week"
    return None


def _note(problems: dict[str, list[str]], key: str, message: str) -> None:
    problems.setdefault(key, []).append(message)


def _parse_weekly(value: object, problems: dict[str, list[str]]) -> Week | None:
    """``weekly`` of :meth:`BusinessHours.parse`, or None after noting its problems."""
    if value is None:
        _note(problems, "weekly", "required")
        return None
    if not isinstance(value, Mapping):
        _note(problems, "weekly", 'must be an object such as {"mon": [["09:00", "17:00"]]}')
        return None
    days: dict[str, tuple[Interval, ...]] = {}
    for name, intervals in value.items():
        key = f"weekly.{name}"
        if name not in WEEKDAYS:
            _note(problems, key, f"unknown weekday; use {', '.join(WEEKDAYS)}")
            continue
        parsed = _parse_day(intervals, key, problems)
        if parsed is not None:
            days[name] = parsed
    if len(days) < len(value):
        return None
    week = tuple(days.get(name, ()) for name in WEEKDAYS)
    if not any(week):
        _note(problems, "weekly", "open at least one minute a week")
        return None
    return week


def _parse_day(
    value: object, key: str, problems: dict[str, list[str]]
) -> tuple[Interval, ...] | None:
    """One day of ``weekly``, sorted, or None after noting its problems under ``key``."""
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        _note(problems, key, 'must be a list of ["HH:MM", "HH:MM"] intervals')
        return None
    if len(value) > MAX_INTERVALS_PER_DAY:
        _note(problems, key, f"at most {MAX_INTERVALS_PER_DAY} intervals a day")
        return None
    intervals: list[Interval] = []
    ok = True
    for number, item in enumerate(value, 1):
        if not isinstance(item, Sequence) or isinstance(item, str | bytes) or len(item) != 2:
            _note(problems, key, f'interval {number}: must be a ["HH:MM", "HH:MM"] pair')
            ok = False
            continue
        start, end = _parse_minute(item[0]), _parse_minute(item[1])
        for edge, parsed in zip(item, (start, end), strict=True):
            if parsed is None:
                _note(
                    problems,
                    key,
                    f"interval {number}: {edge!r} is not a time HH:MM (00:00 to 24:00)",
                )
                ok = False
        if start is None or end is None:
            continue
        if start >= end:
            _note(problems, key, f"interval {number}: start {item[0]} must be before end {item[1]}")
            ok = False
            continue
        intervals.append((start, end))
    if not ok:
        return None
    intervals.sort()
    for (start, end), (next_start, next_end) in itertools.pairwise(intervals):
        if next_start < end:
            _note(
                problems,
                key,
                f"intervals {_format_minute(start)}-{_format_minute(end)} and "
                f"{_format_minute(next_start)}-{_format_minute(next_end)} overlap",
            )
            ok = False
    return tuple(intervals) if ok else None


def _parse_holidays(value: object, problems: dict[str, list[str]]) -> frozenset[date] | None:
    """``holidays`` of :meth:`BusinessHours.parse`, or None after noting its problems."""
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        _note(problems, "holidays", 'must be a list of dates such as ["2026-12-25"]')
        return None
    if len(value) > MAX_HOLIDAYS:
        _note(problems, "holidays", f"at most {MAX_HOLIDAYS} holidays")
        return None
    holidays: set[date] = set()
    ok = True
    for item in value:
        day = None
        if isinstance(item, str) and _DATE.fullmatch(item):
            try:
                day = date.fromisoformat(item)
            except ValueError:
                day = None
        if day is None:
            _note(problems, "holidays", f"{item!r} is not a date YYYY-MM-DD")
            ok = False
        else:
            holidays.add(day)
    return frozenset(holidays) if ok else None


def _to_us(at: datetime) -> int:
    """``at`` as microseconds since 0001-01-01 UTC; ValueError if it is naive."""
    if not isinstance(at, datetime):
        raise TypeError(f"expected a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()}: business time needs aware instants")
    return (at - _EPOCH) // _US


def _from_us(instant: int) -> datetime:
    return _EPOCH + timedelta(microseconds=instant)


def _minutes_to_us(minutes: float) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int | float):
        raise TypeError(f"minutes must be a number, got {type(minutes).__name__}")
    if isinstance(minutes, float) and not math.isfinite(minutes):
        raise ValueError(f"minutes must be finite, got {minutes}")
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    if isinstance(minutes, int):
        return minutes * _MINUTE
    return round(minutes * _MINUTE)


def _offset_us(zone: ZoneInfo, instant: int) -> int:
    """The zone's UTC offset at ``instant``, in microseconds."""
    offset = _from_us(instant).astimezone(zone).utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    return offset // _US


@functools.lru_cache(maxsize=4096)
def _year_transitions(zone_name: str, year: int) -> tuple[tuple[int, int], ...]:
    """Every change of the UTC offset in the UTC year ``year``, as sorted pairs (instant at
    which the new offset starts, new offset), both in microseconds.

    The offset is sampled once a day and each change is bisected to the second (the tz
    database's changes fall on whole seconds); see the module docstring for what that misses.
    """
    if _FIXED_ZONE.fullmatch(zone_name):
        return ()
    zone = ZoneInfo(zone_name)
    # Probe (first, last]: the changes at the seconds from this year's first to its last.
    first = (date(year, 1, 1).toordinal() - 1) * _DAY - _SECOND
    last = date(year, 12, 31).toordinal() * _DAY - _SECOND
    if year == _FIRST_YEAR:
        first += _PROBE_MARGIN
    if year == _LAST_YEAR:
        last -= _PROBE_MARGIN
    changes: list[tuple[int, int]] = []
    low, low_offset = first, _offset_us(zone, first)
    while low < last:
        high = min(low + _PROBE_STEP, last)
        high_offset = _offset_us(zone, high)
        while high_offset != low_offset:
            # The first second in (low, high] whose offset differs from low_offset.
            before, after = low // _SECOND, high // _SECOND
            while after - before > 1:
                middle = (before + after) // 2
                if _offset_us(zone, middle * _SECOND) == low_offset:
                    before = middle
                else:
                    after = middle
            low, low_offset = after * _SECOND, _offset_us(zone, after * _SECOND)
            changes.append((low, low_offset))
        low = high
    return tuple(changes)


def _utc_year(instant: int) -> int:
    return date.fromordinal(max(1, min(instant // _DAY + 1, date.max.toordinal()))).year


def _next_transition(zone_name: str, after: int, before: int) -> tuple[int, int] | None:
    """The first offset change at an instant in the open range (after, before), or None."""
    if before <= after + 1:
        return None
    year, last_year = _utc_year(after), _utc_year(before)
    while year <= last_year:
        changes = _year_transitions(zone_name, year)
        index = bisect.bisect_right(changes, after, key=lambda change: change[0])
        if index < len(changes):
            change = changes[index]
            return change if change[0] < before else None
        year += 1
    return None


@dataclass(frozen=True)
class _Calendar:
    """The open wall-clock readings of a week with holidays, as closed-form functions.

    ``nominal(w)`` is the open time before reading ``w`` ignoring holidays; ``opened(w)`` the
    open time before ``w`` with holidays cut out. Both count from the reading 0 (0001-01-01
    00:00), are non-decreasing and grow at rate one exactly while the reading is open.
    """

    starts: tuple[int, ...]  # open stretches of the week [0, _WEEK), merged, sorted
    lengths: tuple[int, ...]
    before: tuple[int, ...]  # open time in the week before each stretch
    through: tuple[int, ...]  # open time in the week up to each stretch's end
    week_total: int
    holidays: tuple[int, ...]  # sorted day numbers (ordinal - 1)
    holiday_before: tuple[int, ...]  # open time of holidays[:k], for k in 0..len

    @classmethod
    def build(cls, weekly: Week, holidays: frozenset[date]) -> _Calendar:
        stretches: list[list[int]] = []
        for day, intervals in enumerate(weekly):
            midnight = day * _DAY
            for start, end in intervals:
                begin, finish = midnight + start * _MINUTE, midnight + end * _MINUTE
                if stretches and stretches[-1][1] == begin:
                    stretches[-1][1] = finish
                else:
                    stretches.append([begin, finish])
        lengths = tuple(finish - begin for begin, finish in stretches)
        before = tuple(sum(lengths[:index]) for index in range(len(lengths)))
        day_totals = tuple(_MINUTE * sum(end - start for start, end in day) for day in weekly)
        days = tuple(sorted(holiday.toordinal() - 1 for holiday in holidays))
        holiday_before = [0]
        for day_number in days:
            holiday_before.append(holiday_before[-1] + day_totals[day_number % 7])
        return cls(
            starts=tuple(begin for begin, _ in stretches),
            lengths=lengths,
            before=before,
            through=tuple(b + length for b, length in zip(before, lengths, strict=True)),
            week_total=sum(lengths),
            holidays=days,
            holiday_before=tuple(holiday_before),
        )

    def nominal(self, reading: int) -> int:
        weeks, within = divmod(reading, _WEEK)
        index = bisect.bisect_right(self.starts, within) - 1
        if index < 0:
            return weeks * self.week_total
        into = min(within - self.starts[index], self.lengths[index])
        return weeks * self.week_total + self.before[index] + into

    def nominal_inverse(self, amount: int) -> int:
        """The earliest reading ``w`` with ``nominal(w) >= amount``."""
        weeks, rest = divmod(amount, self.week_total)
        if rest == 0:
            weeks, rest = weeks - 1, self.week_total
        index = bisect.bisect_left(self.through, rest)
        return weeks * _WEEK + self.starts[index] + rest - self.before[index]

    def opened(self, reading: int) -> int:
        day_number = reading // _DAY
        index = bisect.bisect_left(self.holidays, day_number)
        cut = self.holiday_before[index]
        if index < len(self.holidays) and self.holidays[index] == day_number:
            cut += self.nominal(reading) - self.nominal(day_number * _DAY)
        return self.nominal(reading) - cut

    def opened_inverse(self, amount: int) -> int:
        """The earliest reading ``w`` with ``opened(w) >= amount``.

        Between holiday k-1 and holiday k, ``opened(w) == nominal(w) - holiday_before[k]``;
        ``opened`` at the start of holiday k grows with k, so bisect for the first holiday
        that starts at or after the answer, then invert ``nominal`` in the gap before it.
        """
        low, high = 0, len(self.holidays)
        while low < high:
            middle = (low + high) // 2
            start = self.holidays[middle] * _DAY
            if self.nominal(start) - self.holiday_before[middle] >= amount:
                high = middle
            else:
                low = middle + 1
        return self.nominal_inverse(amount + self.holiday_before[low])


@dataclass(frozen=True)
class BusinessHours:
    """One app's business hours: a time zone, a week of local intervals, local holidays.

    ``weekly`` has 7 entries, Monday first; each is a sorted tuple of non-overlapping
    ``(start_minute, end_minute)`` wall-clock intervals with ``0 <= start < end <= 1440``
    (touching intervals are allowed). The week must be open at least one minute, so every
    computation ends. Construction checks all of this (ValueError); :meth:`parse` checks
    admin input and names the bad field (ValidationFailed).

    Every method takes timezone-aware datetimes (ValueError for naive ones) and returns aware
    datetimes in UTC.
    """

    timezone: str
    weekly: Week
    holidays: frozenset[date] = frozenset()
    _calendar: _Calendar = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if _load_zone(self.timezone) is None:
            raise ValueError(f"unknown time zone {self.timezone!r}")
        problem = _week_problem(self.weekly)
        if problem is not None:
            raise ValueError(problem)
        if not isinstance(self.holidays, frozenset) or not all(
            type(holiday) is date for holiday in self.holidays
        ):
            raise ValueError("holidays must be a frozenset of dates")
        object.__setattr__(self, "_calendar", _Calendar.build(self.weekly, self.holidays))

    @classmethod
    def always(cls) -> BusinessHours:
        """Open around the clock every day, in UTC, with no holidays (the default)."""
        return cls("UTC", (((0, _MINUTES_PER_DAY),),) * 7, frozenset())

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> BusinessHours:
        """Business hours from the JSON an admin sends::

            {"timezone": "Europe/Paris",
             "weekly": {"mon": [["09:00", "17:30"]],
                        "tue": [["09:00", "12:00"], ["13:00", "17:00"]],
                        "sun": []},
             "holidays": ["2026-12-25", "2027-01-01"]}

        ``timezone`` and ``weekly`` are required; a weekday left out of ``weekly`` is closed;
        ``holidays`` (local dates, at most 400) may be left out. Times are ``"HH:MM"`` from
        ``"00:00"`` to ``"24:00"``, at most 10 intervals a day, in any order (they are
        sorted). Intervals may touch (``09:00-12:00`` and ``12:00-13:00``) but not overlap:
        nothing is merged silently.

        Raises ValidationFailed with every problem found, each under the field it is about:
        ``timezone``, ``weekly``, ``weekly.<day>`` (``weekly.funday`` for an unknown day),
        ``holidays``, an unknown top-level key under its own name, and ``business_hours``
        when ``data`` is not an object at all.
        """
        problems: dict[str, list[str]] = {}
        if not isinstance(data, Mapping):
            _note(problems, "business_hours", "must be an object: timezone, weekly, holidays")
            raise ValidationFailed("Invalid business hours.", details=problems)
        for key in data:
            if key not in ("timezone", "weekly", "holidays"):
                _note(problems, str(key), "unknown field; expected timezone, weekly, holidays")

        zone_name = data.get("timezone")
        if zone_name is None:
            _note(problems, "timezone", "required")
        elif not isinstance(zone_name, str):
            _note(problems, "timezone", "must be a string: an IANA time zone like Europe/Paris")
        elif _load_zone(zone_name) is None:
            _note(problems, "timezone", f"unknown time zone {zone_name!r}")

        weekly = _parse_weekly(data.get("weekly"), problems)
        holidays = _parse_holidays(data.get("holidays", []), problems)
        if problems:
            raise ValidationFailed("Invalid business hours.", details=problems)
        assert isinstance(zone_name, str) and weekly is not None and holidays is not None
        return cls(zone_name, weekly, holidays)

    def to_json(self) -> dict[str, Any]:
        """The shape :meth:`parse` takes (every weekday listed, holidays sorted);
        ``BusinessHours.parse(hours.to_json()) == hours``."""
        return {
            "timezone": self.timezone,
            "weekly": {
                name: [[_format_minute(start), _format_minute(end)] for start, end in day]
                for name, day in zip(WEEKDAYS, self.weekly, strict=True)
            },
            "holidays": [holiday.isoformat() for holiday in sorted(self.holidays)],
        }

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, at: datetime) -> bool:
        """Whether the aware instant ``at`` falls in business hours: read in ``timezone``,
        its date is not a holiday and its minute of day lies in one of that weekday's
        intervals ``[start, end)``."""
        _to_us(at)
        local = at.astimezone(self._zone)
        if local.date() in self.holidays:
            return False
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.weekly[local.weekday()])

    def add(self, start: datetime, minutes: float) -> datetime:
        """The earliest instant (aware, UTC) at which ``minutes`` business minutes have
        elapsed since ``start``.

        Exact to the microsecond: ``start`` need not fall on a minute and ``minutes`` may be
        fractional. If the target is reached at the end of an open stretch, that end is the
        answer (not the next opening). ``minutes == 0`` returns ``start`` itself (in UTC),
        even when closed: no business time needs to pass. Use :meth:`next_open` for "when can
        someone first look at it". ValueError for negative or non-finite ``minutes``;
        OverflowError past the year 9999.

        Cost: O(log holidays) per change of UTC offset crossed, plus, the first time a zone
        and year are crossed in this process, about a millisecond to find its changes.
        """
        instant, need = _to_us(start), _minutes_to_us(minutes)
        if need == 0:
            return _from_us(instant)
        if instant + need > _LAST_INSTANT:  # business time never runs faster than real time
            raise OverflowError(f"{minutes} business minutes from {start} is after the year 9999")
        calendar, zone = self._calendar, self._zone
        while True:
            offset = _offset_us(zone, instant)
            base = calendar.opened(instant + offset)
            due = calendar.opened_inverse(base + need) - offset
            change = _next_transition(self.timezone, instant, due)
            if change is None:
                return _from_us(due)
            # Not reached before the offset changes: bank this piece, go on from the change.
            need -= calendar.opened(change[0] + offset) - base
            instant = change[0]

    def between(self, start: datetime, end: datetime) -> float:
        """Business minutes elapsed in ``[start, end)`` (0 if ``end <= start``), exact to the
        microsecond (the float is microseconds / 60e6)."""
        instant, stop = _to_us(start), _to_us(end)
        calendar, zone = self._calendar, self._zone
        total = 0
        while instant < stop:
            offset = _offset_us(zone, instant)
            change = _next_transition(self.timezone, instant, stop)
            piece_end = stop if change is None else change[0]
            total += calendar.opened(piece_end + offset) - calendar.opened(instant + offset)
            instant = piece_end
        return total / _MINUTE

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself (in UTC) if it is open, else the first instant after it that is."""
        instant = _to_us(at)
        calendar, zone = self._calendar, self._zone
        while True:
            offset = _offset_us(zone, instant)
            # opened() grows at rate one exactly on open readings, so the reading one
            # microsecond before opened() first exceeds its current value opens next.
            reading = calendar.opened_inverse(calendar.opened(instant + offset) + 1) - 1
            opens = reading - offset
            change = _next_transition(self.timezone, instant, opens + 1)
            if change is None:
                return _from_us(opens)
            instant = change[0]
