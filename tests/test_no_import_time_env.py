"""No lukhas module reads the environment at import: flags are read at call time."""

import ast
from pathlib import Path

import pytest

LUKHAS = Path(__file__).resolve().parents[1] / "lukhas"
ENV_NAMES = {"environ", "getenv", "environb", "getenvb"}


def import_time_env_reads(tree: ast.Module) -> list[int]:
    """Lines that touch the environment in code that runs at import.

    Function bodies run later; their decorators and default values run at import.
    """
    found: list[int] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for part in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                if part is not None:
                    visit(part)
            return
        if isinstance(node, ast.Lambda):
            return
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        if name in ENV_NAMES:
            found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


@pytest.mark.parametrize(
    "path", sorted(LUKHAS.rglob("*.py")), ids=lambda p: str(p.relative_to(LUKHAS))
)
def test_module_reads_no_environment_at_import(path):
    assert import_time_env_reads(ast.parse(path.read_text(), str(path))) == []


def test_the_check_finds_import_time_reads():
    source = """
import os
A = os.environ.get("X")
def f(x=os.getenv("Y")):
    return os.environ["Z"]
class C:
    b = environ
"""
    assert import_time_env_reads(ast.parse(source)) == [3, 4, 7]
