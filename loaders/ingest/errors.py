"""Exceptions that carry a quarantine reason from the parsers/validators to the ledger.

Messages are built by the raisers and must never contain an NHS number or a date of birth:
they are stored in `quarantine.*.message`, printed in summaries and written to logs.
"""

from __future__ import annotations

from domain.reasons import FileReason, RowReason


class RowError(Exception):
    """One delivered record breaks feeds.md: it goes to quarantine.rows, the file loads on."""

    def __init__(self, reason: RowReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class RowExcluded(Exception):
    """A valid record that must be loaded nowhere (e.g. consent declined).

    Counted in ledger.files.rows_excluded with `reason`, so reconciliation still holds:
    rows_delivered = rows_loaded + rows_quarantined + rows_excluded.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FileError(Exception):
    """The whole file is unusable: its rows are discarded and the file is quarantined."""

    def __init__(self, reason: FileReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
