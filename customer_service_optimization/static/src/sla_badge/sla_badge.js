import { Component, onWillUnmount, useState } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { formatDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

const { DateTime } = luxon;

const BADGE_CLASSES = {
    running: "text-bg-info",
    at_risk: "text-bg-warning",
    paused: "text-bg-secondary",
    achieved: "text-bg-success",
    breached: "text-bg-danger",
};

/**
 * Formats a duration in milliseconds as its two largest units, such as
 * "2d 04h", "3h 05m" or "12m 30s".
 */
export function formatCountdown(milliseconds) {
    const totalSeconds = Math.floor(Math.abs(milliseconds) / 1000);
    const days = Math.floor(totalSeconds / 86400);
    const hours = Math.floor((totalSeconds % 86400) / 3600);
    const minutes = Math.floor((totalSeconds % 3600) / 60);
    const seconds = totalSeconds % 60;
    const pad = (value) => String(value).padStart(2, "0");
    if (days) {
        return `${days}d ${pad(hours)}h`;
    }
    if (hours) {
        return `${hours}h ${pad(minutes)}m`;
    }
    return `${minutes}m ${pad(seconds)}s`;
}

/**
 * Compact SLA badge of a ticket: its most urgent timer state, coloured, with
 * a countdown to the earliest deadline that ticks every second. The countdown
 * is wall-clock time to the deadline, which the server computed in business
 * hours of the timer's calendar.
 */
export class SlaBadgeField extends Component {
    static template = "customer_service_optimization.SlaBadgeField";
    static props = { ...standardFieldProps };

    setup() {
        this.clock = useState({ now: DateTime.now() });
        const interval = browser.setInterval(() => {
            this.clock.now = DateTime.now();
        }, 1000);
        onWillUnmount(() => browser.clearInterval(interval));
    }

    get slaState() {
        return this.props.record.data.sla_state;
    }

    get deadline() {
        return this.props.record.data[this.props.name];
    }

    get remaining() {
        return this.deadline ? this.deadline.diff(this.clock.now).toMillis() : null;
    }

    get overdue() {
        return this.remaining !== null && this.remaining < 0 && this.slaState !== "achieved";
    }

    get badgeClass() {
        return this.overdue ? BADGE_CLASSES.breached : BADGE_CLASSES[this.slaState] || "";
    }

    get label() {
        const remaining = this.remaining;
        switch (this.slaState) {
            case "achieved":
                return _t("SLA met");
            case "paused":
                return _t("Paused");
            case "breached":
                return remaining !== null
                    ? _t("Overdue %s", formatCountdown(remaining))
                    : _t("SLA breached");
        }
        if (remaining === null) {
            return "";
        }
        return this.overdue
            ? _t("Overdue %s", formatCountdown(remaining))
            : _t("%s left", formatCountdown(remaining));
    }

    get title() {
        return this.deadline ? _t("Deadline: %s", formatDateTime(this.deadline)) : "";
    }
}

export const slaBadgeField = {
    component: SlaBadgeField,
    displayName: _t("SLA Countdown"),
    supportedTypes: ["datetime"],
    fieldDependencies: [{ name: "sla_state", type: "selection" }],
};

registry.category("fields").add("cso_sla_badge", slaBadgeField);
