"""Real servers for tests; the same helpers integrators get from ``support_sdk.testing``."""

from __future__ import annotations

from support_sdk.testing import SupportServer as ServerProcess
from support_sdk.testing import create_staff_key, free_port, init_data_dir
from support_sdk.testing import run_cli as cli

__all__ = ["ServerProcess", "cli", "create_staff_key", "free_port", "init_data_dir"]
