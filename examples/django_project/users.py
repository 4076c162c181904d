"""The example's users (a demo: the passwords are in the README)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

USERS = [
    {"username": "ada", "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
    {
        "username": "grace",
        "email": "grace@example.com",
        "first_name": "Grace",
        "last_name": "Hopper",
    },
]
PASSWORD = "ledgerly"  # noqa: S105 - the example's demo password


def create_users() -> None:
    """Create the database's tables and the example's users, once."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    model = get_user_model()
    for fields in USERS:
        if not model.objects.filter(username=fields["username"]).exists():
            model.objects.create_user(password=PASSWORD, **fields)
