"""The one page: billing, for signed-in users."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

INVOICES = [
    {"number": "INV-204", "customer": "Acme Ltd", "total": "€1,240.00", "status": "Overdue"},
    {"number": "INV-205", "customer": "Globex", "total": "€310.50", "status": "Sent"},
]


@login_required
def billing(request: HttpRequest) -> HttpResponse:
    return render(request, "billing.html", {"invoices": INVOICES})
