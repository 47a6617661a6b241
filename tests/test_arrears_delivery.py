"""Tests of the delivery rules: phone numbers, contact windows, retries and callback signatures."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from arrears_management.logic import contact_window, phone, retry, signature

PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, database=None)

ALL_WEEKDAYS = tuple(range(7))


# phone.to_e164


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("0470 12 34 56", "BE", "+32470123456"),
        ("0470/12.34.56", "be", "+32470123456"),
        ("00 32 470 12 34 56", "BE", "+32470123456"),
        ("(201) 555-0123", "US", "+12015550123"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("030 901820", "DE", "+4930901820"),
    ],
)
def test_e164_national_with_country(raw, country, expected):
    assert phone.to_e164(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+44 20 7946 0958", None, "+442079460958"),
        ("+44 20 7946 0958", "BE", "+442079460958"),
        ("+1 212 555 0199", "", "+12125550199"),
        ("+32 2 555 12 12", "US", "+3225551212"),
    ],
)
def test_e164_international_ignores_country(raw, country, expected):
    assert phone.to_e164(raw, country) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", False])
def test_e164_missing_number(raw):
    with pytest.raises(phone.InvalidPhoneNumber) as raised:
        phone.to_e164(raw, "BE")

    assert raised.value.reason == "missing"


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("call me", "BE"),
        ("+", "BE"),
        ("0470 12 34 56", None),
        ("0470 12 34 56", "XX"),
    ],
)
def test_e164_unparsable_number(raw, country):
    with pytest.raises(phone.InvalidPhoneNumber) as raised:
        phone.to_e164(raw, country)

    assert raised.value.reason == "unparsable"
    assert "country code" in str(raised.value)


@pytest.mark.parametrize(("raw", "country"), [("0470", "BE"), ("+32 470 12 34 5", None), ("12", "BE")])
def test_e164_invalid_number(raw, country):
    with pytest.raises(phone.InvalidPhoneNumber) as raised:
        phone.to_e164(raw, country)

    assert raised.value.reason == "invalid"


def test_e164_invalid_names_region():
    with pytest.raises(phone.InvalidPhoneNumber) as raised:
        phone.to_e164("0470", "be")

    assert "not a valid number in BE" in str(raised.value)


def test_invalid_phone_is_value_error():
    assert issubclass(phone.InvalidPhoneNumber, ValueError)


@pytest.mark.parametrize(
    ("raw", "country"), [("0470 12 34 5", "BE"), ("+32 470 12 34 5", None), ("0470 98 76 54", None)]
)
def test_e164_message_masks_number(raw, country):
    with pytest.raises(phone.InvalidPhoneNumber) as raised:
        phone.to_e164(raw, country)

    digits = "".join(char for char in raw if char.isdigit())
    assert digits not in str(raised.value)
    assert raw not in str(raised.value)
    assert phone.mask(raw) in str(raised.value)


@settings(max_examples=60, deadline=None, database=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=4, max_size=16),
    prefix=st.sampled_from(["", "+", "00", "0"]),
    country=st.sampled_from([None, "BE", "US", "DE", "XX"]),
)
def test_e164_message_never_has_full_number(digits, prefix, country):
    raw = prefix + digits
    try:
        phone.to_e164(raw, country)
    except phone.InvalidPhoneNumber as err:
        error = err
    else:
        return

    assert digits not in str(error)
    assert error.reason in ("unparsable", "invalid")


# phone.mask


def test_mask_keeps_last_three_digits():
    assert phone.mask("+32 470 12 34 56") == "********456"


@pytest.mark.parametrize("raw", [None, "", "12", "123", "+1-2-3"])
def test_mask_short_number(raw):
    assert phone.mask(raw) == "***"


@PROPERTY_SETTINGS
@given(raw=st.text(alphabet="0123456789 +-()./", max_size=25))
def test_mask_hides_all_but_three_digits(raw):
    digits = [char for char in raw if char.isdigit()]
    masked = phone.mask(raw)

    visible_digits = [char for char in masked if char.isdigit()]
    assert len(visible_digits) <= 3
    assert set(masked) - set("*") <= set("0123456789")
    if len(digits) > 3:
        assert visible_digits == digits[-3:]
        assert masked.count("*") == len(digits) - 3


# contact_window.hour_to_time


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(0, time(0, 0)), (8, time(8, 0)), (8.5, time(8, 30)), (17.75, time(17, 45)), (24, time(23, 59, 59))],
)
def test_hour_to_time(hours, expected):
    assert contact_window.hour_to_time(hours) == expected


# contact_window.next_contact_time: examples (moments are naive UTC)


def test_window_inside_returns_moment():
    moment = datetime(2024, 1, 10, 10, 17, 5)  # Wednesday, 11:17:05 in Berlin

    assert contact_window.next_contact_time(moment, "Europe/Berlin", 8, 18) == moment


def test_window_before_opening_same_day():
    moment = datetime(2024, 1, 10, 5, 0)  # Wednesday, 06:00 in Berlin

    assert contact_window.next_contact_time(moment, "Europe/Berlin", 8, 18) == datetime(2024, 1, 10, 7, 0)


def test_window_summer_time_offset():
    moment = datetime(2024, 7, 10, 4, 0)  # Wednesday, 06:00 in Berlin

    assert contact_window.next_contact_time(moment, "Europe/Berlin", 8, 18) == datetime(2024, 7, 10, 6, 0)


def test_window_after_closing_next_day():
    moment = datetime(2024, 1, 10, 17, 0)  # Wednesday, 18:00 in Berlin

    assert contact_window.next_contact_time(moment, "Europe/Berlin", 8, 18) == datetime(2024, 1, 11, 7, 0)


def test_window_friday_evening_to_monday():
    moment = datetime(2024, 1, 12, 19, 30)  # Friday, 20:30 in Berlin

    assert contact_window.next_contact_time(moment, "Europe/Berlin", 8, 18) == datetime(2024, 1, 15, 7, 0)


def test_window_half_hour_bounds():
    moment = datetime(2024, 1, 10, 7, 10)  # Wednesday, 08:10 in Berlin

    assert contact_window.next_contact_time(moment, "Europe/Berlin", 8.5, 17.5) == datetime(2024, 1, 10, 7, 30)


def test_window_weekday_in_local_time():
    moment = datetime(2024, 1, 8, 2, 0)  # Monday in UTC, Sunday 21:00 in New York

    assert contact_window.next_contact_time(moment, "America/New_York", 9, 17) == datetime(2024, 1, 8, 14, 0)


def test_window_local_day_ahead_of_utc():
    moment = datetime(2024, 1, 5, 20, 0)  # Friday in UTC, Saturday 05:00 in Tokyo

    assert contact_window.next_contact_time(moment, "Asia/Tokyo", 9, 17) == datetime(2024, 1, 8, 0, 0)


def test_window_closing_is_exclusive():
    moment = datetime(2024, 1, 10, 17, 0)  # Wednesday, 18:00:00 in Berlin

    assert contact_window.next_contact_time(moment, "Europe/Berlin", 8, 18) != moment


def test_window_end_of_day():
    moment = datetime(2024, 1, 10, 22, 30)  # Wednesday, 23:30 in Berlin

    assert contact_window.next_contact_time(moment, "Europe/Berlin", 20, 24) == moment


@pytest.mark.parametrize(
    ("moment", "zone", "start", "end", "expected"),
    [
        # Saturday evening before the spring change, window opens on Sunday in summer time.
        (datetime(2024, 3, 30, 18, 0), "Europe/Berlin", 8, 18, datetime(2024, 3, 31, 6, 0)),
        # Saturday evening before the autumn change, window opens on Sunday in winter time.
        (datetime(2024, 10, 26, 17, 0), "Europe/Berlin", 8, 18, datetime(2024, 10, 27, 7, 0)),
        (datetime(2024, 3, 9, 23, 0), "America/New_York", 9, 17, datetime(2024, 3, 10, 13, 0)),
        (datetime(2024, 11, 2, 22, 0), "America/New_York", 9, 17, datetime(2024, 11, 3, 14, 0)),
        # Moments inside the window on the change day itself.
        (datetime(2024, 3, 31, 7, 0), "Europe/Berlin", 8, 18, datetime(2024, 3, 31, 7, 0)),
        (datetime(2024, 11, 3, 15, 0), "America/New_York", 9, 17, datetime(2024, 11, 3, 15, 0)),
        # Moments inside the changed hour, window starting after it.
        (datetime(2024, 3, 31, 1, 30), "Europe/Berlin", 8, 18, datetime(2024, 3, 31, 6, 0)),
        (datetime(2024, 11, 3, 6, 30), "America/New_York", 9, 17, datetime(2024, 11, 3, 14, 0)),
    ],
)
def test_window_across_dst_change(moment, zone, start, end, expected):
    assert contact_window.next_contact_time(moment, zone, start, end, ALL_WEEKDAYS) == expected


def test_window_friday_to_monday_across_dst():
    moment = datetime(2024, 3, 29, 17, 30)  # Friday, 18:30 CET in Berlin. Summer time starts on Sunday.

    assert contact_window.next_contact_time(moment, "Europe/Berlin", 8, 18) == datetime(2024, 4, 1, 6, 0)


@pytest.mark.parametrize(
    ("moment", "zone", "start", "expected"),
    [
        # 01:30 EST, the second 01:30 of the night; the window opens at the second 01:45.
        (datetime(2024, 11, 3, 6, 30), "America/New_York", 1.75, datetime(2024, 11, 3, 6, 45)),
        # 02:30 CET, the second 02:30 of the night; the window opens at the second 02:45.
        (datetime(2024, 10, 27, 1, 30), "Europe/Berlin", 2.75, datetime(2024, 10, 27, 1, 45)),
    ],
)
def test_window_repeated_hour_not_before_moment(moment, zone, start, expected):
    result = contact_window.next_contact_time(moment, zone, start, start + 2, ALL_WEEKDAYS)

    assert result >= moment
    assert result == expected


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        # 01:50 CET. 02:30 does not exist that night, so the window opens at 03:00 CEST.
        (datetime(2024, 3, 31, 0, 50), "Europe/Berlin", datetime(2024, 3, 31, 1, 0)),
        # 01:50 EST. 02:30 does not exist that night, so the window opens at 03:00 EDT.
        (datetime(2024, 3, 10, 6, 50), "America/New_York", datetime(2024, 3, 10, 7, 0)),
    ],
)
def test_window_start_in_skipped_hour(moment, zone, expected):
    assert contact_window.next_contact_time(moment, zone, 2.5, 4, ALL_WEEKDAYS) == expected


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", None, "../../etc/passwd", "America"])
def test_window_unknown_zone_is_utc(zone):
    moment = datetime(2024, 1, 10, 5, 0)  # Wednesday

    assert contact_window.next_contact_time(moment, zone, 8, 18) == datetime(2024, 1, 10, 8, 0)


@pytest.mark.parametrize(
    ("start", "end", "weekdays"),
    [(8, 8, (0, 1)), (18, 8, (0, 1)), (8, 18, ())],
)
def test_window_empty_raises(start, end, weekdays):
    with pytest.raises(ValueError, match="is empty"):
        contact_window.next_contact_time(datetime(2024, 1, 10, 5, 0), "UTC", start, end, weekdays)


# contact_window.next_contact_time: properties against a brute-force search


# Zones with whole, half and quarter hour offsets and with summer time. Their
# clock changes happen between 00:00 and 04:00 local time, so the windows below
# start at 04:00 or later (windows that start inside a change have their own tests above).
ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/St_Johns",
)
quarter_hours = st.integers(16, 92).map(lambda quarters: quarters / 4)
moments = st.datetimes(datetime(2023, 1, 1), datetime(2026, 12, 31))
weekday_sets = st.sets(st.integers(0, 6), min_size=1).map(lambda days: tuple(sorted(days)))

# Moments around the 2024 clock changes in Berlin and New York.
DST_EXAMPLES = [
    datetime(2024, 3, 31, 0, 59, 59),
    datetime(2024, 3, 31, 1, 0),
    datetime(2024, 10, 27, 0, 30),
    datetime(2024, 10, 27, 1, 30),
    datetime(2024, 3, 10, 6, 59),
    datetime(2024, 11, 3, 5, 30),
    datetime(2024, 11, 3, 6, 30),
]


@st.composite
def windows(draw):
    start = draw(quarter_hours)
    end = draw(st.integers(int(start * 4) + 1, 95).map(lambda quarters: quarters / 4))
    return draw(st.sampled_from(ZONES)), start, end, draw(weekday_sets)


def local_time(moment, zone):
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))


def is_inside(moment, zone, start, end, weekdays):
    local = local_time(moment, zone)
    opens = contact_window.hour_to_time(start)
    closes = contact_window.hour_to_time(end)
    return local.weekday() in weekdays and opens <= local.time() < closes


def first_inside(moment, zone, start, end, weekdays):
    """Search the moment itself, then every later quarter hour for eight days."""
    if is_inside(moment, zone, start, end, weekdays):
        return moment
    step = timedelta(minutes=15)
    candidate = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    for _ in range(8 * 24 * 4):
        candidate += step
        if is_inside(candidate, zone, start, end, weekdays):
            return candidate
    raise AssertionError("no moment inside the window within eight days")


def dst_examples(test):
    for moment in DST_EXAMPLES:
        for zone in ("Europe/Berlin", "America/New_York"):
            test = example(moment=moment, window=(zone, 4.0, 9.0, ALL_WEEKDAYS))(test)
    return test


@PROPERTY_SETTINGS
@given(moment=moments, window=windows())
@dst_examples
def test_window_result_inside(moment, window):
    result = contact_window.next_contact_time(moment, *window)

    assert is_inside(result, *window)


@PROPERTY_SETTINGS
@given(moment=moments, window=windows())
@dst_examples
def test_window_result_not_before_moment(moment, window):
    assert contact_window.next_contact_time(moment, *window) >= moment


@PROPERTY_SETTINGS
@given(moment=moments, window=windows())
@dst_examples
def test_window_inside_moment_unchanged(moment, window):
    result = contact_window.next_contact_time(moment, *window)

    if is_inside(moment, *window):
        assert result == moment


@PROPERTY_SETTINGS
@given(moment=moments, window=windows())
@dst_examples
def test_window_result_is_first_inside(moment, window):
    assert contact_window.next_contact_time(moment, *window) == first_inside(moment, *window)


@PROPERTY_SETTINGS
@given(moment=moments, window=windows())
def test_window_result_is_naive(moment, window):
    assert contact_window.next_contact_time(moment, *window).tzinfo is None


# retry.is_retryable_status


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 507, 599])
def test_retryable_status_true(status):
    assert retry.is_retryable_status(status)


@pytest.mark.parametrize("status", [200, 201, 301, 400, 401, 403, 404, 408, 409, 422, 428, 430, 499, 600])
def test_retryable_status_false(status):
    assert not retry.is_retryable_status(status)


@PROPERTY_SETTINGS
@given(status=st.integers(100, 999))
def test_retryable_status_only_429_and_5xx(status):
    assert retry.is_retryable_status(status) == (status == 429 or 500 <= status <= 599)


# retry.backoff_delay


@pytest.mark.parametrize(("attempt", "delay"), [(0, 60), (1, 60), (2, 120), (3, 240), (4, 480)])
def test_backoff_doubles(attempt, delay):
    assert retry.backoff_delay(attempt) == delay


def test_backoff_default_cap():
    assert retry.backoff_delay(50) == 6 * 3600


def test_backoff_custom_base_and_cap():
    assert [retry.backoff_delay(attempt, 10, 45) for attempt in range(1, 5)] == [10, 20, 40, 45]


@PROPERTY_SETTINGS
@given(attempt=st.integers(1, 200), base=st.integers(1, 600), cap=st.integers(1, 86_400))
def test_backoff_grows_to_cap(attempt, base, cap):
    delay = retry.backoff_delay(attempt, base, cap)
    following = retry.backoff_delay(attempt + 1, base, cap)

    assert delay <= cap
    assert following >= delay
    assert following == min(cap, 2 * delay) or delay == cap


# retry.parse_retry_after

NOW = datetime(2024, 5, 6, 12, 0, 0)


@pytest.mark.parametrize(("value", "seconds"), [("120", 120), (" 45 ", 45), ("0", 0), ("86400", 86400)])
def test_retry_after_seconds(value, seconds):
    assert retry.parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize("value", [None, "", "   "])
def test_retry_after_missing(value):
    assert retry.parse_retry_after(value, NOW) is None


@pytest.mark.parametrize("value", ["soon", "-5", "1.5", "12 seconds", "Mon, 99 Foo 2024"])
def test_retry_after_unreadable(value):
    assert retry.parse_retry_after(value, NOW) is None


def test_retry_after_http_date():
    assert retry.parse_retry_after("Mon, 06 May 2024 12:02:30 GMT", NOW) == 150


def test_retry_after_http_date_with_offset():
    assert retry.parse_retry_after("Mon, 06 May 2024 14:01:00 +0200", NOW) == 60


def test_retry_after_past_date():
    assert retry.parse_retry_after("Mon, 06 May 2024 11:00:00 GMT", NOW) == 0


@PROPERTY_SETTINGS
@given(seconds=st.integers(0, 10**7))
def test_retry_after_http_date_round_trip(seconds):
    moment = (NOW + timedelta(seconds=seconds)).replace(tzinfo=UTC)

    assert retry.parse_retry_after(format_datetime(moment, usegmt=True), NOW) == seconds


@PROPERTY_SETTINGS
@given(value=st.text(alphabet=st.characters(codec="ascii"), max_size=40))
def test_retry_after_ascii_never_raises(value):
    result = retry.parse_retry_after(value, NOW)

    assert result is None or (isinstance(result, int) and result >= 0)


@pytest.mark.parametrize(
    "value", ["\u00b2", "\u00b9\u00b2", "9" * 5000], ids=["superscript-two", "superscripts", "5000-digits"]
)
def test_retry_after_odd_digits_return_none(value):
    assert retry.parse_retry_after(value, NOW) is None


# retry.next_attempt_at


def test_next_attempt_uses_backoff():
    assert retry.next_attempt_at(NOW, 3) == NOW + timedelta(seconds=240)


def test_next_attempt_longer_retry_after_wins():
    assert retry.next_attempt_at(NOW, 1, retry_after=900) == NOW + timedelta(seconds=900)


def test_next_attempt_shorter_retry_after_ignored():
    assert retry.next_attempt_at(NOW, 3, retry_after=5) == NOW + timedelta(seconds=240)


def test_next_attempt_retry_after_capped():
    assert retry.next_attempt_at(NOW, 1, retry_after=10**9) == NOW + timedelta(hours=6)


def test_next_attempt_custom_cap():
    assert retry.next_attempt_at(NOW, 1, retry_after=7200, base_seconds=30, max_seconds=600) == NOW + timedelta(
        seconds=600
    )


@PROPERTY_SETTINGS
@given(attempt=st.integers(1, 40), retry_after=st.none() | st.integers(0, 10**8), base=st.integers(1, 3600))
def test_next_attempt_bounds(attempt, retry_after, base):
    cap = 6 * 3600
    delay = (retry.next_attempt_at(NOW, attempt, retry_after, base, cap) - NOW).total_seconds()

    assert delay >= retry.backoff_delay(attempt, base, cap)
    assert delay <= cap
    if retry_after is not None:
        assert delay >= min(retry_after, cap)


# signature


def reference_twilio_signature(token, url, params):
    """Compute the Twilio request signature step by step, apart from the module under test."""
    signed = url
    for name, value in sorted(params.items()):
        signed += name + value
    mac = hmac.HMAC(token.encode("utf-8"), signed.encode("utf-8"), digestmod="sha1")
    return base64.b64encode(mac.digest()).decode("ascii")


CALLBACK_URL = "https://erp.test/arrears/gateway/3/status?company=1"
CALLBACK_FORM = {
    "MessageSid": "SM0123456789abcdef",
    "MessageStatus": "delivered",
    "To": "+32470123456",
    "AccountSid": "AC42",
    "ErrorCode": "",
}


def test_twilio_signature_matches_reference():
    expected = reference_twilio_signature("auth-token", CALLBACK_URL, CALLBACK_FORM)

    assert signature.twilio_signature("auth-token", CALLBACK_URL, CALLBACK_FORM) == expected


def test_twilio_signature_is_base64_sha1():
    value = signature.twilio_signature("auth-token", CALLBACK_URL, CALLBACK_FORM)

    assert len(base64.b64decode(value, validate=True)) == hashlib.sha1().digest_size


def test_twilio_signature_ignores_param_order():
    reordered = dict(reversed(list(CALLBACK_FORM.items())))

    assert signature.twilio_signature("t", CALLBACK_URL, reordered) == signature.twilio_signature(
        "t", CALLBACK_URL, CALLBACK_FORM
    )


def test_twilio_signature_tampered_param_fails():
    expected = signature.twilio_signature("auth-token", CALLBACK_URL, CALLBACK_FORM)
    tampered = dict(CALLBACK_FORM, MessageStatus="failed")

    received = signature.twilio_signature("auth-token", CALLBACK_URL, tampered)

    assert not signature.signature_matches(expected, received)


def test_twilio_signature_added_param_fails():
    expected = signature.twilio_signature("auth-token", CALLBACK_URL, CALLBACK_FORM)
    received = signature.twilio_signature("auth-token", CALLBACK_URL, dict(CALLBACK_FORM, Extra="1"))

    assert not signature.signature_matches(expected, received)


def test_twilio_signature_other_url_fails():
    expected = signature.twilio_signature("auth-token", CALLBACK_URL, CALLBACK_FORM)
    received = signature.twilio_signature("auth-token", CALLBACK_URL.replace("/3/", "/4/"), CALLBACK_FORM)

    assert not signature.signature_matches(expected, received)


def test_twilio_signature_other_token_fails():
    expected = signature.twilio_signature("auth-token", CALLBACK_URL, CALLBACK_FORM)
    received = signature.twilio_signature("other-token", CALLBACK_URL, CALLBACK_FORM)

    assert not signature.signature_matches(expected, received)


@PROPERTY_SETTINGS
@given(
    token=st.text(min_size=1, max_size=40),
    params=st.dictionaries(st.text(max_size=12), st.text(max_size=30), max_size=8),
)
def test_twilio_signature_any_params(token, params):
    assert signature.twilio_signature(token, CALLBACK_URL, params) == reference_twilio_signature(
        token, CALLBACK_URL, params
    )


@PROPERTY_SETTINGS
@given(
    params=st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=30), min_size=1, max_size=8),
    data=st.data(),
)
def test_twilio_signature_any_tamper_fails(params, data):
    name = data.draw(st.sampled_from(sorted(params)))
    new_value = data.draw(st.text(max_size=30).filter(lambda value: value != params[name]))
    expected = signature.twilio_signature("token", CALLBACK_URL, params)

    received = signature.twilio_signature("token", CALLBACK_URL, dict(params, **{name: new_value}))

    assert not signature.signature_matches(expected, received)


WEBHOOK_BODY = b'{"id": "msg-17", "status": "delivered", "reference": "arrears.reminder,12"}'


def test_webhook_signature_matches_reference():
    expected = hmac.HMAC(b"hook-secret", WEBHOOK_BODY, digestmod="sha256").hexdigest()

    assert signature.webhook_signature("hook-secret", WEBHOOK_BODY) == expected


def test_webhook_signature_is_hex_sha256():
    value = signature.webhook_signature("hook-secret", WEBHOOK_BODY)

    assert len(bytes.fromhex(value)) == hashlib.sha256().digest_size


def test_webhook_signature_tampered_body_fails():
    expected = signature.webhook_signature("hook-secret", WEBHOOK_BODY)
    received = signature.webhook_signature("hook-secret", WEBHOOK_BODY.replace(b"delivered", b"failed"))

    assert not signature.signature_matches(expected, received)


def test_webhook_signature_other_secret_fails():
    expected = signature.webhook_signature("hook-secret", WEBHOOK_BODY)
    received = signature.webhook_signature("another-secret", WEBHOOK_BODY)

    assert not signature.signature_matches(expected, received)


def test_signature_matches_equal():
    value = signature.webhook_signature("hook-secret", WEBHOOK_BODY)

    assert signature.signature_matches(value, str(value))


@pytest.mark.parametrize(
    ("expected", "received"), [("", ""), (None, None), ("abc", ""), ("", "abc"), ("abc", None), (None, "abc")]
)
def test_signature_matches_false_on_empty(expected, received):
    assert not signature.signature_matches(expected, received)


def test_signature_matches_different():
    assert not signature.signature_matches("abc", "abd")


def test_signature_matches_prefix():
    assert not signature.signature_matches("abcdef", "abc")


# contact_window.CONTACT_DAYS: the working weeks a company can choose


def test_contact_weeks_valid_days():
    for name, days in contact_window.CONTACT_DAYS.items():
        assert len(set(days)) == len(days), name
        assert len(days) >= 5, name
        assert set(days) <= set(range(7)), name


def test_sunday_week_skips_weekend():
    friday_noon = datetime(2024, 1, 12, 12, 0)

    result = contact_window.next_contact_time(friday_noon, "UTC", 8, 18, contact_window.CONTACT_DAYS["sun_thu"])

    assert result == datetime(2024, 1, 14, 8, 0)
