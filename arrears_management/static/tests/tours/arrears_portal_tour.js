/** @odoo-module **/

import { registry } from "@web/core/registry";

function inDays(days) {
    const day = new Date(Date.now() + days * 24 * 3600 * 1000);
    return day.toISOString().slice(0, 10);
}

registry.category("web_tour.tours").add("arrears_portal_tour", {
    url: "/my/arrears",
    steps: () => [
        {
            content: "The customer's open invoices are listed",
            trigger: ".o_arrears_invoices tbody tr",
        },
        {
            content: "Choose the promised date",
            trigger: "#promise_date",
            run() {
                this.anchor.value = inDays(14);
            },
        },
        {
            content: "Enter the promised amount",
            trigger: "#promise_amount",
            run: "edit 150",
        },
        {
            content: "Send the promise",
            trigger: ".o_arrears_promise_submit",
            run: "click",
        },
        {
            content: "The promise is received, not approved",
            trigger: ".o_arrears_message:contains('promise to pay')",
        },
        {
            content: "Ask for four installments",
            trigger: "#plan_count",
            run: "edit 4",
        },
        {
            content: "Send the plan request",
            trigger: ".o_arrears_plan_submit",
            run: "click",
        },
        {
            content: "The request is received",
            trigger: ".o_arrears_message:contains('payment plan')",
        },
        {
            content: "Open the dispute form of the first invoice",
            trigger: ".o_arrears_dispute_toggle:first",
            run: "click",
        },
        {
            content: "Give a reason",
            trigger: ".o_arrears_dispute_form.show textarea",
            run: "edit The goods never arrived",
        },
        {
            content: "Send the dispute",
            trigger: ".o_arrears_dispute_form.show .o_arrears_dispute_submit",
            run: "click",
        },
        {
            content: "The dispute is received",
            trigger: ".o_arrears_message:contains('dispute')",
        },
        {
            content: "Open the active payment plan",
            trigger: ".o_arrears_plans a",
            run: "click",
        },
        {
            content: "The schedule is shown",
            trigger: ".o_arrears_schedule tbody tr",
        },
    ],
});
