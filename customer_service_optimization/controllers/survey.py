import logging
import threading
import time

from odoo import http
from odoo.http import request
from odoo.tools import consteq, email_normalize

from ..logic import survey_token
from ..logic.survey_rate_limit import SlidingWindowLimiter
from ..models.cso_survey import MAX_COMMENT_LENGTH, SCORES

_logger = logging.getLogger(__name__)

PARAM_PREFIX = "customer_service_optimization."
DEFAULT_TOKEN_LIMIT = 30  # requests per token in TOKEN_WINDOW_SECONDS
DEFAULT_ADDRESS_LIMIT = 120  # requests per remote address in ADDRESS_WINDOW_SECONDS
DEFAULT_MIN_DWELL_SECONDS = 2
TOKEN_WINDOW_SECONDS = 600
ADDRESS_WINDOW_SECONDS = 60
# A form older than this is stale: the customer is asked to send it again.
MAX_FORM_AGE_SECONDS = 24 * 3600

# NOTE: the windows live in the memory of one server process. The threaded
# server shares them between its threads, but with N prefork workers a client
# can make up to N times the limit, and a restart clears them.
_token_limiter = SlidingWindowLimiter(DEFAULT_TOKEN_LIMIT, TOKEN_WINDOW_SECONDS)
_address_limiter = SlidingWindowLimiter(DEFAULT_ADDRESS_LIMIT, ADDRESS_WINDOW_SECONDS)


class _RejectionLog:
    """Log rejected requests with their count at most once a minute per process, so a flood adds few log lines."""

    def __init__(self, interval=60):
        self.interval = interval
        self.count = 0
        self.last = 0.0
        self.lock = threading.Lock()

    def add(self, kind):
        with self.lock:
            self.count += 1
            now = time.monotonic()
            if now - self.last < self.interval:
                return
            count, self.count, self.last = self.count, 0, now
        _logger.warning("Satisfaction survey pages: %s requests rejected by the rate limit (last: %s)", count, kind)


_rejections = _RejectionLog()


class SurveyController(http.Controller):
    """Public pages of the satisfaction survey: the answer form, the thank-you page and the opt-out.

    Opening a link records nothing, so a mail scanner that follows every
    link of the email changes nothing. Forms are sent by POST with Odoo's
    CSRF token, checked here instead of by the router so that a failure shows
    the form again instead of an error page.
    """

    @http.route("/cso/survey/<string:token>", type="http", auth="public", methods=["GET"], readonly=True, sitemap=False)
    def survey_page(self, token, score=None, **kwargs):
        _survey, page, refusal = self._open(token)
        if refusal:
            return refusal
        chosen = score if score in dict(SCORES) else None
        return self._render_form(page, token, {"score": chosen})

    @http.route(
        "/cso/survey/<string:token>/answer", type="http", auth="public", methods=["POST"], csrf=False, sitemap=False
    )
    def survey_answer(self, token, **post):
        survey, page, refusal = self._open(token)
        if refusal:
            return refusal
        form, error = self._read_answer(page, post)
        if error is None:
            error = self._check_human(survey, page, post)
        if error is None and page["verify_email"]:
            typed = email_normalize(post.get("email") or "") or ""
            if not consteq(typed, page["email_normalized"] or "\0"):
                error = request.env._(
                    "This email address is not the one we sent the survey to: type the address that received it."
                )
        if error is not None:
            return self._render_form(page, token, form, message=error)

        recorded = survey._record_answer(
            int(form["score"]),
            nps_score=int(form["nps_score"]) if form["nps_score"] else None,
            reason=form["reason"],
            comment=form["comment"],
        )
        if not recorded:
            return self._unavailable()
        _logger.info("Satisfaction survey %s answered with score %s", survey.id, survey.score)
        high = int(survey.score) >= 4
        return self._render(
            "customer_service_optimization.cso_survey_done",
            page,
            {"low_score": survey.is_low_score, "review_url": high and page["review_url"]},
        )

    @http.route(
        "/cso/survey/<string:token>/optout",
        type="http",
        auth="public",
        methods=["GET"],
        readonly=True,
        sitemap=False,
    )
    def survey_optout_page(self, token, **kwargs):
        _survey, page, refusal = self._open(token, answered_ok=True)
        if refusal:
            return refusal
        return self._render_optout(page, token)

    @http.route(
        "/cso/survey/<string:token>/optout", type="http", auth="public", methods=["POST"], csrf=False, sitemap=False
    )
    def survey_optout(self, token, **post):
        survey, page, refusal = self._open(token, answered_ok=True)
        if refusal:
            return refusal
        error = self._check_human(survey, page, post)
        if error is not None:
            return self._render_optout(page, token, message=error)
        survey.partner_id._survey_opt_out()
        _logger.info("Satisfaction surveys: contact %s opted out from survey %s", survey.partner_id.id, survey.id)
        return self._render("customer_service_optimization.cso_survey_optout_done", page, {})

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------

    def _open(self, token, answered_ok=False):
        """Return ``(survey, page values, None)`` for a usable link, else ``(empty, None, response to show)``.

        Unknown, malformed, expired and used tokens, and a link opened by a
        signed-in user other than its contact, all get the same page.
        """
        Survey = request.env["cso.survey"]
        if not self._within_limits(token):
            return Survey, None, self._unavailable(too_many=True)
        survey, page = Survey.sudo()._lookup_token(token, allow_answered=answered_ok)
        user = request.env.user
        if survey and not user._is_public() and user.partner_id != survey.partner_id:
            _logger.info("Satisfaction survey %s opened by user %s, who is not its contact", survey.id, user.id)
            survey = Survey
        if not survey:
            return Survey, None, self._unavailable()
        return survey, page, None

    def _within_limits(self, token):
        params = request.env["ir.config_parameter"].sudo()
        token_limit = int(params.get_param(PARAM_PREFIX + "survey_rate_limit_token", DEFAULT_TOKEN_LIMIT))
        address_limit = int(params.get_param(PARAM_PREFIX + "survey_rate_limit_address", DEFAULT_ADDRESS_LIMIT))
        now = time.monotonic()
        address = request.httprequest.remote_addr or "unknown"
        if not _address_limiter.hit(address, now, limit=address_limit):
            _rejections.add("address")
            return False
        if not _token_limiter.hit(token[:128], now, limit=token_limit):
            _rejections.add("token")
            return False
        return True

    def _read_answer(self, page, post):
        """Return ``(form values, error message or None)`` from the posted answer form."""
        form = {
            "score": post.get("score") if post.get("score") in dict(SCORES) else None,
            "nps_score": post.get("nps_score") if post.get("nps_score") in {str(v) for v in range(11)} else None,
            "reason": request.env["cso.survey.reason"],
            "comment": (post.get("comment") or "")[:MAX_COMMENT_LENGTH],
        }
        reason_id = post.get("reason_id") or ""
        if reason_id.isdigit() and int(reason_id) in dict(self._reasons(page)):
            form["reason"] = form["reason"].sudo().browse(int(reason_id))
        if not form["score"]:
            return form, request.env._("Choose a score from 1 to 5, then send your answer.")
        return form, None

    def _check_human(self, survey, page, post):
        """Return None when a person sent the form in this browser session, else the message to show with the form."""
        if not request.validate_csrf(post.get("csrf_token")):
            _logger.info("Satisfaction survey %s: form sent without a valid CSRF token", survey.id)
            return request.env._("This page has expired. Please check it and send it again.")
        params = request.env["ir.config_parameter"].sudo()
        min_dwell = int(params.get_param(PARAM_PREFIX + "survey_min_dwell_seconds", DEFAULT_MIN_DWELL_SECONDS))
        pace = survey_token.answer_pace(
            params.get_param("database.secret"),
            page["token_digest"],
            post.get("stamp"),
            post.get("confirmation"),
            time.time(),
            min_dwell,
            MAX_FORM_AGE_SECONDS,
        )
        if pace == survey_token.PACE_OK:
            return None
        _logger.info("Satisfaction survey %s: form not counted (%s)", survey.id, pace)
        if pace == survey_token.PACE_TOO_FAST:
            return request.env._("Please check your choice, then press the button again to confirm it.")
        if pace == survey_token.PACE_STALE:
            return request.env._("This page was open for a long time. Please check it and send it again.")
        return request.env._("Please use the button on this page to confirm; your browser needs JavaScript for it.")

    # ------------------------------------------------------------------
    # Rendering
    # ------------------------------------------------------------------

    def _page_lang(self, page):
        """Return the contact's language when it is installed, else the request's."""
        lang = page["lang"]
        if lang and lang in dict(request.env["res.lang"].get_installed()):
            return lang
        return request.env.lang

    def _score_labels(self, lang):
        env = request.env(context=dict(request.env.context, lang=lang))
        return env["cso.survey"]._fields["score"]._description_selection(env)

    def _reasons(self, page):
        return request.env["cso.survey.reason"]._survey_choices(page["company_id"], self._page_lang(page))

    def _stamp_values(self, page):
        secret = request.env["ir.config_parameter"].sudo().get_param("database.secret")
        issued = int(time.time())
        return {
            "stamp": survey_token.sign_stamp(secret, page["token_digest"], issued),
            "confirm_key": survey_token.confirmation_key(secret, page["token_digest"], issued),
            "csrf_token": request.csrf_token(),
        }

    def _render_form(self, page, token, form, message=None):
        lang = self._page_lang(page)
        values = {
            **self._stamp_values(page),
            "action_url": f"/cso/survey/{token}/answer",
            "message": message,
            "scores": self._score_labels(lang),
            "score": form.get("score"),
            "nps_score": form.get("nps_score"),
            "reasons": self._reasons(page),
            "reason_id": form["reason"].id if form.get("reason") else None,
            "comment": form.get("comment"),
            "verify_email": page["verify_email"],
            "max_comment_length": MAX_COMMENT_LENGTH,
            "ticket_number": page["ticket_number"],
            "ticket_name": page["ticket_name"],
        }
        return self._render("customer_service_optimization.cso_survey_page", page, values)

    def _render_optout(self, page, token, message=None):
        values = {
            **self._stamp_values(page),
            "action_url": f"/cso/survey/{token}/optout",
            "message": message,
            "contact_name": page["contact_name"],
        }
        return self._render("customer_service_optimization.cso_survey_optout_page", page, values)

    def _render(self, template, page, values, status=200):
        """Render a survey page in the language of the survey's contact."""
        lang = self._page_lang(page)
        if lang != request.env.lang:
            request.update_context(lang=lang)
        values = {**values, "lang": lang, "company_name": page["company_name"]}
        return self._page_response(template, values, status)

    def _unavailable(self, too_many=False):
        """Return the page for a link that cannot be used, identical for every reason except a rate limit."""
        return self._page_response(
            "customer_service_optimization.cso_survey_unavailable",
            {"too_many": too_many, "lang": request.env.lang, "company_name": None},
            429 if too_many else 404,
        )

    def _page_response(self, template, values, status):
        """Render a survey template into a response.

        The survey pages get every value they show from the controller, so
        QWeb skips its default values (user, company, request helpers). Reading
        the public user's company for them costs a query on every request.
        """
        html = request.env["ir.qweb"].with_context(minimal_qcontext=True)._render(template, values)
        return request.make_response(
            html, headers=[("Content-Type", "text/html; charset=utf-8"), *_PAGE_HEADERS.items()], status=status
        )


# The token is in the address: no caching, and no Referer header towards the review site.
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}
