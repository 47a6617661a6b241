import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("cso_sla_badge_tour", {
    steps: () => [
        {
            content: "The ticket list shows a running SLA badge with a countdown",
            trigger: ".o_list_view .o_field_cso_sla_badge .o_cso_sla_badge[data-sla-state='running']:contains(left)",
        },
        {
            content: "Open the ticket",
            trigger: ".o_list_view .o_data_row .o_data_cell[name='name']:contains(Badge tour ticket)",
            run: "click",
        },
        {
            content: "The form shows the badge next to the ticket number",
            trigger: ".o_form_view .oe_title .o_cso_sla_badge[data-sla-state='running']",
        },
    ],
});
