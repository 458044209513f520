import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tracker.services import editor_create


class Command(BaseCommand):
    help = "Create an editor account (staff, in the Editors group) that can log into /admin/."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password", help="Password (prompted for when omitted and a terminal is attached)."
        )

    def handle(self, *args, username, email, password, **options):
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        user = editor_create(username=username, password=password, email=email)
        self.stdout.write(self.style.SUCCESS(f"Editor {user.username!r} can log in at /admin/."))
