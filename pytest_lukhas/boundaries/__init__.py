"""Criterion 2, import boundaries: a tolerant scan, the import graph, lane rules and a guard.

``scan`` reads every Python file under every lane root (one bad file never stops it),
``parse``/``dynamic`` extract static, dynamic and alias-prone imports and ``sys.path``
changes, ``resolve`` maps each import to the file it would load, ``graph`` holds the result
in a grimp ``ImportGraph``, ``rules`` judges it against ops/matriz.yaml, ``baseline`` lets a
legacy repository adopt the gate, ``formats`` prints findings, and ``guard`` watches imports
while the tests run.
"""
