from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tracker.services import api_token_create


class Command(BaseCommand):
    help = (
        "Make an API token for a user and print it once: only its digest is stored, so it "
        "cannot be shown again (make a new one if it is lost)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Valid for this many days (default: until deleted).",
        )

    def handle(self, *args, username, name, days, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        self.stdout.write(api_token_create(user=user, name=name, days=days))
