import json

from odoo.tests import tagged

from . import survey_common

# Runs inside a page of the test server and loads a survey link into an iframe
# of the same origin. The script acts in the survey page as a person would, and
# still sees the page that the answer leads to.
ANSWER_SCRIPT = """
const link = %(link)s;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const frame = document.createElement("iframe");
frame.style.width = "800px";
frame.style.height = "900px";
document.body.appendChild(frame);
const loaded = () => new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
(async () => {
    let next = loaded();
    frame.src = link;
    await next;
    const page = frame.contentDocument;
    if (!page.querySelector("input[name='score'][value='5']").checked) {
        throw new Error("The score of the link is not preselected");
    }
    page.querySelector("input[name='nps_score'][value='9']").click();
    const comment = page.querySelector("textarea[name='comment']");
    comment.value = "Quick and friendly.";
    comment.dispatchEvent(new Event("input", { bubbles: true }));
    await sleep(%(wait_ms)s);
    next = loaded();
    page.querySelector("button[type='submit']").click();
    await next;
    const text = frame.contentDocument.body.innerText;
    if (!text.includes("Thank you for your answer")) {
        throw new Error("The answer did not lead to the thank-you page: " + text);
    }
    console.log("test successful");
})().catch((error) => console.error(error.message));
"""

# A mail security scanner that runs scripts: it opens every link of the email
# at once and submits every form it finds as soon as the page is loaded.
SCANNER_SCRIPT = """
const links = %(links)s;
const frames = links.map(() => {
    const frame = document.createElement("iframe");
    document.body.appendChild(frame);
    return frame;
});
const loaded = (frame) => new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
(async () => {
    await Promise.all(frames.map((frame, index) => {
        const next = loaded(frame);
        frame.src = links[index];
        return next;
    }));
    const submitted = [];
    for (const frame of frames) {
        for (const form of frame.contentDocument.querySelectorAll("form")) {
            submitted.push(loaded(frame));
            form.requestSubmit();
        }
    }
    await Promise.all(submitted);
    console.log("test successful");
})().catch((error) => console.error(error.message));
"""


@tagged("post_install", "-at_install")
class TestSurveyBrowser(survey_common.SurveyPageCase):
    def test_answer_from_email_link_in_browser(self):
        self.set_min_dwell(1)
        survey, links = self._sent_survey()

        self.browser_js("/web/login", ANSWER_SCRIPT % {"link": json.dumps(links[5]), "wait_ms": 1500}, timeout=60)

        self.assertEqual(survey.state, "answered")
        self.assertEqual(survey.score, "5")
        self.assertEqual(survey.nps_score, "9")
        self.assertEqual(survey.comment, "Quick and friendly.")

    def test_scanner_in_browser_records_nothing(self):
        self.set_min_dwell(2)
        survey, links = self._sent_survey()

        self.browser_js("/web/login", SCANNER_SCRIPT % {"links": json.dumps(list(links.values()))}, timeout=60)

        self.assertEqual(survey.state, "sent")
        self.assertFalse(survey.score)
        self.assertFalse(survey.followup_state)
        self.assertFalse(self.customer_contact.survey_opt_out)
        self.assertFalse(survey.ticket_id.activity_ids)
