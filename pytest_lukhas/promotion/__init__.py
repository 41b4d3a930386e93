"""Lane promotion as a tool: ``lukhas-gate plan`` ranks the modules of the lane promoted
from, ``lukhas-gate promote`` performs one promotion step by step and rolls it back when its
smoke test fails. Built on the import scan and graph of :mod:`pytest_lukhas.boundaries`.
"""
