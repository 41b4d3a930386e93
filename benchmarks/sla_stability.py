"""Run the gate's SLA tests N times back to back and report whether the verdicts agree.

    python benchmarks/sla_stability.py                  # this repo, 10 runs
    python benchmarks/sla_stability.py --demo /tmp/demo # a generated repo with three slices
    python benchmarks/sla_stability.py --runs 10 -- -n 2

Each run is ``pytest --lukhas-gate --lukhas-sla-json ... ROOT/<accepted lane root>`` (plus
any pytest arguments after ``--``); the verdict of every SLA test and of every slice is
read from sla.json. Exit status 0 when every run gave the same verdicts, 1 otherwise,
2 when a run could not be made. Other criteria may be red; only the SLA verdicts count.

``--demo DIR`` first writes a repository with the three accepted-lane slices of the
LUKHAS seed (their manifests from tests/fixtures/seed_manifests: budgets 50, 30 and
250 ms) whose dry-run functions take microseconds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from pytest_lukhas.lanes import DEFAULT_CONFIG, load_lanes

HERE = Path(__file__).resolve().parent.parent
SEED_MANIFESTS = HERE / "tests" / "fixtures" / "seed_manifests"

DEMO_SLICES = {
    "consent_ledger.json": (
        "record_consent",
        "import hashlib\n\n\n"
        "def record_consent(subject_id: str, scope: str, dry_run: bool = True) -> dict:\n"
        "    digest = hashlib.sha256(f'{subject_id}:{scope}'.encode()).hexdigest()\n"
        "    return {'id': digest[:16], 'scope': scope, 'recorded': not dry_run}\n",
        "'subject-1', 'analytics'",
    ),
    "passkey.json": (
        "verify_passkey",
        "import hashlib\nimport hmac\n\n_KEY = b'dry-run-key'\n\n\n"
        "def verify_passkey(credential_id: str, signature: str) -> bool:\n"
        "    expected = hmac.new(_KEY, credential_id.encode(), hashlib.sha256).hexdigest()\n"
        "    return hmac.compare_digest(expected, signature)\n",
        "'cred-1', '0' * 64",
    ),
    "context.json": (
        "handoff_context",
        "import json\n\n\n"
        "def handoff_context(context: dict, target: str) -> dict:\n"
        "    payload = json.loads(json.dumps(context))\n"
        "    return {'target': target, 'keys': sorted(payload), 'dry_run': True}\n",
        "{'user': 'u-1', 'turns': list(range(20))}, 'planner'",
    ),
}


def write_demo(root: Path) -> None:
    """A repository with ops/matriz.yaml and the three seed slices, each with an SLA test."""
    if root.exists():
        shutil.rmtree(root)
    (root / "ops").mkdir(parents=True)
    shutil.copy(HERE / DEFAULT_CONFIG, root / DEFAULT_CONFIG)
    (root / "pytest.ini").write_text("[pytest]\n")
    (root / "candidate").mkdir()
    (root / "candidate" / "__init__.py").write_text("")
    for manifest_name, (function, source, call_args) in DEMO_SLICES.items():
        manifest = json.loads((SEED_MANIFESTS / manifest_name).read_text())
        folder = root.joinpath(*manifest["module"].split("."))
        (folder / "tests").mkdir(parents=True)
        for package in [*folder.relative_to(root).parents][:-1]:
            (root / package / "__init__.py").touch()
        (folder / "__init__.py").write_text("")
        (folder / "api.py").write_text(source)
        (folder / "tests" / "__init__.py").write_text("")
        (folder / "tests" / "test_sla.py").write_text(
            f"from ..api import {function}\n\n\n"
            f"def test_{function}_within_budget(sla_benchmark):\n"
            f"    sla_benchmark({function}, {call_args})\n"
        )
        (folder / "MODULE_MANIFEST.json").write_text(json.dumps(manifest, indent=2))


def run_once(root: Path, target: str, extra: list[str], out: Path) -> float:
    command = [
        sys.executable, "-m", "pytest", "--lukhas-gate", "-p", "no:cacheprovider", "-q",
        "--lukhas-sla-json", str(out), target, *extra,
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode > 1 or not out.exists():
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"pytest exited {done.returncode}; see the output above")
    return time.perf_counter() - start


def verdicts(document: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Per test its status; per slice 'pass' when it has SLA tests and all passed."""
    tests = {t["nodeid"]: t["status"] for t in document["tests"]}
    by_slice: dict[str, list[bool]] = defaultdict(list)
    for t in document["tests"]:
        if t["slice"]:
            by_slice[t["slice"]].append(t["passed"])
    slices = {name: "pass" if all(ok) else "FAIL" for name, ok in by_slice.items()}
    return tests, slices


def describe(document: dict) -> str:
    cells = []
    for t in sorted(document["tests"], key=lambda t: t["slice"] or ""):
        check = (t.get("checks") or [{}])[0]
        upper = check.get("upper_ms")
        bound = f" p95<={upper:.4f}ms/{check['budget_ms']:g}" if upper is not None else ""
        cells.append(f"{(t['slice'] or t['nodeid']).rsplit('/', 1)[-1]}={t['status']}{bound}")
    return "  ".join(cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--root", type=Path, default=Path.cwd(), help="repository (default: .)")
    where.add_argument("--demo", type=Path, help="generate the three-slice demo repo here")
    parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments")
    args = parser.parse_args(argv)
    root = args.demo or args.root
    if args.demo:
        write_demo(args.demo)
    config = load_lanes(root / DEFAULT_CONFIG, root)
    target = config.accepted.root or "."
    seen: list[tuple[dict[str, str], dict[str, str]]] = []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(1, args.runs + 1):
            out = Path(scratch) / f"sla-{run}.json"
            seconds = run_once(root, target, args.pytest_args, out)
            document = json.loads(out.read_text())
            seen.append(verdicts(document))
            print(f"run {run:2d} ({seconds:5.1f} s): {describe(document)}")
    identical = all(v == seen[0] for v in seen)
    slices = ", ".join(f"{k}={v}" for k, v in sorted(seen[0][1].items())) or "none"
    print(f"{args.runs} runs, SLA slices: {slices}; verdicts identical: {identical}")
    return 0 if identical and seen[0][0] else 1


if __name__ == "__main__":
    sys.exit(main())
