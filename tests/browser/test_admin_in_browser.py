"""The editors' admin pages on a 1366 px laptop screen: no changelist, the country page, the work
queue, a history page or a revert form scrolls sideways, even with long summaries; the work
queue's filters and the revert form work with a mouse. Screenshots go to
``test-artifacts/layout/``."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests import factories as f
from tests.browser.conftest import AXE
from tests.browser.test_layout_in_browser import (  # noqa: F401
    DESKTOP,
    PHONE,
    layout_data,
    too_wide,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def editor_page(browser, live_server, layout_data):  # noqa: F811
    get_user_model().objects.create_superuser("layout", "layout@example.org", "pw-layout-1")
    # Many records, and summaries longer than any column, in every list.
    kaz = layout_data["countries"][0]
    for i in range(30):
        f.ConcernFactory(country=kaz, summary=f"{i} " + "ill-treatment in detention " * 12)
        f.ClaimFactory(country=kaz, summary=f"{i} " + "a national preventive mechanism " * 10)
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.base = live_server.url
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill("layout")
    page.get_by_label("Password").fill("pw-layout-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    yield page
    context.close()


def test_no_admin_changelist_scrolls_sideways_on_a_laptop(editor_page, layout_data, artifacts):  # noqa: F811
    wide = []
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label != "tracker":
            continue
        url = reverse(f"admin:tracker_{opts.model_name}_changelist")
        wide += too_wide(editor_page, url, f"admin-list-{opts.model_name}", 1366, artifacts)
    assert not wide, "\n".join(map(str, wide))


def test_editors_other_pages_fit_a_laptop(editor_page, layout_data, artifacts):  # noqa: F811
    claim = layout_data["claim"]
    kaz = layout_data["countries"][0]
    pages = {
        "country": reverse("admin:tracker_country_change", args=[kaz.pk]),
        "work-queue": reverse("admin:work_queue") + "?country=KAZ",
        "claim-change": reverse("admin:tracker_claim_change", args=[claim.pk]),
        "claim-history": reverse("admin:tracker_claim_history", args=[claim.pk]),
        "claim-revert": reverse(
            "admin:tracker_claim_simple_history", args=[claim.pk, claim.history.earliest().pk]
        ),
    }
    wide = []
    for name, url in pages.items():
        wide += too_wide(editor_page, url, f"admin-{name}", 1366, artifacts)
    assert not wide, "\n".join(map(str, wide))


def test_the_work_queue_filters_by_choosing_a_country_and_body(editor_page, layout_data):  # noqa: F811
    page = editor_page
    page.goto(page.base + reverse("admin:work_queue"))
    page.get_by_label("Country").select_option(label="Kyrgyzstan")
    page.get_by_label("Body").select_option(value="CEDAW")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**country=KGZ**")
    listed = page.locator("#concerns-without-assessment").inner_text()
    assert "Few women in decision-making posts in Kyrgyzstan" in listed
    assert "Kazakhstan" not in listed
    assert page.locator("#count-concerns-without-assessment").inner_text() == "1"


def test_a_revert_in_the_browser_keeps_the_record_published(editor_page, layout_data):  # noqa: F811
    page = editor_page
    claim = layout_data["claim"]
    first = claim.history.earliest()
    claim.summary = "A later wording."
    claim.save()
    page.goto(page.base + reverse("admin:tracker_claim_simple_history", args=[claim.pk, first.pk]))
    assert page.get_by_label("Status").is_disabled()
    page.get_by_label("Reason for this change").fill("Back to the first wording")
    page.locator("input[name=_save]").first.click()
    page.wait_for_url(f"**/claim/{claim.pk}/change/")
    assert "Publication state kept: published" in page.locator(".messagelist").inner_text()
    claim.refresh_from_db()
    assert claim.status == "published" and claim.summary != "A later wording."


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run npm ci")
def test_axe_finds_nothing_serious_on_the_editors_pages(browser, live_server, layout_data):  # noqa: F811
    get_user_model().objects.create_superuser("axe", "axe@example.org", "pw-axe-1234")
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill("axe")
    page.get_by_label("Password").fill("pw-axe-1234")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    claim = layout_data["claim"]
    bad = []
    for url in (
        reverse("admin:work_queue"),
        reverse("admin:tracker_claim_changelist"),
        reverse("admin:tracker_concern_changelist"),
        reverse("admin:tracker_claim_simple_history", args=[claim.pk, claim.history.earliest().pk]),
        # Django's own widgets: autocomplete boxes, the two-list theme picker, a tabular inline
        # (named by static/tracker/admin-labels.js)
        reverse("admin:tracker_claim_change", args=[claim.pk]),
        reverse("admin:tracker_concern_add"),
        reverse("admin:tracker_indicator_add"),
    ):
        page.goto(live_server.url + url)
        page.wait_for_load_state("load")
        # the widgets are named a frame after they appear
        page.wait_for_function(
            "() => [...document.querySelectorAll('.select2-container [role=combobox]')]"
            ".every(e => e.hasAttribute('aria-label'))"
        )
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        bad += [
            f"{url}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
    context.close()
    assert bad == [], "\n".join(bad)


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run npm ci")
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "laptop"])
def test_the_import_page_explains_the_formats_and_fits_the_screen(
    browser, live_server, viewport, artifacts
):
    get_user_model().objects.create_superuser("imp", "imp@example.org", "pw-imp-12345")
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    page.base = live_server.url
    page.goto(live_server.url + reverse("admin:login") + "?next=" + reverse("admin:tracker_import"))
    page.get_by_label("Username").fill("imp")
    page.get_by_label("Password").fill("pw-imp-12345")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/import/")
    wide = too_wide(
        page, reverse("admin:tracker_import"), "admin-import", viewport["width"], artifacts
    )
    assert not wide, wide
    with page.expect_download() as download:
        page.get_by_role("link", name="Sample file: hr_status_cat.csv").click()
    assert download.value.suggested_filename == "hr_status_cat.csv"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    bad = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    context.close()
    assert bad == []
