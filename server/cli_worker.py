"""``support-server worker`` and ``support-server webhooks …``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from .cli_options import data_dir_option, echo_record, json_option, open_runtime
from .errors import ApiError
from .runtime import Runtime


class WorkerChild:
    """``support-server worker`` as a child process beside gunicorn's web workers, started
    again (after 1 s, then up to a minute apart while it keeps failing) if it exits."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._stopping = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._watch = threading.Thread(target=self._keep, name="worker-child", daemon=True)

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "support_server.cli", "worker", "--data-dir", str(self.data_dir)]
        )

    def start(self) -> WorkerChild:
        self._proc = self._spawn()
        self._watch.start()
        return self

    def _keep(self) -> None:
        pause = 1.0
        while self._proc is not None:
            code = self._proc.wait()
            # -SIGTERM/-SIGINT: the whole group is being stopped (a service manager, Ctrl+C).
            # Anything else is a crash, 0 included unless we asked: gunicorn's arbiter reaps
            # every child of its process on SIGCHLD, and when it reaps ours first, wait()
            # finds no child and answers 0 whatever the worker died of (a SIGKILL, say).
            # (A worker stopped with serve's whole group exits 0 too: then it is started again
            # for the moment until serve, stopping, stops it.)
            if self._stopping.is_set() or code in (-signal.SIGTERM, -signal.SIGINT):
                return
            click.echo(f"worker: exited with {code}; starting it again in {pause:g} s", err=True)
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, 60.0)
            self._proc = self._spawn()

    def stopping(self) -> None:
        """serve is stopping: the job worker stops too (SIGTERM: it finishes the job in
        hand), now, while the web workers finish their requests, and is not started again."""
        self._stopping.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()

    def stop(self) -> None:
        """Stop the job worker and wait for it (a minute at most, then SIGKILL)."""
        self._stopping.set()
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()  # SIGTERM: it finishes the job in hand
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@click.command()
@data_dir_option
def worker(data_dir: Path) -> None:
    """Deliver webhooks, send mail and notifications, publish scheduled articles.

    Runs until SIGTERM or Ctrl+C, then finishes the job in hand. Run as many as you like,
    on any machine that shares the data directory's database: each job is taken by one.
    """
    from .worker import work

    rt = open_runtime(data_dir)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"worker: {signal.Signals(signum).name}, finishing the job in hand", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    relay = rt.mailer.relay.describe() if rt.mailer.relay else "none (mail is kept, not sent)"
    click.echo(f"worker: data in {data_dir}; mail relay: {relay}", err=True)
    try:
        work(rt, stop)
    finally:
        rt.close()


@click.group()
def webhooks() -> None:
    """Webhook endpoints: the URLs that hear of every event (see README "Webhooks")."""


def _app(rt: Runtime, app: str | None) -> str:
    from .services import apps as app_service

    try:
        if app:
            return str(app_service.get_app(rt.db, app)["id"])
        found = app_service.list_apps(rt.db)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    if len(found) != 1:
        raise click.ClickException("there are several apps: name one with --app")
    return str(found[0]["id"])


_app_option = click.option(
    "--app", "app", default=None, help="App id or name (default: the only app)."
)


@webhooks.command("create")
@click.argument("url")
@data_dir_option
@_app_option
@click.option("--event", "events", multiple=True, help="An event type to send (default: all).")
@click.option("--description", default="", help="What the endpoint is for.")
@json_option
def webhooks_create(
    url: str,
    data_dir: Path,
    app: str | None,
    events: tuple[str, ...],
    description: str,
    as_json: bool,
) -> None:
    """Add an endpoint; prints its signing secret (shown only now)."""
    rt = open_runtime(data_dir)
    try:
        endpoint = rt.webhooks.create(
            _app(rt, app), {"url": url, "events": list(events) or ["*"], "description": description}
        )
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    echo_record(endpoint, as_json)


@webhooks.command("list")
@data_dir_option
@_app_option
@json_option
def webhooks_list(data_dir: Path, app: str | None, as_json: bool) -> None:
    """The app's endpoints (never their secrets)."""
    rt = open_runtime(data_dir)
    found = rt.webhooks.endpoints(_app(rt, app))
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    for e in found:
        state = "on" if e["enabled"] else f"off ({e['disabled_reason'] or 'switched off'})"
        click.echo(f"{e['id']}  {state:4}  {e['url']}  events={','.join(e['events'])}")


@webhooks.command("delete")
@click.argument("endpoint_id")
@data_dir_option
@_app_option
def webhooks_delete(endpoint_id: str, data_dir: Path, app: str | None) -> None:
    """Delete an endpoint: nothing more is sent to it."""
    rt = open_runtime(data_dir)
    try:
        rt.webhooks.delete(_app(rt, app), endpoint_id)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"deleted {endpoint_id}")


@webhooks.command("test")
@click.argument("endpoint_id")
@data_dir_option
@_app_option
def webhooks_test(endpoint_id: str, data_dir: Path, app: str | None) -> None:
    """Queue a webhook.test event to one endpoint (a running worker sends it)."""
    rt = open_runtime(data_dir)
    try:
        delivery = rt.webhooks.send_test(_app(rt, app), endpoint_id)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"queued {delivery['id']} ({delivery['event_id']}); see `webhooks deliveries`")


@webhooks.command("rotate-secret")
@click.argument("endpoint_id")
@data_dir_option
@_app_option
@json_option
def webhooks_rotate(endpoint_id: str, data_dir: Path, app: str | None, as_json: bool) -> None:
    """A new signing secret; the old one also signs for 24 hours."""
    rt = open_runtime(data_dir)
    try:
        endpoint = rt.webhooks.rotate_secret(_app(rt, app), endpoint_id)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    echo_record(endpoint, as_json)


@webhooks.command("deliveries")
@click.argument("endpoint_id")
@data_dir_option
@_app_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@json_option
def webhooks_deliveries(
    endpoint_id: str, data_dir: Path, app: str | None, limit: int, as_json: bool
) -> None:
    """The newest deliveries to an endpoint, each with its attempts."""
    rt = open_runtime(data_dir)
    try:
        items, _ = rt.webhooks.deliveries(_app(rt, app), endpoint_id, cursor=None, limit=limit)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    for d in items:
        last = d["attempts"][-1] if d["attempts"] else None
        said = (
            f"{last['status_code'] or '-'} {last['error'] or ''} {last['duration_ms']} ms"
            if last
            else "not attempted yet"
        )
        click.echo(
            f"{d['id']}  {d['event_type']:18} {d['state']:9} tries={len(d['attempts'])}  {said}"
        )
