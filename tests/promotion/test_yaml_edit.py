"""Minimal edits of ops/matriz.yaml: one item appended, every other byte kept."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_lukhas.lanes import load_lanes
from pytest_lukhas.promotion.yaml_edit import EditError, append_item


def only_insertion(old: str, new: str) -> str:
    """The text inserted into ``old`` to make ``new``, at the first place it could be
    (fails unless ``new`` is ``old`` with one piece inserted)."""
    start = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), len(old))
    rest = len(old) - start
    assert new[len(new) - rest :] == old[start:], "more than one insertion"
    return new[start : len(new) - rest]


def test_the_lukhas_reference_config_gains_an_allow_rule_and_a_promoted_path(fixtures, tmp_path):
    text = (fixtures / "lukhas-ops-matriz.yaml").read_text()
    allowed = append_item(
        text, ("lanes", 0, "import_rules", "allow_from"), "tools/**", create=False
    )
    assert allowed is not None
    assert only_insertion(text, allowed) == ',"tools/**"'
    recorded = append_item(
        allowed, ("lanes", 0, "promotion", "promoted"), "lukhas/core/orchestration/", create=True
    )
    last = "        - no_safe_fixable_lints\n"  # the last line of the lane's promotion block
    line = '      promoted: ["lukhas/core/orchestration/"]\n'
    assert recorded == allowed.replace(last, last + line, 1)
    path = tmp_path / "matriz.yaml"
    path.write_text(recorded)
    config = load_lanes(path, tmp_path, require_python_files=False)
    assert config.accepted.allow_from[-1] == "tools/**"
    assert config.accepted.promoted == ("lukhas/core/orchestration",)


BLOCK = """\
lanes:
  - name: prod   # production
    root: prod/
    import_rules:
      allow_from:
        - 'prod/**'   # itself
        - 'shared/**'
# the experimental lane
  - name: labs
    root: labs/
"""


def test_a_block_list_gains_a_line_like_its_last_item():
    new = append_item(BLOCK, ("lanes", 0, "import_rules", "allow_from"), "common/**", create=False)
    last = "        - 'shared/**'\n"
    assert new == BLOCK.replace(last, last + "        - 'common/**'\n")


def test_a_missing_key_is_added_to_a_block_mapping_at_its_indentation():
    new = append_item(BLOCK, ("lanes", 0, "promotion", "promoted"), "prod/x/", create=True)
    last = "        - 'shared/**'\n"
    assert new == BLOCK.replace(last, last + "    promotion: {promoted: ['prod/x/']}\n")


def test_a_flow_mapping_gains_the_key_before_its_brace():
    text = "lanes:\n  - {name: prod, root: prod/}  # short\n"
    new = append_item(text, ("lanes", 0, "promotion", "promoted"), "prod/x.py", create=True)
    assert new == 'lanes:\n  - {name: prod, root: prod/, promotion: {promoted: ["prod/x.py"]}}  # short\n'  # fmt: skip


def test_an_empty_flow_list_and_crlf_line_ends():
    text = "lanes:\r\n  - name: prod\r\n    import_rules:\r\n      allow_from: []\r\n"
    new = append_item(text, ("lanes", 0, "import_rules", "allow_from"), "a/**", create=False)
    assert new == text.replace("[]", '["a/**"]')
    added = append_item(text, ("lanes", 0, "owners"), "@me", create=True)
    assert added == text + '    owners: ["@me"]\r\n'


def test_a_missing_list_is_not_created_unless_asked():
    assert append_item(BLOCK, ("lanes", 1, "import_rules", "allow_from"), "x", create=False) is None


def test_an_item_already_listed_leaves_the_text_alone():
    path = ("lanes", 0, "import_rules", "allow_from")
    assert append_item(BLOCK, path, "shared/**", create=False) == BLOCK


def test_a_value_that_is_not_a_list_is_an_error():
    with pytest.raises(EditError, match=re.escape("lanes[0].root is not a list")):
        append_item(BLOCK, ("lanes", 0, "root"), "x", create=True)


def test_invalid_yaml_is_an_error():
    with pytest.raises(EditError, match="not valid YAML"):
        append_item("lanes: [", ("lanes",), "x", create=True)


GLOBS = st.lists(
    st.from_regex(r"[a-z][a-z_]{0,6}(/[a-z_*]{1,5}){0,2}/\*\*", fullmatch=True),
    min_size=1,
    max_size=4,
)


@settings(deadline=None)  # timing is not what this test checks
@given(
    items=GLOBS,
    item=st.from_regex(r"[a-z]{1,6}/\*\*", fullmatch=True),
    flow=st.booleans(),
    quote=st.sampled_from(["", "'", '"']),
    indent=st.integers(min_value=0, max_value=3),
    comment=st.booleans(),
)
def test_appending_inserts_one_piece_and_keeps_the_data(items, item, flow, quote, indent, comment):
    pad = " " * indent
    written = [f"{quote}{i}{quote}" if quote else json.dumps(i) for i in items]
    note = "  # note" if comment else ""
    if flow:
        body = f"    allow_from: [{', '.join(written)}]{note}\n"
    else:
        body = "    allow_from:\n" + "".join(f"    {pad}- {w}{note}\n" for w in written)
    text = f"lanes:\n  - name: prod\n    root: prod/\n  - name: labs\n{body}    root: labs/\n"
    new = append_item(text, ("lanes", 1, "allow_from"), item, create=False)
    assert new is not None
    inserted = only_insertion(text, new)
    expected = yaml.safe_load(text)
    if item not in items:
        expected["lanes"][1]["allow_from"].append(item)
        assert item in inserted
    assert yaml.safe_load(new) == expected
