"""SQL for apps and their staff API keys."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def _app(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    app = dict(row)
    app["secrets"] = json.loads(app["secrets"])
    app["origins"] = json.loads(app["origins"])
    app["settings"] = json.loads(app["settings"])
    return app


def insert_app(conn: sqlite3.Connection, app: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO apps (id, name, secrets, origins, settings, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            app["id"],
            app["name"],
            json.dumps(app["secrets"]),
            json.dumps(app["origins"]),
            json.dumps(app.get("settings", {})),
            app["created_at"],
        ),
    )


def get_app(conn: sqlite3.Connection, app_id: str) -> dict[str, Any] | None:
    return _app(conn.execute("SELECT * FROM apps WHERE id = ?", (app_id,)).fetchone())


def find_app(conn: sqlite3.Connection, id_or_name: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM apps WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1",
        (id_or_name, id_or_name, id_or_name),
    ).fetchone()
    return _app(row)


def list_apps(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM apps ORDER BY created_at, id").fetchall()
    return [a for a in (_app(r) for r in rows) if a is not None]


def update_app(conn: sqlite3.Connection, app_id: str, **fields: Any) -> None:
    allowed = {"name", "secrets", "origins", "settings"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(name)
        encoded = value if name == "name" else json.dumps(value)
        conn.execute(f"UPDATE apps SET {name} = ? WHERE id = ?", (encoded, app_id))


def all_origins(conn: sqlite3.Connection) -> set[str]:
    origins: set[str] = set()
    for (raw,) in conn.execute("SELECT origins FROM apps"):
        origins.update(json.loads(raw))
    return origins


def insert_key(conn: sqlite3.Connection, key: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO api_keys (id, app_id, role, name, secret_hash, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (key["id"], key["app_id"], key["role"], key["name"], key["secret_hash"], key["created_at"]),
    )


def get_key(conn: sqlite3.Connection, key_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM api_keys WHERE id = ?", (key_id,)).fetchone()
    return dict(row) if row else None


def list_keys(conn: sqlite3.Connection, app_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, app_id, role, name, created_at, revoked_at FROM api_keys "
        "WHERE app_id = ? ORDER BY created_at",
        (app_id,),
    ).fetchall()
    return [dict(r) for r in rows]


def revoke_key(conn: sqlite3.Connection, key_id: str, when: str) -> bool:
    cur = conn.execute(
        "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (when, key_id)
    )
    return cur.rowcount == 1


# -- inbound keys (POST /api/v1/inbound/email) --------------------------------------------
def insert_inbound_key(conn: sqlite3.Connection, key: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO inbound_keys (id, app_id, secret_hash, created_at) VALUES (?, ?, ?, ?)",
        (key["id"], key["app_id"], key["secret_hash"], key["created_at"]),
    )


def get_inbound_key(conn: sqlite3.Connection, key_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM inbound_keys WHERE id = ?", (key_id,)).fetchone()
    return dict(row) if row else None


def revoke_inbound_keys(conn: sqlite3.Connection, app_id: str, when: str) -> int:
    cur = conn.execute(
        "UPDATE inbound_keys SET revoked_at = ? WHERE app_id = ? AND revoked_at IS NULL",
        (when, app_id),
    )
    return cur.rowcount
