"""Business time (server/services/business_time.py) against a slow, obviously-correct reference.

The reference steps through UTC minute by minute from a minute-aligned start and asks its own
is-open question straight from the definition: read the instant on the zone's wall clock, then
check the local date against the holidays and the minute of day against that weekday's
intervals. Every zone used here has whole-minute offsets, so an open or closed minute is open
or closed throughout.
"""

from __future__ import annotations

import functools
import itertools
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from support_server.errors import ValidationFailed
from support_server.services.business_time import WEEKDAYS, BusinessHours

UTC = timezone.utc
MINUTE = timedelta(minutes=1)
MICRO = timedelta(microseconds=1)
PARIS = ZoneInfo("Europe/Paris")
ZONES = (
    "Europe/Paris",
    "America/New_York",
    "Australia/Lord_Howe",  # DST of 30 minutes, changing at 02:00 local
    "Asia/Kolkata",
    "Pacific/Chatham",  # +12:45 / +13:45, changing at 02:45 local
    "UTC",
    "America/Sao_Paulo",  # DST (changing at midnight) until 2019
)
# The reference walks at most this many minutes (about five weeks) per example.
WALK_LIMIT = 50_000


def ref_is_open(hours: BusinessHours, at: datetime) -> bool:
    """The definition, written out: the local wall-clock reading of ``at``."""
    local = at.astimezone(ZoneInfo(hours.timezone))
    if local.date() in hours.holidays:
        return False
    minute_of_day = local.hour * 60 + local.minute
    return any(start <= minute_of_day < end for start, end in hours.weekly[local.weekday()])


@dataclass
class Walk:
    """``counts[i]``: open minutes in [start, start + i minutes), by the reference."""

    start: datetime
    counts: list[int]

    def add(self, minutes: int) -> datetime:
        return self.start + self.counts.index(minutes) * MINUTE

    def first_open(self) -> datetime:
        steps = next(i for i, (a, b) in enumerate(itertools.pairwise(self.counts)) if b > a)
        return self.start + steps * MINUTE


def ref_walk(hours: BusinessHours, start: datetime, minutes: int) -> Walk | None:
    """Walk until ``minutes`` open minutes (and at least one) have passed; None if the walk
    would be longer than WALK_LIMIT."""
    counts, at = [0], start
    while counts[-1] < max(minutes, 1):
        if len(counts) > WALK_LIMIT:
            return None
        counts.append(counts[-1] + ref_is_open(hours, at))
        at += MINUTE
    return Walk(start, counts)


def minutes_of(hours: BusinessHours) -> int:
    return sum(end - start for day in hours.weekly for start, end in day)


@functools.cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """The UTC hours at which the zone's offset changed in 2018, 2019 and 2026 (hourly scan;
    every change of these zones falls on a UTC hour or half-hour)."""
    zone, found = ZoneInfo(zone_name), []
    for year in (2018, 2019, 2026):
        at = datetime(year, 1, 1, tzinfo=UTC)
        before = at.astimezone(zone).utcoffset()
        while at.year == year:
            at += timedelta(minutes=30)
            offset = at.astimezone(zone).utcoffset()
            if offset != before:
                found.append(at)
            before = offset
    return tuple(found) or (datetime(2026, 3, 29, 1, tzinfo=UTC),)


# Interval edges: any minute, the 5-minute grid, around 01:00-04:00 local (where DST
# changes happen), and the day's ends.
EDGES = st.one_of(
    st.integers(0, 1440),
    st.integers(0, 288).map(lambda step: step * 5),
    st.integers(55, 245),
    st.sampled_from([0, 60, 90, 120, 150, 165, 180, 225, 1380, 1440]),
)


@st.composite
def days(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    """One day's intervals: consecutive pairs of sorted cut points, some kept (so some
    touch), at most 10."""
    cuts = sorted(draw(st.sets(EDGES, max_size=11)))
    keep = draw(st.lists(st.booleans(), min_size=len(cuts), max_size=len(cuts)))
    return tuple(
        pair for pair, kept in zip(itertools.pairwise(cuts), keep[1:], strict=True) if kept
    )


@st.composite
def weeks(draw: st.DrawFn) -> tuple[tuple[tuple[int, int], ...], ...]:
    week = [draw(days()) for _ in WEEKDAYS]
    if not any(week):
        start = draw(st.integers(0, 1439))
        week[draw(st.integers(0, 6))] = ((start, draw(st.integers(start + 1, 1440))),)
    return tuple(week)


def minute_floor(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


@st.composite
def starts(draw: st.DrawFn, zone_name: str) -> datetime:
    """Minute-aligned UTC instants: anywhere in 1975-2045, or within days of a DST change."""
    if draw(st.booleans()):
        naive = draw(st.datetimes(datetime(1975, 1, 1), datetime(2045, 12, 31)))
        return minute_floor(naive).replace(tzinfo=UTC)
    change = draw(st.sampled_from(transitions(zone_name)))
    return change + draw(st.integers(-8 * 1440, 2 * 1440)) * MINUTE


@dataclass
class Case:
    hours: BusinessHours
    start: datetime
    minutes: int


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone_name = draw(st.sampled_from(ZONES))
    weekly = draw(weeks())
    start = draw(starts(zone_name))
    local_day = start.astimezone(ZoneInfo(zone_name)).date()
    holidays = draw(
        st.frozensets(st.integers(-2, 25).map(lambda d: local_day + timedelta(days=d)), max_size=4)
    )
    hours = BusinessHours(zone_name, weekly, holidays)
    minutes = draw(st.integers(0, min(3000, 2 * minutes_of(hours))))
    return Case(hours, start, minutes)


def nine_to(end: int, zone_name: str, *, days: int = 5, start: int = 9 * 60) -> BusinessHours:
    return BusinessHours(zone_name, tuple(((start, end),) if d < days else () for d in range(7)))


def on_sundays(zone_name: str, start: int, end: int) -> BusinessHours:
    return BusinessHours(zone_name, ((),) * 6 + (((start, end),),))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# The 2026 changes: Paris 03-29 (02:00 -> 03:00) and 10-25 (03:00 -> 02:00), New York 03-08
# (02:00 -> 03:00) and 11-01 (02:00 -> 01:00), with hours that straddle the skipped or
# repeated hour.
DST_EXAMPLES = [
    Case(on_sundays("Europe/Paris", 150, 240), utc(2026, 3, 28, 22, 0), 60),
    Case(nine_to(17 * 60, "Europe/Paris", days=7, start=0), utc(2026, 3, 28, 23, 0), 900),
    Case(on_sundays("Europe/Paris", 0, 180), utc(2026, 10, 24, 21, 0), 240),
    Case(on_sundays("Europe/Paris", 150, 300), utc(2026, 10, 24, 23, 45), 170),
    Case(on_sundays("America/New_York", 150, 240), utc(2026, 3, 8, 5, 0), 60),
    Case(on_sundays("America/New_York", 60, 120), utc(2026, 11, 1, 4, 30), 110),
    Case(on_sundays("America/New_York", 90, 1440), utc(2026, 10, 31, 20, 0), 1400),
]


@settings(max_examples=60, deadline=None)
@given(case=cases(), data=st.data())
@example(case=DST_EXAMPLES[0], data=None)
@example(case=DST_EXAMPLES[1], data=None)
@example(case=DST_EXAMPLES[2], data=None)
@example(case=DST_EXAMPLES[3], data=None)
@example(case=DST_EXAMPLES[4], data=None)
@example(case=DST_EXAMPLES[5], data=None)
@example(case=DST_EXAMPLES[6], data=None)
def test_agrees_with_the_reference(case: Case, data: st.DataObject | None) -> None:
    hours, start, minutes = case.hours, case.start, case.minutes
    walk = ref_walk(hours, start, minutes)
    assume(walk is not None)
    assert walk is not None

    def draw(strategy: st.SearchStrategy[int], fallback: int) -> int:
        return fallback if data is None else data.draw(strategy)

    due = hours.add(start, minutes)
    assert due == walk.add(minutes)
    assert due.tzinfo is UTC
    assert hours.between(start, due) == minutes
    assert hours.next_open(start) == walk.first_open()

    fewer = draw(st.integers(0, minutes), minutes // 2)
    assert hours.add(start, fewer) == walk.add(fewer)
    assert hours.add(start, fewer) <= due

    steps = draw(st.integers(0, len(walk.counts) - 1), len(walk.counts) - 1)
    end = start + steps * MINUTE
    assert hours.between(start, end) == walk.counts[steps]
    assert hours.between(end, start) == 0
    # Exact to the second and below: start a few seconds into the first minute.
    seconds = draw(st.integers(0, 59), 30)
    if steps:
        late = start + timedelta(seconds=seconds, microseconds=seconds)
        lost = late - start if ref_is_open(hours, start) else timedelta(0)
        expected = walk.counts[steps] * MINUTE - lost
        assert round(hours.between(late, end) * 60_000_000) == expected // MICRO

    for step in {0, steps, len(walk.counts) - 1, *range(0, len(walk.counts), 997)}:
        at = start + step * MINUTE + timedelta(seconds=seconds)
        assert hours.is_open(at) == ref_is_open(hours, at), at


@st.composite
def anywhere(draw: st.DrawFn) -> tuple[BusinessHours, datetime]:
    """Hours, and an instant not on a minute (the offset may be any of the zones')."""
    zone_name = draw(st.sampled_from(ZONES))
    start = draw(starts(zone_name)) + draw(st.integers(0, 60_000_000 - 1)) * MICRO
    local_day = start.astimezone(ZoneInfo(zone_name)).date()
    holidays = draw(
        st.frozensets(st.integers(-2, 40).map(lambda d: local_day + timedelta(d)), max_size=6)
    )
    return BusinessHours(zone_name, draw(weeks()), holidays), start.astimezone(ZoneInfo(zone_name))


@settings(max_examples=80, deadline=None)
@given(case=anywhere(), seconds=st.integers(0, 60 * 200_000), later=st.integers(0, 10**12))
def test_add_and_between_invert_each_other_to_the_microsecond(
    case: tuple[BusinessHours, datetime], seconds: int, later: int
) -> None:
    hours, start = case
    minutes = seconds / 60
    due = hours.add(start, minutes)
    assert hours.between(start, due) == minutes
    if seconds:
        # The earliest such instant: the microsecond just before it was open and counted.
        assert hours.is_open(due - MICRO)
        assert hours.between(start, due - MICRO) < minutes
    # between is additive, and add() of what between() counted lands no later than the end.
    middle, end = due + later * MICRO // 3, due + later * MICRO

    def us(a: datetime, b: datetime) -> int:
        return round(hours.between(a, b) * 60_000_000)

    assert us(start, end) == us(start, middle) + us(middle, end)
    assert hours.add(start, hours.between(start, end)) <= end
    opens = hours.next_open(end)
    assert hours.is_open(opens)
    assert hours.between(end, opens) == 0
    assert opens == end or not hours.is_open(opens - MICRO)


@settings(max_examples=40, deadline=None)
@given(case=anywhere(), counts=st.lists(st.integers(0, 100_000), min_size=2, max_size=6))
def test_add_is_monotonic(case: tuple[BusinessHours, datetime], counts: list[int]) -> None:
    hours, start = case
    dues = [hours.add(start, minutes) for minutes in sorted(counts)]
    assert dues == sorted(dues)


@settings(max_examples=40, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    weekly=weeks(),
    holidays=st.frozensets(st.dates(), max_size=20),
)
def test_parse_round_trips_to_json(
    zone_name: str, weekly: tuple[tuple[tuple[int, int], ...], ...], holidays: frozenset[date]
) -> None:
    hours = BusinessHours(zone_name, weekly, holidays)
    document = json.loads(json.dumps(hours.to_json()))
    assert BusinessHours.parse(document) == hours
    # Intervals in any order, and missing closed days, parse to the same hours.
    for name in WEEKDAYS:
        document["weekly"][name].reverse()
        if not document["weekly"][name]:
            del document["weekly"][name]
    assert BusinessHours.parse(document) == hours


# --- Examples -------------------------------------------------------------------------------

PARIS_OFFICE = {
    "timezone": "Europe/Paris",
    "weekly": {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]},
    "holidays": ["2026-12-25"],
}


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_a_friday_afternoon_ticket_is_due_on_monday_morning() -> None:
    hours = BusinessHours.parse(PARIS_OFFICE)
    friday = paris(2026, 5, 15, 16, 30)
    assert hours.add(friday, 60) == paris(2026, 5, 18, 9, 30)
    assert hours.add(friday, 30) == paris(2026, 5, 15, 17, 0)  # the end, not Monday 09:00
    assert hours.between(friday, paris(2026, 5, 18, 9, 30)) == 60
    assert hours.next_open(paris(2026, 5, 16, 12, 0)) == paris(2026, 5, 18, 9, 0)


def test_a_holiday_is_skipped() -> None:
    hours = BusinessHours.parse(PARIS_OFFICE)
    thursday = paris(2026, 12, 24, 16, 30)  # Friday the 25th is a holiday
    assert hours.add(thursday, 60) == paris(2026, 12, 28, 9, 30)
    assert not hours.is_open(paris(2026, 12, 25, 10, 0))
    assert hours.between(paris(2026, 12, 24), paris(2026, 12, 26)) == 8 * 60


def test_zero_minutes_is_the_start_itself_even_when_closed() -> None:
    hours = BusinessHours.parse(PARIS_OFFICE)
    saturday = paris(2026, 5, 16, 12, 0, 7)
    assert hours.add(saturday, 0) == saturday
    assert hours.add(saturday, 0).tzinfo is UTC


def test_the_skipped_hour_is_never_open() -> None:
    hours = on_sundays("Europe/Paris", 150, 240)  # 02:30-04:00; 2026-03-29 skips 02:00-03:00
    assert hours.between(paris(2026, 3, 29), paris(2026, 3, 30)) == 60
    assert hours.next_open(paris(2026, 3, 29)) == utc(2026, 3, 29, 1, 0)  # 03:00 CEST
    assert hours.between(paris(2026, 3, 22), paris(2026, 3, 23)) == 90


def test_the_repeated_hour_is_open_twice_and_can_split_the_day() -> None:
    # 2026-10-25 in Paris: 03:00 CEST (01:00 UTC) becomes 02:00 CET.
    assert (
        on_sundays("Europe/Paris", 0, 180).between(paris(2026, 10, 25), paris(2026, 10, 26)) == 240
    )
    hours = on_sundays("Europe/Paris", 150, 300)  # 02:30-05:00
    assert hours.between(paris(2026, 10, 25), paris(2026, 10, 26)) == 180
    assert hours.is_open(utc(2026, 10, 25, 0, 45))  # 02:45 CEST
    assert not hours.is_open(utc(2026, 10, 25, 1, 15))  # 02:15 CET
    assert hours.next_open(utc(2026, 10, 25, 1, 0)) == utc(2026, 10, 25, 1, 30)
    assert hours.add(utc(2026, 10, 25, 0, 30), 30) == utc(2026, 10, 25, 1, 0)
    assert hours.add(utc(2026, 10, 25, 0, 30), 31) == utc(2026, 10, 25, 1, 31)
    # Lord Howe falls back half an hour, 02:00 -> 01:30, on 2026-04-05.
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    sunday = datetime(2026, 4, 5, tzinfo=lord_howe)
    assert on_sundays("Australia/Lord_Howe", 60, 120).between(sunday, sunday + timedelta(1)) == 90


def test_long_spans_are_exact_and_fast() -> None:
    hours = nine_to(17 * 60, "UTC")
    monday = utc(2026, 1, 5, 9, 0)
    # 1000 weeks of 40 hours: the earliest instant is the last of them ending, a Friday 17:00.
    assert hours.add(monday, 1000 * 2400) == utc(2026, 1, 5, 17, 0) + timedelta(weeks=999, days=4)
    paris_hours = BusinessHours.parse(PARIS_OFFICE)
    due = paris_hours.add(monday, 5_000_000)
    assert paris_hours.between(monday, due) == 5_000_000
    assert due.year > 2060


def test_always_is_plain_elapsed_time() -> None:
    hours = BusinessHours.always()
    start = paris(2026, 10, 25, 1, 59, 30, 5)
    # Real elapsed time: aware arithmetic in a ZoneInfo zone would be wall-clock arithmetic.
    assert hours.add(start, 90.5) == start.astimezone(UTC) + timedelta(minutes=90.5)
    assert hours.between(start, start.astimezone(UTC) + timedelta(days=3)) == 3 * 1440
    assert hours.next_open(start) == start
    assert BusinessHours.parse(hours.to_json()) == hours


@pytest.mark.parametrize(
    "call",
    [
        lambda hours, naive: hours.add(naive, 5),
        lambda hours, naive: hours.between(naive, naive),
        lambda hours, naive: hours.between(datetime(2026, 1, 1, tzinfo=UTC), naive),
        lambda hours, naive: hours.is_open(naive),
        lambda hours, naive: hours.next_open(naive),
    ],
)
def test_naive_datetimes_are_refused(call: object) -> None:
    with pytest.raises(ValueError, match="naive"):
        call(BusinessHours.always(), datetime(2026, 1, 1, 12, 0))  # type: ignore[operator]


def test_targets_past_the_year_9999_overflow_at_once() -> None:
    with pytest.raises(OverflowError):
        BusinessHours.parse(PARIS_OFFICE).add(utc(2026, 1, 1), 10**12)


@pytest.mark.parametrize("minutes", [-1, -0.5, float("nan"), float("inf")])
def test_bad_minutes_are_refused(minutes: float) -> None:
    with pytest.raises(ValueError):
        BusinessHours.always().add(utc(2026, 1, 1), minutes)


def week(**days: object) -> dict[str, object]:
    return {"timezone": "Europe/Paris", "weekly": {"mon": [["09:00", "17:00"]], **days}}


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({**week(), "timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({**week(), "timezone": "../../etc/passwd"}, "timezone"),
        ({**week(), "timezone": "localtime"}, "timezone"),
        ({**week(), "timezone": "right/Europe/Paris"}, "timezone"),
        ({**week(), "timezone": 1}, "timezone"),
        ({"weekly": week()["weekly"]}, "timezone"),
        ({"timezone": "UTC"}, "weekly"),
        ({"timezone": "UTC", "weekly": []}, "weekly"),
        (week(funday=[["09:00", "10:00"]]), "weekly.funday"),
        (week(tue=[["9:00", "10:00"]]), "weekly.tue"),
        (week(tue=[["09:60", "10:00"]]), "weekly.tue"),
        (week(tue=[["09:00", "24:01"]]), "weekly.tue"),
        (week(tue=[["\u0660\u0669:00", "10:00"]]), "weekly.tue"),
        (week(tue=[["09:00\n", "10:00"]]), "weekly.tue"),
        (week(tue=[["10:00", "10:00"]]), "weekly.tue"),
        (week(tue=[["11:00", "10:00"]]), "weekly.tue"),
        (week(tue=[["24:00", "24:00"]]), "weekly.tue"),
        (week(tue=[["09:00", "12:00"], ["11:59", "13:00"]]), "weekly.tue"),
        (week(tue=[["13:00", "14:00"], ["09:00", "17:00"]]), "weekly.tue"),
        (week(tue=[["09:00", "10:00"], ["09:00", "10:00"]]), "weekly.tue"),
        (week(tue=[[f"{h:02d}:00", f"{h:02d}:30"] for h in range(11)]), "weekly.tue"),
        (week(tue=[["09:00", "10:00", "11:00"]]), "weekly.tue"),
        (week(tue=["09:00-10:00"]), "weekly.tue"),
        (week(tue="09:00-10:00"), "weekly.tue"),
        (week(tue=[[900, 1000]]), "weekly.tue"),
        ({"timezone": "UTC", "weekly": {day: [] for day in WEEKDAYS}}, "weekly"),
        ({"timezone": "UTC", "weekly": {}}, "weekly"),
        ({**week(), "holidays": ["2026-02-30"]}, "holidays"),
        ({**week(), "holidays": ["20261225"]}, "holidays"),
        ({**week(), "holidays": [20261225]}, "holidays"),
        ({**week(), "holidays": "2026-12-25"}, "holidays"),
        ({**week(), "holidays": ["2026-01-01"] * 401}, "holidays"),
        ({**week(), "color": "blue"}, "color"),
    ],
)
def test_each_validation_error_names_its_field(document: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        BusinessHours.parse(document)
    assert set(caught.value.details) == {field}
    assert caught.value.status == 422


def test_validation_reports_every_bad_field_and_non_objects() -> None:
    with pytest.raises(ValidationFailed) as caught:
        BusinessHours.parse(
            {"timezone": "Nowhere", "weekly": {"mon": [["x", "y"]]}, "holidays": ["soon"]}
        )
    assert set(caught.value.details) == {"timezone", "weekly.mon", "holidays"}
    assert len(caught.value.details["weekly.mon"]) == 2  # both edges
    with pytest.raises(ValidationFailed) as caught:
        BusinessHours.parse([])  # type: ignore[arg-type]
    assert set(caught.value.details) == {"business_hours"}


def test_valid_edge_cases_parse() -> None:
    hours = BusinessHours.parse(
        {
            "timezone": "Pacific/Chatham",
            "weekly": {
                "tue": [["13:00", "17:00"], ["09:00", "12:00"], ["12:00", "13:00"]],
                "sun": [["00:00", "24:00"]],
            },
            "holidays": ["2026-12-25", "2026-12-25"],
        }
    )
    assert hours.weekly[1] == ((540, 720), (720, 780), (780, 1020))
    assert hours.weekly[6] == ((0, 1440),)
    assert hours.holidays == frozenset({date(2026, 12, 25)})
    assert hours.to_json()["weekly"]["sun"] == [["00:00", "24:00"]]


@pytest.mark.parametrize(
    ("timezone_name", "weekly", "holidays"),
    [
        ("Nowhere", ((), (), (), (), (), (), ((0, 60),)), frozenset()),
        ("UTC", ((),) * 7, frozenset()),
        ("UTC", ((),) * 6, frozenset()),
        ("UTC", ((),) * 6 + (((60, 30),),), frozenset()),
        ("UTC", ((),) * 6 + (((0, 60), (30, 90)),), frozenset()),
        ("UTC", ((),) * 6 + (((0, 1441),),), frozenset()),
        ("UTC", ((),) * 6 + ([(0, 60)],), frozenset()),
        ("UTC", ((),) * 6 + (((0, 60),),), frozenset({datetime(2026, 1, 1)})),
        ("UTC", ((),) * 6 + (((0, 60),),), {date(2026, 1, 1)}),
    ],
)
def test_construction_checks_the_invariants(
    timezone_name: str, weekly: object, holidays: object
) -> None:
    with pytest.raises(ValueError):
        BusinessHours(timezone_name, weekly, holidays)  # type: ignore[arg-type]
