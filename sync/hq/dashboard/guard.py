"""What every dashboard request passes: the session cookie, CSRF checks, security headers.

A state-changing request (POST) must come from our own pages: its ``Origin`` (or, where a
browser leaves it out, its ``Referer``) names this server, ``Sec-Fetch-Site`` (when sent)
is not cross-site, and its form carries the session's CSRF token, compared in constant
time. Cookies are HttpOnly and SameSite=Strict, and Secure whenever the request came over
HTTPS (directly or through a proxy that says so with ``X-Forwarded-Proto``, if
``trust_proxy`` is set), so a session never leaves by plain HTTP once HQ runs behind TLS.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs, urlsplit

from fastapi import Request, Response

from sync.hq.dashboard.i18n import N_
from sync.hq.errors import PageRefused

SESSION_COOKIE = "booth_hq_session"
LOGIN_COOKIE = "booth_hq_login"  # a pre-login CSRF token: login forms cannot be posted from elsewhere
MAX_FORM = 16 * 1024

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def is_https(request: Request, trust_proxy: bool) -> bool:
    if trust_proxy and request.headers.get("x-forwarded-proto", "").lower() == "https":
        return True
    return request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, trust_proxy: bool, max_age: int | None = None
) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="strict", secure=is_https(request, trust_proxy)
    )


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def check_same_origin(request: Request) -> None:
    """Refuse a POST that a browser says comes from another site."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise PageRefused(403, N_("This form was sent from another site and was refused."))
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        raise PageRefused(403, N_("This form did not say where it came from and was refused."))
    parts = urlsplit(source)
    host = request.headers.get("host", "")
    if parts.netloc.lower() != host.lower() or parts.scheme not in ("http", "https"):
        raise PageRefused(403, N_("This form was sent from another site and was refused."))


def tokens_match(sent: str | None, expected: str | None) -> bool:
    if not sent or not expected:
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded form of a POST (first value of each field), at most ``MAX_FORM`` bytes."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise PageRefused(415, N_("This page only accepts its own forms."))
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM:
        raise PageRefused(413, N_("That form is too large."))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            raise PageRefused(413, N_("That form is too large."))
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise PageRefused(400, N_("That form could not be read.")) from None
    return {k: v[0] for k, v in fields.items()}
