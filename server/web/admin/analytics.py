"""The analytics dashboard for admins, with a date range and CSV export of each report."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from ...edge import runtime
from ...errors import ValidationFailed
from ...services.analytics import CSV_REPORTS, DateRange, csv_rows
from .. import charts
from . import guard

bp = Blueprint("analytics", __name__, url_prefix="/analytics")
PRESETS = (7, 30, 90)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


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


@bp.get("/")
@guard.requires("analytics")
def dashboard() -> str:
    span, error = _span()
    report = runtime().analytics.report(guard.app_id(), span)
    return render_template(
        "admin/analytics.html",
        report=report,
        charts=_charts(report),
        span=span,
        error=error,
        presets=PRESETS,
        reports=list(CSV_REPORTS),
    )


def _cell(value: Any) -> Any:
    # Spreadsheets run cells that start like a formula; a leading quote keeps them text.
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return "" if value is None else value


@bp.get("/export/<name>.csv")
@guard.requires("analytics")
def export(name: str) -> Response:
    if name not in CSV_REPORTS:
        abort(404)
    span, _ = _span()
    header, rows = csv_rows(name, runtime().analytics.report(guard.app_id(), span))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    filename = f"{name}-{span.first.isoformat()}-to-{span.last.isoformat()}.csv"
    return Response(
        out.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
