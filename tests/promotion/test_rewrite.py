"""Imports of promoted code pointed at the accepted lane, every other byte kept: the forms of
import, relative imports after the move, literal dynamic imports, and what is refused."""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import write
from tests.promotion.conftest import CONFIG, shop

SHARED = "RATE = 2\nTAX = 1\n"

FORMS = '''\
"""Every form of import, with the comments and layout a person wrote."""

import importlib
import labs.shared  # plain
import labs.shared as shared_alias  # aliased
from labs import shared  # from the lane package
from labs.shared import (  # parenthesized
    RATE,
    TAX,  # trailing
)
from .. import shared as relative_shared
from . import helpers
from .helpers import double

LOADED = importlib.import_module("labs.shared")
NAME = "labs.shared"  # a string, not an import


def total(amount):
    if TYPE_CHECKING:  # noqa: F821
        import labs.shared
    return labs.shared.RATE * amount + shared_alias.TAX + double(relative_shared.RATE)
'''

EXPECTED = (
    FORMS.replace("import labs.shared", "import prod.shared")
    .replace("from labs", "from prod")
    .replace('import_module("labs.shared")', 'import_module("prod.shared")')
    .replace("return labs.shared.RATE", "return prod.shared.RATE")
)


def test_every_form_is_rewritten_keeping_formatting_and_comments(tmp_path, lukhas_gate):
    repo = shop(
        tmp_path,
        {
            "labs/shared.py": SHARED,
            "prod/shared.py": SHARED,  # promoted before
            "labs/billing/api.py": FORMS,
            "labs/billing/helpers.py": "def double(x):\n    return 2 * x\n",
            "labs/billing/__init__.py": "",
            "labs/billing/tests/test_api.py": "def test_nothing():\n    pass\n",
        },
    )
    done = lukhas_gate("promote", "labs/billing", "--root", repo)
    assert done.code == 0, done.out
    assert (repo / "prod/billing/api.py").read_text() == EXPECTED
    assert (repo / "labs/billing/api.py").read_text() == FORMS
    assert "3. imports pointed at the prod lane: 6" in done.out
    assert 'prod/billing/api.py:16: NAME = "labs.shared"  # a string, not an import' in done.out


NESTED = """\
lanes:
  - name: prod
    root: prod/
    import_rules: {deny_from: ["exp/labs/**"]}
    promotion: {from: labs}
  - name: labs
    root: exp/labs/
"""


def test_relative_imports_still_resolve_from_the_new_place_or_become_absolute(
    tmp_path, lukhas_gate
):
    """exp/labs/ sits one folder deeper than prod/: a relative import that leaves the lane
    would reach another file after the move, so it names its module absolutely."""
    source = textwrap.dedent(
        """\
        from . import sibling  # stays relative
        from ...common import VALUE  # leaves the lane: made absolute
        from ..helpers import HELP  # a promoted module, same place in prod/
        """
    )
    repo = write(
        tmp_path,
        {
            "ops/matriz.yaml": NESTED,
            "exp/__init__.py": "",
            "exp/common.py": "VALUE = 1\n",
            "exp/labs/__init__.py": "",
            "exp/labs/helpers.py": "HELP = 3\n",
            "exp/labs/pkg/__init__.py": "",
            "exp/labs/pkg/sibling.py": "",
            "exp/labs/pkg/mod.py": source,
            "prod/__init__.py": "",
            "prod/helpers.py": "HELP = 3\n",
        },
    )
    done = lukhas_gate("promote", "exp/labs/pkg", "--root", repo)
    assert done.code == 0, done.out
    assert (repo / "prod/pkg/mod.py").read_text() == source.replace(
        "from ...common import VALUE", "from exp.common import VALUE"
    )


REFUSED = {
    "dynamic-import-not-one-literal": (
        "labs/loader.py",
        'import importlib\n\nMOD = importlib.import_module("labs." + "shared")\n',
        [
            "an import in labs/loader.py cannot be rewritten",
            "not written as one string literal",
            'labs/loader.py:3: importlib.import_module("labs." + "shared")',
        ],
    ),
    # `import labs.shared` binds `labs` too: labs.report would be lost with the rewrite
    "module-used-through-a-rewritten-import": (
        "labs/uses.py",
        "import labs.shared\n\n\ndef f():\n    return labs.report\n",
        ["uses labs.report through a rewritten `import labs...`"],
    ),
    "promoted-and-unpromoted-in-one-statement": (
        "labs/mixed.py",
        "from labs import shared, other\n",
        [
            "imports promoted and unpromoted modules in one statement",
            "candidate-only dependency labs.other (labs/other.py)",
        ],
    ),
}


@pytest.mark.parametrize(("module", "text", "expected"), REFUSED.values(), ids=REFUSED.keys())
def test_imports_that_cannot_be_rewritten_safely_refuse_it(
    tmp_path, lukhas_gate, module, text, expected
):
    files = {"prod/shared.py": "RATE = 2\n", "labs/other.py": "X = 1\n", module: text}
    refused = lukhas_gate("promote", module, "--root", shop(tmp_path, files))
    assert refused.code == 1
    for line in expected:
        assert line in refused.out


def test_alias_imports_name_the_accepted_copy_by_its_real_path(tmp_path, lukhas_gate):
    """LUKHAS code imports ``from core.x import y`` with candidate/ on sys.path; after the
    promotion it imports lukhas.core.x (seed 003)."""
    config = CONFIG.replace("prod", "lukhas").replace("labs", "candidate")
    repo = write(
        tmp_path,
        {
            "ops/matriz.yaml": config,
            "lukhas/__init__.py": "",
            "candidate/__init__.py": "",
            "candidate/core/__init__.py": "",
            "candidate/core/glyph.py": "SIGN = 1\n",
            "lukhas/core/__init__.py": "",
            "lukhas/core/glyph.py": "SIGN = 1\n",
            "candidate/core/orchestration.py": "from core.glyph import SIGN  # alias import\n",
            # how the monorepo makes `core.glyph` importable: candidate/ on sys.path
            "conftest.py": "import sys\n\nsys.path.insert(0, 'candidate')\n",
        },
    )
    done = lukhas_gate("promote", "candidate/core/orchestration.py", "--root", repo)
    assert done.code == 0, done.out
    assert (repo / "lukhas/core/orchestration.py").read_text() == (
        "from lukhas.core.glyph import SIGN  # alias import\n"
    )
