"""Criterion 6: flags off by default and read at call time, both flag states tested, consent.

Per slice, from the run's per-test evidence (``flags``, ``dry_run``, ``side_effects`` and
the captured MATRIZ nodes of ``matriz``) and the slice's files:

- no module of the slice, and no module of the accepted lane it imports at import time,
  reads a feature flag at import, directly or through the project's flag functions
  (frozen flags);
- no dry-run test of the slice caused a side effect;
- flag off: no test (passing or not) that ran with the flag off throughout saw another
  provider than null answer the slice's points; a passing test ran under the dry-run
  guard and the slice's nodes say ``provider:null`` answered (and no other provider); one
  such test left the flag unset, so the flag's default is off;
- flag on: a passing test's nodes of the slice say a provider other than null answered;
- every capability that declares consent scopes is guarded by ``consent_required`` for
  them, and for each scope some passing test saw the gate refuse (``consent:refused``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import capabilities, frozen_flags
from ..boundaries.resolve import import_roots
from ..evidence import Evidence, TestRecord
from ..lanes import LaneConfig
from ..manifests import MANIFEST_NAME, Manifest, Slice
from ..verdicts import Criterion, Status, Verdict

NULL = "null"
REFUSED = "consent:refused"
GUARD_ATTR = "__consent_scopes__"


@dataclass(frozen=True)
class Finding:
    reason: str
    where: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"reason": self.reason, "where": self.where}


def evaluate(slice_: Slice, config: LaneConfig, evidence: Evidence) -> Verdict:
    manifest = slice_.manifest
    if manifest is None:
        why = "no valid manifest, so no feature flag is declared (see the lane criterion)"
        return _fail([Finding(why, slice_.relpath)])
    if evidence.flags is None:
        return _fail(
            [Finding("the feature-flag fixtures were not active, so no flag state was recorded")]
        )
    flag = manifest.feature_flag
    watched = {*evidence.flags.known, flag, evidence.flags.dry_run_env}
    frozen = frozen_flags.scan(
        slice_.directory,
        config.repo_root,
        watched,
        roots=import_roots(config),
        follow=lambda relpath: config.lane_of(relpath) == config.accepted,
    )
    runs = _Runs(slice_, manifest, list(evidence.tests.values()))
    findings = [
        *(
            Finding(
                f"{r.flag} is read at import ({r.code}){_imported(r)}: its value is frozen for "
                "the whole process; read it inside the function that needs it",
                r.where,
            )
            for r in frozen
        ),
        *runs.side_effect_findings(),
        *runs.unsafe_findings(),
        *runs.off_findings(),
        *runs.default_findings(),
        *runs.on_findings(),
        *_consent_findings(slice_, manifest, config, runs),
    ]
    details: dict[str, Any] = {
        "flag": flag,
        "off_runs": len(runs.off_runs()),
        "on_runs": len(runs.on_runs()),
        "guarded_tests": sum(1 for t in runs.tests if t.data.get("dry_run") is True),
        "side_effects": sum(len(t.data.get("side_effects") or ()) for t in runs.of_slice()),
        "frozen_reads": [r.where for r in frozen],
        "consent_scopes": {c.name: list(c.consent_scopes) for c in _scoped(manifest)},
        "consent_refusals": len(runs.refusals()),
        "providers": runs.providers_seen(),
    }
    if findings:
        return _fail(findings, details)
    return Verdict(Criterion.DRY_RUN, Status.PASS, details=details)


def _imported(read: frozen_flags.FrozenRead) -> str:
    """Where a read outside the slice's folder comes from, for the finding."""
    if not read.via:
        return ""
    return f" in {read.path}, which the slice imports ({' -> '.join(read.via)})"


def _fail(findings: list[Finding], details: dict[str, Any] | None = None) -> Verdict:
    first = findings[0]
    more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
    return Verdict(
        Criterion.DRY_RUN,
        Status.FAIL,
        first.reason + more,
        where=first.where,
        details={**(details or {}), "problems": [f.to_json() for f in findings]},
    )


class _Runs:
    """The run's tests as criterion 6 sees them for one slice."""

    def __init__(self, slice_: Slice, manifest: Manifest, tests: list[TestRecord]) -> None:
        self.slice = slice_
        self.flag = manifest.feature_flag
        self.points = frozenset(manifest.emit_points)
        self.tests = tests

    def nodes(self, test: TestRecord) -> list[dict[str, Any]]:
        emitted = (test.data.get("matriz") or {}).get("emitted") or []
        return [n for n in emitted if n.get("point") in self.points]

    def providers(self, test: TestRecord) -> set[str]:
        return {
            label.split(":", 1)[1]
            for node in self.nodes(test)
            for label in node.get("labels") or ()
            if isinstance(label, str) and label.startswith("provider:")
        }

    def providers_seen(self) -> dict[str, list[str]]:
        """The providers whose ``provider:`` labels the slice's nodes carried, per flag state."""
        return {
            state: sorted({p for t in runs for p in self.providers(t)})
            for state, runs in (("off", self._passed_off()), ("on", self._passed_on()))
        }

    def flag_state(self, test: TestRecord) -> bool | None:
        return (test.data.get("flags") or {}).get(self.flag)

    def off_throughout(self, test: TestRecord) -> bool:
        """The flag was off for the whole call: off as recorded, and never turned on meanwhile
        (``monkeypatch.setenv`` included: ``flags_seen_on``)."""
        return self.flag_state(test) is False and self.flag not in (
            test.data.get("flags_seen_on") or ()
        )

    def of_slice(self) -> list[TestRecord]:
        return [t for t in self.tests if self.slice.holds(t.path) or self.nodes(t)]

    def _passed_off(self) -> list[TestRecord]:
        """Passing tests that ran with the flag off and emitted the slice's points."""
        return [t for t in self.tests if t.passed and self.off_throughout(t) and self.nodes(t)]

    def guarded_off(self) -> list[TestRecord]:
        return [
            t
            for t in self._passed_off()
            if t.data.get("dry_run") is True and not t.data.get("side_effects")
        ]

    def off_runs(self) -> list[TestRecord]:
        return [t for t in self.guarded_off() if self.providers(t) == {NULL}]

    def on_runs(self) -> list[TestRecord]:
        return [t for t in self._passed_on() if self.providers(t) - {NULL}]

    def _passed_on(self) -> list[TestRecord]:
        return [t for t in self.tests if t.passed and self.flag_state(t) is True]

    def unsafe_off(self) -> list[TestRecord]:
        """Tests (of any outcome) with the flag off throughout that another provider than
        null answered: the slice's flag-off default is not its safe built-in provider."""
        return [t for t in self.tests if self.off_throughout(t) and self.providers(t) - {NULL}]

    def unsafe_findings(self) -> list[Finding]:
        return [
            Finding(
                f"with {self.flag} off, provider:{', provider:'.join(sorted(real))} answered "
                f"{test.nodeid}: the null provider (the safe built-in one) must answer every "
                "flag-off call; choose the provider when called, from the flag",
                test.nodeid,
            )
            for test in self.unsafe_off()
            for real in [self.providers(test) - {NULL}]
        ]

    def refusals(self) -> list[TestRecord]:
        return [
            t for t in self.tests if t.passed and any(REFUSED in labels for labels in _labels(t))
        ]

    def side_effect_findings(self) -> list[Finding]:
        return [
            Finding(
                f"a dry-run test caused a side effect ({effect.get('kind')}: "
                f"{effect.get('detail')}) in {test.nodeid}",
                effect.get("where"),
            )
            for test in self.of_slice()
            for effect in test.data.get("side_effects") or ()
        ]

    def captured(self) -> bool:
        """Whether any test's MATRIZ nodes were captured (the emitter could be used)."""
        return any("matriz" in t.data and "unavailable" not in t.data["matriz"] for t in self.tests)

    def off_findings(self) -> list[Finding]:
        if self.off_runs():
            return []
        if not self.captured():
            return [Finding(_NO_CAPTURE)]
        candidates = self._passed_off()
        if not candidates:
            return [
                Finding(
                    f"no passing test ran with {self.flag} off and emitted the slice's points "
                    f"({', '.join(sorted(self.points))})",
                    f"{self.slice.relpath}/",
                )
            ]
        guarded = self.guarded_off()
        if not guarded:
            return [
                Finding(
                    f"the tests that ran with {self.flag} off ran without the dry-run guard; "
                    f"keep them in {self.slice.relpath}/ or mark them dry_run",
                    candidates[0].nodeid,
                )
            ]
        if self.unsafe_off():
            return []  # another provider answered: unsafe_findings says which and where
        return [
            Finding(
                f"with {self.flag} off the slice's nodes carry no provider: label, so the gate "
                "cannot tell that the null provider answered: label it provider:null",
                guarded[0].nodeid,
            )
        ]

    def default_findings(self) -> list[Finding]:
        """The flag's default is off: some flag-off run left it unset."""
        off = self.off_runs()
        if not off or any(self.flag in (t.data.get("flag_defaults") or ()) for t in off):
            return []
        return [
            Finding(
                f"every flag-off run set {self.flag} explicitly, so its default was never "
                "tested: run a test of the slice without setting the flag",
                off[0].nodeid,
            )
        ]

    def on_findings(self) -> list[Finding]:
        if self.on_runs() or not self.captured():
            return []  # a missing capture is reported once, by off_findings
        flag_on = self._passed_on()
        fix = (
            f'use @pytest.mark.feature_matrix("{self.flag}") or feature_flags.set({self.flag}=True)'
        )
        if not flag_on:
            return [
                Finding(f"no passing test ran with {self.flag} on; {fix}", f"{self.slice.relpath}/")
            ]
        if not any(self.nodes(t) for t in flag_on):
            return [
                Finding(
                    f"{len(flag_on)} test(s) ran with {self.flag} on, but none emitted the slice's "
                    f"points ({', '.join(sorted(self.points))})",
                    flag_on[0].nodeid,
                )
            ]
        return [
            Finding(
                f"with {self.flag} on only the null provider answered: register a provider in "
                "the flag-on test, so the gate sees it answer",
                flag_on[0].nodeid,
            )
        ]


_NO_CAPTURE = (
    "no MATRIZ nodes were captured in this run (no test carries 'matriz' evidence), so the "
    "gate cannot tell which provider answered"
)


def _labels(test: TestRecord) -> list[list[str]]:
    emitted = (test.data.get("matriz") or {}).get("emitted") or []
    return [list(n.get("labels") or ()) for n in emitted]


def _scoped(manifest: Manifest) -> list[Any]:
    return [c for c in manifest.capabilities if c.consent_scopes]


def _consent_findings(
    slice_: Slice, manifest: Manifest, config: LaneConfig, runs: _Runs
) -> list[Finding]:
    findings: list[Finding] = []
    for index, capability in enumerate(manifest.capabilities):
        where = f"{slice_.relpath}/{MANIFEST_NAME} at /capabilities/{index}"
        declared = set(capability.consent_scopes)
        try:
            obj = capabilities.resolve(manifest, capability, config.repo_root)
        except capabilities.ResolveError as exc:
            if declared:  # unscoped capabilities that do not resolve are criterion 3's
                findings.append(
                    Finding(f"cannot check the consent guard of {capability.name}: {exc}", where)
                )
            continue
        guarded = set(getattr(obj, GUARD_ATTR, ()) or ())
        missing, extra = sorted(declared - guarded), sorted(guarded - declared)
        if missing:
            findings.append(
                Finding(
                    f"{capability.name} declares consent scope(s) {', '.join(missing)} but is "
                    f"not guarded for them: decorate it with consent_required({missing[0]!r}, ...)",
                    where,
                )
            )
        if extra:
            findings.append(
                Finding(
                    f"{capability.name} is guarded for consent scope(s) {', '.join(extra)} that "
                    "the manifest does not list under consent_scopes",
                    where,
                )
            )
    refused = [labels for t in runs.refusals() for labels in _labels(t) if REFUSED in labels]
    for scope in sorted({s for c in _scoped(manifest) for s in c.consent_scopes}):
        if not any(f"scope:{scope}" in labels for labels in refused):
            findings.append(
                Finding(
                    f"no passing test saw the consent gate refuse scope {scope!r} (a node "
                    f"labelled {REFUSED} and scope:{scope}): test a call without consent",
                    f"{slice_.relpath}/",
                )
            )
    return findings
