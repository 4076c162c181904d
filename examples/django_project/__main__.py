"""`python -m examples.django_project [COMMAND …]`: serve the example on http://127.0.0.1:5003,
or run a management command (`support check`, `support report-exception --email …`)."""

from __future__ import annotations

import os
import sys

from ..demo_credentials import support_settings

if __name__ == "__main__":
    os.environ.update(support_settings())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.django_project.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    from .users import create_users

    create_users()
    if sys.argv[1:]:
        execute_from_command_line(["manage.py", *sys.argv[1:]])
    else:
        print("Ledgerly on Django: http://127.0.0.1:5003  (sign in as ada, password ledgerly)")
        execute_from_command_line(["manage.py", "runserver", "127.0.0.1:5003", "--noreload"])
