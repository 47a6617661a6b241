"""Tests of arrears_management.logic.gateway against a scripted HTTP server on 127.0.0.1."""

import base64
import json
import socket
import threading
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from arrears_management.logic import gateway
from arrears_management.logic.gateway import FAILED, RETRY, SENT, TWILIO, WEBHOOK, GatewayClient, GatewayConfig

NOW = datetime(2024, 5, 6, 12, 0, 0)
ACCOUNT_SID = "AC0123456789"
AUTH_TOKEN = "tok-3f9a"
SENDER = "+3225551212"
CALLBACK_URL = "http://127.0.0.1:8069/arrears/gateway/5/status"

# Each client call in these tests either finishes at once or waits for one slow
# reply. The slow reply outlasts the client's timeout by a wide margin.
FAST_TIMEOUT = 0.3
SLOW_REPLY_DELAY = 1.2


@dataclass(frozen=True)
class Reply:
    """What the scripted server sends back for one request."""

    status: int = 201
    body: bytes = b""
    headers: tuple = ()
    delay: float = 0.0
    drop: bool = False


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict
    body: bytes


def json_reply(status, payload, headers=()):
    return Reply(status, json.dumps(payload).encode(), (("Content-Type", "application/json"),) + tuple(headers))


class ScriptedHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        self._answer()

    def do_GET(self):
        self._answer()

    def _answer(self):
        server = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with server.lock:
            server.received.append(
                ReceivedRequest(
                    self.command, self.path, {name.lower(): value for name, value in self.headers.items()}, body
                )
            )
            reply = server.replies.pop(0) if len(server.replies) > 1 else server.replies[0]
        try:
            time.sleep(reply.delay)
            if reply.drop:
                # Close the connection after reading the request, without a status line.
                self.close_connection = True
                return
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up on a slow reply.
            pass
        finally:
            with server.lock:
                server.completed += 1

    def log_message(self, *args):
        # Keep the test output free of one access log line per request.
        pass


class ScriptedServer(ThreadingHTTPServer):
    """HTTP server that sends the scripted ``replies`` in order (the last one repeats) and records each request."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ScriptedHandler)
        self.lock = threading.Lock()
        self.replies = [json_reply(201, {"sid": "SM1", "id": "msg-1"})]
        self.received = []
        self.completed = 0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_port}"

    def script(self, *replies):
        self.replies = list(replies)

    def wait_until_idle(self, timeout=5.0):
        """Wait until the server has replied to every received request, then return the requests."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.completed == len(self.received):
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"the scripted server did not finish {len(self.received)} requests within {timeout} s")


@pytest.fixture
def server():
    scripted = ScriptedServer()
    thread = threading.Thread(target=scripted.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield scripted
    scripted.shutdown()
    scripted.server_close()
    thread.join(timeout=5)


def make_client(base_url, provider=TWILIO, **overrides):
    settings = {
        "provider": provider,
        "base_url": base_url,
        "account_sid": ACCOUNT_SID if provider == TWILIO else "",
        "auth_token": AUTH_TOKEN,
        "sender": SENDER if provider == TWILIO else "",
        "timeout": 2.0,
        "status_callback_url": CALLBACK_URL,
    }
    settings.update(overrides)
    session = gateway.build_session()
    # Proxy variables from the environment must not send loopback requests elsewhere.
    session.trust_env = False
    return GatewayClient(GatewayConfig(**settings), session=session, now=lambda: NOW)


def only_request(server):
    """Return the single request the server received, failing when there were more or none."""
    received = server.wait_until_idle()
    assert len(received) == 1, f"expected exactly one request, the server received {len(received)}"
    return received[0]


def form_of(request):
    return {name: values[0] for name, values in parse_qs(request.body.decode(), keep_blank_values=True).items()}


def closed_port():
    """Return a loopback port that nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Configuration


def test_config_rejects_unknown_provider():
    with pytest.raises(ValueError, match="Unknown gateway provider 'smtp'"):
        GatewayClient(GatewayConfig(provider="smtp", base_url="http://127.0.0.1:9"))


def test_config_rejects_missing_base_url():
    with pytest.raises(ValueError, match="no base URL"):
        GatewayClient(GatewayConfig(provider=WEBHOOK, base_url=""))


def test_config_repr_hides_token():
    config = GatewayConfig(
        provider=TWILIO, base_url="http://127.0.0.1:9", account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN
    )

    assert AUTH_TOKEN not in repr(config)
    assert "twilio" in repr(config)


def test_session_retries_only_connects():
    policy = gateway.build_session().get_adapter("http://127.0.0.1/").max_retries

    assert policy.connect == 2
    # False and 0 both turn read retries off, but None would allow them without limit.
    assert policy.read == 0
    assert policy.status == 0
    assert policy.other == 0
    assert policy.redirect == 0


# Twilio: request form


def test_twilio_sms_sent(server):
    server.script(json_reply(201, {"sid": "SM9f8e7d", "status": "queued"}))

    outcome = make_client(server.url).send_sms(
        "+32470123456", "Invoice INV/2024/0042 is overdue.", "arrears.reminder,12"
    )

    assert outcome.status == SENT
    assert outcome.provider_message_id == "SM9f8e7d"
    assert outcome.error == ""


def test_twilio_sms_path(server):
    make_client(server.url).send_sms("+32470123456", "Hello", "ref")

    request = only_request(server)
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def test_twilio_base_url_trailing_slash(server):
    make_client(server.url + "/").send_sms("+32470123456", "Hello", "ref")

    assert only_request(server).path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def test_twilio_base_url_with_path(server):
    make_client(server.url + "/relay/").send_sms("+32470123456", "Hello", "ref")

    assert only_request(server).path == f"/relay/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def test_twilio_sms_form_fields(server):
    make_client(server.url).send_sms("+32470123456", "Invoice INV/2024/0042 is overdue.", "arrears.reminder,12")

    request = only_request(server)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == {
        "To": "+32470123456",
        "From": SENDER,
        "Body": "Invoice INV/2024/0042 is overdue.",
        "StatusCallback": CALLBACK_URL,
    }


def test_twilio_sms_without_callback(server):
    make_client(server.url, status_callback_url="").send_sms("+32470123456", "Hello", "ref")

    assert "StatusCallback" not in form_of(only_request(server))


def test_twilio_sms_non_ascii_body(server):
    text = "Facture en retard : 1 250,00 € — merci de régler & répondre <vite>"

    make_client(server.url).send_sms("+32470123456", text, "ref")

    assert form_of(only_request(server))["Body"] == text


def test_twilio_basic_auth(server):
    make_client(server.url).send_sms("+32470123456", "Hello", "ref")

    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert only_request(server).headers["authorization"] == expected


def test_twilio_call_path(server):
    server.script(json_reply(201, {"sid": "CA77"}))

    outcome = make_client(server.url).start_call("+32470123456", "Hello", "fr-BE", "ref")

    assert outcome.status == SENT
    assert outcome.provider_message_id == "CA77"
    assert only_request(server).path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"


def test_twilio_call_form_fields(server):
    make_client(server.url).start_call("+32470123456", "Hello", "fr-BE", "ref")

    form = form_of(only_request(server))
    assert form["To"] == "+32470123456"
    assert form["From"] == SENDER
    assert form["StatusCallback"] == CALLBACK_URL
    assert set(form) == {"To", "From", "Twiml", "StatusCallback"}


def test_twilio_call_twiml(server):
    spoken = "Invoice <INV/0042> of 1 250 € & fees is overdue."

    make_client(server.url).start_call("+32470123456", spoken, "fr-BE", "ref")

    twiml = ElementTree.fromstring(form_of(only_request(server))["Twiml"])
    say = twiml.find("Say")
    assert twiml.tag == "Response"
    assert say.get("language") == "fr-BE"
    assert say.text == spoken


def test_twilio_call_default_language(server):
    make_client(server.url).start_call("+32470123456", "Hello", "", "ref")

    twiml = ElementTree.fromstring(form_of(only_request(server))["Twiml"])
    assert twiml.find("Say").get("language") == "en-US"


def test_twilio_call_language_with_quote(server):
    language = 'en-US" voice="man'

    make_client(server.url).start_call("+32470123456", "Hello", language, "ref")

    twiml = ElementTree.fromstring(form_of(only_request(server))["Twiml"])
    assert twiml.find("Say").get("language") == language


# Webhook: request body


def test_webhook_sms_sent(server):
    server.script(json_reply(202, {"id": "hook-55"}))

    outcome = make_client(server.url + "/send", WEBHOOK).send_sms("+32470123456", "Hello", "arrears.reminder,12")

    assert outcome.status == SENT
    assert outcome.provider_message_id == "hook-55"


def test_webhook_sms_payload(server):
    make_client(server.url + "/send", WEBHOOK).send_sms("+32470123456", "Hello", "arrears.reminder,12")

    request = only_request(server)
    assert request.method == "POST"
    assert request.path == "/send"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {
        "channel": "sms",
        "to": "+32470123456",
        "text": "Hello",
        "reference": "arrears.reminder,12",
        "status_callback": CALLBACK_URL,
    }


def test_webhook_call_payload(server):
    make_client(server.url + "/send", WEBHOOK).start_call("+32470123456", "Bonjour", "fr-BE", "arrears.reminder,13")

    assert json.loads(only_request(server).body) == {
        "channel": "voice",
        "to": "+32470123456",
        "text": "Bonjour",
        "language": "fr-BE",
        "reference": "arrears.reminder,13",
        "status_callback": CALLBACK_URL,
    }


def test_webhook_without_callback(server):
    make_client(server.url, WEBHOOK, status_callback_url="").send_sms("+32470123456", "Hello", "ref")

    assert "status_callback" not in json.loads(only_request(server).body)


def test_webhook_non_ascii_text(server):
    text = "Zahlung überfällig: 1.250,00 € — 请付款"

    make_client(server.url, WEBHOOK).send_sms("+32470123456", text, "ref")

    assert json.loads(only_request(server).body)["text"] == text


def test_webhook_bearer_auth(server):
    make_client(server.url, WEBHOOK).send_sms("+32470123456", "Hello", "ref")

    assert only_request(server).headers["authorization"] == f"Bearer {AUTH_TOKEN}"


def test_webhook_no_token_no_auth(server):
    make_client(server.url, WEBHOOK, auth_token="").send_sms("+32470123456", "Hello", "ref")

    assert "authorization" not in only_request(server).headers


# Accepted replies without a message id


@pytest.mark.parametrize(
    "reply",
    [
        json_reply(201, {"status": "queued"}),
        json_reply(201, {"sid": ""}),
        json_reply(201, {"sid": None}),
        json_reply(201, ["SM1"]),
        Reply(201, b"queued"),
        Reply(204),
    ],
    ids=["no-sid", "empty-sid", "null-sid", "json-list", "plain-text", "no-content"],
)
def test_twilio_accepted_without_sid(server, reply):
    server.script(reply)

    outcome = make_client(server.url).send_sms("+32470123456", "Hello", "ref")

    assert outcome.status == FAILED
    assert "'sid'" in outcome.error
    assert len(server.wait_until_idle()) == 1


def test_webhook_accepted_numeric_id(server):
    server.script(json_reply(200, {"id": 4711}))

    outcome = make_client(server.url, WEBHOOK).send_sms("+32470123456", "Hello", "ref")

    assert outcome.provider_message_id == "4711"


# Rejected replies


def test_bad_request_fails(server):
    server.script(json_reply(400, {"code": 21211, "message": "The 'To' number +3247 is not a valid phone number."}))

    outcome = make_client(server.url).send_sms("+3247", "Hello", "ref")

    assert outcome.status == FAILED
    assert "HTTP 400" in outcome.error
    assert "is not a valid phone number" in outcome.error
    assert outcome.retry_after is None


def test_bad_request_sent_once(server):
    server.script(json_reply(400, {"message": "invalid"}))

    make_client(server.url).send_sms("+3247", "Hello", "ref")

    assert len(server.wait_until_idle()) == 1


def test_unauthorized_plain_text_detail(server):
    server.script(Reply(401, b"  Authentication failed  ", (("Content-Type", "text/plain"),)))

    outcome = make_client(server.url, WEBHOOK).send_sms("+32470123456", "Hello", "ref")

    assert outcome.status == FAILED
    assert outcome.error.endswith("HTTP 401: Authentication failed")


def test_error_detail_shortened(server):
    server.script(json_reply(400, {"error": "x" * 1000}))

    outcome = make_client(server.url, WEBHOOK).send_sms("+32470123456", "Hello", "ref")

    assert outcome.error.endswith(": " + "x" * 300)


def test_error_detail_without_known_key(server):
    server.script(json_reply(422, {"errors": ["to"]}))

    outcome = make_client(server.url, WEBHOOK).send_sms("+32470123456", "Hello", "ref")

    assert outcome.error.endswith(': {"errors": ["to"]}')


def test_rate_limit_retry_after_seconds(server):
    server.script(json_reply(429, {"message": "Too Many Requests"}, [("Retry-After", "30")]))

    outcome = make_client(server.url).send_sms("+32470123456", "Hello", "ref")

    assert outcome.status == RETRY
    assert outcome.retry_after == 30
    assert "HTTP 429" in outcome.error


def test_rate_limit_retry_after_date(server):
    server.script(json_reply(429, {"message": "slow down"}, [("Retry-After", "Mon, 06 May 2024 12:02:00 GMT")]))

    outcome = make_client(server.url, WEBHOOK).send_sms("+32470123456", "Hello", "ref")

    assert outcome.status == RETRY
    assert outcome.retry_after == 120


def test_rate_limit_without_retry_after(server):
    server.script(json_reply(429, {"message": "slow down"}))

    outcome = make_client(server.url).send_sms("+32470123456", "Hello", "ref")

    assert outcome.status == RETRY
    assert outcome.retry_after is None


def test_rate_limit_sent_once(server):
    server.script(json_reply(429, {"message": "slow down"}, [("Retry-After", "1")]))

    make_client(server.url).send_sms("+32470123456", "Hello", "ref")

    assert len(server.wait_until_idle()) == 1


def test_rate_limit_odd_retry_after(server):
    server.script(json_reply(429, {"message": "slow down"}, [("Retry-After", "\u00b2")]))

    outcome = make_client(server.url).send_sms("+32470123456", "Hello", "ref")

    assert outcome.status == RETRY
    assert outcome.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_error_retry(server, status):
    server.script(json_reply(status, {"message": "upstream unavailable"}))

    outcome = make_client(server.url).send_sms("+32470123456", "Hello", "ref")

    assert outcome.status == RETRY
    assert f"HTTP {status}" in outcome.error
    assert "upstream unavailable" in outcome.error


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_sent_once(server, status):
    server.script(json_reply(status, {"message": "upstream unavailable"}))

    make_client(server.url).send_sms("+32470123456", "Hello", "ref")

    assert len(server.wait_until_idle()) == 1


def test_unavailable_retry_after(server):
    server.script(Reply(503, b"maintenance", (("Retry-After", "600"),)))

    outcome = make_client(server.url, WEBHOOK).send_sms("+32470123456", "Hello", "ref")

    assert outcome.status == RETRY
    assert outcome.retry_after == 600


# Network failures


def test_slow_reply_retry(server):
    server.script(Reply(201, b'{"sid": "SM-late"}', (("Content-Type", "application/json"),), delay=SLOW_REPLY_DELAY))

    outcome = make_client(server.url, timeout=FAST_TIMEOUT).send_sms("+32470123456", "Hello", "ref")

    assert outcome.status == RETRY
    assert outcome.provider_message_id == ""


def test_slow_reply_sent_once(server):
    server.script(Reply(201, b'{"id": "late"}', (("Content-Type", "application/json"),), delay=SLOW_REPLY_DELAY))

    make_client(server.url, WEBHOOK, timeout=FAST_TIMEOUT).send_sms("+32470123456", "Hello", "ref")

    time.sleep(0.1)
    assert len(server.wait_until_idle()) == 1


def test_slow_reply_returns_at_timeout(server):
    server.script(Reply(201, b'{"sid": "SM-late"}', delay=SLOW_REPLY_DELAY))
    client = make_client(server.url, timeout=FAST_TIMEOUT)

    started = time.monotonic()
    client.send_sms("+32470123456", "Hello", "ref")

    assert time.monotonic() - started < SLOW_REPLY_DELAY


def test_slow_reply_error_names_timeout(server):
    server.script(Reply(201, b'{"sid": "SM-late"}', delay=SLOW_REPLY_DELAY))

    outcome = make_client(server.url, timeout=FAST_TIMEOUT).send_sms("+32470123456", "Hello", "ref")

    assert "did not answer within 0.3 seconds" in outcome.error


def test_reply_within_timeout_sent(server):
    server.script(Reply(201, b'{"sid": "SM-ok"}', delay=0.1))

    outcome = make_client(server.url, timeout=1.0).send_sms("+32470123456", "Hello", "ref")

    assert outcome.status == SENT


def test_dropped_connection_retry(server):
    server.script(Reply(drop=True))

    outcome = make_client(server.url).send_sms("+32470123456", "Hello", "ref")

    assert outcome.status == RETRY
    assert "could not be reached" in outcome.error


def test_dropped_connection_sent_once(server):
    server.script(Reply(drop=True))

    make_client(server.url, WEBHOOK).send_sms("+32470123456", "Hello", "ref")

    time.sleep(0.1)
    assert len(server.wait_until_idle()) == 1


def test_refused_connection_retry():
    outcome = make_client(f"http://127.0.0.1:{closed_port()}").send_sms("+32470123456", "Hello", "ref")

    assert outcome.status == RETRY
    assert outcome.error == "The provider could not be reached (ConnectionError)."


def test_refused_connection_webhook_retry():
    outcome = make_client(f"http://127.0.0.1:{closed_port()}/send", WEBHOOK).start_call(
        "+32470123456", "Hi", "en-US", "ref"
    )

    assert outcome.status == RETRY
    assert outcome.provider_message_id == ""


def test_refused_error_hides_token():
    outcome = make_client(f"http://127.0.0.1:{closed_port()}").send_sms("+32470123456", "Hello", "ref")

    assert AUTH_TOKEN not in outcome.error
