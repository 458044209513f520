from django.core.management.base import BaseCommand, CommandError

from tracker.seeds import SEEDS_DIR, SeedError
from tracker.services import seeds_load


class Command(BaseCommand):
    help = "Load the curated data in seeds/ (upserts on natural keys; safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(SEEDS_DIR), help="Seed directory.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; change nothing."
        )

    def handle(self, *args, dir, dry_run, **options):
        from pathlib import Path

        try:
            counts = seeds_load(directory=Path(dir), dry_run=dry_run)
        except SeedError as exc:
            raise CommandError(f"Nothing was loaded. {exc}") from exc
        totals = {"created": 0, "updated": 0, "unchanged": 0}
        for kind, counter in counts.items():
            self.stdout.write(
                f"{kind:14} created {counter['created']:5}  updated {counter['updated']:5}  "
                f"unchanged {counter['unchanged']:5}"
            )
            for outcome in totals:
                totals[outcome] += counter[outcome]
        prefix = "Dry run, nothing saved. " if dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}Total: {totals['created']} created, {totals['updated']} updated, "
                f"{totals['unchanged']} unchanged."
            )
        )
