from datetime import timedelta

from odoo.tests import tagged

from . import common

# Waits until the action's view has rendered with at least one record, then reports success.
VIEW_LOADED = """
const started = Date.now();
const check = () => {
    const record = document.querySelector('.o_data_row, .o_kanban_record:not(.o_kanban_ghost), .o_pivot table, .o_graph_canvas_container, .o_form_view .o_field_widget');
    if (record) {
        console.log('test successful');
    } else if (Date.now() - started > 20000) {
        console.error('The view rendered no record within 20 seconds');
    } else {
        setTimeout(check, 200);
    }
};
check();
"""


@tagged("post_install", "-at_install")
class TestCollectorViews(common.ArrearsHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._post_invoice(cls.customer, 1000.0, cls.today - timedelta(days=30))
        cls.env["arrears.reminder"].with_company(cls.company)._escalate_company(cls.company, today=cls.today)

    def _open(self, path):
        self.browser_js(path, VIEW_LOADED, ready="odoo.isReady", login=self.env.user.login, timeout=60)

    def test_aged_receivables_list(self):
        self._open("/odoo/action-arrears_management.account_move_line_action_aged")

    def test_aged_receivables_pivot(self):
        self._open("/odoo/action-arrears_management.account_move_line_action_aged?view_type=pivot")

    def test_customers_by_level_kanban(self):
        self._open("/odoo/action-arrears_management.res_partner_action_arrears")

    def test_reminder_form(self):
        reminder = self.env["arrears.reminder"].search([("partner_id", "=", self.customer.id)], limit=1)
        self._open(f"/odoo/action-arrears_management.arrears_reminder_action/{reminder.id}")

    def test_customer_collections_tab(self):
        self._open(f"/odoo/action-account.res_partner_action_customer/{self.customer.id}")
