"""Newest n per group: tracker.selectors.newest_in_each (a UNION of one LIMIT subquery per
group) against the ORM's Window(RowNumber()) filtered to n, timed in turn in one process.

Run against a world-scale database (benchmarks/run.sh builds one):

  DATABASE_URL=sqlite:///$PWD/var/bench/world.sqlite3 .venv/bin/python benchmarks/newest_in_each.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count, F, Q, Window  # noqa: E402
from django.db.models.functions import RowNumber  # noqa: E402

from tracker import models as m  # noqa: E402
from tracker.selectors import newest_in_each  # noqa: E402

ROUNDS = 15


def windowed(queryset, order, field, values, n):
    """The same records through the ORM: each group's rows numbered in ``order``, the first n."""
    keys = [v for v in values if v is not None]
    condition = Q(**{f"{field}__in": keys}) if keys else Q(pk__in=[])
    if None in values:
        condition |= Q(**{f"{field}__isnull": True})
    ordering = [F(o[1:]).desc() if o.startswith("-") else F(o).asc() for o in order]
    rank = Window(RowNumber(), partition_by=F(field), order_by=ordering)
    return queryset.filter(condition).annotate(rank=rank).filter(rank__lte=n).order_by(*order)


def country_page(way, country, themes):
    """The country page's read: its newest five concerns of each theme."""
    visible = m.Concern.objects.filter(status="published", country=country)
    rows = way(visible, ["-issued_on", "key"], "themes", themes, 5)
    return {r.pk for r in rows.only("pk", "summary", "issued_on")}


def compare_page(way, codes, theme):
    """The compare page's read: each country's newest ten concerns on one theme."""
    visible = m.Concern.objects.filter(status="published", themes=theme)
    return {r.pk for r in way(visible, ["-issued_on", "key"], "country", codes, 10).only("pk")}


def timed(label, read, *args):
    assert read(newest_in_each, *args) == read(windowed, *args), f"{label}: not the same records"
    union, window = [], []
    for _ in range(ROUNDS):  # in turn, so that load on the machine weighs on both alike
        for way, times in ((newest_in_each, union), (windowed, window)):
            started = time.perf_counter()
            read(way, *args)
            times.append(time.perf_counter() - started)
    u, w = (statistics.median(t) * 1000 for t in (union, window))
    print(f"| {label} | {u:.1f} ms | {w:.1f} ms |")


def main():
    themes = list(m.Theme.objects.values_list("slug", flat=True))
    busiest = m.Concern.objects.values("country").annotate(n=Count("pk")).order_by("-n")[0]
    print(f"{m.Concern.objects.count()} concerns; the busiest state has {busiest['n']}\n")
    print("| read (median of 15) | UNION of LIMITs | Window(RowNumber()) |")
    print("|---|---|---|")
    timed(f"country page, {busiest['country']}", country_page, busiest["country"], themes)
    timed("country page, KAZ", country_page, "KAZ", themes)
    timed("compare page, KAZ KGZ UZB", compare_page, ["KAZ", "KGZ", "UZB"], themes[0])


if __name__ == "__main__":
    main()
