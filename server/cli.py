"""``support-server``: set up a data dir, manage apps and keys, serve, reindex, import/export."""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from . import bootstrap, cli_worker
from ._version import __version__
from .cli_options import data_dir_option, echo_record, json_option, open_runtime
from .config import ConfigError
from .errors import ApiError
from .runtime import Runtime
from .services import apps as app_service
from .store import StoreError

_data_dir = data_dir_option
_json = json_option
_runtime = open_runtime


def initialise(
    data_dir: Path, origins: Sequence[str] = (), name: str = "Default app"
) -> dict[str, Any]:
    """Create the data directory, its database and first app; returns the credentials."""
    try:
        return bootstrap.initialise(data_dir, origins, name)
    except bootstrap.SetupError as exc:
        raise click.ClickException(str(exc)) from None


_out = echo_record


def _fail_api(exc: ApiError) -> None:
    raise click.ClickException(exc.message)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="support-server")
def main() -> None:
    """Support SDK server: help center, search and tickets for your product."""


# -- setup ---------------------------------------------------------------------------------
# What `init --env` prints: the names the SDK, its CLI and the README's tour read.
ENV_NAMES = {
    "SUPPORT_APP_ID": "app_id",
    "SUPPORT_APP_SECRET": "app_secret",
    "SUPPORT_API_KEY": "admin_api_key",
}


@main.command()
@_data_dir
@click.option("--origin", "origins", multiple=True, help="A site allowed to embed the widget.")
@click.option("--name", default="Default app", show_default=True, help="Name of the first app.")
@_json
@click.option(
    "--env",
    "as_env",
    is_flag=True,
    help="Print shell export lines (SUPPORT_APP_ID, SUPPORT_APP_SECRET, SUPPORT_API_KEY).",
)
def init(data_dir: Path, origins: tuple[str, ...], name: str, as_json: bool, as_env: bool) -> None:
    """Create a data directory with its first app; prints the app secret and an admin key once."""
    if as_json and as_env:
        raise click.UsageError("give --json or --env, not both")
    creds = initialise(data_dir, origins, name)
    if as_env:
        for env_name, key in ENV_NAMES.items():
            click.echo(f"export {env_name}={shlex.quote(str(creds[key]))}")
    else:
        _out(creds, as_json)
    if not as_json:
        click.echo("\nKeep the app secret and the admin key: they are not shown again.", err=True)


# -- apps ----------------------------------------------------------------------------------
@main.group()
def apps() -> None:
    """Apps (one per product that embeds the widget)."""


@apps.command("create")
@click.argument("name")
@_data_dir
@click.option("--origin", "origins", multiple=True, help="A site allowed to embed the widget.")
@_json
def apps_create(name: str, data_dir: Path, origins: tuple[str, ...], as_json: bool) -> None:
    """Create another app; prints its id, secret and an admin key once."""
    rt = _runtime(data_dir)
    try:
        app = app_service.create_app(rt.db, name, origins)
        raw_key, _ = app_service.create_key(rt.db, app["id"], "admin", "initial admin key")
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    _out(
        {
            "app_id": app["id"],
            "app_secret": app["secrets"][-1],
            "admin_api_key": raw_key,
            "origins": app["origins"],
        },
        as_json,
    )


@apps.command("update")
@click.argument("app")
@_data_dir
@click.option(
    "--origin",
    "origins",
    multiple=True,
    help="The full list of allowed origins (replaces the old list).",
)
@click.option("--theme-color", help="The widget's accent colour, such as #2563eb.")
@_json
def apps_update(
    app: str, data_dir: Path, origins: tuple[str, ...], theme_color: str | None, as_json: bool
) -> None:
    """Replace an app's allowed origins and/or set the widget's theme colour."""
    if not origins and theme_color is None:
        raise click.UsageError("give --origin and/or --theme-color")
    rt = _runtime(data_dir)
    try:
        updated = app_service.get_app(rt.db, app)
        if origins:
            updated = app_service.set_origins(rt.db, app, origins)
        if theme_color is not None:
            updated = app_service.set_theme_color(rt.db, app, theme_color)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    _out(
        {
            "app_id": updated["id"],
            "name": updated["name"],
            "origins": updated["origins"],
            "theme_color": updated["settings"].get("theme_color") or (None if as_json else "-"),
        },
        as_json,
    )


@apps.command("mail")
@click.argument("app")
@_data_dir
@click.option("--from-name", help="The sender's name in customers' mail (default: the app's name).")
@click.option("--from-address", help="The sender's address (default: SUPPORT_MAIL_FROM's).")
@click.option(
    "--reply-domain", help="The domain of the signed reply addresses (default: the sender's)."
)
@click.option("--support-address", help="Mail sent to this address opens a ticket of this app.")
@click.option(
    "--acknowledge/--no-acknowledge", default=None, help="Mail new tickets an acknowledgement."
)
@click.option(
    "--survey/--no-survey", default=None, help="Mail the one-click rating when a ticket is solved."
)
@click.option("--tickets-per-hour", type=int, help="Tickets one sender may open by mail an hour.")
@_json
def apps_mail(
    app: str,
    data_dir: Path,
    from_name: str | None,
    from_address: str | None,
    reply_domain: str | None,
    support_address: str | None,
    acknowledge: bool | None,
    survey: bool | None,
    tickets_per_hour: int | None,
    as_json: bool,
) -> None:
    """Show or change the app's email channel (give "" to reset an address to its default)."""
    changes = {
        name: value
        for name, value in (
            ("mail_from_name", from_name),
            ("mail_from_address", from_address),
            ("reply_domain", reply_domain),
            ("support_address", support_address),
            ("acknowledge", acknowledge),
            ("survey", survey),
            ("email_tickets_per_hour", tickets_per_hour),
        )
        if value is not None
    }
    rt = _runtime(data_dir)
    try:
        found = (
            app_service.set_mail_settings(rt.db, app, **changes)
            if changes
            else app_service.get_app(rt.db, app)
        )
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    settings = app_service.mail_settings(found)
    if as_json:
        click.echo(json.dumps({"app_id": found["id"], **settings}, indent=2))
        return
    for name, value in settings.items():
        shown = "default" if value is None else value
        click.echo(f"{name:24} {'on' if value is True else 'off' if value is False else shown}")


@apps.command("inbound-key")
@click.argument("app")
@_data_dir
@_json
def apps_inbound_key(app: str, data_dir: Path, as_json: bool) -> None:
    """Make the app's inbound key for POST /api/v1/inbound/email (the old one stops working)."""
    rt = _runtime(data_dir)
    try:
        raw = app_service.create_inbound_key(rt.db, app)
        found = app_service.get_app(rt.db, app)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    _out({"app_id": found["id"], "inbound_key": raw}, as_json)


@apps.command("list")
@_data_dir
@_json
def apps_list(data_dir: Path, as_json: bool) -> None:
    """List apps (never their secrets)."""
    rows = [
        {
            "app_id": a["id"],
            "name": a["name"],
            "origins": a["origins"],
            "secrets": len(a["secrets"]),
            "created_at": a["created_at"],
        }
        for a in app_service.list_apps(_runtime(data_dir).db)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['app_id']}  {row['name']}  secrets={row['secrets']}  "
            f"origins={','.join(row['origins']) or '-'}"
        )


@apps.command("rotate-secret")
@click.argument("app")
@_data_dir
@click.option(
    "--retire-old",
    is_flag=True,
    help="Instead of adding a secret, retire every secret but the newest.",
)
@click.option(
    "--drop-oldest",
    is_flag=True,
    help="At the limit of 5 secrets, retire the oldest to make room (its tokens stop working).",
)
@_json
def apps_rotate_secret(
    app: str, data_dir: Path, retire_old: bool, drop_oldest: bool, as_json: bool
) -> None:
    """Add a new signing secret (old tokens keep working), or retire the old ones.

    Rotate without downtime: add a secret, deploy it to your app, then --retire-old.
    """
    rt = _runtime(data_dir)
    try:
        if retire_old:
            retired = app_service.retire_secrets(rt.db, app)
            _out({"retired": str(retired)}, as_json)
        else:
            secret = app_service.rotate_secret(rt.db, app, drop_oldest=drop_oldest)
            _out({"app_secret": secret}, as_json)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None


# -- keys ----------------------------------------------------------------------------------
@main.group()
def keys() -> None:
    """Staff API keys (roles: admin, writer, agent)."""


@keys.command("create")
@_data_dir
@click.option("--app", "app", default=None, help="App id or name (default: the only app).")
@click.option("--role", type=click.Choice(app_service.ROLES), required=True)
@click.option("--name", default="", help="Who or what the key is for.")
@_json
def keys_create(data_dir: Path, app: str | None, role: str, name: str, as_json: bool) -> None:
    """Create a staff key; the key is printed once and stored only as a hash."""
    rt = _runtime(data_dir)
    try:
        raw, key = app_service.create_key(rt.db, app or _only_app(rt), role, name)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    _out({"api_key": raw, "key_id": key.id, "app_id": key.app_id, "role": key.role}, as_json)


@keys.command("list")
@_data_dir
@click.option("--app", "app", default=None, help="App id or name (default: the only app).")
def keys_list(data_dir: Path, app: str | None) -> None:
    """List an app's keys (ids and roles, never the keys)."""
    rt = _runtime(data_dir)
    for key in app_service.list_keys(rt.db, app or _only_app(rt)):
        state = "revoked" if key["revoked_at"] else "active"
        click.echo(f"{key['id']}  {key['role']:6}  {state:7}  {key['name']}")


@keys.command("revoke")
@click.argument("key_id")
@_data_dir
def keys_revoke(key_id: str, data_dir: Path) -> None:
    """Revoke a key by its id; requests with it fail from now on."""
    if not app_service.revoke_key(_runtime(data_dir).db, key_id):
        raise click.ClickException(f"no active key {key_id!r}")
    click.echo(f"revoked {key_id}")


def _only_app(rt: Runtime) -> str:
    found = app_service.list_apps(rt.db)
    if len(found) != 1:
        raise click.ClickException("several apps exist: name one with --app")
    return str(found[0]["id"])


# -- serving -------------------------------------------------------------------------------
_no_worker = click.option(
    "--no-worker",
    is_flag=True,
    help="Do not start a background worker here (run `support-server worker` elsewhere).",
)


@main.command()
@_data_dir
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@_no_worker
def run(data_dir: Path, host: str, port: int, no_worker: bool) -> None:
    """Serve in one process with a thread per request (development and trying things out)."""
    from .app import create_app
    from .serving import threaded_server
    from .worker import start_thread

    app = _create(data_dir, create_app)
    server = threaded_server(app, host, port, log_requests=True)  # a busy port: one line, exit 1
    if not no_worker:
        start_thread(app.extensions["support"])
    click.echo(f"Serving on http://{host}:{server.server_port}  (Ctrl+C to stop)", err=True)
    server.serve_forever()


@main.command()
@_data_dir
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(1, 3600))
@_no_worker
def serve(
    data_dir: Path, host: str, port: int, workers: int, timeout: int, no_worker: bool
) -> None:
    """Serve with gunicorn and several worker processes (production)."""
    from .serving import large_bodies, serve_gunicorn

    rt = _runtime(data_dir)  # fail fast, in the parent, on a bad data dir or config
    if not rt.config["SUPPORT_PUBLIC_URL"]:
        # Canonical links, og:url, the sitemap and image links are absolute: built from the
        # Host header, a forged one would be cached into public pages.
        raise click.ClickException(
            "serve needs SUPPORT_PUBLIC_URL, the address people use (for example "
            "SUPPORT_PUBLIC_URL=https://support.example.com), so that links never come from "
            "a request's Host header; for a local trial use `support-server run`"
        )
    from .app import prepare

    told = [-1]

    def rebuilding(done: int, total: int) -> None:  # a missing or outdated index, at start
        step = done * 10 // max(1, total)
        if step > told[0]:
            told[0] = step
            click.echo(f"Rebuilding the search index: {done:,} of {total:,} articles", err=True)

    prepare(rt, rebuilding)  # once, here: the web workers are forks of this process
    rt.close()
    background = None if no_worker else cli_worker.WorkerChild(data_dir).start()
    arbiter = os.getpid()
    try:
        serve_gunicorn(
            data_dir,
            host,
            port,
            workers,
            timeout,
            rt.config["SUPPORT_MAX_BODY_BYTES"],
            large_bodies(rt.config),
            on_stop=background.stopping if background else lambda: None,
        )
    finally:
        # gunicorn's web workers are forks of this process: when one exits, it unwinds
        # through here too, and must leave the job worker to the arbiter
        if background is not None and os.getpid() == arbiter:
            background.stop()


def _create(data_dir: Path, factory: Any) -> Any:
    try:
        return factory(data_dir=data_dir)
    except (ConfigError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    except ApiError as exc:
        raise click.ClickException(exc.message) from None


# -- index ---------------------------------------------------------------------------------
@main.command()
@_data_dir
def reindex(data_dir: Path) -> None:
    """Rebuild the search index from the database (the live index keeps serving meanwhile)."""
    rt = _runtime(data_dir)
    with rt.db.read() as conn:
        total = int(
            conn.execute("SELECT count(*) FROM articles WHERE status = 'published'").fetchone()[0]
        )
    with click.progressbar(length=total, label="Indexing articles", file=sys.stderr) as bar:
        done = 0

        def progress(count: int, _total: int) -> None:
            nonlocal done
            bar.update(count - done)
            done = count

        indexed = rt.indexer.rebuild(progress)
    click.echo(f"Indexed {indexed} published articles.")


# -- docs folders --------------------------------------------------------------------------
@main.command("import")
@click.argument(
    "folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@_data_dir
@click.option("--app", "app", default=None, help="App id or name (default: the only app).")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option(
    "--sample", is_flag=True, help="Import the sample help center that ships with the server."
)
def import_(
    folder: Path | None, data_dir: Path, app: str | None, dry_run: bool, sample: bool
) -> None:
    """Import a folder of Markdown files with front matter (all or nothing), or --sample."""
    from .transfer import apply_import, plan_import, sample_folder

    if (folder is None) == (not sample):
        raise click.UsageError("give a FOLDER or --sample (not both)")
    folder = folder or sample_folder()
    rt = _runtime(data_dir)
    app_id = app_service.get_app(rt.db, app)["id"] if app else _only_app(rt)
    plan = plan_import(rt.articles, app_id, folder)
    if plan.problems:
        for problem in plan.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(plan.problems)} problem(s); nothing was imported")
    click.echo(
        f"{len(plan.create)} to create, {len(plan.update)} to update, {plan.unchanged} unchanged"
    )
    if dry_run or not (plan.create or plan.update):
        return
    with click.progressbar(
        length=len(plan.create) + len(plan.update), label="Importing", file=sys.stderr
    ) as bar:
        apply_import(rt.articles, app_id, plan, "import", lambda: bar.update(1))
    click.echo("Done.")


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@_data_dir
@click.option("--app", "app", default=None, help="App id or name (default: the only app).")
def export(folder: Path, data_dir: Path, app: str | None) -> None:
    """Write every article (any status) as Markdown files with front matter."""
    from .transfer import export_folder

    rt = _runtime(data_dir)
    app_id = app_service.get_app(rt.db, app)["id"] if app else _only_app(rt)
    count = export_folder(rt.articles, app_id, folder)
    click.echo(f"Wrote {count} articles to {folder}")


# -- demo ----------------------------------------------------------------------------------
@main.command()
@_data_dir
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--content",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Help-center folder (default: the sample help center).",
)
def demo(data_dir: Path, host: str, port: int, content: Path | None) -> None:
    """Set up (once) and serve a demo: sample help center plus a host page with the widget."""
    from .demo import run_demo

    run_demo(data_dir, host, port, content)


# -- staff users (admin sign-in) -------------------------------------------------------------
@main.group()
def users() -> None:
    """People who sign in to /admin with a username and password."""


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@users.command("create")
@click.argument("username")
@_data_dir
@click.option("--role", type=click.Choice(app_service.ROLES), required=True)
@click.option("--app", "app", default=None, help="Limit the user to one app (default: every app).")
@click.option("--name", default="", help="The name shown to colleagues (default: the username).")
@click.option("--email", default="", help="Where their notifications go.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line.")
@_json
def users_create(
    username: str,
    data_dir: Path,
    role: str,
    app: str | None,
    name: str,
    email: str,
    password_stdin: bool,
    as_json: bool,
) -> None:
    """Create a staff user; the password is prompted for (or read with --password-stdin)."""
    rt = _runtime(data_dir)
    try:
        member = rt.staff.create_user(
            username, _read_password(password_stdin), role, app, name, email=email
        )
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    _out(
        {
            "user_id": member.id,
            "username": member.handle,
            "role": member.role,
            "app_id": member.app_id or ("*" if not as_json else None),
        },
        as_json,
    )


@users.command("list")
@_data_dir
def users_list(data_dir: Path) -> None:
    """List staff users (never their passwords)."""
    for user in _runtime(data_dir).staff.list_users():
        state = "disabled" if user["disabled_at"] else "active"
        click.echo(
            f"{user['username']}  {user['role']:6}  {state:8}  app={user['app_id'] or '*'}"
            f"  {user['display_name']}"
        )


@users.command("set-password")
@click.argument("username")
@_data_dir
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line.")
def users_set_password(username: str, data_dir: Path, password_stdin: bool) -> None:
    """Change a user's password and sign them out everywhere."""
    try:
        _runtime(data_dir).staff.set_password(username, _read_password(password_stdin))
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"password changed for {username}; their sessions are ended")


@users.command("set-email")
@click.argument("username")
@click.argument("email")
@_data_dir
def users_set_email(username: str, email: str, data_dir: Path) -> None:
    """Set where a user's notifications go ("" for nowhere)."""
    try:
        _runtime(data_dir).staff.set_email(username, email or None)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{username}: notifications go to {email or 'nowhere'}")


@users.command("disable")
@click.argument("username")
@_data_dir
@click.option("--enable", is_flag=True, help="Allow the user to sign in again.")
def users_disable(username: str, data_dir: Path, enable: bool) -> None:
    """Stop (or allow again) a user's sign-in; a disabled user is signed out at once."""
    try:
        _runtime(data_dir).staff.set_disabled(username, not enable)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{username} {'enabled' if enable else 'disabled'}")


main.add_command(cli_worker.worker)
main.add_command(cli_worker.webhooks)


if __name__ == "__main__":  # `python -m support_server.cli`, as serve starts the worker
    main()
