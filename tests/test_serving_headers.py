"""Safe serving: security headers, a Content-Security-Policy the page lives with, 404s.

The headers are checked on the test client; the policy in a real Chromium,
which reports every violation (the page must not need one) across the views
that load extra code: the 3D view (plotly.js's full bundle), a formula
(KaTeX), the start map (a background job).
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from gradscape.app import edge


def test_every_answer_says_nosniff_and_names_no_versions(client):
    for url in ["/", "/_dash-layout", "/_dash-dependencies", "/assets/gs/00-core.js"]:
        r = client.get(url)
        r.close()  # a file's answer holds the file open
        assert r.status_code == 200, url
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        server = r.headers.get("Server", "")
        assert "Python" not in server and "Werkzeug" not in server


def test_the_page_has_a_policy_with_its_inline_scripts_by_hash_and_a_framing_rule(client):
    r = client.get("/?surface=beale")
    csp = r.headers["Content-Security-Policy"]
    parts = dict(p.strip().split(" ", 1) for p in csp.split(";"))
    assert "'unsafe-inline'" not in parts["script-src"]
    assert "'unsafe-eval'" not in parts["script-src"]
    assert parts["script-src"].count("'sha256-") >= 1
    assert parts["frame-ancestors"] == "'self'"
    assert parts["object-src"] == "'none'"


def test_framing_is_configurable_for_a_course_page(client, monkeypatch):
    monkeypatch.setenv("GRADSCAPE_FRAME_ANCESTORS", "'self' https://course.example.org")
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://course.example.org" in csp
    monkeypatch.setenv("GRADSCAPE_FRAME_ANCESTORS", "x; script-src *")  # no injection
    assert "frame-ancestors 'self'" in client.get("/").headers["Content-Security-Policy"]
    assert edge.frame_ancestors() == "'self'"


@pytest.mark.parametrize("path", ["/nope", "/admin/login.php", "/surface=beale"])
def test_unknown_paths_are_404_not_the_page(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert b"<html" not in r.data.lower()


def test_the_real_server_names_no_versions(server):
    with urllib.request.urlopen(server) as r:
        assert r.headers["Server"] == "Gradscape"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(server + "nope")
    e.value.close()  # its answer holds the connection
    assert e.value.code == 404


VIEWS = [
    "?surface=himmelblau&t=0",
    "?mode=3d&surface=himmelblau&t=0",
    "?surface=custom&expr=x**2%2B3*sin(y)&t=0",
    "?mode=starts&surface=himmelblau&grid=20&steps=50&focus=1&t=0",
]


def test_the_page_works_under_its_policy_without_a_violation(server, page):
    violations: list[str] = []
    page.page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    for query in VIEWS:
        page.page.goto(server + query)
        page.wait_until(lambda: page.has_figure("map"), timeout=30, what="the map")
    page.wait_until(lambda: page.has_figure("startmap"), timeout=30, what="the start map")
    page.page.goto(server + VIEWS[1])
    page.wait_until(
        lambda: page.page.evaluate("() => !!document.querySelector('#view-figure .gl-container')"),
        timeout=40,
        what="the 3D scene",
    )
    assert violations == []
