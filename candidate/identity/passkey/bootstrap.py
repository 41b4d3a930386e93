"""Wire the real passkey provider into the accepted slice, at run time, when it is live."""

from typing import Any

from candidate.identity.passkey.config import PasskeyConfig
from candidate.identity.passkey.provider import WebAuthnProvider
from lukhas.flags import live
from lukhas.identity.passkey import FEATURE_FLAG, register


def wire(**config: Any) -> bool:
    """Register a :class:`WebAuthnProvider` built from ``config`` into
    ``lukhas.identity.passkey`` when ``FEATURE_IDENTITY_PASSKEY`` is on and dry-run mode
    is off; return whether it did. Nothing is opened or created otherwise.

    ``config``: see :class:`PasskeyConfig` (``rp_id``, ``origins`` and ``db_path`` are
    required). A bad value raises ValueError or TypeError naming the key.
    """
    if not live(FEATURE_FLAG):
        return False
    register(WebAuthnProvider(PasskeyConfig.from_mapping(config)))
    return True
