"""Phone number normalisation to E.164 with the ``phonenumbers`` library."""

import phonenumbers


class InvalidPhoneNumber(ValueError):
    """Raised when a number is missing or cannot be dialled; ``reason`` is a short code."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


def to_e164(raw_number, country_code=None):
    """Return ``raw_number`` in E.164 form, reading national numbers in ``country_code``.

    Raise InvalidPhoneNumber with reason ``missing``, ``unparsable`` or
    ``invalid``. The message masks the number so that it can be logged.
    """
    if not raw_number or not raw_number.strip():
        raise InvalidPhoneNumber("missing", "The customer has no phone number.")
    region = (country_code or "").upper() or None
    try:
        parsed = phonenumbers.parse(raw_number, region)
    except phonenumbers.NumberParseException as err:
        raise InvalidPhoneNumber(
            "unparsable",
            f"The phone number {mask(raw_number)} cannot be read ({err}); "
            "enter it with its country code, for example +32 470 12 34 56.",
        ) from err
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(
            "invalid",
            f"The phone number {mask(raw_number)} is not a valid number"
            f"{' in ' + region if region else ''}; correct it on the customer.",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask(number):
    """Return ``number`` with all but its last three digits replaced, for logs and messages."""
    digits = [char for char in (number or "") if char.isdigit()]
    if len(digits) <= 3:
        return "***"
    return "*" * (len(digits) - 3) + "".join(digits[-3:])
