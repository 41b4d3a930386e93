"""Items the gate adds to a session: checks of the repository, not tests of its code."""

from __future__ import annotations

import pytest


class GateCheckItem(pytest.Item):
    """A check the gate runs as a pytest item (the import rules, for one).

    It is not a slice's test: MATRIZ capture leaves it alone and criterion 4 does not
    count it among the tests of the slice whose folder its node id names.
    """
