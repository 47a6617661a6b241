"""Tests of survey tokens, the signed form stamp and the rate limiter."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_service_optimization.logic.survey_rate_limit import SlidingWindowLimiter
from customer_service_optimization.logic.survey_token import (
    PACE_INVALID,
    PACE_OK,
    PACE_STALE,
    PACE_TOO_FAST,
    answer_pace,
    confirmation_key,
    digests_match,
    is_well_formed,
    new_token,
    read_stamp,
    sign_stamp,
    token_digest,
)

SECRET = "database-secret"
DIGEST = token_digest("A" * 43)


def test_token_has_256_bits_and_url_safe_shape():
    token = new_token()

    assert len(token) == 43
    assert is_well_formed(token)
    assert new_token() != token


@pytest.mark.parametrize("junk", ["", "short", "A" * 42, "A" * 129, "A" * 42 + "/", None, 42, "A" * 42 + "é"])
def test_malformed_tokens_rejected(junk):
    assert not is_well_formed(junk)


def test_digest_is_sha256_hex():
    digest = token_digest("abc")

    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert digests_match(digest, token_digest("abc"))
    assert not digests_match(digest, token_digest("abd"))
    assert not digests_match(digest, None)


def test_stamp_round_trip():
    stamp = sign_stamp(SECRET, DIGEST, 1_700_000_000)

    assert read_stamp(SECRET, DIGEST, stamp) == 1_700_000_000


@pytest.mark.parametrize(
    "stamp",
    [
        None,
        "",
        "1700000000",
        "1700000001." + "0" * 64,
        sign_stamp("other-secret", DIGEST, 1_700_000_000),
        sign_stamp(SECRET, token_digest("B" * 43), 1_700_000_000),
    ],
)
def test_forged_stamps_rejected(stamp):
    assert read_stamp(SECRET, DIGEST, stamp) is None


def test_moved_stamp_time_rejected():
    stamp = sign_stamp(SECRET, DIGEST, 1_700_000_000)
    moved = "1600000000" + stamp[len("1700000000") :]

    assert read_stamp(SECRET, DIGEST, moved) is None


def _pace(issued, now, confirmation="valid"):
    stamp = sign_stamp(SECRET, DIGEST, issued)
    if confirmation == "valid":
        confirmation = confirmation_key(SECRET, DIGEST, issued)
    return answer_pace(SECRET, DIGEST, stamp, confirmation, now, min_dwell_seconds=2, max_age_seconds=86400)


def test_answer_after_dwell_counts():
    assert _pace(1000, 1005) == PACE_OK


def test_answer_at_once_is_too_fast():
    assert _pace(1000, 1000) == PACE_TOO_FAST
    assert _pace(1000, 1001) == PACE_TOO_FAST


def test_old_form_is_stale():
    assert _pace(1000, 1000 + 86401) == PACE_STALE


@pytest.mark.parametrize("confirmation", [None, "", "0" * 32])
def test_missing_confirmation_is_invalid(confirmation):
    assert _pace(1000, 1005, confirmation) == PACE_INVALID


def test_limiter_allows_up_to_limit_per_window():
    limiter = SlidingWindowLimiter(limit=3, window_seconds=60)

    assert [limiter.hit("a", 0) for _ in range(4)] == [True, True, True, False]
    assert limiter.hit("b", 0)
    assert not limiter.hit("a", 59.9)
    assert limiter.hit("a", 60.0)


def test_limiter_does_not_record_rejected_hits():
    limiter = SlidingWindowLimiter(limit=1, window_seconds=10)
    limiter.hit("a", 0)

    for moment in range(1, 10):
        assert not limiter.hit("a", moment)
    assert limiter.hit("a", 10)


def test_limiter_limit_override():
    limiter = SlidingWindowLimiter(limit=1, window_seconds=60)

    assert limiter.hit("a", 0, limit=2)
    assert limiter.hit("a", 1, limit=2)
    assert not limiter.hit("a", 2, limit=2)


def test_limiter_drops_least_recent_keys():
    limiter = SlidingWindowLimiter(limit=1, window_seconds=100, max_keys=2)
    limiter.hit("a", 0)
    limiter.hit("b", 1)
    limiter.hit("c", 2)

    assert limiter.hit("a", 3)
    assert not limiter.hit("c", 4)


@given(st.lists(st.floats(min_value=0, max_value=1000, allow_nan=False), max_size=80))
def test_limiter_never_exceeds_limit_in_any_window(moments):
    limiter = SlidingWindowLimiter(limit=5, window_seconds=30)
    accepted = [moment for moment in sorted(moments) if limiter.hit("key", moment)]

    for moment in accepted:
        assert sum(moment - 30 < other <= moment for other in accepted) <= 5
