import json
from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..logic import signature
from . import common


@tagged("post_install", "-at_install")
class TestGatewayCallback(common.ArrearsHttpCase):
    def _sent_sms(self, provider):
        gateway = self.env["arrears.gateway"].create(
            {
                "name": "Callback provider",
                "provider": provider,
                "base_url": "http://127.0.0.1:9",
                "account_sid": "AC123",
                "auth_token": "callback-token",
                "webhook_secret": "callback-secret",
            }
        )
        self.company.arrears_gateway_id = gateway
        self._post_invoice(self.customer, 1000.0, self.today - timedelta(days=10))
        reminder = self._run(self.today).filtered(lambda reminder: reminder.channel == "sms")
        reminder.write({"state": "sent", "provider_message_id": "SM42"})
        return gateway, reminder

    def _url(self, gateway):
        return f"{self.base_url()}/arrears/gateway/{gateway.id}/status"

    def test_twilio_failure_status_marks_failed(self):
        gateway, reminder = self._sent_sms("twilio")
        form = {"MessageSid": "SM42", "MessageStatus": "undelivered", "ErrorCode": "30003"}
        url = self._url(gateway)
        headers = {"X-Twilio-Signature": signature.twilio_signature("callback-token", url, form)}

        response = self.url_open(url, data=form, headers=headers)

        self.assertEqual(response.status_code, 200)
        reminder.invalidate_recordset()
        self.assertEqual(reminder.state, "failed")
        self.assertEqual(reminder.provider_status, "undelivered")
        self.assertIn("30003", reminder.error)

    def test_bad_signature_rejected(self):
        gateway, reminder = self._sent_sms("twilio")
        form = {"MessageSid": "SM42", "MessageStatus": "failed"}

        with mute_logger("odoo.addons.arrears_management.controllers.gateway_status"):
            response = self.url_open(self._url(gateway), data=form, headers={"X-Twilio-Signature": "forged"})

        self.assertEqual(response.status_code, 403)
        reminder.invalidate_recordset()
        self.assertEqual(reminder.state, "sent")

    def test_webhook_delivered_status(self):
        gateway, reminder = self._sent_sms("webhook")
        body = json.dumps({"id": "SM42", "status": "delivered"}).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Signature": signature.webhook_signature("callback-secret", body),
        }

        response = self.url_open(self._url(gateway), data=body, headers=headers)

        self.assertEqual(response.status_code, 200)
        reminder.invalidate_recordset()
        self.assertEqual(reminder.state, "sent")
        self.assertEqual(reminder.provider_status, "delivered")

    def test_unknown_gateway_not_found(self):
        response = self.url_open(f"{self.base_url()}/arrears/gateway/999999/status", data={"MessageSid": "x"})

        self.assertEqual(response.status_code, 404)
