"""Security headers on every kind of response (page, API, admin, docs, static file, 404), and
pages that keep to the Content Security Policy: no inline script, no inline style."""

from html.parser import HTMLParser

import pytest

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def csp_directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


def assert_security_headers(response):
    for name, value in EXPECTED_CSP.items():
        assert csp_directives(response)[name] == value, name
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style blocks and attributes,
    event-handler attributes, and scripts or stylesheets from another origin."""

    def __init__(self):
        super().__init__()
        self.violations: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.violations.append("inline <script>")
        if tag == "script" and not _same_origin(attributes.get("src") or "/"):
            self.violations.append(f"foreign script {attributes['src']}")
        is_stylesheet = tag == "link" and "stylesheet" in (attributes.get("rel") or "")
        if is_stylesheet and not _same_origin(attributes.get("href") or "/"):
            self.violations.append(f"foreign stylesheet {attributes['href']}")
        if tag == "style":
            self.violations.append("inline <style>")
        for name in attributes:
            if name == "style" or name.startswith("on"):
                self.violations.append(f"{name}= attribute on <{tag}>")
            if attributes[name] and attributes[name].strip().lower().startswith("javascript:"):
                self.violations.append(f"javascript: URL on <{tag}>")


def _same_origin(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


def csp_violations(response) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(response.content.decode())
    return finder.violations


def test_page_has_security_headers_and_no_inline_code(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert_security_headers(response)
    assert csp_violations(response) == []


def test_not_found_page_has_security_headers(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_security_headers(response)


def test_api_response_has_security_headers(client, db):
    response = client.get("/api/countries/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert_security_headers(response)


def test_admin_login_page_has_security_headers_and_no_inline_code(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert_security_headers(response)
    assert csp_violations(response) == []


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/tracker/concern/", "/admin/tracker/concern/add/"]
)
def test_admin_pages_work_under_the_policy(client, superuser, url):
    client.force_login(superuser)
    response = client.get(url)
    assert response.status_code == 200
    assert_security_headers(response)
    # The admin's one relaxation: style attributes (never <style> blocks, never scripts).
    assert csp_directives(response)["style-src-attr"] == "'unsafe-inline'"
    violations = csp_violations(response)
    assert [v for v in violations if not v.startswith("style= attribute")] == []


def test_public_pages_allow_no_style_attributes(client, db):
    assert "style-src-attr" not in csp_directives(client.get("/"))


def test_static_files_carry_the_headers(client, db):
    response = client.get("/static/admin/css/base.css")
    assert response.status_code == 200
    assert_security_headers(response)


def test_api_docs_load_only_our_own_scripts(client, db):
    # Needs drf-spectacular's SpectacularSwaggerSplitView: the plain view inlines its init script.
    response = client.get("/api/docs/")
    assert response.status_code == 200
    directives = csp_directives(response)
    assert directives["script-src"] == "'self'"
    # The one relaxation: Swagger UI's own inline <style> block and style attributes.
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    violations = csp_violations(response)
    assert violations and set(violations) == {"inline <style>"}


def test_api_docs_init_script_is_served_as_a_file(client, db):
    response = client.get("/api/docs/?script=")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in response.content


def test_hsts_is_sent_over_https(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response.headers["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains")


def test_gunicorn_as_configured_does_not_name_itself(tmp_path):
    import http.client
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "-c", "python:tracker.gunicorn_conf", "tracker.wsgi"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/static/tracker/tracker.css")
                response = conn.getresponse()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("gunicorn did not start")
        assert response.status == 200
        assert "gunicorn" not in (response.getheader("Server") or "").lower()
    finally:
        server.terminate()
        server.wait(10)


def test_the_language_cookie_is_secure_and_same_site_in_production(client, settings):
    settings.LANGUAGE_COOKIE_SECURE = True
    response = client.post("/i18n/setlang/", {"language": "ru"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["secure"] and cookie["samesite"] == "Lax" and cookie["httponly"]
