"""report.html: self-contained, in the bundle, and rendered for real in headless Chromium."""

from __future__ import annotations

import copy
import json
from html import escape
from pathlib import Path

import pytest

from pytest_lukhas.bundle import html_report, latency_svg
from pytest_lukhas.bundle.verify import verify
from tests.chromium import CHROMIUM, Chromium

ROOT = Path(__file__).resolve().parents[2]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"headless Chromium is not at {CHROMIUM}: install Debian's package "
    "(apt-get install -y chromium; .ci/run does) or point LUKHAS_CHROMIUM at a binary",
)
PHONE, DESKTOP = 375, 1200


def load(bundle: Path) -> dict:
    return json.loads((bundle / "gate.json").read_text())


@pytest.fixture(scope="module")
def browser():
    chromium = Chromium()
    yield chromium
    chromium.close()


def card_texts(page) -> dict[str, str]:
    return page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('article.card')]"
        ".map(c => [c.querySelector('h2 a').textContent, c.innerText]))"
    )


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@needs_chromium
@pytest.mark.parametrize("which", ["green", "red"])
def test_each_slice_shows_its_p95_against_its_budget_without_console_errors(
    browser, which, green_bundle, red_bundle
):
    bundle = green_bundle if which == "green" else red_bundle
    page = browser.open(bundle / "report.html", width=DESKTOP)
    assert page.problems() == []
    cards = card_texts(page)
    gate = load(bundle)
    assert len(cards) == len(gate["slices"]) == 1
    sla = gate["slices"][0]["criteria"]["sla"]["details"]
    text = cards["billing"]
    assert f"p95 {sla['p95_ms']:.3g} ms" in text and f"budget {sla['budget_ms']:.3g} ms" in text
    assert f"[{sla['p95_lower_ms']:.3g} ms, {sla['p95_upper_ms']:.3g} ms]" in text
    verdicts = page.evaluate(
        "[...document.querySelectorAll('article.card .verdicts li')].map(li => li.innerText"
        ".split('\\n')[0].trim())"
    )
    expected = "PASS" if which == "green" else "FAIL"
    assert (
        len(verdicts) == 6
        and f"{expected} imports" in verdicts
        and f"{expected} p95 SLA" in verdicts
    )
    charts = page.evaluate(
        "[...document.querySelectorAll('figure.sla')].map(f => ["
        "f.querySelectorAll('svg line.budget').length, f.querySelectorAll('svg rect.band').length,"
        "f.querySelector('svg path.curve').getAttribute('d').length])"
    )
    assert charts and all(
        budget >= 1 and band >= 1 and curve > 100 for budget, band, curve in charts
    )


@needs_chromium
def test_a_red_import_is_drawn_as_its_chain_of_hops(browser, red_bundle):
    page = browser.open(red_bundle / "report.html", width=DESKTOP)
    hops = page.evaluate(
        "[...document.querySelector('section.slice ol.chain').children].map(li => "
        "[li.className, li.querySelector('code').textContent])"
    )
    assert hops == [
        ["hop", "prod/billing/api.py:1"],
        ["hop", "prod/shared/fx.py:1"],
        ["crossing", "prod/shared/rates.py:1"],
        ["target", "labs/fx_feed.py"],
    ]


@needs_chromium
@pytest.mark.parametrize("media", ["", "print"])
def test_readable_on_a_phone_and_in_print(browser, red_bundle, media):
    page = browser.open(red_bundle / "report.html", width=PHONE, height=800)
    page.resize(PHONE, 800, media)
    assert no_sideways_scroll(page)
    columns = page.evaluate("getComputedStyle(document.querySelector('.cards'))"
                            ".gridTemplateColumns.split(' ').length")  # fmt: skip
    assert columns == (2 if media == "print" else 1)
    assert page.problems() == []
    if media == "print":
        assert page.pdf().startswith(b"%PDF")


@needs_chromium
def test_the_check_for_console_errors_can_fail(browser, green_bundle, tmp_path):
    """The page's policy blocks anything fetched, and the block is reported."""
    html = (green_bundle / "report.html").read_text()
    page_path = tmp_path / "report.html"
    page_path.write_text(
        html.replace("</main>", '<img src="https://example.invalid/x.png"></main>')
    )
    page = browser.open(page_path)
    assert any("Content Security Policy" in p for p in page.problems()), page.problems()


def test_the_report_is_in_the_bundle_digests_and_attestation(green_bundle):
    assert verify(green_bundle) == []
    assert "  report.html\n" in (green_bundle / "SHA256SUMS").read_text()
    statement = json.loads((green_bundle / "attestation.intoto.json").read_text())
    assert "report.html" in {s["name"] for s in statement["subject"]}


def test_the_report_is_self_contained(red_bundle):
    html = (red_bundle / "report.html").read_text()
    for fetches in ("<script", "http://", "https://", "url(", "@import", "<link", " src="):
        assert fetches not in html
    assert "default-src 'none'" in html


def test_bundle_strings_are_escaped(green_bundle):
    gate = copy.deepcopy(load(green_bundle))
    gate["slices"][0]["criteria"]["lane"].update(status="fail", reason="<script>alert(1)</script>")
    html = html_report.render(gate)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_huge_run_stays_under_two_megabytes(green_bundle, red_bundle):
    gate = load(red_bundle)
    sla = json.loads((red_bundle / "sla.json").read_text())
    row, finding = (
        gate["slices"][0],
        gate["slices"][0]["criteria"]["imports"]["details"]["findings"][0],
    )
    finding["chain"] *= 10
    row["criteria"]["imports"]["details"]["findings"] = [finding] * 60
    gate["slices"] = [{**copy.deepcopy(row), "name": f"prod.s{i}", "path": f"prod/s{i}"}
                      for i in range(120)]  # fmt: skip
    tests = {}
    for i in range(120):
        for t in sla["tests"]:
            tests[f"prod/s{i}::{t['nodeid']}"] = {**t, "nodeid": f"prod/s{i}::{t['nodeid']}",
                                                  "slice": f"prod/s{i}", "samples_ns": t["samples_ns"] * 20}  # fmt: skip
    sla["tests"] = list(tests.values())
    for s in gate["slices"]:
        s["criteria"]["sla"]["details"]["tests"] = {
            k: v for k, v in tests.items() if v["slice"] == s["path"]
        }
    html = html_report.render(gate, sla)
    assert len(html.encode()) < 2_000_000
    assert "more: see imports.json in the bundle" in html


def test_the_curve_is_the_samples_cumulative_distribution():
    steps = latency_svg.thin([3.0, 1.0, 2.0, 4.0], points=10)
    assert steps == [(1.0, 0.25), (2.0, 0.5), (3.0, 0.75), (4.0, 1.0)]
    many = latency_svg.thin([float(v) for v in range(1, 10_001)], points=100)
    assert len(many) == 100 and many[0] == (1.0, 1e-4) and many[-1] == (10_000.0, 1.0)
    assert latency_svg.render([], [{"budget_ms": 1}]) == ""


def test_the_readme_shows_a_screenshot_of_this_repositorys_report():
    readme = (ROOT / "README.md").read_text()
    assert "](docs/report.png)" in readme
    png = (ROOT / "docs" / "report.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) < 400_000


def test_a_criterion_that_could_not_look_says_why_instead_of_all_clear(green_bundle):
    gate = copy.deepcopy(load(green_bundle))
    reason = "the import scan did not run: the gate cannot vouch for the slice's imports"
    gate["slices"][0]["criteria"]["imports"] = {
        "criterion": "imports", "status": "fail", "reason": reason, "where": None, "details": {},
    }  # fmt: skip
    html = html_report.render(gate)
    assert "No import reaches a denied lane." not in html
    assert html.count(escape(reason)) == 2  # the card and the slice's section
