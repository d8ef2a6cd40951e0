"""The command line's exit codes, named (README, "Exit codes").

The values are the ones ``verify.errors`` maps error classes to and ``verify.interrupts`` uses
for a stop by signal; this enum names them where commands return a code.
"""

from enum import IntEnum

from verify.errors import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from verify.interrupts import EXIT_INTERRUPTED


class ExitCode(IntEnum):
    """What a command's exit status says."""

    OK = EXIT_OK  # success, whatever the answer (a certified "no ticket" too)
    # a result that could not be had: a failed construction, a mask whose network differs,
    # equality undecided or only claimed, a certificate that does not check, a failed sweep task
    NO_RESULT = 1
    USAGE = EXIT_USAGE  # bad input or arguments, a missing file, an over-budget request
    INTERNAL = EXIT_INTERNAL  # a bug: a witness that does not replay, methods that disagree
    INTERRUPTED = EXIT_INTERRUPTED  # SIGINT or SIGTERM (128 + SIGINT)
