/** @odoo-module ignore **/
// Standalone script of the public satisfaction survey pages, loaded without
// Odoo's asset bundles. It copies the form's confirmation key into the form
// once a person uses the form, so that an answer submitted by a program that
// does not run scripts (such as a mail security scanner) does not count.
(function () {
    "use strict";

    function arm(form) {
        const key = form.dataset.confirmKey;
        const field = form.querySelector("input[name='confirmation']");
        if (!key || !field) {
            return;
        }
        const confirm = () => {
            field.value = key;
        };
        for (const eventName of ["pointerdown", "keydown", "change", "input", "submit"]) {
            form.addEventListener(eventName, confirm);
        }
    }

    function armAll() {
        document.querySelectorAll("form.o_cso_survey_form").forEach(arm);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", armAll);
    } else {
        armAll();
    }
})();
