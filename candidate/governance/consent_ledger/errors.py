"""The ledger's two kinds of error: bad configuration, and refusals of one operation."""


class LedgerConfigError(ValueError):
    """The ledger cannot be set up as configured (path, key); raised when wiring it."""


class LedgerError(Exception):
    """One operation could not be done and changed nothing; the API answers it as a
    refusal (``ok: False`` with this ``code`` and ``message``), never raises it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
