import secrets

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..logic import gateway as gateway_logic


class ArrearsGateway(models.Model):
    _name = "arrears.gateway"
    _description = "SMS and Voice Gateway"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    provider = fields.Selection(
        [(gateway_logic.TWILIO, "Twilio-compatible REST API"), (gateway_logic.WEBHOOK, "Generic JSON Webhook")],
        required=True,
        default=gateway_logic.TWILIO,
    )
    base_url = fields.Char(
        string="Base URL",
        required=True,
        help="Twilio: the API root, for example https://api.twilio.com. "
        "Webhook: the URL that receives each message as a JSON POST.",
    )
    account_sid = fields.Char(string="Account SID", groups="base.group_system")
    auth_token = fields.Char(
        groups="base.group_system",
        copy=False,
        help="Twilio: the account's auth token, also used to check status callbacks. Webhook: sent as a bearer token.",
    )
    webhook_secret = fields.Char(
        string="Callback Secret",
        groups="base.group_system",
        copy=False,
        default=lambda self: secrets.token_hex(32),
        help="Webhook provider only: key of the HMAC-SHA256 signature of status callbacks.",
    )
    sender = fields.Char(string="Sender Number", help="Number or sender ID that messages and calls come from.")
    timeout = fields.Float(string="Timeout (seconds)", default=10.0)
    max_attempts = fields.Integer(
        default=5,
        help="Attempts after which a reminder that keeps failing with timeouts, HTTP 429 or 5xx is marked failed.",
    )
    retry_delay = fields.Integer(
        string="First Retry Delay (seconds)",
        default=60,
        help="Delay before the second attempt; each further attempt waits twice as long, up to six hours.",
    )
    voice_language = fields.Char(default="en-US", help="Language code the provider reads the spoken text in.")
    status_callback_url = fields.Char(
        compute="_compute_status_callback_url",
        help="Address to give the provider for delivery-status callbacks.",
    )

    @api.depends("provider")
    def _compute_status_callback_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for gateway in self:
            gateway.status_callback_url = f"{base_url}/arrears/gateway/{gateway.id}/status" if gateway.id else False

    @api.constrains("timeout", "max_attempts", "retry_delay")
    def _check_limits(self):
        for gateway in self:
            if gateway.timeout <= 0 or gateway.max_attempts < 1 or gateway.retry_delay < 1:
                raise ValidationError(
                    self.env._(
                        "Gateway %(name)s needs a timeout above 0, at least 1 attempt and a retry delay of at "
                        "least 1 second (got %(timeout)s s, %(attempts)s attempts, %(delay)s s).",
                        name=gateway.name,
                        timeout=gateway.timeout,
                        attempts=gateway.max_attempts,
                        delay=gateway.retry_delay,
                    )
                )

    def _client(self):
        """Return a ``GatewayClient`` for this gateway, with its credentials read as superuser."""
        self.ensure_one()
        gateway = self.sudo()
        config = gateway_logic.GatewayConfig(
            provider=gateway.provider,
            base_url=gateway.base_url,
            account_sid=gateway.account_sid or "",
            auth_token=gateway.auth_token or "",
            sender=gateway.sender or "",
            timeout=gateway.timeout,
            status_callback_url=gateway.status_callback_url or "",
        )
        return gateway_logic.GatewayClient(config)
