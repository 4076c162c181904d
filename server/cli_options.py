"""What every ``support-server`` command module shares: the data-dir and --json options, the
runtime of a data dir as a click error, and printing results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from . import bootstrap
from .runtime import Runtime

data_dir_option = click.option(
    "--data-dir",
    envvar="SUPPORT_DATA_DIR",
    default="./support-data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the server keeps its data.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")


def open_runtime(data_dir: Path) -> Runtime:
    try:
        return bootstrap.open_runtime(data_dir)
    except bootstrap.SetupError as exc:
        raise click.ClickException(str(exc)) from None


def echo_record(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        width = max(len(k) for k in data)
        for key, value in data.items():
            shown = ", ".join(value) if isinstance(value, list) else value
            click.echo(f"{key.ljust(width)}  {shown}")
