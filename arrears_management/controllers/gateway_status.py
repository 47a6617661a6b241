import json
import logging

from odoo import http
from odoo.http import request

from ..logic import signature

_logger = logging.getLogger(__name__)


class GatewayStatusController(http.Controller):
    """Delivery-status callbacks of SMS and voice providers."""

    @http.route(
        "/arrears/gateway/<int:gateway_id>/status",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def gateway_status(self, gateway_id, **params):
        gateway = request.env["arrears.gateway"].sudo().browse(gateway_id).exists()
        if not gateway or not gateway.active:
            return request.make_response("Unknown gateway.", status=404)

        if gateway.provider == "twilio":
            received = request.httprequest.headers.get("X-Twilio-Signature", "")
            form = request.httprequest.form.to_dict()
            expected = signature.twilio_signature(gateway.auth_token or "", request.httprequest.url, form)
            message_id = form.get("MessageSid") or form.get("CallSid")
            status = form.get("MessageStatus") or form.get("CallStatus")
            error = form.get("ErrorMessage") or form.get("ErrorCode") or ""
        else:
            body = request.httprequest.get_data()
            received = request.httprequest.headers.get("X-Signature", "")
            expected = signature.webhook_signature(gateway.webhook_secret or "", body)
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                return request.make_response("The body is not valid JSON.", status=400)
            if not isinstance(payload, dict):
                return request.make_response("The body must be a JSON object.", status=400)
            message_id, status, error = payload.get("id"), payload.get("status"), payload.get("error") or ""

        if not signature.signature_matches(expected, received):
            _logger.warning("Gateway %s: status callback rejected, invalid signature", gateway.id)
            return request.make_response("Invalid signature.", status=403)
        if not message_id or not status:
            return request.make_response("The message id or status is missing.", status=400)

        reminder = (
            request.env["arrears.reminder"]
            .sudo()
            .search(
                [("provider_message_id", "=", str(message_id)), ("company_id", "=", gateway.company_id.id)], limit=1
            )
        )
        if not reminder:
            return request.make_response("Unknown message.", status=404)
        reminder._apply_provider_status(str(status), str(error))
        _logger.info("Gateway %s: reminder %s is now %s", gateway.id, reminder.id, status)
        return request.make_response("OK", status=200)
