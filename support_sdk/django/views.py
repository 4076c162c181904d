"""The token-refresh view the widget calls when its user token expires."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .._embed import mint_for
from .conf import get_config
from .users import current_user

__all__ = ["refresh_token"]

log = logging.getLogger("support_sdk.django")
REFRESH_HEADER = "X-Support-Refresh"


def _error(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _same_origin(request: HttpRequest) -> bool:
    """Whether the browser says the request comes from this site's own pages.

    The ``Origin`` header, when sent (browsers send it with every POST), must be this site's
    or one of ``CSRF_TRUSTED_ORIGINS``; without it, ``Sec-Fetch-Site`` must not say another
    site. A client that sends neither is no browser, so there is no cookie to abuse.
    """
    origin = request.headers.get("Origin")
    if origin is not None:
        own = f"{request.scheme}://{request.get_host()}"
        return origin == own or origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", [])
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


@csrf_exempt  # the widget sends no CSRF token; the header and the origin check stand for it
@require_POST
def refresh_token(request: HttpRequest) -> JsonResponse:
    """A fresh token for the signed-in user: ``{"token": …, "expires_in": …}``.

    POST with the ``X-Support-Refresh`` header from this site's own pages only: a cross-site
    form cannot send that header, the origin check refuses cross-site scripts, and none could
    read the answer anyway.
    """
    if not request.headers.get(REFRESH_HEADER):
        return _error(400, "bad_request", f"send the {REFRESH_HEADER} header")
    if not _same_origin(request):
        return _error(403, "forbidden", "cross-site requests are refused")
    try:
        config = get_config()
        user = current_user(request, config)
        token = mint_for(config.app_id, config.app_secret, user, config.token_ttl) if user else None
    except Exception:
        log.exception("support_sdk token refresh failed")
        return _error(503, "unavailable", "support is not available just now")
    if user is None or token is None:
        return _error(401, "unauthorized", "nobody is signed in")
    response = JsonResponse({"token": token, "expires_in": config.token_ttl})
    response["Cache-Control"] = "no-store"
    return response
