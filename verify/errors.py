"""One exception root for the tool, and the CLI exit code each kind of error maps to.

Messages are one line and name the thing that is wrong (file, field, value), what was expected
and what was got. Subclasses also derive from the fitting builtin so callers can catch either.

Exit codes, decided here and nowhere else (:func:`exit_code`):

==  ======================================================================================
0   success, whatever the answer (a certified "no ticket" too)
1   a result that could not be had: a claim that does not hold (ClaimRejected), a failed
    construction, equality undecided
2   bad input: a malformed file or certificate, bad arguments, a missing file, an
    over-budget request (InputError, MissingFileError, BudgetExceeded; OSError, MemoryError)
3   an internal error, a bug: a witness that does not replay, methods that disagree
    (InternalError), and any exception the tool does not raise on purpose
==  ======================================================================================
"""

EXIT_OK = 0
EXIT_REJECTED = 1  # a result that could not be had: a claim that does not hold
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


class MalformedCertificate(InputError):
    """A certificate that is not shaped like one: a field missing, unknown, of the wrong type or
    outside its allowed values. The message names the field by its path
    (``evidence.witnesses[3].units``). Bad input, never a verdict on the claim."""


class ClaimRejected(VerifyError):
    """Well-formed evidence that does not establish its claim: a hash that differs, a witness
    that does not sum, a proof that does not check, a cited file that does not read. The
    message names the failed check. A result that could not be had, not bad input."""

    exit_code = EXIT_REJECTED


def exit_code(error: BaseException) -> int:
    """The CLI's exit code for ``error`` (module docstring): a VerifyError's own class decides;
    an OSError or MemoryError from outside the tool is bad input (a file that cannot be read or
    written, a request too big for the machine); anything else is a bug.

    >>> exit_code(ClaimRejected("c.json: mask.sha256 does not match")), exit_code(KeyError("x"))
    (1, 3)
    """
    if isinstance(error, VerifyError):
        return error.exit_code
    if isinstance(error, (OSError, MemoryError)):
        return EXIT_USAGE
    return EXIT_INTERNAL
