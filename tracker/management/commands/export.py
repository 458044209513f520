"""``manage.py export <kind>``: records as CSV or JSON, filtered like the API."""

import os

from django.core.management.base import BaseCommand, CommandError

from tracker import exporters


class Command(BaseCommand):
    help = (
        "Export records of one kind (or 'all') as CSV or JSON, with the API's filters. "
        "The JSON export re-imports with 'manage.py import tracker'."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help=f"all, or one of: {', '.join(exporters.kinds())}")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")
        parser.add_argument("--published", action="store_true", help="Published records only.")
        parser.add_argument(
            "--base-url",
            default=os.environ.get("SITE_URL", "http://127.0.0.1:8000"),
            help="Prefix of record page URLs in CSV (default $SITE_URL or http://127.0.0.1:8000).",
        )
        for name in ("country", "theme", "body", "kind-of", "instrument", "status", "year"):
            parser.add_argument(f"--{name}", help=f"API filter {name.replace('-of', '')!r}.")
        for name in ("as-of", "implementation", "verification", "q"):
            parser.add_argument(f"--{name}", dest=name.replace("-", "_"), help="API filter.")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="Any other API filter of the kind, e.g. --filter follow_up=true.",
        )

    def handle(self, *args, **options):
        params = {
            name: options[option]
            for name, option in (
                ("country", "country"),
                ("theme", "theme"),
                ("body", "body"),
                ("kind", "kind_of"),
                ("instrument", "instrument"),
                ("status", "status"),
                ("year", "year"),
                ("as_of", "as_of"),
                ("implementation", "implementation"),
                ("verification", "verification"),
                ("q", "q"),
            )
            if options[option]
        }
        for item in options["filter"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter {item!r}: expected NAME=VALUE")
            params[name.strip()] = value.strip()
        kind = options["kind"]
        names = list(exporters.kinds()) if kind == "all" else [kind]
        if kind == "all" and params:
            raise CommandError("Filters apply to one kind; name the kind instead of 'all'.")
        if len(names) > 1 and options["format"] == "csv":
            raise CommandError("A CSV holds one kind: name a kind, or use --format json.")
        try:
            querysets = {
                name: exporters.filtered(name, params, published_only=options["published"])
                for name in names
            }
            if options["format"] == "json":
                text = exporters.to_json(querysets)
            else:
                text = exporters.to_csv(kind, querysets[kind], base_url=options["base_url"])
        except exporters.ExportError as exc:
            raise CommandError(str(exc)) from exc
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
