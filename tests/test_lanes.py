"""ops/matriz.yaml loading: the meaning of the LUKHAS monorepo's own file, and bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_lukhas.globs import matches
from pytest_lukhas.lanes import load_lanes, parse_arrow
from pytest_lukhas.problems import ConfigError, Severity
from tests.conftest import FIXTURES, write

LUKHAS_REFERENCE = FIXTURES / "lukhas-ops-matriz.yaml"


@pytest.fixture
def monorepo(tmp_path: Path):
    """A tree laid out like the LUKHAS monorepo, with its ops/matriz.yaml unchanged."""
    write(
        tmp_path,
        {
            "lukhas/__init__.py": "",
            "lukhas/core/engine.py": "",
            "candidate/core/x.py": "",
            "matriz/node.py": "",
        },
    )
    (tmp_path / "ops").mkdir()
    shutil.copy(LUKHAS_REFERENCE, tmp_path / "ops" / "matriz.yaml")
    return load_lanes(tmp_path / "ops" / "matriz.yaml", tmp_path)


def test_reference_config_lanes_and_accepted_lane(monorepo):
    assert [lane.name for lane in monorepo.lanes] == [
        "accepted", "candidate", "core", "matriz", "archive", "quarantine", "experimental",
    ]  # fmt: skip
    assert monorepo.accepted.name == "accepted"
    assert monorepo.accepted.root == "lukhas"
    assert monorepo.accepted.deny_from == ("candidate/**",)
    assert "core/**" in monorepo.accepted.allow_from


def test_reference_config_most_specific_root_wins(monorepo):
    assert monorepo.lane_of("lukhas/core/engine.py").name == "core"
    assert monorepo.lane_of("lukhas/identity/passkey/api.py").name == "accepted"
    assert monorepo.lane_of("candidate/core/x.py").name == "candidate"
    assert monorepo.lane_of("lukhas_extra/x.py") is None
    assert monorepo.lane_of("tools/x.py") is None


def test_reference_invariants_read_the_arrow_as_the_flow_of_code(monorepo):
    flows = {(inv.importer, inv.imported) for inv in monorepo.invariants}
    # "lukhas/** <- candidate/**": lukhas/ must not import candidate/
    assert ("lukhas/**", "candidate/**") in flows
    # "archive/** -> **": nothing may import archive/
    assert ("**", "archive/**") in flows
    assert ("**", "quarantine/**") in flows
    core_file = "lukhas/core/engine.py"
    forbidden = [
        inv for inv in monorepo.invariants
        if matches(inv.importer, core_file) and matches(inv.imported, "candidate/core/x.py")
    ]  # fmt: skip
    assert forbidden, "a nested lane under lukhas/ is still bound by the lukhas/ invariant"


def test_reference_extras_are_kept(monorepo):
    assert monorepo.secret_patterns == ("**/*.pem", "**/jwt.*")
    assert monorepo.zero_bytes_fail is True
    assert monorepo.lane("candidate").promotion_to == "accepted"
    assert monorepo.lane("accepted").promotion_checks == (
        "tests/smoke", "reality_imports", "no_safe_fixable_lints",
    )  # fmt: skip


def test_missing_roots_are_warnings_not_errors(monorepo):
    missing = {w.message.split("'")[1] for w in monorepo.warnings}
    assert missing == {"archive", "quarantine", "experimental"}
    assert all(w.severity is Severity.WARNING for w in monorepo.warnings)
    assert all(w.line for w in monorepo.warnings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lukhas/** <- candidate/**", ("lukhas/**", "candidate/**")),
        ("archive/** -> **", ("**", "archive/**")),
        ("  a/**<-b/**  ", ("a/**", "b/**")),
        ("a/** => b/**", None),
        ("a/** <- ", None),
    ],
)
def test_parse_arrow(text, expected):
    assert parse_arrow(text) == expected


def _load(tmp_path: Path, yaml_text: str, **kwargs):
    write(tmp_path, {"ops/matriz.yaml": yaml_text, "app/mod.py": "", "lab/mod.py": ""})
    return load_lanes(tmp_path / "ops" / "matriz.yaml", tmp_path, **kwargs)


GOOD = """\
version: 1
lanes:
  - name: prod
    root: app/
    import_rules: {deny_from: ["lab/**"]}
    promotion: {from: lab}
  - name: lab
    root: lab/
"""


def test_foreign_lane_names_find_the_accepted_lane_by_promotion(tmp_path):
    config = _load(tmp_path, GOOD)
    assert config.accepted.name == "prod"
    assert config.lane("prod").allow_from is None


def test_explicit_accepted_lane_wins(tmp_path):
    config = _load(tmp_path, GOOD, accepted_lane="lab")
    assert config.accepted.name == "lab"


def _errors(tmp_path: Path, yaml_text: str, **kwargs) -> list[str]:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, yaml_text, **kwargs)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("lanes: [\n  - name: a\n    root: app/\n", ["ops/matriz.yaml:2: error: invalid YAML"]),
        ("lanes:\n  - name: a\n    root: app/\n    colour: red\n",
         ["ops/matriz.yaml:2 at /lanes/0: error: unknown key(s) 'colour'"]),
        ("lanes:\n  - name: a\n    root: app/\n    import_rule: {}\n",
         ["did you mean 'import_rule' -> 'import_rules'?"]),
        ("lanes:\n  - name: a\n    root: [app]\n",
         ["ops/matriz.yaml:3 at /lanes/0/root: error: expected string, found an array"]),
        ("lanes:\n  - name: a\n    root: app/\n  - name: a\n    root: lab/\n",
         ["ops/matriz.yaml:4 at /lanes/1/name: error: duplicate lane name 'a' (first on line 2)"]),
        ("lanes:\n  - name: a\n    root: app/\ninvariants:\n  imports:\n    - deny: ['app/** => lab/**']\n",
         ["ops/matriz.yaml:6 at /invariants/imports/0/deny/0: error: found a string"]),
        ("lanes:\n  - name: a\n    root: ../elsewhere\n", ["leaves the repository"]),
        ("lanes:\n  - name: a\n    root: app/\n  - name: b\n    root: ./app\n", ["share the root"]),
        ("lanes:\n  - name: a\n    root: app/\n    root: lab/\n", ["ops/matriz.yaml:4 at /lanes/0/root: error: duplicate key 'root'"]),
        ("lanes: []\n", ["at /lanes: error: expected at least 1 item(s)"]),
        ("- just\n- a list\n", ["expected object, found an array"]),
        ("", ["expected object, found null"]),
        ("lanes:\n  - name: x\n    root: app/\n  - name: y\n    root: lab/\n",
         ["cannot tell which lane is the accepted"]),
        ("accepted_lane: nope\nlanes:\n  - name: x\n    root: app/\n",
         ["ops/matriz.yaml:1 at /accepted_lane: error: accepted_lane names 'nope'"]),
        ("lanes:\n  - name: accepted\n    root: nowhere/\n", ["no lane root holds a Python file"]),
    ],
)  # fmt: skip
def test_bad_config_gives_a_located_message(tmp_path, yaml_text, expected):
    errors = _errors(tmp_path, yaml_text)
    for fragment in expected:
        assert any(fragment in e for e in errors), errors


def test_all_problems_are_reported_at_once(tmp_path):
    errors = _errors(tmp_path, "lanes:\n  - name: 1\n    root: app/\n    x: 1\n  - root: 2\n")
    assert len(errors) >= 3, errors


def test_unknown_lane_reference_is_a_warning(tmp_path):
    config = _load(tmp_path, GOOD.replace("promotion: {from: lab}", "depends_on: [ghost]"),
                   accepted_lane="prod")  # fmt: skip
    assert any("'ghost', which is not a lane" in w.message for w in config.warnings)


def test_missing_file_and_undecodable_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_lanes(tmp_path / "ops" / "matriz.yaml", tmp_path)
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "matriz.yaml").write_bytes(b"lanes: \xff\xfe\n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_lanes(tmp_path / "ops" / "matriz.yaml", tmp_path)


def test_extension_keys_are_allowed(tmp_path):
    config = _load(tmp_path, "x-note: hi\n" + GOOD)
    assert config.accepted.name == "prod"


def test_a_config_found_valid_before_is_not_validated_again(tmp_path, monkeypatch):
    from pytest_lukhas import schemas
    from pytest_lukhas.schemas.remembered import ValidDocuments

    remembered = ValidDocuments(tmp_path / "cache" / "valid-configs")
    first = _load(tmp_path, GOOD, valid_before=remembered)

    def no_second_look(*_args, **_kwargs):
        raise AssertionError("a remembered config was validated again")

    monkeypatch.setattr(schemas, "validate", no_second_look)
    again = _load(tmp_path, GOOD, valid_before=remembered)
    assert again.accepted.name == first.accepted.name == "prod"
    assert [lane.root for lane in again.lanes] == ["app", "lab"]


def test_a_changed_config_is_validated_even_when_another_was_remembered(tmp_path):
    from pytest_lukhas.schemas.remembered import ValidDocuments

    remembered = ValidDocuments(tmp_path / "cache" / "valid-configs")
    _load(tmp_path, GOOD, valid_before=remembered)
    broken = GOOD.replace("root: lab/", "root: 42")
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, broken, valid_before=remembered)
    assert "ops/matriz.yaml:8 at /lanes/1/root" in str(raised.value)
    with pytest.raises(ConfigError):  # and an invalid config is never remembered
        _load(tmp_path, broken, valid_before=remembered)


def test_an_unusable_memory_of_valid_configs_costs_only_the_check(tmp_path):
    from pytest_lukhas.schemas.remembered import ValidDocuments

    (tmp_path / "a-file").write_text("")
    remembered = ValidDocuments(tmp_path / "a-file" / "valid-configs")  # cannot be created
    assert _load(tmp_path, GOOD, valid_before=remembered).accepted.name == "prod"
    assert not remembered.holds("lanes.schema.json", GOOD)
