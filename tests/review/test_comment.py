"""The PR comment rendered from real bundles of a green and a red gate run."""

from __future__ import annotations

import copy
import json

from pytest_lukhas.bundle import comment, md
from pytest_lukhas.cli import main
from tests.review.conftest import HEAD_SHA

URL = "https://github.com/lukhas-ai/lukhas/actions/runs/1/artifacts/2"


def load(bundle) -> dict:
    return json.loads((bundle / "gate.json").read_text())


def pr_bundle(bundle, **kw) -> comment.PrBundle:
    return comment.PrBundle(load(bundle), artifact_name="lukhas-gate-x-py3.11", **kw)


def test_a_green_gate_ticks_every_item_and_shows_p95_against_budget(green_bundle):
    gate = load(green_bundle)
    text = comment.render([pr_bundle(green_bundle, artifact_url=URL)],
                          comment.Run(head_sha=HEAD_SHA, conclusion="success"))  # fmt: skip
    assert text.startswith(comment.MARKER + "\n## LUKHAS gate: ✅ GREEN · commit `c0ffee0ddc1c`")
    assert text.count("- [x] ✅") == 7 and "- [ ]" not in text
    sla = gate["slices"][0]["criteria"]["sla"]["details"]
    row = (f"| `billing` | 5/5 | {md.ms(sla['p95_ms'])} [{md.ms(sla['p95_lower_ms'])}, "
           f"{md.ms(sla['p95_upper_ms'])}] | 50 ms | ✅ |")  # fmt: skip
    assert row in text
    assert f"- [`lukhas-gate-x-py3.11`]({URL})" in text
    assert "No bundle of the base branch to compare with." in text


def test_a_red_gate_crosses_items_with_the_reasons(red_bundle):
    text = comment.render([pr_bundle(red_bundle, artifact_url=URL)], comment.Run(HEAD_SHA))
    assert "## LUKHAS gate: ❌ RED" in text
    crossed = [line for line in text.splitlines() if line.startswith("- [ ] ❌")]
    assert [line.split("**")[1] for line in crossed] == [
        "Acceptance gate:", "No imports from `labs/`", "Dry-run behaviour deterministic;",
        "p95 latency",
    ]  # fmt: skip
    assert "  - `billing` · imports: [import] prod.billing.api reaches labs.fx_feed" in text
    assert "  - `billing` · sla: p95 lower bound" in text
    assert "| 1 ms | ❌ |" in text  # the slow test's budget is the slice's headline


def test_the_comparison_with_the_base_branch_lists_regressions(green_bundle, red_bundle):
    base = load(green_bundle)
    text = comment.render([pr_bundle(red_bundle, artifact_url=URL, base=base)],
                          comment.Run(HEAD_SHA, base_ref="main"))  # fmt: skip
    assert "### Compared with `main`" in text
    assert "**CPython" in text and "regression(s)" in text
    assert "- `billing` imports: pass → fail" in text
    assert "<details><summary>Full comparison</summary>" in text
    again = comment.render([pr_bundle(green_bundle, artifact_url=URL, base=base)],
                           comment.Run(HEAD_SHA, base_ref="main"))  # fmt: skip
    assert "✅ no regressions" in again


def test_one_comment_for_both_pythons_says_which_one_is_red(green_bundle, red_bundle):
    red = load(red_bundle)
    red["machine"]["python"] = "CPython 3.12.7"
    bundles = [pr_bundle(green_bundle, artifact_url=URL),
               comment.PrBundle(red, artifact_name="py3.12", artifact_url=URL)]  # fmt: skip
    text = comment.render(bundles, comment.Run(HEAD_SHA))
    assert "## LUKHAS gate: ❌ RED" in text
    assert "(CPython 3.12.7 only)" in text
    assert "| `billing` | CPython 3.12.7 | 5/6, 1 failed |" in text


def test_bundle_strings_cannot_open_html_or_mention_people(green_bundle):
    gate = copy.deepcopy(load(green_bundle))
    gate["slices"][0]["criteria"]["sla"].update(
        status="fail", reason="<!-- lukhas-gate --> @org/team <img src=x>", where="a`b|c"
    )
    text = comment.render([comment.PrBundle(gate, artifact_url=URL)], comment.Run(HEAD_SHA))
    assert text.count("<!--") == 1  # only the marker
    assert "@org" not in text and "<img" not in text
    assert "&lt;!-- lukhas-gate --&gt; &#64;org/team &lt;img src=x&gt; — `a'b\\|c`" in text


def test_the_comment_stays_within_githubs_limit(green_bundle):
    gate = copy.deepcopy(load(green_bundle))
    row = gate["slices"][0]
    gate["slices"] = [{**copy.deepcopy(row), "name": f"prod.s{i}"} for i in range(400)]
    for s in gate["slices"]:
        s["criteria"]["lane"].update(status="fail", reason="x" * 400)
    text = comment.render([comment.PrBundle(gate, base=load(green_bundle))])
    assert len(text) <= comment.MAX_CHARS
    assert text.startswith(comment.MARKER)
    assert "… and 392 more" in text


def test_the_command_prints_the_comment(green_bundle, copy_bundle, capsys):
    bundle = copy_bundle(green_bundle, f"lukhas-gate-{HEAD_SHA}-py3.11")
    code = main(["comment", str(bundle.parent.parent), "--base", str(green_bundle),
                 "--artifact-url", URL, "--head-sha", HEAD_SHA])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith(comment.MARKER) and out.count("- [x]") == 7
    assert "✅ no regressions" in out


def test_the_command_refuses_a_folder_without_bundles(tmp_path, capsys):
    assert main(["comment", str(tmp_path)]) == 2
    assert "no gate bundle (a folder with gate.json) here or below" in capsys.readouterr().err


def test_the_command_refuses_a_gate_json_off_the_schema(green_bundle, copy_bundle, capsys):
    bundle = copy_bundle(green_bundle)
    (bundle / "gate.json").write_text(json.dumps({"slices": 3}))
    assert main(["comment", str(bundle)]) == 2
    assert "gate.json" in capsys.readouterr().err
