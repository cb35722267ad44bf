"""Router: browser sign-in (``/login``, ``/logout``) and ``/api/me``.

The session cookie is HttpOnly and SameSite=Lax; a second cookie carries the session's CSRF token for the
pages' scripts (sent back as ``X-CSRF-Token``), and forms carry it as ``csrf_token``. The login form itself is
protected by a double-submit token.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import jinja2
from anyio import to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import CSRF_COOKIE, SESSION_COOKIE, OptionalUserDep, WorkbenchDep, check_form_csrf, signed_in
from api.deps import SettingsDep, url_root
from api.service.accounts import SESSION_HOURS, AuthenticationError, PermissionDeniedError

router = APIRouter(tags=["accounts 账户"])
LOGIN_CSRF_COOKIE = "planmap_login_csrf"
_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_LOGIN = _ENV.from_string("""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 Sign in · planmap</title>
<style>body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1.2rem}.pm-error{color:#d1242f}</style></head><body>
<h1>登录 <small>Sign in</small></h1>
{% if user %}<p>已登录 Signed in as <strong>{{ user.name }}</strong> ({{ user.role }}).</p>
<form method="post" action="{{ root }}/logout"><input type="hidden" name="csrf_token" value="{{ user.csrf }}">
<button type="submit">退出 Sign out</button></form>
{% else %}{% if error %}<p class="pm-error" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="{{ root }}/login">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><input type="hidden" name="next" value="{{ next }}">
<label for="pm-user">用户名 User name</label><input id="pm-user" name="username" autocomplete="username" required>
<label for="pm-password">密码 Password</label>
<input id="pm-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">登录 Sign in</button></form>{% endif %}
</body></html>""")
_HEADERS = {"Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; form-action 'self'; "
                                      "frame-ancestors 'none'; base-uri 'none'",
            "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def _safe_next(value: str | None, root: str) -> str:
    """Only a path of this site (never ``//host`` or a scheme) is followed after signing in."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return f"{root}/maps"


def _login_page(request: Request, root: str, *, user: Any = None, error: str | None = None,
                next_path: str | None = None, status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = HTMLResponse(_LOGIN.render(user=user, error=error, csrf=token, root=root,
                                          next=_safe_next(next_path, root)), status_code=status, headers=_HEADERS)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600, path="/")
    return response


@router.get("/login", response_class=HTMLResponse, summary="Sign-in page 登录")
def login_page(request: Request, settings: SettingsDep, user: OptionalUserDep, next: str | None = None) -> HTMLResponse:
    return _login_page(request, url_root(request, settings), user=user, next_path=next)


@router.post("/login", response_class=HTMLResponse, summary="Sign in with user name and password", response_model=None)
async def login(request: Request, settings: SettingsDep, workbench: WorkbenchDep,
                username: Annotated[str, Form(max_length=128)], password: Annotated[str, Form(max_length=1024)],
                csrf_token: Annotated[str, Form(max_length=128)] = "", next: Annotated[str, Form()] = "") -> Response:
    root = url_root(request, settings)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _login_page(request, root, error="表单已过期, 请重试 the form expired: try again", next_path=next,
                           status=403)
    try:
        session, csrf, _user = await to_thread.run_sync(workbench.accounts.login, username, password)
    except AuthenticationError as exc:
        return _login_page(request, root, error=str(exc), next_path=next, status=401)
    response = RedirectResponse(_safe_next(next, root), status_code=303)
    age = SESSION_HOURS * 3600
    response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        max_age=age, path="/")
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, samesite="strict", secure=settings.secure_cookies,
                        max_age=age, path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout", summary="Sign out 退出", response_model=None)
def logout(request: Request, settings: SettingsDep, workbench: WorkbenchDep,
           csrf_token: Annotated[str, Form(max_length=128)] = "") -> Response:
    user = signed_in(request)
    if user.via != "session":
        raise PermissionDeniedError("logout ends a browser session; API tokens stay valid")
    check_form_csrf(request, user, csrf_token)
    workbench.accounts.logout(request.cookies[SESSION_COOKIE])
    response = RedirectResponse(f"{url_root(request, settings)}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/api/me", summary="The signed-in account 当前用户")
def me(request: Request) -> dict[str, Any]:
    user = signed_in(request)
    return {"name": user.name, "role": user.role, "via": user.via}
