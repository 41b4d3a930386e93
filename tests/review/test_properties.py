"""Invariants of the reviewer's pages over generated input (hypothesis)."""

from __future__ import annotations

import copy
import itertools
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_lukhas.bundle import comment, github, html_report, latency_svg, md
from tests.review.test_github import FakeGitHub

BOT = "github-actions[bot]"


@given(st.text())
def test_markdown_text_is_one_line_that_opens_nothing(value):
    text = md.text(value)
    assert "\n" not in text and "\r" not in text
    assert not {"<", ">", "@"} & set(text)
    assert all(text[i - 1] == "\\" for i, ch in enumerate(text) if ch == "|")


@given(st.lists(st.floats(0.001, 1e5), min_size=1, max_size=3000), st.integers(2, 700))
def test_the_curve_steps_up_to_every_sample(values, points):
    steps = latency_svg.thin(values, points)
    assert len(steps) <= points
    assert steps[0][0] == min(values) and steps[-1] == (max(values), 1.0)
    assert all(a[0] <= b[0] and a[1] < b[1] for a, b in itertools.pairwise(steps))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def _tags(page: str) -> list[str]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=200), st.text(max_size=80))
def test_bundle_strings_add_no_element_to_the_report(green_gate_json, reason, where):
    gate = copy.deepcopy(green_gate_json)
    plain = copy.deepcopy(gate)
    for target, text in ((gate, reason), (plain, "x")):
        target["slices"][0]["criteria"]["sla"].update(status="fail", reason=text, where="w")
    gate["slices"][0]["criteria"]["sla"]["where"] = where or "w"
    assert _tags(html_report.render(gate)) == _tags(html_report.render(plain))


MARKED = st.sampled_from([
    (BOT, comment.MARKER + "\nold"), ("someone", comment.MARKER + " quoted"),
    (BOT, "Thanks for the PR"), ("someone", "LGTM"),
])  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    st.lists(MARKED, max_size=7), st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=4)
)
def test_posting_any_number_of_times_leaves_one_marked_comment(existing, bodies):
    fake = FakeGitHub("issue_comments_without_marker.json")
    fake.comments = [
        {"id": i + 1, "user": {"login": login}, "body": body}
        for i, (login, body) in enumerate(existing)
    ]
    before = len(fake.marked())
    client = github.Client("t0ken", transport=fake)
    for body in bodies:
        github.upsert_comment(client, "lukhas-ai/lukhas", 17, comment.MARKER + body)
    assert len(fake.marked()) == max(before, 1)
    assert [m for m, _ in fake.writes()].count("POST") == (0 if before else 1)
    first_marked = next(c for c in fake.comments if c in fake.marked())
    assert first_marked["body"] == comment.MARKER + bodies[-1]
