"""report.html: the gate run drawn for a reviewer, from gate.json and sla.json.

One self-contained file: inline CSS and SVG, no script, and a Content-Security-Policy that
forbids loading anything, so it opens offline from a downloaded artifact. A card per slice
with its six verdicts; then per slice the latency distributions against the budgets, each
import violation as its chain of hops, the emit-point coverage and the flag states tested.
It stays under :data:`MAX_BYTES` by drawing less detail when a run is very large.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any

from ..report import short_names
from ..selection import Selection
from ..verdicts import Criterion
from . import latency_svg

MAX_BYTES = 2_000_000 - 50_000  # the promise is "under 2 MB"; keep a margin
_LABELS = {"lane": "lane", "imports": "imports", "matriz": "MATRIZ", "tests": "tests",
           "sla": "p95 SLA", "dry_run": "dry run"}  # fmt: skip


@dataclass(frozen=True)
class Detail:
    """How much to draw: points per latency curve, import findings per slice."""

    points: int
    findings: int


DETAIL_LEVELS = (Detail(600, 50), Detail(150, 10), Detail(40, 3), Detail(0, 0))


def render(gate: dict[str, Any], sla: dict[str, Any] | None = None) -> str:
    """The page; ``sla`` is sla.json (raw samples), absent when nothing was measured."""
    for detail in DETAIL_LEVELS:
        page = _page(gate, sla, detail)
        if len(page.encode("utf-8")) <= MAX_BYTES:
            return page
    return page


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _ms(value: object) -> str:
    return f"{value:.3g} ms" if isinstance(value, int | float) else "-"


def _page(gate: dict[str, Any], sla: dict[str, Any] | None, detail: Detail) -> str:
    slices = gate.get("slices") or []
    names = short_names([s["name"] for s in slices])
    sla_tests = (sla or {}).get("tests") or []
    verdict = "GREEN" if gate.get("green") else "RED"
    sha = str(gate["commit"]["sha"])
    body = [
        _header(gate, verdict),
        '<section class="cards" aria-label="slices">',
        *(_card(row, name) for row, name in zip(slices, names, strict=True)),
        "</section>",
        *(
            _slice_detail(
                row, name, [t for t in sla_tests if t.get("slice") == row["path"]], detail
            )
            for row, name in zip(slices, names, strict=True)
        ),
        _repository(gate, detail),
        f"<footer>Drawn from gate.json{' and sla.json' if sla else ''} of bundle "
        f"<code>lukhas-gate-{_e(sha)}</code> by lukhas-gate {_e(gate['tool']['version'])}; "
        "<code>lukhas-gate verify</code> checks the bundle's digests.</footer>",
    ]
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>LUKHAS gate {verdict} · {_e(sha[:12])}</title><style>{CSS}</style></head>"
        f'<body class="{verdict.lower()}"><main>' + "\n".join(body) + "</main></body></html>\n"
    )


def _badge(status: str) -> str:
    ok = status == "pass"
    return f'<span class="badge {"pass" if ok else "fail"}">{"PASS" if ok else "FAIL"}</span>'


def _header(gate: dict[str, Any], verdict: str) -> str:
    commit, tests, machine = gate["commit"], gate["tests"], gate["machine"]
    partial = " (partial gate)" if gate.get("partial") else ""
    ref = f" on <code>{_e(commit['ref'])}</code>" if commit.get("ref") else ""
    dirty = " <strong>with uncommitted changes</strong>" if commit.get("dirty") else ""
    counts = ", ".join(
        f"{tests[k]} {k}" for k in ("failed", "skipped", "deselected") if tests.get(k)
    )
    listed = list(gate.get("partial_reasons") or [])
    if scope := Selection.from_json(gate.get("selection")).note():
        listed.append(f"not the whole repository: {scope}")
    reasons = "".join(f"<li>{_e(r)}</li>" for r in listed)
    return (
        f'<header><h1>LUKHAS gate <span class="verdict {verdict.lower()}">{verdict}{partial}'
        f"</span></h1><p>Commit <code>{_e(commit['sha'])}</code>{ref}{dirty}</p>"
        f"<p>{tests['passed']}/{tests['total']} tests passed{', ' + counts if counts else ''} · "
        f"finished {_e(gate['finished_at'])} in {gate['duration_s']:.1f} s · "
        f"{_e(machine.get('python'))} on {_e(machine.get('cpu') or machine.get('platform'))}</p>"
        + (f'<ul class="partial">{reasons}</ul>' if reasons else "")
        + "</header>"
    )


def _headline(sla: dict[str, Any]) -> str:
    if sla.get("p95_ms") is None:
        return f"p95 not measured / budget {_ms(sla.get('budget_ms'))}"
    return (
        f"p95 {_ms(sla['p95_ms'])} [{_ms(sla.get('p95_lower_ms'))}, "
        f"{_ms(sla.get('p95_upper_ms'))}] / budget {_ms(sla.get('budget_ms'))}"
    )


def _anchor(name: str) -> str:
    return "slice-" + "".join(ch if ch.isalnum() else "-" for ch in name)


def _card(row: dict[str, Any], name: str) -> str:
    criteria = row["criteria"]
    items = []
    for criterion in Criterion:
        verdict = criteria[criterion.value]
        why = ""
        if verdict["status"] != "pass":
            where = f" <code>{_e(verdict['where'])}</code>" if verdict.get("where") else ""
            why = f'<span class="why">{_e(verdict["reason"])}{where}</span>'
        items.append(f"<li>{_badge(verdict['status'])} {_LABELS[criterion.value]}{why}</li>")
    tests = criteria["tests"]["details"]
    counts = f"{tests.get('passed', 0)}/{tests.get('total', 0)} tests passed" if tests else ""
    state = "pass" if row.get("green") else "fail"
    return (
        f'<article class="card {state}"><h2><a href="#{_anchor(name)}">{_e(name)}</a> '
        f'{_badge(state)}</h2><p class="path"><code>{_e(row["path"])}/</code></p>'
        f'<ul class="verdicts">{"".join(items)}</ul>'
        f'<p class="headline">{_headline(criteria["sla"]["details"])}</p>'
        f'<p class="counts">{counts}</p></article>'
    )


def _slice_detail(
    row: dict[str, Any], name: str, sla_tests: list[dict[str, Any]], detail: Detail
) -> str:
    criteria = row["criteria"]
    return "".join(
        [
            f'<section class="slice" id="{_anchor(name)}"><h2>{_e(name)}</h2>',
            "<h3>Latency against the budget</h3>",
            _latency(criteria["sla"], sla_tests, detail),
            "<h3>Import boundaries</h3>",
            _imports(criteria["imports"], detail),
            "<h3>MATRIZ emit points</h3>",
            _coverage(criteria["matriz"]["details"]),
            "<h3>Feature-flag states tested</h3>",
            _flags(criteria["dry_run"]["details"]),
            "</section>",
        ]
    )


def _latency(verdict: dict[str, Any], sla_tests: list[dict[str, Any]], detail: Detail) -> str:
    gate_tests = verdict["details"].get("tests") or {}
    by_id = {t.get("nodeid"): t for t in sla_tests}
    if not gate_tests:
        return f"<p>No SLA test measured this slice: {_e(verdict['reason'])}</p>"
    per_chart = max(detail.points // max(len(gate_tests), 1), 40) if detail.points else 0
    figures = []
    for nodeid, test in sorted(gate_tests.items()):
        samples = [ns / 1e6 for ns in (by_id.get(nodeid) or {}).get("samples_ns") or ()]
        chart = latency_svg.render(samples, test.get("checks") or (), per_chart)
        checks = "".join(_check_line(c) for c in test.get("checks") or ())
        problem = f'<p class="why">{_e(test["problem"])}</p>' if test.get("problem") else ""
        figures.append(
            f'<figure class="sla {"pass" if test.get("passed") else "fail"}">{chart}'
            f"<figcaption><code>{_e(nodeid)}</code> · n = {_e(test.get('n'))} · "
            f"{_badge('pass' if test.get('passed') else 'fail')}<ul>{checks}</ul>{problem}"
            "</figcaption></figure>"
        )
    return '<div class="figures">' + "".join(figures) + "</div>"


def _check_line(check: dict[str, Any]) -> str:
    estimate, budget = check.get("estimate_ms"), check.get("budget_ms")
    relation = "≤" if isinstance(estimate, int | float) and estimate <= (budget or 0) else ">"
    confidence = check.get("confidence")
    level = f"{confidence:.1%} " if isinstance(confidence, int | float) else ""
    return (
        f"<li><strong>{_e(check.get('quantile'))} {_ms(estimate)}</strong> {relation} budget "
        f"{_ms(budget)} · {level}bounds [{_ms(check.get('lower_ms'))}, "
        f"{_ms(check.get('upper_ms'))}]</li>"
    )


def _imports(verdict: dict[str, Any], detail: Detail) -> str:
    findings = verdict["details"].get("findings") or []
    if verdict["status"] != "pass" and not findings:
        return f'<p class="why">{_e(verdict["reason"])}</p>'
    return _findings(findings, detail)


def _findings(findings: list[dict[str, Any]], detail: Detail) -> str:
    if not findings:
        return '<p class="ok">No import reaches a denied lane.</p>'
    shown = findings[: detail.findings]
    more = len(findings) - len(shown)
    items = "".join(_finding(f) for f in shown)
    tail = f"<p>… and {more} more: see imports.json in the bundle.</p>" if more else ""
    return f'<div class="findings">{items}</div>{tail}'


def _finding(finding: dict[str, Any]) -> str:
    where = finding.get("file", "?") + (f":{finding['line']}" if finding.get("line") else "")
    severity = str(finding.get("severity", "error"))
    hops = finding.get("chain") or []
    chain = ""
    if hops:
        steps = "".join(
            f'<li class="{"crossing" if i == len(hops) - 1 else "hop"}"><code class="where">'
            f"{_e(hop.get('file'))}:{_e(hop.get('line'))}</code> <code>{_e(hop.get('text'))}</code>"
            f'<span class="to">→ {_e(hop.get("imported"))}</span></li>'
            for i, hop in enumerate(hops)
        )
        target = finding.get("target")
        end = f'<li class="target"><code>{_e(target)}</code></li>' if target else ""
        chain = f'<ol class="chain">{steps}{end}</ol>'
    test = f"<p>triggered by <code>{_e(finding['test'])}</code></p>" if finding.get("test") else ""
    rules = "".join(f'<p class="rule">rule: {_e(r)}</p>' for r in finding.get("rules") or [] if r)
    baselined = " (baselined)" if finding.get("baselined") else ""
    return (
        f'<div class="finding {_e(severity)}"><p><span class="kind">{_e(finding.get("kind"))}'
        f"</span> <code>{_e(where)}</code> {_e(finding.get('message'))}{baselined}</p>"
        f'{chain}{test}{rules}<p class="fix">fix: {_e(finding.get("remedy"))}</p></div>'
    )


def _coverage(details: dict[str, Any]) -> str:
    declared = details.get("declared")
    if declared is None:
        return "<p>Not checked: the MATRIZ criterion had nothing to look at.</p>"
    emitted = details.get("emitted") or {}
    rows = "".join(
        f"<tr><td><code>{_e(point)}</code></td><td>{emitted.get(point, 0)}</td>"
        f"<td>{_badge('pass' if emitted.get(point) else 'fail')}</td></tr>"
        for point in declared
    )
    rows += "".join(
        f"<tr><td><code>{_e(point)}</code> (not declared)</td><td>{_e(count)}</td>"
        f"<td>{_badge('fail')}</td></tr>"
        for point, count in sorted((details.get("undeclared") or {}).items())
    )
    invalid = len(details.get("invalid") or [])
    note = f'<p class="why">{invalid} node(s) the schema refuses.</p>' if invalid else ""
    return (
        '<div class="scroll"><table><thead><tr><th>emit point</th><th>nodes from passing tests'
        f"</th><th></th></tr></thead><tbody>{rows}</tbody></table></div>{note}"
    )


def _flags(details: dict[str, Any]) -> str:
    if "flag" not in details:
        return "<p>Not checked: the dry-run criterion had nothing to look at.</p>"
    providers = details.get("providers") or {}
    rows = "".join(
        f"<tr><td>{label}</td><td>{_e(details.get(runs, 0))}</td>"
        f"<td>{_e(', '.join(providers.get(state) or []) or '-')}</td></tr>"
        for label, runs, state in (
            ("off (the default, dry run)", "off_runs", "off"),
            ("on (live provider)", "on_runs", "on"),
        )
    )
    scopes = sorted(
        {s for values in (details.get("consent_scopes") or {}).values() for s in values}
    )
    facts = [
        f"{_e(details.get('guarded_tests', 0))} test(s) ran under the dry-run guard",
        f"{_e(details.get('side_effects', 0))} side effect(s)",
        f"{_e(details.get('consent_refusals', 0))} consent refusal(s) seen"
        + (f" for {_e(', '.join(scopes))}" if scopes else ""),
    ]
    frozen = details.get("frozen_reads") or []
    if frozen:
        facts.append("flag read at import: " + ", ".join(f"<code>{_e(w)}</code>" for w in frozen))
    return (
        f'<p>Flag <code>{_e(details["flag"])}</code></p><div class="scroll"><table><thead><tr>'
        "<th>state</th><th>passing runs</th><th>providers seen</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div><p>{' · '.join(facts)}</p>"
    )


def _repository(gate: dict[str, Any], detail: Detail) -> str:
    checks = gate.get("repo_checks") or []
    in_slices = {
        f.get("fingerprint")
        for row in gate.get("slices") or []
        for f in row["criteria"]["imports"]["details"].get("findings") or []
    }
    items = "".join(
        f"<li>{_badge(c['status'])} {_e(c['criterion'])}"
        + (f' <span class="why">{_e(c["reason"])}</span>' if c["status"] != "pass" else "")
        + "</li>"
        for c in checks
    )
    others: Iterable[dict[str, Any]] = [
        f
        for c in checks
        if c.get("criterion") == "imports"
        for f in (c.get("details") or {}).get("findings") or []
        if f.get("fingerprint") not in in_slices
    ]
    others = list(others)
    findings = (
        "<h3>Import findings outside the slices</h3>" + _findings(others, detail) if others else ""
    )
    return (
        f'<section class="repo"><h2>Repository checks</h2><ul class="verdicts">{items}</ul>'
        f"{findings}</section>"
    )


CSS = """
:root{--pass:#1a7f37;--fail:#cf222e;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;
--card:#fff;--bg:#f6f8fa;--band:rgba(9,105,218,.18);--accent:#0969da}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.6rem;margin:.2em 0}h2{font-size:1.2rem;margin:.3em 0}
h3{font-size:1rem;margin:1.2em 0 .4em;color:var(--muted)}
code{font:.85em/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
header{margin-bottom:12px}header p{margin:.2em 0;color:var(--muted)}
.verdict{padding:.1em .5em;border-radius:6px;color:#fff}
.verdict.green{background:var(--pass)}.verdict.red{background:var(--fail)}
.badge{display:inline-block;min-width:3.4em;text-align:center;font-size:.75rem;font-weight:700;
padding:.05em .4em;border-radius:4px;border:1px solid currentColor}
.badge.pass{color:var(--pass)}.badge.fail{color:var(--fail)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.card,.slice,.repo{background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:12px 14px}
.card.fail{border-left:5px solid var(--fail)}.card.pass{border-left:5px solid var(--pass)}
.card h2{font-size:1.05rem}.card h2 a{color:inherit;text-decoration:none;overflow-wrap:anywhere}
.path{margin:0;color:var(--muted)}
.verdicts{list-style:none;padding:0;margin:.5em 0}.verdicts li{margin:.25em 0}
.why{display:block;margin:.15em 0 .2em 4em;color:var(--fail);font-size:.9em;overflow-wrap:anywhere}
.headline{font-weight:600;margin:.4em 0 0}.counts{margin:.2em 0 0;color:var(--muted)}
.slice,.repo{margin-top:16px}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px;min-width:0}
figure.fail{border-color:var(--fail)}
figcaption{font-size:.85em}figcaption ul{margin:.3em 0;padding-left:1.2em}
svg.ecdf{width:100%;height:auto;display:block}
svg .plot{fill:none;stroke:var(--line)}svg .grid{stroke:#eaeef2}
svg .tick,svg .axis,svg .budget-label{font:11px system-ui,sans-serif;fill:var(--muted)}
svg .budget-label{fill:var(--fail);font-weight:700}
svg .curve{fill:none;stroke:var(--accent);stroke-width:1.8}
svg .band{fill:var(--band)}svg .estimate{stroke:var(--accent);stroke-dasharray:4 3}
svg .level{stroke:var(--muted);stroke-dasharray:2 3}svg .budget{stroke:var(--fail);stroke-width:2}
.finding{border-left:4px solid var(--fail);padding:.3em .7em;margin:.6em 0;background:#fff8f8}
.finding.warning{border-left-color:#9a6700;background:#fffbea}.finding p{margin:.25em 0}
.kind{font-weight:700;text-transform:uppercase;font-size:.75em;color:var(--fail)}
ol.chain{list-style:none;margin:.4em 0;padding:0 0 0 .6em;border-left:2px solid var(--line)}
ol.chain li{margin:.25em 0;padding-left:.5em}
ol.chain li+li::before{content:"↓ ";color:var(--muted)}
ol.chain li.crossing{color:var(--fail);font-weight:600}
ol.chain li.target{color:var(--fail)}.to{margin-left:.4em;color:var(--muted)}
.fix{color:var(--muted)}.ok{color:var(--pass)}.rule{color:var(--muted)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.9em}th,td{text-align:left;padding:.25em .6em;
border-bottom:1px solid var(--line)}
footer{margin:20px 0;color:var(--muted);font-size:.85em}
@media (max-width:600px){
main{padding:8px}body{font-size:14px}
.cards,.figures{grid-template-columns:1fr}
.why{margin-left:0}h1{font-size:1.3rem}
}
@media print{
body{background:#fff;font-size:11pt}main{max-width:none;padding:0}
.card,figure,.finding{break-inside:avoid}.card,.slice,.repo,figure{border-color:#999}
.slice{break-before:page}a{color:inherit;text-decoration:none}
.cards{grid-template-columns:repeat(2,1fr)}.figures{grid-template-columns:1fr 1fr}
.scroll{overflow:visible}
}
"""
