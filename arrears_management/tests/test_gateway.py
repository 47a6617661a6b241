import base64
import logging
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from . import common

MONDAY_MORNING = datetime(2026, 3, 16, 10, 0, 0)


@tagged("post_install", "-at_install")
class TestGateway(common.ArrearsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"arrears_contact_hour_from": 8.0, "arrears_contact_hour_to": 20.0})
        cls.customer.tz = "Europe/Brussels"

    def _gateway(self, url, provider="twilio", **values):
        gateway = self.env["arrears.gateway"].create(
            dict(
                {
                    "name": "Test provider",
                    "provider": provider,
                    "base_url": url,
                    "account_sid": "AC123",
                    "auth_token": "secret-token-value",
                    "sender": "+3225550000",
                    "timeout": 2.0,
                    "max_attempts": 3,
                    "retry_delay": 60,
                },
                **values,
            )
        )
        self.company.arrears_gateway_id = gateway
        return gateway

    def _queued_sms(self):
        self._post_invoice(self.customer, 1000.0, self.today - timedelta(days=10))
        return self._run(self.today).filtered(lambda reminder: reminder.channel == "sms")

    def test_sms_sent_through_twilio(self):
        with common.GatewayStub([(201, {}, {"sid": "SM0001", "status": "queued"})]) as stub:
            self._gateway(stub.url)
            reminder = self._queued_sms()
            with freeze_time(MONDAY_MORNING):
                reminder._deliver()

        self.assertEqual(reminder.state, "sent")
        self.assertEqual(reminder.provider_message_id, "SM0001")
        self.assertEqual(reminder.attempts, 1)
        self.assertEqual(len(stub.requests), 1)
        request = stub.requests[0]
        self.assertEqual(request["path"], "/2010-04-01/Accounts/AC123/Messages.json")
        self.assertEqual(request["body"]["To"], "+32470123456")
        self.assertIn("Bakery Customer", reminder._render_text("sms_body") + self.customer.name)
        self.assertIn("1,000.00", request["body"]["Body"])
        expected_auth = "Basic " + base64.b64encode(b"AC123:secret-token-value").decode()
        self.assertEqual(request["headers"]["Authorization"], expected_auth)
        self.assertTrue(
            request["body"]["StatusCallback"].endswith(f"/arrears/gateway/{self.company.arrears_gateway_id.id}/status")
        )
        self.assertNotIn("0123456", reminder.recipient)

    def test_voice_call_through_webhook(self):
        self._post_invoice(self.customer, 1000.0, self.today - timedelta(days=25))
        with common.GatewayStub([(200, {}, {"id": "call-7"})]) as stub:
            self._gateway(stub.url + "/hook", provider="webhook")
            reminder = self._run(self.today).filtered(lambda reminder: reminder.channel == "voice")
            with freeze_time(MONDAY_MORNING):
                reminder._deliver()

        self.assertEqual(reminder.state, "sent")
        self.assertEqual(reminder.provider_message_id, "call-7")
        body = stub.requests[0]["body"]
        self.assertEqual(body["channel"], "voice")
        self.assertEqual(body["to"], "+32470123456")
        self.assertIn("automated message", body["text"])
        self.assertEqual(stub.requests[0]["headers"]["Authorization"], "Bearer secret-token-value")

    def test_server_error_schedules_retry(self):
        with common.GatewayStub([(503, {}, {"message": "busy"})]) as stub:
            self._gateway(stub.url)
            reminder = self._queued_sms()
            with freeze_time(MONDAY_MORNING):
                reminder._deliver()

        self.assertEqual(reminder.state, "queued")
        self.assertEqual(reminder.attempts, 1)
        self.assertEqual(reminder.next_attempt_at, MONDAY_MORNING + timedelta(seconds=60))
        self.assertIn("HTTP 503", reminder.error)
        self.assertEqual(len(stub.requests), 1, "urllib3 never re-sends a request that reached the provider")

    def test_rate_limit_honours_retry_after(self):
        with common.GatewayStub([(429, {"Retry-After": "600"}, {"message": "slow down"})]) as stub:
            self._gateway(stub.url)
            reminder = self._queued_sms()
            with freeze_time(MONDAY_MORNING):
                reminder._deliver()

        self.assertEqual(reminder.next_attempt_at, MONDAY_MORNING + timedelta(seconds=600))

    def test_retries_end_in_failure(self):
        with common.GatewayStub([(500, {}, {"message": "down"})]) as stub:
            self._gateway(stub.url)
            reminder = self._queued_sms()
            moment = MONDAY_MORNING
            for _attempt in range(3):
                with freeze_time(moment):
                    self.env["arrears.reminder"]._cron_deliver()
                moment = reminder.next_attempt_at or moment
                moment += timedelta(seconds=1)

        self.assertEqual(reminder.state, "failed")
        self.assertEqual(reminder.attempts, 3)
        self.assertIn("Gave up after 3 attempts", reminder.error)
        self.assertEqual(len(stub.requests), 3)

    def test_client_error_fails_without_retry(self):
        with common.GatewayStub([(400, {}, {"message": "The 'To' number is not valid"})]) as stub:
            self._gateway(stub.url)
            reminder = self._queued_sms()
            with freeze_time(MONDAY_MORNING):
                reminder._deliver()

        self.assertEqual(reminder.state, "failed")
        self.assertIn("not valid", reminder.error)
        self.assertEqual(len(stub.requests), 1)

    def test_timeout_schedules_retry(self):
        # Odoo's test mode raises any request timeout below 10 s to 10 s, so the provider responds later.
        with common.GatewayStub([(201, {}, {"sid": "late"})], delay=10.5) as stub:
            self._gateway(stub.url, timeout=0.3)
            reminder = self._queued_sms()
            with freeze_time(MONDAY_MORNING):
                reminder._deliver()

        self.assertEqual(reminder.state, "queued")
        self.assertIn("did not answer", reminder.error)
        self.assertTrue(reminder.next_attempt_at)

    def test_night_defers_to_local_morning(self):
        with common.GatewayStub([(201, {}, {"sid": "SM1"})]) as stub:
            self._gateway(stub.url)
            reminder = self._queued_sms()
            with freeze_time("2026-03-16 21:30:00"):
                reminder._deliver()

        self.assertEqual(reminder.state, "queued")
        self.assertEqual(reminder.next_attempt_at, datetime(2026, 3, 17, 7, 0, 0), "08:00 in Brussels is 07:00 UTC")
        self.assertFalse(stub.requests)

    def test_weekend_defers_to_monday(self):
        with common.GatewayStub([(201, {}, {"sid": "SM1"})]) as stub:
            self._gateway(stub.url)
            reminder = self._queued_sms()
            with freeze_time("2026-03-14 11:00:00"):
                reminder._deliver()

        self.assertEqual(reminder.next_attempt_at, datetime(2026, 3, 16, 7, 0, 0))
        self.assertFalse(stub.requests)

    def test_saturday_sends_in_six_day_week(self):
        self.company.arrears_contact_days = "mon_sat"
        with common.GatewayStub([(201, {}, {"sid": "SM1"})]) as stub:
            self._gateway(stub.url)
            reminder = self._queued_sms()
            with freeze_time("2026-03-14 11:00:00"):
                reminder._deliver()

        self.assertEqual(reminder.state, "sent")
        self.assertEqual(len(stub.requests), 1)

    def test_friday_waits_in_sunday_week(self):
        self.company.arrears_contact_days = "sun_thu"
        with common.GatewayStub([(201, {}, {"sid": "SM1"})]) as stub:
            self._gateway(stub.url)
            reminder = self._queued_sms()
            with freeze_time("2026-03-13 11:00:00"):
                reminder._deliver()

        self.assertEqual(reminder.state, "queued")
        self.assertEqual(reminder.next_attempt_at, datetime(2026, 3, 15, 7, 0, 0), "Sunday 08:00 in Brussels")
        self.assertFalse(stub.requests)

    def test_invalid_number_fails_without_request(self):
        self.customer.mobile = "12"
        with common.GatewayStub([(201, {}, {"sid": "SM1"})]) as stub:
            self._gateway(stub.url)
            reminder = self._queued_sms()
            with freeze_time(MONDAY_MORNING):
                reminder._deliver()

        self.assertEqual(reminder.state, "failed")
        self.assertIn("not a valid number", reminder.error)
        self.assertFalse(stub.requests)

    def test_missing_gateway_fails(self):
        reminder = self._queued_sms()
        with freeze_time(MONDAY_MORNING):
            reminder._deliver()

        self.assertEqual(reminder.state, "failed")
        self.assertIn("No SMS and voice gateway", reminder.error)

    def test_stuck_claim_never_resent(self):
        with common.GatewayStub([(201, {}, {"sid": "SM1"})]) as stub:
            self._gateway(stub.url)
            reminder = self._queued_sms()
            with freeze_time(MONDAY_MORNING):
                self.assertTrue(reminder._claim_attempt(auto_commit=False))
            with freeze_time(MONDAY_MORNING + timedelta(minutes=30)):
                self.env["arrears.reminder"]._cron_deliver()

        self.assertEqual(reminder.state, "failed")
        self.assertIn("may have gone out", reminder.error)
        self.assertFalse(stub.requests)

    def test_secret_never_logged(self):
        with common.GatewayStub([(500, {}, {"message": "down"})]) as stub:
            self._gateway(stub.url)
            reminder = self._queued_sms()
            with freeze_time(MONDAY_MORNING), self.assertLogs(level=logging.DEBUG) as logs:
                reminder._deliver()

        self.assertTrue(logs.output)
        self.assertFalse([line for line in logs.output if "secret-token-value" in line])
        self.assertNotIn("secret-token-value", reminder.error)

    def test_token_hidden_from_collectors(self):
        gateway = self._gateway("http://127.0.0.1:9")

        with self.assertRaises(AccessError):
            gateway.with_user(self.manager).read(["auth_token"])
        self.assertEqual(gateway.with_user(self.manager).read(["name"])[0]["name"], "Test provider")
