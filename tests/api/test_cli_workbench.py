"""``planmap user``, ``planmap backup`` and ``planmap restore`` on the GeoPackage store."""

from __future__ import annotations

import io
import sys

import pytest

from api.cli import main
from api.service.accounts import Accounts
from api.store import Store
from api.store import repository as repo


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANMAP_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    return tmp_path / "var"


def test_user_add_prints_a_working_token_last_and_sets_the_password(data_dir, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password\n"))
    assert main(["user", "add", "anna", "--role", "planner", "--password-stdin"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    store = Store.open(None, data_dir)
    accounts = Accounts(store)
    assert accounts.by_token(token).role == "planner"
    assert accounts.login("anna", "a-long-password")[2].name == "anna"
    assert main(["user", "token", "anna"]) == 0
    assert accounts.by_token(capsys.readouterr().out.strip()).name == "anna"
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["user", "password", "anna", "--password-stdin"]) == 2
    assert "at least 8 characters" in capsys.readouterr().err
    assert main(["user", "add", "anna", "--role", "viewer"]) == 2
    assert main(["user", "list"]) == 0
    assert capsys.readouterr().out.startswith("anna\tplanner\tpassword\t")
    store.close()


def test_backup_and_restore_commands(data_dir, tmp_path, capsys):
    assert main(["user", "add", "root", "--role", "admin"]) == 0
    assert main(["backup", str(tmp_path / "b.gpkg")]) == 0
    assert "users 1" in capsys.readouterr().err
    assert main(["user", "add", "late", "--role", "viewer"]) == 0
    assert main(["restore", str(tmp_path / "b.gpkg")]) == 0
    store = Store.open(None, data_dir)
    with store.read() as connection:
        assert [u["name"] for u in repo.list_users(connection)] == ["root"]
    store.close()
    assert main(["restore", str(tmp_path / "missing.gpkg")]) == 2
