"""One exception root for the tool, and the CLI exit code each kind of error maps to.

Messages are one line and name the thing that is wrong (file, field, value), what was expected
and what was got. Subclasses also derive from the fitting builtin so callers can catch either.
"""

EXIT_OK = 0
EXIT_USAGE = 2  # bad input, bad arguments, missing file, over-budget request
EXIT_INTERNAL = 3  # a bug: a witness that does not replay, two methods that disagree


class VerifyError(Exception):
    """Root of every error this tool raises on purpose."""

    exit_code = EXIT_USAGE


class InputError(VerifyError, ValueError):
    """Malformed or invalid input: a file, a field, an argument."""


class MissingFileError(VerifyError, FileNotFoundError):
    """An input file that does not exist."""


class BudgetExceeded(VerifyError, MemoryError):
    """A method would need more memory than the configured budget allows; nothing was allocated."""


class InternalError(VerifyError, AssertionError):
    """Something that must never happen did: a bug, never a user error."""

    exit_code = EXIT_INTERNAL


class MethodDisagreement(InternalError):
    """Two exact methods gave different answers on the same question."""


class WitnessNotReplayed(MethodDisagreement):
    """A method's witness (a subset it says reaches a target) is not one in exact integer
    arithmetic: the method and the replay disagree, which is a bug (``verify.witness``)."""
