"""Exit codes and the user-facing error type every command shares.

Logic raises `CliError` (or a subclass) with a one-line message that says what is wrong
and how to fix it; `main.run` turns it into one red line and its exit code. Anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Documented exit codes (README, 'Exit codes')."""

    OK = 0
    DIFFERENCES = 1        # parity differences, a breached budget, a failed gate or check
    ERROR = 2              # could not run: bad input, unreachable endpoint, missing tool
    CONFIG = 3             # settings file malformed, unknown environment, missing setting
    AWS = 4                # AWS refused or failed: credentials, access denied, throttled
    CONFLICT = 5           # someone else changed it (stale ETag, drift): nothing was changed
    ABORTED = 6            # the user declined the plan
    UNVERIFIED = 7         # a check could not run here (e.g. no interpreter of the target version)
    INCONCLUSIVE = 8       # a watch saw too little data to decide: the change was NOT verified
    BUSY = 9               # another cutover/rollback/canary holds the ledger lease: nothing was changed
    PARTIAL = 10           # rollback restored what it could; a recorded behaviour no longer exists
    INTERRUPTED = 130      # Ctrl-C


class CliError(Exception):
    """A user error: one line, no traceback."""

    status: ExitStatus = ExitStatus.ERROR

    def __init__(self, message: str, status: ExitStatus | None = None) -> None:
        super().__init__(one_line(message))
        if status is not None:
            self.status = status


def one_line(text: str) -> str:
    """`text` with line breaks and other control characters escaped (`\\n`), so a name taken
    from a file or a flag can never split the error line or hide what follows it."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


class ConfigError(CliError):
    status = ExitStatus.CONFIG


class AwsError(CliError):
    status = ExitStatus.AWS


class ConflictError(CliError):
    status = ExitStatus.CONFLICT


class Aborted(CliError):
    status = ExitStatus.ABORTED
