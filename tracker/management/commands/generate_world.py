import time

from django.core.management.base import BaseCommand, CommandError

from tracker.world import world_delete, world_generate


class Command(BaseCommand):
    help = (
        "Fill the database with synthetic world-scale records for benchmarks (keys world-*; "
        "re-running replaces them; curated records are never touched)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--concerns", type=int, default=250_000)
        parser.add_argument("--claims", type=int, default=50_000)
        parser.add_argument("--reports", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same records.")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--delete", action="store_true", help="Only remove the synthetic records."
        )

    def handle(self, *args, concerns, claims, reports, seed, batch_size, delete, **options):
        if delete:
            deleted = world_delete()
            self.stdout.write(self.style.SUCCESS(f"Deleted {sum(deleted.values())} rows."))
            return
        if min(concerns, claims, reports) < 0 or batch_size < 1:
            raise CommandError("Counts cannot be negative and the batch size must be positive.")
        started = time.perf_counter()
        created = world_generate(
            concerns=concerns, claims=claims, reports=reports, seed=seed, batch_size=batch_size
        )
        for kind, count in created.items():
            self.stdout.write(f"{kind:14} created {count:8}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Synthetic world (seed {seed}) written in {time.perf_counter() - started:.1f} s."
            )
        )
