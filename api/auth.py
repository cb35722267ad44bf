"""Who a request acts for: ``Authorization: Bearer <token>`` or the browser's session cookie.

Dependencies for the routers (:data:`OptionalUserDep`, :func:`require`), the CSRF rule for cookie-authenticated
writes (header ``X-CSRF-Token`` or form field ``csrf_token`` equal to the session's token), and
:class:`PublicReadGate`, the middleware that closes every route to anonymous readers when
``PLANMAP_PUBLIC_READ=false``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, Request

from api.errors import STATUS_HEADERS, error_body
from api.service.accounts import AuthenticationError, PermissionDeniedError, User
from api.service.workbench import Workbench
from api.store import Store

SESSION_COOKIE = "planmap_session"
CSRF_COOKIE = "planmap_csrf"
CSRF_HEADER = "x-csrf-token"
_SAFE = ("GET", "HEAD", "OPTIONS")
#: paths open without an account even when the plan is closed (signing in needs them)
OPEN_PATHS = ("/login", "/logout", "/static/")


def get_workbench(request: Request) -> Workbench:
    return request.app.state.workbench


def get_store(request: Request) -> Store:
    return get_workbench(request).store


def _credentials(workbench: Workbench, authorization: str | None, session: str | None) -> User | None:
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("Authorization: 需要 Bearer 令牌 use 'Authorization: Bearer <token>'")
        return workbench.accounts.by_token(token.strip())
    if session:
        return workbench.accounts.by_session(session)
    return None


def optional_user(request: Request) -> User | None:
    """The signed-in user, or None; a bad token is refused (401), not ignored."""
    user = _credentials(get_workbench(request), request.headers.get("authorization"),
                        request.cookies.get(SESSION_COOKIE))
    if user is not None and user.via == "session" and request.method not in _SAFE:
        sent = request.headers.get(CSRF_HEADER)
        if sent != user.csrf and not request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            raise PermissionDeniedError("CSRF 校验失败 missing or wrong X-CSRF-Token for a cookie-signed request")
        if sent is not None and sent != user.csrf:
            raise PermissionDeniedError("CSRF 校验失败 wrong X-CSRF-Token")
        if sent is None:
            # forms carry the token as a field: the route checks it with check_form_csrf
            request.state.csrf_pending = True
    return user


def check_form_csrf(request: Request, user: User | None, token: str | None) -> None:
    """For a form posted with the session cookie: the form's ``csrf_token`` must be the session's."""
    if user is not None and user.via == "session" and getattr(request.state, "csrf_pending", False) \
            and token != user.csrf:
        raise PermissionDeniedError("CSRF 校验失败 the form's csrf_token does not match the session")


def signed_in(request: Request) -> User:
    """Any signed-in account (viewer or above); 401 without one."""
    user = optional_user(request)
    if user is None:
        raise AuthenticationError("需要登录 sign in (/login) or send 'Authorization: Bearer <token>'")
    return user


def require(role: str):
    """A dependency: the signed-in user with ``role`` or above (401 without credentials, 403 below the role)."""

    def dependency(user: Annotated[User, Depends(signed_in)]) -> User:
        return user.require(role)

    return dependency


OptionalUserDep = Annotated[User | None, Depends(optional_user)]
ViewerDep = Annotated[User, Depends(require("viewer"))]
PlannerDep = Annotated[User, Depends(require("planner"))]
AdminDep = Annotated[User, Depends(require("admin"))]
WorkbenchDep = Annotated[Workbench, Depends(get_workbench)]


class PublicReadGate:
    """With ``PLANMAP_PUBLIC_READ=false`` every route but sign-in needs a signed-in account (401 otherwise)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and "app" in scope:
            state = scope["app"].state
            settings = getattr(state, "settings", None)
            path = scope["path"]
            if settings is not None and not settings.public_read and not path.startswith(OPEN_PATHS):
                headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
                session = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
                try:
                    user = await to_thread.run_sync(_credentials, state.workbench, headers.get("authorization"),
                                                    session)
                except AuthenticationError as exc:
                    user, message = None, str(exc)
                else:
                    message = "需要登录 this service is not public: sign in (/login) or send a Bearer token"
                if user is None:
                    body = json.dumps(error_body("Unauthorized", message, 401), ensure_ascii=False).encode()
                    await send({"type": "http.response.start", "status": 401,
                                "headers": [(b"content-type", b"application/json"),
                                            *((k.lower().encode(), v.encode()) for k, v in STATUS_HEADERS[401].items())]})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
