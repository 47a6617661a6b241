"""HTTP clients for SMS and voice-call providers.

Two kinds of provider are supported: a Twilio-compatible REST API and a
generic JSON webhook. A send returns a SendOutcome instead of raising, so
the caller can store the result on the reminder. Connection failures
before a request reaches the provider are retried at once by urllib3's
``Retry``; every other retry is scheduled by the caller through
``retry.next_attempt_at``.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import retry as retry_rules

_logger = logging.getLogger(__name__)

TWILIO = "twilio"
WEBHOOK = "webhook"

SENT = "sent"
RETRY = "retry"
FAILED = "failed"


@dataclass(frozen=True)
class GatewayConfig:
    """Connection settings of one provider account."""

    provider: str
    base_url: str
    account_sid: str = ""
    auth_token: str = ""
    sender: str = ""
    timeout: float = 10.0
    status_callback_url: str = ""

    def __repr__(self):
        # The auth token never appears in a repr, a log line or a traceback.
        return f"GatewayConfig(provider={self.provider!r}, base_url={self.base_url!r})"


@dataclass(frozen=True)
class SendOutcome:
    """Result of one delivery attempt."""

    status: str
    provider_message_id: str = ""
    error: str = ""
    retry_after: int | None = None


def build_session(connect_retries=2):
    """Return a requests session that reconnects at once when a connection cannot be opened.

    Only connection errors are retried here: a request that reached the
    provider is never sent again inside one attempt, so a message cannot
    go out twice because of a slow response.
    """
    session = requests.Session()
    policy = Retry(
        total=connect_retries,
        connect=connect_retries,
        read=False,  # re-raise read timeouts as requests.ReadTimeout instead of retrying them
        status=0,
        other=0,
        redirect=0,
        backoff_factor=0,
        raise_on_status=False,
        allowed_methods=None,
    )
    adapter = HTTPAdapter(max_retries=policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class GatewayClient:
    """Send SMS and start calls through one configured provider."""

    def __init__(self, config, session=None, now=None):
        if config.provider not in (TWILIO, WEBHOOK):
            raise ValueError(f"Unknown gateway provider {config.provider!r}: use 'twilio' or 'webhook'.")
        if not config.base_url:
            raise ValueError("The gateway has no base URL.")
        self.config = config
        self.session = session or build_session()
        self._now = now or datetime.utcnow

    def send_sms(self, to, body, reference):
        """Send ``body`` to the E.164 number ``to``; ``reference`` identifies the reminder."""
        if self.config.provider == TWILIO:
            data = {"To": to, "From": self.config.sender, "Body": body}
            return self._post_twilio("Messages.json", data)
        return self._post_webhook({"channel": "sms", "to": to, "text": body, "reference": reference})

    def start_call(self, to, spoken_text, language, reference):
        """Start an automated call to ``to`` that reads ``spoken_text`` in ``language``."""
        if self.config.provider == TWILIO:
            twiml = f"<Response><Say language={quoteattr(language or 'en-US')}>{escape(spoken_text)}</Say></Response>"
            data = {"To": to, "From": self.config.sender, "Twiml": twiml}
            return self._post_twilio("Calls.json", data)
        payload = {
            "channel": "voice",
            "to": to,
            "text": spoken_text,
            "language": language,
            "reference": reference,
        }
        return self._post_webhook(payload)

    def _post_twilio(self, resource, data):
        if self.config.status_callback_url:
            data = dict(data, StatusCallback=self.config.status_callback_url)
        url = f"{self.config.base_url.rstrip('/')}/2010-04-01/Accounts/{self.config.account_sid}/{resource}"
        return self._post(url, data=data, auth=(self.config.account_sid, self.config.auth_token), id_key="sid")

    def _post_webhook(self, payload):
        if self.config.status_callback_url:
            payload = dict(payload, status_callback=self.config.status_callback_url)
        headers = {"Content-Type": "application/json"}
        if self.config.auth_token:
            headers["Authorization"] = f"Bearer {self.config.auth_token}"
        return self._post(self.config.base_url, data=json.dumps(payload), headers=headers, id_key="id")

    def _post(self, url, id_key, **kwargs):
        try:
            response = self.session.post(url, timeout=self.config.timeout, **kwargs)
        except requests.Timeout:
            return SendOutcome(RETRY, error=f"The provider did not answer within {self.config.timeout:g} seconds.")
        except requests.ConnectionError as err:
            return SendOutcome(RETRY, error=f"The provider could not be reached ({type(err).__name__}).")

        if 200 <= response.status_code < 300:
            try:
                message_id = str(response.json().get(id_key) or "")
            except (ValueError, AttributeError):
                message_id = ""
            if not message_id:
                return SendOutcome(FAILED, error=f"The provider accepted the request but returned no {id_key!r}.")
            return SendOutcome(SENT, provider_message_id=message_id)

        detail = _error_detail(response)
        error = f"The provider rejected the request with HTTP {response.status_code}: {detail}"
        if retry_rules.is_retryable_status(response.status_code):
            retry_after = retry_rules.parse_retry_after(response.headers.get("Retry-After"), self._now())
            return SendOutcome(RETRY, error=error, retry_after=retry_after)
        return SendOutcome(FAILED, error=error)


def _error_detail(response, limit=300):
    """Return the provider's own error text, shortened, for a collector to read."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or response.reason or "").strip()[:limit]
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            if body.get(key):
                return str(body[key])[:limit]
    return json.dumps(body)[:limit]
