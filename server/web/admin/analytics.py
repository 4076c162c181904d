"""The analytics dashboard for admins, with a date range and CSV export of each report at
``/admin/analytics/<name>.csv`` (the first reports also at ``/admin/analytics/export/``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from ...edge import runtime
from ...errors import ValidationFailed
from ...services.analytics import (
    CSV_REPORTS,
    SERVICE_LEVEL_CSV,
    DateRange,
    csv_rows,
    csv_text,
    service_level_csv_rows,
)
from .. import charts
from ..filters import duration
from . import guard

bp = Blueprint("analytics", __name__, url_prefix="/analytics")
PRESETS = (7, 30, 90)
METRICS = (
    ("first_response", "First response"),
    ("next_response", "Next response"),
    ("resolution", "Resolution"),
)
NO_TEAM, UNASSIGNED, NO_TAG = "(no team)", "(unassigned)", "(no tag)"


def _span() -> tuple[DateRange, str | None]:
    days = request.args.get("days", "")
    try:
        if days.isdigit():
            return DateRange.parse(None, None, min(int(days), 366)), None
        return DateRange.parse(request.args.get("from"), request.args.get("to")), None
    except ValidationFailed as exc:
        return DateRange.parse(None, None), exc.message


def _charts(report: dict[str, Any]) -> dict[str, Any]:
    searches = report["searches"]["by_day"]
    days = [d["day"] for d in searches]
    tickets = report["tickets"]
    return {
        "searches": charts.line_chart(
            days,
            [
                {"name": "Searches", "values": [d["total"] for d in searches], "css": "s-all"},
                {"name": "No results", "values": [d["zero"] for d in searches], "css": "s-zero"},
            ],
        ),
        "tickets": charts.line_chart(
            days,
            [
                {
                    "name": "Tickets",
                    "values": [d["total"] for d in tickets["by_day"]],
                    "css": "s-all",
                }
            ],
            width=520,
            height=200,
        ),
        "by_context": charts.bars(
            [(r["context"] or "(none)", r["tickets"]) for r in tickets["by_context"][:10]]
        ),
        "by_version": charts.bars(
            [
                (r["app_version"] or "(unknown)", r["tickets"])
                for r in tickets["by_app_version"][:10]
            ]
        ),
        "csat": charts.bars(
            [(f"{s} ★", report["csat"]["distribution"][str(s)]) for s in range(5, 0, -1)],
            width=240,
        ),
    }


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


def _minutes(value: float) -> str:
    return duration(value * 60)


def _spread(groups: Sequence[dict[str, Any]], key: str, missing: str) -> dict[str, Any]:
    return charts.spread_bars(
        [
            (
                g[key] if g[key] is not None else missing,
                g["median"],
                g["p90"],
                f"{_minutes(g['median'])} · p90 {_minutes(g['p90'])}",
            )
            for g in groups
            if g["tickets"]
        ]
    )


def _with_room(chart: dict[str, Any]) -> dict[str, Any]:
    """A line chart whose last day's label, centred on the right edge, is not cut off."""
    return {**chart, "width": chart["width"] + 18}


def _field_value(value: Any) -> str:
    """A custom field's value as a chart label."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _counts(items: Sequence[tuple[str, int]]) -> dict[str, Any]:
    return charts.labelled_bars([(label, n, f"{n:,}") for label, n in items], text_width=50)


def _service_level_charts(levels: dict[str, Any]) -> dict[str, Any]:
    sla = levels["sla_attainment"]["overall"]
    fcr = levels["first_contact_resolution"]
    tickets = levels["tickets"]
    backlog = levels["backlog"]
    first, resolution = levels["first_response_minutes"], levels["resolution_minutes"]
    names = {"0": "No reply", "1": "1 reply", "2": "2 replies", "3+": "3 or more"}
    return {
        "attainment": charts.share_bars(
            [(label, sla[m]["met"], sla[m]["missed"]) for m, label in METRICS]
            if sla["all"]["fell_due"]
            else [],
            width=620,  # a wide card: about as many units as pixels, so text keeps its size
            text_width=150,
        ),
        "fcr": _counts(
            [(names[g["replies"]], g["tickets"]) for g in fcr["by_replies"]]
            if fcr["solved"]
            else []
        ),
        "backlog": _with_room(
            charts.line_chart(
                [d["day"] for d in backlog],
                [{"name": "Open tickets", "values": [d["open"] for d in backlog], "css": "s-all"}],
                width=520,
                height=200,
            )
        ),
        "backlog_empty": not any(d["open"] for d in backlog),
        "first_response_team": _spread(first["by_team"], "team", NO_TEAM),
        "first_response_agent": _spread(first["by_agent"], "agent", UNASSIGNED),
        "resolution_team": _spread(resolution["by_team"], "team", NO_TEAM),
        "resolution_agent": _spread(resolution["by_agent"], "agent", UNASSIGNED),
        "by_tag": _counts([(t["tag"] or NO_TAG, t["tickets"]) for t in tickets["by_tag"][:10]]),
        "by_team": _counts([(t["team"] or NO_TEAM, t["tickets"]) for t in tickets["by_team"][:10]]),
        "by_priority": _counts(
            [(p["priority"].capitalize(), p["tickets"]) for p in tickets["by_priority"]]
            if tickets["total"]
            else []
        ),
        "by_field": _counts(
            [
                (f"{t['label']}: {_field_value(t['value'])}", t["tickets"])
                for t in tickets["by_field"][:20]
            ]
        ),
        "csat_agent": charts.labelled_bars(
            [
                (
                    a["agent"] or UNASSIGNED,
                    a["average"],
                    f"{a['average']:.1f} / 5 · {a['ratings']} rating{_plural(a['ratings'])}",
                )
                for a in levels["csat_by_agent"]
            ],
            peak=5,
            text_width=120,
        ),
    }


@bp.get("/")
@guard.requires("analytics")
def dashboard() -> str:
    span, error = _span()
    report = runtime().analytics.report(guard.app_id(), span)
    levels = runtime().analytics.service_levels(guard.app_id(), span)
    return render_template(
        "admin/analytics.html",
        report=report,
        charts=_charts(report),
        levels=levels,
        sl_charts=_service_level_charts(levels),
        sl_has_fields=any(
            f["type"] in ("select", "checkbox")
            for f in runtime().tickets.fields.items(guard.app_id())
        ),
        names={"team": NO_TEAM, "agent": UNASSIGNED, "policy": ""},
        metrics=METRICS,
        span=span,
        error=error,
        presets=PRESETS,
        reports=list(CSV_REPORTS),
        spikes=runtime().spikes.find(guard.app_id())["items"],
    )


def _download(name: str, span: DateRange, header: Sequence[str], rows: list[list[Any]]) -> Response:
    filename = f"{name}-{span.first.isoformat()}-to-{span.last.isoformat()}.csv"
    return Response(
        csv_text(header, rows),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/export/<name>.csv")
@guard.requires("analytics")
def export(name: str) -> Response:
    if name not in CSV_REPORTS:
        abort(404)
    span, _ = _span()
    header, rows = csv_rows(name, runtime().analytics.report(guard.app_id(), span))
    return _download(name, span, header, rows)


@bp.get("/<name>.csv")
@guard.requires("analytics")
def csv_report(name: str) -> Response:
    """Any report as CSV: the service-level ones, and those of :func:`export`."""
    span, _ = _span()
    app_id = guard.app_id()
    if name in SERVICE_LEVEL_CSV:
        header, rows = service_level_csv_rows(
            name, runtime().analytics.service_levels(app_id, span)
        )
    elif name in CSV_REPORTS:
        header, rows = csv_rows(name, runtime().analytics.report(app_id, span))
    else:
        abort(404)
    return _download(name, span, header, rows)
