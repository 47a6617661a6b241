"""Survey link tokens and the signed stamp of the answer form.

A token is 32 random bytes (256 bits) in URL-safe base64. Only its SHA-256
digest is stored, so a copy of the database gives no working links. A link
is looked up by digest and the digests are compared again in constant time.

The answer form carries a stamp: the moment the page was rendered, signed with
the database secret and bound to the token. An answer counts only when the
stamp is genuine, old enough that a person had time to read the page, and not
older than a day. The form also carries a confirmation key that the page's
script copies into the form when the person uses it; mail scanners that
submit forms without running scripts, or at once, never send a valid one.
"""

import hashlib
import hmac
import re
import secrets

TOKEN_BYTES = 32
# token_urlsafe(32) gives 43 characters; longer tokens are accepted for later sizes.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43,128}")
STAMP_PATTERN = re.compile(r"(\d{1,12})\.([0-9a-f]{64})")

PACE_OK, PACE_TOO_FAST, PACE_STALE, PACE_INVALID = "ok", "too_fast", "stale", "invalid"


def new_token():
    """Return a new random token of 256 bits for a survey link."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_well_formed(token):
    """Return True when ``token`` has the shape of a token, so junk never reaches the database."""
    return isinstance(token, str) and TOKEN_PATTERN.fullmatch(token) is not None


def token_digest(token):
    """Return the hex SHA-256 digest of ``token``, the value stored on the survey."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def digests_match(expected, received):
    """Compare two digests in constant time."""
    return hmac.compare_digest((expected or "").encode(), (received or "").encode())


def _sign(secret, purpose, digest, issued):
    message = f"{purpose}:{digest}:{issued}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_stamp(secret, digest, issued):
    """Return the stamp of a form rendered at ``issued`` (Unix seconds) for the token with ``digest``."""
    return f"{int(issued)}.{_sign(secret, 'stamp', digest, int(issued))}"


def confirmation_key(secret, digest, issued):
    """Return the key that the page's script puts into the form when a person uses it."""
    return _sign(secret, "confirm", digest, int(issued))[:32]


def read_stamp(secret, digest, stamp):
    """Return the render time of a genuine ``stamp`` for ``digest``, or None for a forged or malformed one."""
    match = STAMP_PATTERN.fullmatch(stamp or "")
    if not match:
        return None
    issued = int(match.group(1))
    if not hmac.compare_digest(match.group(2), _sign(secret, "stamp", digest, issued)):
        return None
    return issued


def answer_pace(secret, digest, stamp, confirmation, now, min_dwell_seconds, max_age_seconds):
    """Classify a submitted answer form: one of ``ok``, ``too_fast``, ``stale`` or ``invalid``.

    ``invalid`` covers a forged stamp and a missing or wrong confirmation key.
    ``too_fast`` is a form sent less than ``min_dwell_seconds`` after it was
    rendered, and ``stale`` one older than ``max_age_seconds``.
    """
    issued = read_stamp(secret, digest, stamp)
    if issued is None:
        return PACE_INVALID
    if not hmac.compare_digest((confirmation or "").encode(), confirmation_key(secret, digest, issued).encode()):
        return PACE_INVALID
    age = now - issued
    if age < min_dwell_seconds:
        return PACE_TOO_FAST
    if age > max_age_seconds:
        return PACE_STALE
    return PACE_OK
