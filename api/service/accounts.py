"""Accounts: local users with a role (viewer < planner < admin), API tokens, browser sessions.

Passwords are hashed with Argon2id (``argon2-cffi``); API tokens and session ids are random 256-bit strings of
which only the SHA-256 is stored. Every change of an account is written to the audit log.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.service.errors import BadRequestError, NotFoundError
from api.store import ConflictError, Store
from api.store import repository as repo

ROLES = ("viewer", "planner", "admin")
ROLE_TITLES = {"viewer": "查看者 viewer", "planner": "规划师 planner", "admin": "管理员 admin"}
SESSION_HOURS = 12
MIN_PASSWORD = 8
_NAME = re.compile(r"^[\w.@-]{1,64}$")
_hasher = PasswordHasher()


class AuthenticationError(PermissionError):
    """No valid credentials (no token, an unknown token, an expired session, a wrong password): HTTP 401."""


class PermissionDeniedError(PermissionError):
    """Signed in, but the role or ownership does not allow it: HTTP 403."""


@dataclass(frozen=True)
class User:
    """The account a request acts for.

    Attributes
    ----------
    name, role
        The account and its role.
    via
        ``token`` (``Authorization: Bearer``), ``session`` (browser cookie; forms need the CSRF token) or ``cli``.
    csrf
        The session's CSRF token (None for tokens).
    """

    name: str
    role: str
    via: str = "token"
    csrf: str | None = None

    def has(self, role: str) -> bool:
        """Whether the user's role is ``role`` or above."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def require(self, role: str) -> User:
        if not self.has(role):
            raise PermissionDeniedError(f"需要{ROLE_TITLES[role]}或更高权限; {self.name!r} is {self.role} "
                                        f"(this needs the {role} role or above)")
        return self


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_role(role: Any) -> str:
    if role not in ROLES:
        raise BadRequestError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return role


class Accounts:
    """The account use cases over one store (the CLI, the login pages and the auth dependencies call these)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add_user(self, name: str, role: str, password: str | None = None, *, by: str = "cli") -> str:
        """Create a user; returns a new API token (shown once, only its hash is kept)."""
        if not isinstance(name, str) or not _NAME.match(name):
            raise BadRequestError(f"bad user name {name!r}: 1–64 letters, digits, '.', '_', '@' or '-'")
        parse_role(role)
        hashed = self._hash(password) if password is not None else None
        token = "pm_" + secrets.token_urlsafe(32)
        with self.store.write() as connection:
            if repo.get_user(connection, name) is not None:
                raise ConflictError(f"user {name!r} exists")
            repo.insert_user(connection, name, role, hashed)
            repo.insert_token(connection, name, _digest(token))
            repo.log(connection, user=by, action="user.add", target=name, detail={"role": role})
        return token

    def issue_token(self, name: str, *, by: str = "cli") -> str:
        token = "pm_" + secrets.token_urlsafe(32)
        with self.store.write() as connection:
            self._user(connection, name)
            repo.insert_token(connection, name, _digest(token))
            repo.log(connection, user=by, action="user.token", target=name)
        return token

    def set_password(self, name: str, password: str, *, by: str = "cli") -> None:
        hashed = self._hash(password)
        with self.store.write() as connection:
            self._user(connection, name)
            repo.set_user(connection, name, password_hash=hashed)
            repo.log(connection, user=by, action="user.password", target=name)

    def set_role(self, name: str, role: str, *, by: str = "cli") -> None:
        parse_role(role)
        with self.store.write() as connection:
            before = self._user(connection, name)["role"]
            repo.set_user(connection, name, role=role)
            repo.log(connection, user=by, action="user.role", target=name, detail={"before": before, "after": role})

    def list_users(self) -> list[dict[str, Any]]:
        with self.store.read() as connection:
            return [{"name": u["name"], "role": u["role"], "password": u["password_hash"] is not None,
                     "created": u["created"]} for u in repo.list_users(connection)]

    # ------------------------------------------------------------------ authentication
    def by_token(self, token: str) -> User:
        with self.store.read() as connection:
            user = repo.user_by_token(connection, _digest(token))
        if user is None:
            raise AuthenticationError("未知的访问令牌 unknown API token")
        return User(user["name"], user["role"], via="token")

    def login(self, name: str, password: str) -> tuple[str, str, User]:
        """Check a password; a new session: (session id, CSRF token, user)."""
        with self.store.read() as connection:
            user = repo.get_user(connection, name)
        stored = user["password_hash"] if user else None
        try:
            if stored is None:
                _hasher.verify(_DUMMY_HASH, password)  # same time whether or not the user exists
                raise VerificationError
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            raise AuthenticationError("用户名或密码错误 wrong user name or password") from None
        session, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        expires = (datetime.now(UTC) + timedelta(hours=SESSION_HOURS)).isoformat(timespec="milliseconds")
        with self.store.write() as connection:
            repo.insert_session(connection, name, _digest(session), csrf, expires.replace("+00:00", "Z"))
            repo.log(connection, user=name, action="login", target=name)
        return session, csrf, User(name, user["role"], via="session", csrf=csrf)

    def by_session(self, session: str) -> User | None:
        with self.store.read() as connection:
            found = repo.session_user(connection, _digest(session), repo.now())
        if found is None:
            return None
        user, csrf = found
        return User(user["name"], user["role"], via="session", csrf=csrf)

    def logout(self, session: str) -> None:
        with self.store.write() as connection:
            repo.delete_session(connection, _digest(session))

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _hash(password: str) -> str:
        if not isinstance(password, str) or len(password) < MIN_PASSWORD:
            raise BadRequestError(f"密码至少 {MIN_PASSWORD} 个字符 the password needs at least {MIN_PASSWORD} characters")
        return _hasher.hash(password)

    @staticmethod
    def _user(connection: Any, name: str) -> dict[str, Any]:
        user = repo.get_user(connection, name)
        if user is None:
            raise NotFoundError(f"no user {name!r}")
        return user


_DUMMY_HASH = _hasher.hash("planmap-no-such-user")
