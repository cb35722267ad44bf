"""``planmap user …``, ``planmap backup OUT`` and ``planmap restore IN``: accounts and the store from the shell.

The store is the one the service uses (``PLANMAP_DATA_DIR`` / ``PLANMAP_DATABASE_URL``). A backup is a
consistent snapshot taken while the service runs; a restore replaces every row in one transaction.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from api.service.accounts import ROLES, Accounts
from api.service.errors import BadRequestError, NotFoundError
from api.settings import Settings
from api.store import ConflictError, Store, StoreError
from api.store.backup import backup, restore


def _store() -> Store:
    settings = Settings()
    return Store.open(settings.database_url or None, settings.data_dir)


def _read_password(args: argparse.Namespace) -> str:
    if getattr(args, "password_stdin", False) or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码 Password: ")
    if getpass.getpass("再输入一次 Again: ") != first:
        raise BadRequestError("两次输入的密码不一致 the passwords differ")
    return first


def _user(args: argparse.Namespace) -> int:
    store = _store()
    try:
        accounts = Accounts(store)
        if args.action == "add":
            password = _read_password(args) if args.password_stdin else None
            token = accounts.add_user(args.name, args.role, password)
            print(f"planmap: user {args.name!r} ({args.role}) added to {store.describe()}; API token:", file=sys.stderr)
            print(token)
        elif args.action == "token":
            print(accounts.issue_token(args.name))
        elif args.action == "password":
            accounts.set_password(args.name, _read_password(args))
            print(f"planmap: password of {args.name!r} set", file=sys.stderr)
        elif args.action == "role":
            accounts.set_role(args.name, args.role)
        else:
            for user in accounts.list_users():
                print(f"{user['name']}\t{user['role']}\t{'password' if user['password'] else '-'}\t{user['created']}")
    except (BadRequestError, NotFoundError, ConflictError) as exc:
        print(f"planmap: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


def _backup(args: argparse.Namespace) -> int:
    store = _store()
    try:
        counts = backup(store, Path(args.out))
    except StoreError as exc:
        print(f"planmap: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"planmap: backup of {store.describe()} written to {args.out}: "
          + ", ".join(f"{name} {n}" for name, n in counts.items()), file=sys.stderr)
    return 0


def _restore(args: argparse.Namespace) -> int:
    store = _store()
    try:
        counts = restore(store, Path(args.backup))
        problems = store.integrity_check()
    except StoreError as exc:
        print(f"planmap: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"planmap: {store.describe()} restored from {args.backup}: "
          + ", ".join(f"{name} {n}" for name, n in counts.items()), file=sys.stderr)
    for problem in problems:
        print(f"planmap: integrity: {problem}", file=sys.stderr)
    return 1 if problems else 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``user``, ``backup`` and ``restore`` on the ``planmap`` parser."""
    user = sub.add_parser("user", help="accounts: add, token, password, role, list")
    actions = user.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create a user; prints a new API token as the last line")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--password-stdin", action="store_true", help="read a browser password from standard input")
    token = actions.add_parser("token", help="issue another API token")
    token.add_argument("name")
    password = actions.add_parser("password", help="set the browser password (asked, or one line on stdin)")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true")
    role = actions.add_parser("role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    actions.add_parser("list", help="every user with role")
    user.set_defaults(func=_user)
    out = sub.add_parser("backup", help="a consistent copy of the store (while the service runs) as a GeoPackage")
    out.add_argument("out")
    out.set_defaults(func=_backup)
    back = sub.add_parser("restore", help="replace the store's content by a backup")
    back.add_argument("backup")
    back.set_defaults(func=_restore)
