"""The ``slth-verify`` command line: a thin shell over the library.

Exit codes: 0 success (whatever the answer), 2 bad input or arguments, a missing file or an
over-budget request, 3 an internal error (a witness that does not replay, methods that
disagree). Errors print one line; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from itertools import islice

from verify import __version__
from verify.backends.satrun import PROOF_SOLVERS
from verify.encodings.cnf import ENCODINGS
from verify.errors import EXIT_INTERNAL, EXIT_USAGE, InputError, VerifyError
from verify.encodings.export import EXPORT_FORMATS, export_problem
from verify.generators import BRANCHES, DISTRIBUTIONS, subset_sum_instance, vector_instance
from verify.problems import dumps_readable, load_problem, save_problem, write_text_atomic
from verify.solvers import SolverOptions
from verify.solving import METHODS, PREFILTER_METHODS, count, cover, solve

SHOWN = 20  # per-target lines printed before "... (use --json)"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, instead of argparse's usage dump
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(EXIT_USAGE)


def _target_arg(text: str):
    if text in ("planted", "middle", "all"):
        return text
    try:
        if ":" in text:
            lo, hi = text.split(":")
            return (int(lo), int(hi))
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected planted, middle, all, an integer or LO:HI, got {text!r}") from None


def _vector_target_arg(text: str):
    if text in ("planted", "middle"):
        return text
    try:
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected planted, middle or comma-separated integers, got {text!r}") from None


def _emit_problem(problem, output: str | None) -> None:
    if output:
        save_problem(problem, output)
        print(f"wrote {output}: {problem.kind}, n = {problem.n}, {problem.num_targets:,} target(s), "
              f"sha256 {problem.sha256}", file=sys.stderr)
    else:
        print(dumps_readable(problem.to_json()))


def cmd_generate_subset_sum(args) -> int:
    bounds = [x is not None for x in (args.bits, args.M, args.kappa)]
    if sum(bounds) == 0:
        args.bits = 12
    problem = subset_sum_instance(
        args.n, bits=args.bits, M=args.M, kappa=args.kappa, zero=not args.no_zero,
        distribution=args.distribution, branch=args.branch, rejection=args.rejection,
        target=args.target, size=args.size, objective=args.objective, seed=args.seed)
    _emit_problem(problem, args.output)
    return 0


def cmd_generate_vector(args) -> int:
    problem = vector_instance(args.n, args.dim, bits=args.bits, zero=not args.no_zero,
                              target=args.target, size=args.size, seed=args.seed)
    _emit_problem(problem, args.output)
    return 0


def _header(problem, path, report) -> list[str]:
    return [f"instance  {path}: {problem.kind}, n = {problem.n}, {report.num_targets:,} target(s)",
            f"sha256    {problem.sha256}",
            f"method    {report.method}   ({report.timings.get('total', 0) * 1e3:.1f} ms)"]


def _answer_line(a) -> str:
    target = ",".join(map(str, a.target)) if isinstance(a.target, tuple) else a.target
    text = f"target {target}: {a.status.value}"
    if a.witness is not None:
        text += f"  witness {list(a.witness)}"
        if a.optimal:
            text += " (fewest elements, optimal)"
    else:
        text += f"  [{a.method}] {a.evidence}"
    if "count" in a.extra:
        text += f"  count {a.extra['count']:,}"
    return text


def _print_report(problem, path, report, as_json: bool, with_answers: bool = True) -> None:
    if as_json:
        print(dumps_readable(report.to_json(with_answers=with_answers)))
        return
    lines = _header(problem, path, report)
    answers = report.answers
    for a in answers[:SHOWN]:
        lines.append(_answer_line(a))
    if len(answers) > SHOWN:
        lines.append(f"... {len(answers) - SHOWN:,} more targets (use --json for all)")
    lines.append(f"status    {report.status.value}")
    print("\n".join(lines))


def _solver_options(args) -> SolverOptions:
    if args.time_limit is not None and args.time_limit <= 0:
        raise InputError(f"--time-limit: expected a positive number of seconds, got {args.time_limit}")
    return SolverOptions(solver=args.solver, encoding=args.encoding, time_limit=args.time_limit,
                         proof_dir=args.proof_dir)


def cmd_solve(args) -> int:
    problem = load_problem(args.instance)
    report = solve(problem, args.method, args.memory_budget, _solver_options(args))
    _print_report(problem, args.instance, report, args.json)
    return 0


def cmd_cover(args) -> int:
    problem = load_problem(args.instance)
    report = cover(problem, args.method, args.memory_budget, _solver_options(args))
    if args.json:
        print(dumps_readable(report.to_json(with_answers=args.answers)))
        return 0
    lines = _header(problem, args.instance, report)
    unreachable = report.extra["unreachable"]
    if report.extra.get("undecided"):
        lines.append(f"undecided   {len(report.extra['undecided']):,} (unknown: a limit was hit)")
    lines.append(f"reachable   {report.extra['reachable_count']:,} of {report.num_targets:,} "
                 f"(sat-verified: every witness replayed in exact integer arithmetic)")
    how = ", ".join(f"{m}: {c:,}" for m, c in report.extra["unsat_methods"].items())
    lines.append(f"unreachable {len(unreachable):,}" + (f" ({how})" if how else ""))
    if unreachable:
        shown = ", ".join(map(str, unreachable[:SHOWN]))
        lines.append(f"            {shown}{' ...' if len(unreachable) > SHOWN else ''} (all with --json)")
    lines.append(f"status      {report.status.value}")
    print("\n".join(lines))
    return 0


def cmd_count(args) -> int:
    problem = load_problem(args.instance)
    report = count(problem, args.method, args.memory_budget)
    if args.json:
        print(dumps_readable(report.to_json(with_answers=args.answers)))
        return 0
    lines = _header(problem, args.instance, report)
    for t, c in zip(islice(iter(problem.targets), SHOWN), report.extra["counts"]):
        t = ",".join(map(str, t)) if isinstance(t, tuple) else t
        lines.append(f"target {t}: {c:,} solutions")
    if report.num_targets > SHOWN:
        lines.append(f"... {report.num_targets - SHOWN:,} more targets (use --json for all)")
    lines.append(f"total     {report.extra['total_solutions']:,} solutions over all targets "
                 f"(counted by {report.extra['count_method']}, exact integers)")
    print("\n".join(lines))
    return 0


def cmd_export(args) -> int:
    problem = load_problem(args.instance)
    text, summary = export_problem(problem, args.format, args.target, args.encoding)
    write_text_atomic(args.output, text)
    print(f"wrote {args.output}: {summary}", file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    from verify.demo import run_demo

    return 0 if run_demo() else EXIT_INTERNAL


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="slth-verify", description="Exact, certified answers about quantized "
                     "subset sum and pruned quantized networks.")
    parser.add_argument("--version", action="version", version=f"slth-verify {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("demo", help="generate a near-threshold instance, decide, cover and count it")
    p.set_defaults(func=cmd_demo)

    gen = sub.add_parser("generate", help="write a seeded random instance as JSON")
    gsub = gen.add_subparsers(dest="what", metavar="KIND", parser_class=_Parser, required=True)
    g = gsub.add_parser("subset-sum", help="a one-dimensional instance")
    g.add_argument("--n", type=int, required=True, help="number of weights (of random pairs for products)")
    g.add_argument("--bits", type=int, help="weights on {-2^bits..2^bits}, the scaled grid S_d, d = 2^-bits (default 12)")
    g.add_argument("--M", type=int, help="weights on {-M..M} (instead of --bits)")
    g.add_argument("--kappa", help="weights on {-M..M} with M = floor(2^(kappa*n)) (instead of --bits)")
    g.add_argument("--no-zero", action="store_true", help="exclude 0 from the distribution (Lemma 4)")
    g.add_argument("--distribution", choices=DISTRIBUTIONS, default="uniform",
                   help="uniform weights, or Lemma 5's products v*u (default uniform)")
    g.add_argument("--branch", choices=BRANCHES, default="A", help="products: A keeps u > 0, B keeps u < 0")
    g.add_argument("--rejection", action="store_true", help="products: rejection-sample to uniform")
    g.add_argument("--target", type=_target_arg, default="planted",
                   help="planted | middle | all | INT | LO:HI (write --target=-5:5 for a negative start)")
    g.add_argument("--size", type=int, help="require exactly this many elements")
    g.add_argument("--objective", choices=["fewest"], help="ask for the fewest elements")
    g.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    g.add_argument("-o", "--output", help="output file (default: standard output)")
    g.set_defaults(func=cmd_generate_subset_sum)
    v = gsub.add_parser("vector", help="a vector (multi-dimensional) instance")
    v.add_argument("--n", type=int, required=True, help="number of weight vectors")
    v.add_argument("--dim", type=int, default=2, help="dimension (default 2)")
    v.add_argument("--bits", type=int, default=8, help="coordinates on {-2^bits..2^bits} (default 8)")
    v.add_argument("--no-zero", action="store_true", help="exclude 0 from the distribution")
    v.add_argument("--target", type=_vector_target_arg, default="planted",
                   help="planted | middle | comma-separated integers")
    v.add_argument("--size", type=int, help="require exactly this many elements")
    v.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    v.add_argument("-o", "--output", help="output file (default: standard output)")
    v.set_defaults(func=cmd_generate_vector)

    for name, func, text in (("solve", cmd_solve, "decide every target, with a witness or evidence for a no"),
                             ("cover", cmd_cover, "decide all targets at once; list the unreachable ones"),
                             ("count", cmd_count, "exact number of solutions per target")):
        c = sub.add_parser(name, help=text)
        c.add_argument("instance", help="instance JSON file")
        methods = METHODS if name != "count" else PREFILTER_METHODS
        c.add_argument("--method", choices=methods, default="auto",
                       help="dp (reachable-sum bitsets), mitm (meet in the middle), "
                            + ("cpsat, sat (a SAT solver with checked proofs), " if name != "count" else "")
                            + "or auto: the pre-filter when a method fits the budget, else sat (default)")
        c.add_argument("--memory-budget", metavar="SIZE",
                       help="refuse methods needing more memory (e.g. 512M, 8G; default 4G or "
                            "$SLTH_VERIFY_MEMORY_BUDGET)")
        if name != "count":
            c.add_argument("--solver", default="cadical195",
                           help=f"SAT solver with valid proofs: {', '.join(PROOF_SOLVERS)} (default cadical195)")
            c.add_argument("--encoding", choices=ENCODINGS, default="auto",
                           help="CNF encoding for --method sat (default auto: the decision diagram "
                                "when small, else mixedradix)")
            c.add_argument("--time-limit", type=float, metavar="S",
                           help="seconds per target for cpsat and sat (the answer is unknown when hit)")
            c.add_argument("--proof-dir", metavar="DIR",
                           help="keep the CNF and DRUP proof of every checked refutation here")
        c.add_argument("--json", action="store_true", help="print a machine-readable JSON object")
        if name != "solve":
            c.add_argument("--answers", action="store_true",
                           help="with --json: include every target's answer and witness")
        c.set_defaults(func=func)

    e = sub.add_parser("export", help="write one target's constraint as DIMACS CNF, OPB or WCNF")
    e.add_argument("instance", help="instance JSON file")
    e.add_argument("--format", choices=EXPORT_FORMATS, required=True,
                   help="cnf (the equality, via --encoding), opb (pseudo-Boolean), "
                        "wcnf (fewest elements: hard equality, soft ~x_i of weight 1)")
    e.add_argument("--encoding", choices=ENCODINGS, default="auto", help="CNF encoding (default auto)")
    e.add_argument("--target", type=int, help="which target (needed when the instance has several)")
    e.add_argument("-o", "--output", required=True, help="output file")
    e.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except VerifyError as e:
        if args.debug:
            raise
        print(f"slth-verify: error: {e}", file=sys.stderr)
        return e.exit_code
    except BrokenPipeError:  # the reader went away (| head): stop quietly, like other tools
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, MemoryError) as e:
        if args.debug:
            raise
        print(f"slth-verify: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("slth-verify: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
