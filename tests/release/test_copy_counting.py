"""Copy counting: exact charges when the counters are sane, flags when they are not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printwarden.release.copy_counting import (
    CopyCharge,
    CopyFlag,
    CountingLimits,
    ReleasedPages,
    count_copies,
)
from printwarden.release.snmp_model import CounterReading, DeviceProfile
from printwarden.release.snmp_profiles import GENERIC, HP_LASERJET_COLOUR

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
LIMITS = CountingLimits(pages_per_minute=40, slack_pages=10, hard_cap_pages=1000)


def reading(total: int, *, uptime: int = 100_000, colour: int | None = None,
            mono: int | None = None, at: timedelta = timedelta(0),
            profile: DeviceProfile = GENERIC) -> CounterReading:
    return CounterReading(total, mono, colour, uptime, T0 + at, profile.name)


def later(minutes: float) -> dict[str, object]:
    return {"at": timedelta(minutes=minutes), "uptime": 100_000 + int(minutes * 6000)}


def test_the_delta_less_the_released_pages_is_charged_as_mono_on_a_generic_device() -> None:
    result = count_copies(reading(5000), reading(5037, **later(5)), ReleasedPages(mono=7),
                          GENERIC, LIMITS)
    assert result == CopyCharge(mono=30, colour=0, device_pages=37, released_pages=7,
                                colour_counted=False)


def test_a_colour_profile_splits_mono_and_colour_and_subtracts_each() -> None:
    start = reading(1000, colour=300, profile=HP_LASERJET_COLOUR)
    end = reading(1050, colour=320, profile=HP_LASERJET_COLOUR, **later(3))
    result = count_copies(start, end, ReleasedPages(mono=10, colour=5), HP_LASERJET_COLOUR,
                          LIMITS)
    assert result == CopyCharge(mono=20, colour=15, device_pages=50, released_pages=15,
                                colour_counted=True)


def test_nothing_printed_charges_nothing() -> None:
    assert count_copies(reading(7), reading(7, **later(1)), ReleasedPages(), GENERIC,
                        LIMITS) == CopyCharge(0, 0, 0, 0, False)


def flag(result: object) -> str:
    assert isinstance(result, CopyFlag), result
    assert result.detail
    return result.reason


def test_a_missing_reading_is_flagged() -> None:
    assert flag(count_copies(None, reading(5), ReleasedPages(), GENERIC, LIMITS)) == \
        "reading-missing"
    assert flag(count_copies(reading(5), None, ReleasedPages(), GENERIC, LIMITS)) == \
        "reading-missing"
    start = reading(10, colour=1, profile=HP_LASERJET_COLOUR)
    end = reading(12, profile=HP_LASERJET_COLOUR, **later(1))
    assert flag(count_copies(start, end, ReleasedPages(), HP_LASERJET_COLOUR, LIMITS)) == \
        "reading-missing"


def test_a_counter_reset_mid_session_is_flagged_not_charged() -> None:
    assert flag(count_copies(reading(48_210), reading(3, **later(5)), ReleasedPages(),
                             GENERIC, LIMITS)) == "counter-went-backwards"


def test_a_reboot_is_flagged_even_when_the_counter_kept_counting() -> None:
    rebooted = reading(5012, uptime=3000, at=timedelta(minutes=5))  # up 30 s, not 5 min
    assert flag(count_copies(reading(5000), rebooted, ReleasedPages(), GENERIC, LIMITS)) == \
        "device-restarted"
    young = reading(5000, uptime=500)  # started 5 s before the session
    restarted_again = reading(5010, uptime=700, at=timedelta(minutes=10))
    assert flag(count_copies(young, restarted_again, ReleasedPages(), GENERIC, LIMITS)) == \
        "device-restarted"


def test_a_counter32_wrap_with_a_plausible_delta_is_accepted() -> None:
    start = reading(2**32 - 5)
    end = reading(20, **later(2))
    assert count_copies(start, end, ReleasedPages(), GENERIC, LIMITS) == \
        CopyCharge(25, 0, 25, 0, False)


def test_a_vendor_counter_wraps_at_its_own_modulus() -> None:
    start = reading(2**24 - 3, colour=2**24 - 1, profile=HP_LASERJET_COLOUR)
    end = reading(7, colour=4, profile=HP_LASERJET_COLOUR, **later(1))
    assert count_copies(start, end, ReleasedPages(), HP_LASERJET_COLOUR, LIMITS) == \
        CopyCharge(5, 5, 10, 0, True)
    beyond = reading(2**24 + 1, colour=0, profile=HP_LASERJET_COLOUR, **later(1))
    assert flag(count_copies(start, beyond, ReleasedPages(), HP_LASERJET_COLOUR, LIMITS)) \
        == "counter-out-of-range"


def test_a_timeticks_wrap_is_not_a_reboot() -> None:
    start = reading(100, uptime=2**32 - 3000)  # 30 s before the wrap
    end = reading(110, uptime=3000, at=timedelta(minutes=1))  # 60 s later
    assert count_copies(start, end, ReleasedPages(), GENERIC, LIMITS) == \
        CopyCharge(10, 0, 10, 0, False)


def test_an_absurd_delta_is_flagged_by_speed_and_by_the_hard_cap() -> None:
    # 3 minutes at 40 ppm + 10 slack: at most 130 pages
    assert count_copies(reading(0), reading(130, **later(3)), ReleasedPages(), GENERIC,
                        LIMITS) == CopyCharge(130, 0, 130, 0, False)
    assert flag(count_copies(reading(0), reading(131, **later(3)), ReleasedPages(),
                             GENERIC, LIMITS)) == "absurd-delta"
    # a session left open for a day: the hard cap still holds
    assert flag(count_copies(reading(0), reading(1001, **later(24 * 60)), ReleasedPages(),
                             GENERIC, LIMITS)) == "absurd-delta"


def test_released_pages_beyond_the_delta_are_flagged() -> None:
    assert flag(count_copies(reading(10), reading(12, **later(1)), ReleasedPages(mono=5),
                             GENERIC, LIMITS)) == "released-exceed-delta"
    start = reading(100, colour=10, profile=HP_LASERJET_COLOUR)
    end = reading(110, colour=12, profile=HP_LASERJET_COLOUR, **later(1))
    assert flag(count_copies(start, end, ReleasedPages(mono=0, colour=3),
                             HP_LASERJET_COLOUR, LIMITS)) == "released-exceed-delta"


def test_colour_beyond_the_total_and_changed_profiles_and_clocks_are_flagged() -> None:
    start = reading(100, colour=10, profile=HP_LASERJET_COLOUR)
    end = reading(105, colour=20, profile=HP_LASERJET_COLOUR, **later(1))
    assert flag(count_copies(start, end, ReleasedPages(), HP_LASERJET_COLOUR, LIMITS)) == \
        "counters-disagree"
    assert flag(count_copies(reading(1), reading(2, profile=HP_LASERJET_COLOUR, **later(1)),
                             ReleasedPages(), GENERIC, LIMITS)) == "profile-changed"
    assert flag(count_copies(reading(1, at=timedelta(minutes=5)), reading(2),
                             ReleasedPages(), GENERIC, LIMITS)) == "clock-went-backwards"


def test_limits_and_released_pages_refuse_nonsense() -> None:
    for bad in (-1, 10**7, True, 1.5):
        with pytest.raises(ValueError, match="whole number"):
            CountingLimits(pages_per_minute=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        ReleasedPages(mono=-1)


# --- properties -------------------------------------------------------------------------

counters = st.integers(min_value=0, max_value=2**32 - 1)
minutes = st.integers(min_value=0, max_value=600)


@settings(max_examples=300)
@given(start=counters, copies=st.integers(0, 400), released=st.integers(0, 400),
       session=st.integers(1, 120))
def test_sane_counters_charge_exactly_the_copies(start: int, copies: int, released: int,
                                                 session: int) -> None:
    made = copies + released
    end_value = (start + made) % 2**32
    result = count_copies(reading(start), reading(end_value, **later(session)),
                          ReleasedPages(mono=released), GENERIC, LIMITS)
    if made <= LIMITS.ceiling(timedelta(minutes=session)):
        assert result == CopyCharge(copies, 0, made, released, False)
    else:  # too many pages; past the wrap they cannot be told from a reset
        wrapped = start + made >= 2**32
        assert isinstance(result, CopyFlag)
        assert result.reason == ("counter-went-backwards" if wrapped else "absurd-delta")


@settings(max_examples=500)
@given(start=st.integers(0, 2**33), end=st.integers(0, 2**33),
       start_colour=st.none() | st.integers(0, 2**25), end_colour=st.none() | st.integers(0, 2**25),
       start_up=counters, end_up=counters, session=minutes,
       released=st.builds(ReleasedPages, st.integers(0, 10**6), st.integers(0, 10**6)),
       profile=st.sampled_from([GENERIC, HP_LASERJET_COLOUR]))
def test_no_reading_ever_yields_a_negative_or_absurd_charge(
        start: int, end: int, start_colour: int | None, end_colour: int | None,
        start_up: int, end_up: int, session: int, released: ReleasedPages,
        profile: DeviceProfile) -> None:
    first = reading(start, colour=start_colour, uptime=start_up, profile=profile)
    last = reading(end, colour=end_colour, uptime=end_up, at=timedelta(minutes=session),
                   profile=profile)
    result = count_copies(first, last, released, profile, LIMITS)
    if isinstance(result, CopyCharge):
        assert result.mono >= 0 and result.colour >= 0
        assert result.mono + result.colour <= LIMITS.ceiling(timedelta(minutes=session))
        # neither shipped profile has a mono counter: mono is what the total leaves
        assert result.mono + result.colour + result.released_pages == result.device_pages
    else:
        assert result.detail


@settings(max_examples=200)
@given(start=st.integers(1000, 2**32 - 1), drop=st.integers(1, 999), session=minutes)
def test_a_counter_that_fell_is_never_charged(start: int, drop: int, session: int) -> None:
    result = count_copies(reading(start), reading(start - drop, **later(session)),
                          ReleasedPages(), GENERIC, LIMITS)
    assert isinstance(result, CopyFlag)
    assert result.reason == "counter-went-backwards"
