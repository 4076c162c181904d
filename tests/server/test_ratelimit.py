"""server/ratelimit.py: rate strings and the GCRA limiter, with time pinned."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pytest

from support_server import clock
from support_server.ratelimit import Rate, RateLimiter, parse_rate


class Clock:
    """The server's clock, pinned: ``support_server.clock.now`` reads ``self.t``."""

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(1_700_000_000.123)
    monkeypatch.setattr(clock, "now", fake)
    return fake


@pytest.fixture
def limiter(tmp_path: Path) -> RateLimiter:
    return RateLimiter(tmp_path / "rate-limits.sqlite3")


# -- parse_rate ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("120/minute", Rate(120, 60)),
        ("5/hour", Rate(5, 3600)),
        ("1/second", Rate(1, 1)),
        ("10/day", Rate(10, 86400)),
        (" 3 / hours ", Rate(3, 3600)),
        ("2/minutes", Rate(2, 60)),
    ],
)
def test_parse_rate(text: str, rate: Rate) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize(
    "text",
    [
        "",
        "5",
        "5/",
        "/hour",
        "0/hour",
        "-1/hour",
        "1.5/hour",
        "5/fortnight",
        "5 per hour",
        "five/hour",
        "5/hour/extra",
        "5/Hour",
    ],
)
def test_bad_rate_strings_are_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(ValueError, match="COUNT/PERIOD"):
        parse_rate(text)


def test_interval() -> None:
    assert parse_rate("120/minute").interval == 0.5
    assert parse_rate("3/hour").interval == 1200


# -- GCRA ----------------------------------------------------------------------------------
def test_a_full_burst_is_allowed_then_refused_with_the_exact_wait(
    pinned: Clock, limiter: RateLimiter
) -> None:
    rate = parse_rate("3/hour")
    assert [limiter.hit("k", rate) for _ in range(3)] == [0, 0, 0]
    assert limiter.hit("k", rate) == 1200  # one slot refills every 20 minutes
    pinned.t += 1000
    assert limiter.hit("k", rate) == 200
    pinned.t += 200
    assert limiter.hit("k", rate) == 0
    assert limiter.hit("k", rate) == 1200


def test_refused_requests_do_not_count(pinned: Clock, limiter: RateLimiter) -> None:
    rate = parse_rate("2/minute")
    limiter.hit("k", rate)
    limiter.hit("k", rate)
    for _ in range(50):
        assert limiter.hit("k", rate) == 30
    pinned.t += 30
    assert limiter.hit("k", rate) == 0


def test_the_allowance_refills_fully_after_a_quiet_period(
    pinned: Clock, limiter: RateLimiter
) -> None:
    rate = parse_rate("5/minute")
    for _ in range(5):
        limiter.hit("k", rate)
    pinned.t += 3600  # long idle: the full burst is back, but no more than that
    assert [limiter.hit("k", rate) for _ in range(6)] == [0, 0, 0, 0, 0, 12]


@pytest.mark.parametrize(
    "text", ["3/second", "7/minute", "120/minute", "60/hour", "5/hour", "199/day", "1000/hour"]
)
@pytest.mark.parametrize("start", [1_700_000_000.123, 1_234_567.891, 1000.0])
def test_exactly_count_requests_pass_at_any_clock_reading(
    monkeypatch: pytest.MonkeyPatch, limiter: RateLimiter, text: str, start: float
) -> None:
    # Float rounding once refused the last request of a full burst (Retry-After: 1).
    monkeypatch.setattr(clock, "now", lambda: start)
    rate = parse_rate(text)
    results = [limiter.hit(f"k-{text}", rate) for _ in range(rate.count + 1)]
    assert results[:-1] == [0] * rate.count
    assert results[-1] == max(1, math.ceil(rate.interval))


def test_keys_are_independent(pinned: Clock, limiter: RateLimiter) -> None:
    rate = parse_rate("1/hour")
    assert limiter.hit("tickets:app_1:ip:10.0.0.1", rate) == 0
    assert limiter.hit("tickets:app_1:ip:10.0.0.1", rate) > 0
    assert limiter.hit("tickets:app_1:ip:10.0.0.2", rate) == 0
    assert limiter.hit("tickets:app_2:ip:10.0.0.1", rate) == 0


def test_limiters_on_one_file_share_their_counts(pinned: Clock, tmp_path: Path) -> None:
    # Each gunicorn worker has its own limiter (and connection) over the same file.
    path = tmp_path / "rate-limits.sqlite3"
    first, second = RateLimiter(path), RateLimiter(path)
    rate = parse_rate("4/minute")
    results = [(first if i % 2 else second).hit("k", rate) for i in range(6)]
    assert results == [0, 0, 0, 0, 15, 15]


def test_disabled_limiter_allows_everything_and_writes_nothing(
    pinned: Clock, tmp_path: Path
) -> None:
    path = tmp_path / "rate-limits.sqlite3"
    off = RateLimiter(path, enabled=False)
    assert all(off.hit("k", parse_rate("1/day")) == 0 for _ in range(10))
    assert not path.exists()


def test_a_damaged_counter_file_still_limits_in_memory(
    pinned: Clock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rate-limits.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    limiter = RateLimiter(path)
    with caplog.at_level(logging.ERROR, logger="support_server.ratelimit"):
        assert limiter.hit("k", parse_rate("1/day")) == 0
        assert limiter.hit("k", parse_rate("1/day")) == 86400  # the limit still applies
        assert limiter.degraded
    assert caplog.text.count("counting in memory") == 1  # said once, not per request
    path.unlink()  # once the file is usable again, it holds the counts again
    assert limiter.hit("other", parse_rate("1/day")) == 0
    assert not limiter.degraded
    assert limiter.hit("other", parse_rate("1/day")) == 86400
