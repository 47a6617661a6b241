"""Signatures that authenticate delivery-status callbacks from SMS and voice providers."""

import base64
import hashlib
import hmac


def twilio_signature(auth_token, url, params):
    """Return the ``X-Twilio-Signature`` value of a form POST to ``url``.

    Twilio signs the full URL followed by each form parameter name and
    value, sorted by name, with HMAC-SHA1 keyed by the account's auth token.
    """
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def webhook_signature(secret, body):
    """Return the hex HMAC-SHA256 of a raw JSON callback ``body`` (bytes) keyed by ``secret``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(expected, received):
    """Compare two signatures in constant time; a missing one never matches."""
    if not expected or not received:
        return False
    return hmac.compare_digest(expected.encode(), received.encode())
