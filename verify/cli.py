"""The ``slth-verify`` command line: a thin shell over the library.

Each command parses its arguments, calls the library and prints what it got; ``build_parser``
adds one small function's worth of arguments per command. Exit codes are
``verify.exit_codes.ExitCode``: 0 success (whatever the answer: a certified "no ticket" too), 1
a result that could not be had (a construction that failed, naming every target weight and
branch without a subset; a mask whose network differs from the target; equality undecided or
only claimed; a certificate that does not check), 2 bad input or arguments, a missing file or an
over-budget request, 3 an internal error (a witness that does not replay, methods that
disagree, any exception the tool does not raise on purpose), 130 interrupted. Errors print one
line (an internal error its traceback too); ``--debug`` shows the traceback of any error.

Each command imports the modules it runs inside its own function, the one module where imports
sit below the top on purpose: importing them all costs every command, ``--help`` included,
about 0.25 s more at start-up (measured: 0.46 s against 0.70 s for ``import verify.cli``).
"""

from __future__ import annotations

import argparse
import os
import sys
from itertools import islice

from verify import interrupts

if __name__ == "__main__" or os.path.basename((sys.argv or [""])[0]) == "slth-verify":
    # run as the program (python -m verify.cli, or the console script): signals are caught
    # before the imports below, which take about a second
    interrupts.install_early()

from verify import __version__  # noqa: E402 - after the signal handlers, on purpose
from verify.encodings.cnf import ENCODINGS
from verify.errors import EXIT_INTERNAL, EXIT_USAGE, BudgetExceeded, InputError, VerifyError, exit_code
from verify.encodings.export import EXPORT_FORMATS, export_problem
from verify.exit_codes import ExitCode
from verify.generators import BRANCHES, DISTRIBUTIONS
from verify.problems import dumps_readable, load_problem, save_problem, write_text_atomic
from verify.solve.dispatch import count, cover, solve
from verify.solve.grading import SolverOptions
from verify.solve.limits import check_time_limit
from verify.solve.methods import COUNT_METHODS, METHODS
from verify.solve.sat import DEFAULT_SOLVER, PROOF_SOLVERS
from verify.status import Status
from verify.status_line import StatusLine

SHOWN = 20  # per-target lines printed before "... (use --json)"
GENERATE_BUDGET_HELP = ("refuse a size whose estimated memory exceeds SIZE, before drawing anything (e.g. 512M, "
                        "8G; default 4G or $SLTH_VERIFY_MEMORY_BUDGET)")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, instead of argparse's usage dump
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(ExitCode.USAGE)


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


def _coefficient_range_arg(text: str) -> tuple[int, int]:
    lo, sep, hi = text.partition("..")
    try:
        bounds = int(lo), int(hi)
    except ValueError:
        sep = ""
    if not sep:
        raise argparse.ArgumentTypeError(f"expected LO..HI with integers, e.g. 0..200, got {text!r}")
    return bounds


def _emit_problem(problem, output: str | None) -> None:
    if output:
        save_problem(problem, output)
        print(f"wrote {output}: {problem.kind}, n = {problem.n}, {problem.num_targets:,} target(s), "
              f"sha256 {problem.sha256}", file=sys.stderr)
    else:
        print(dumps_readable(problem.to_json()))


def cmd_generate_subset_sum(args) -> int:
    from verify.generation import SubsetSumRequest, generate_subset_sum
    from verify.generators import SubsetSumOptions

    options = SubsetSumOptions(bits=args.bits, M=args.M, kappa=args.kappa, zero=not args.no_zero,
                               distribution=args.distribution, branch=args.branch, rejection=args.rejection,
                               target=args.target, size=args.size, objective=args.objective)
    problem = generate_subset_sum(SubsetSumRequest(n=args.n, options=options, seed=args.seed,
                                                   budget=args.memory_budget))
    _emit_problem(problem, args.output)
    return ExitCode.OK


def cmd_generate_vector(args) -> int:
    from verify.generation import VectorRequest, generate_vector

    problem = generate_vector(VectorRequest(n=args.n, dim=args.dim, bits=args.bits, zero=not args.no_zero,
                                            target=args.target, size=args.size, seed=args.seed,
                                            budget=args.memory_budget, coefficients=args.coefficients))
    _emit_problem(problem, args.output)
    return ExitCode.OK


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
    time_limit = check_time_limit(args.time_limit, "--time-limit")
    if args.proof_dir is not None and os.path.exists(args.proof_dir) and not os.path.isdir(args.proof_dir):
        raise InputError(f"--proof-dir: {args.proof_dir} exists and is not a directory")
    return SolverOptions(solver=args.solver, encoding=args.encoding, time_limit=time_limit,
                         proof_dir=args.proof_dir)


def cmd_solve(args) -> int:
    problem = load_problem(args.instance)
    options = _solver_options(args)
    with interrupts.undo_on_failure() as undo, StatusLine("slth-verify solve") as status:
        undo.watch(args.proof_dir)  # proofs of answers never reported go
        report = solve(problem, args.method, args.memory_budget, options, status.stage)
    _print_report(problem, args.instance, report, args.json)
    return ExitCode.OK


def cmd_cover(args) -> int:
    problem = load_problem(args.instance)
    options = _solver_options(args)
    with interrupts.undo_on_failure() as undo, StatusLine("slth-verify cover") as status:
        undo.watch(args.proof_dir)  # proofs of answers never reported go
        report = cover(problem, args.method, args.memory_budget, options, status.stage)
    if args.json:
        print(dumps_readable(report.to_json(with_answers=args.answers)))
        return ExitCode.OK
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
    return ExitCode.OK


def cmd_count(args) -> int:
    problem = load_problem(args.instance)
    report = count(problem, args.method, args.memory_budget)
    if args.json:
        print(dumps_readable(report.to_json(with_answers=args.answers)))
        return ExitCode.OK
    lines = _header(problem, args.instance, report)
    for t, c in zip(islice(iter(problem.targets), SHOWN), report.extra["counts"]):
        t = ",".join(map(str, t)) if isinstance(t, tuple) else t
        lines.append(f"target {t}: {c:,} solutions")
    if report.num_targets > SHOWN:
        lines.append(f"... {report.num_targets - SHOWN:,} more targets (use --json for all)")
    lines.append(f"total     {report.extra['total_solutions']:,} solutions over all targets "
                 f"(counted by {report.extra['count_method']}, exact integers)")
    print("\n".join(lines))
    return ExitCode.OK


def _ints(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def _rounding_arg(args):
    from verify.networks import Rounding

    return Rounding() if args.rounding == "none" else Rounding(args.rounding, args.gamma, args.mode)


def cmd_generate_target(args) -> int:
    from verify.generation import generate_target
    from verify.networks import save_network

    if (args.widths is None) == (args.architecture is None):
        raise InputError("generate target: give exactly one of --widths and --architecture")
    if args.architecture is not None:
        return _generate_architecture_target(args)
    net = generate_target(args.widths, args.bits, args.seed, _rounding_arg(args), args.memory_budget)
    save_network(net, args.output)
    print(f"wrote {args.output}: target, widths {list(net.widths)}, {net.num_weights} weights on "
          f"the grid 2^-{args.bits}, sha256 {net.sha256}", file=sys.stderr)
    return ExitCode.OK


def _generate_architecture_target(args) -> int:
    from verify.architectures import load_architecture
    from verify.conv_networks import draw_network, save_conv_network

    if args.rounding != "none":
        raise InputError("generate target --architecture: the spec gives each layer's rounding (gamma, mode); "
                         "--rounding does not apply")
    net = draw_network(load_architecture(args.architecture), args.seed)
    save_conv_network(net, args.output)
    print(f"wrote {args.output}: target of {args.architecture}, {len(net.architecture.layers)} layers, "
          f"{net.num_weights} weights on the grids 2^-{list(net.scales)}, sha256 {net.sha256}", file=sys.stderr)
    return ExitCode.OK


def cmd_generate_random(args) -> int:
    from verify.conv_networks import network_kind
    from verify.generation import RandomNetworkRequest, generate_random
    from verify.networks import load_network, save_network

    if network_kind(args.target_file) == "quantized-net":
        return _generate_architecture_random(args)

    request = RandomNetworkRequest(theorem=int(args.theorem), bits=args.bits, c=args.c,
                                   units_per_input=args.width_per_weight, copies=args.copies, seed=args.seed,
                                   zero=not args.no_zero, budget=args.memory_budget)
    with StatusLine("slth-verify generate random") as status:
        status.stage("reading the target")
        drawn = generate_random(load_network(args.target_file), request)
        net = drawn.network
        status.stage(f"drawing and hashing {net.num_weights:,} weights" if net.recipe else "writing")
        save_network(net, args.output, store=args.store)
    stored = "its recipe (weights regenerated on load)" if args.store == "auto" else "its weights"
    what = (f"{drawn.units_per_input} units per input" if drawn.theorem == 1 else
            f"{drawn.units_per_input} first-layer units per input, {drawn.copies} copies per neuron")
    print(f"wrote {args.output}: Theorem {drawn.theorem} random network, widths {list(net.widths)}, "
          f"{what}, weights on the grid 2^-{drawn.bits}, stored as {stored}, sha256 {net.sha256}",
          file=sys.stderr)
    return ExitCode.OK


def _generate_architecture_random(args) -> int:
    from verify.conv_constructions import random_network_for
    from verify.conv_networks import load_conv_network, save_conv_network
    from verify.layouts import paper_delta_bits, paper_units

    if args.theorem != "1" or args.copies is not None:
        raise InputError("generate random: a target with an architecture takes Theorem 1's construction only")
    target = load_conv_network(args.target_file)
    bits = [args.bits if args.bits is not None else paper_delta_bits(1, k) for k in target.scales]
    units = args.width_per_weight if args.width_per_weight is not None else paper_units(args.c, max(bits))
    net = random_network_for(target, units, bits, args.layout, args.seed, not args.no_zero, args.memory_budget)
    save_conv_network(net, args.output)
    print(f"wrote {args.output}: {args.layout} random network, {units} hidden channels per group, "
          f"{net.num_weights:,} weights on the grids 2^-{list(net.scales)}, sha256 {net.sha256}", file=sys.stderr)
    return ExitCode.OK


def _scale_arg(text: str):
    if text in ("fit", "none"):
        return text
    try:
        return [int(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected fit, none or comma-separated integers, got {text!r}") from None


def cmd_import_network(args) -> int:
    from pathlib import Path

    from verify.models.quantizing import QuantizeOptions, import_model
    from verify.networks import save_network

    output = Path(args.output)
    # checked before the work, so a bad name never costs a read or leaves a half-done import
    if output.suffix not in (".npz", ".json"):
        raise InputError(f"{output}: expected a .npz or .json file name for the network")
    if output.exists() and Path(args.model).exists() and output.resolve() == Path(args.model).resolve():
        raise InputError(f"{output}: the output would overwrite the model it is imported from")
    rounding = _rounding_arg(args)
    options = QuantizeOptions(bits=args.bits, scale=args.scale, weight_rounding=args.weight_rounding,
                              strict=args.strict, rounding=rounding)
    net, report = import_model(args.model, options)
    save_network(net, output)
    # the network file format has no room for metadata: the provenance is this report
    if args.json:
        print(dumps_readable({"kind": "import-network", "output": str(output), "sha256": net.sha256,
                              "widths": list(net.widths), "rounding": rounding.to_json(),
                              **report.to_json()}))
        return ExitCode.OK
    print(f"wrote {output}: imported from {report.source} ({report.format}), widths {list(net.widths)}, "
          f"weights on the grid 2^-{report.bits} ({report.weight_rounding.value}, scale {report.scale}), "
          f"sha256 {net.sha256}", file=sys.stderr)
    print("\n".join(report.lines()), file=sys.stderr)
    return ExitCode.OK


def cmd_construct(args) -> int:
    from verify.conv_networks import network_kind
    from verify.ticket_pipeline import construct_and_save

    if network_kind(args.target) == "quantized-net":
        return _construct_architecture(args)
    if args.time_limit is not None:
        raise InputError("construct: --time-limit applies to a target with an architecture (its vector subset sums)")

    with StatusLine("slth-verify construct") as status:
        done = construct_and_save(args.target, args.random, args.output, args.delta_bits, args.memory_budget,
                                  status.stage)
    report = done.to_json(choices=args.json)
    if args.json:
        print(dumps_readable(report))
        return ExitCode.OK if done.ok else ExitCode.NO_RESULT
    target, random, size = done.target, done.random, done.size
    lines = [f"target    {args.target}: widths {list(target.widths)}, {target.num_weights} weights",
             f"random    {args.random}: widths {list(random.widths)}, lowered to 2^-{done.outcome.k}",
             f"kept      {size.kept:,} of {size.total:,} weights (density {size.density:.4f} = kept / total), "
             f"overparameterization {size.overparameterization:.1f} random weights per target weight",
             f"evidence  {_counted(report['evidence'])}"]
    for c in done.outcome.construction.failures[:SHOWN]:
        lines.append(f"FAILED    layer {c.layer} weight ({c.output}, {c.input}) branch {c.branch}: "
                     f"{c.answer.status.value} [{c.answer.method}] {c.answer.evidence}")
    if done.ok:
        lines.append(f"equal     {report['equal']} on {report['equal_on']}; mask written to {args.output}")
    print("\n".join(lines))
    return ExitCode.OK if done.ok else ExitCode.NO_RESULT


def _construct_architecture(args) -> int:
    from verify.conv_constructions import construct_conv_files

    if args.delta_bits is not None:
        raise InputError("construct: --delta-bits does not apply to a target with an architecture "
                         "(each pair is used at its own grid)")
    with StatusLine("slth-verify construct") as status:
        done = construct_conv_files(args.target, args.random, args.output, args.memory_budget, status.stage,
                                    check_time_limit(args.time_limit, "--time-limit"))
    c, proof = done.construction, done.equality
    counts: dict = {}
    for choice in c.choices:
        counts[choice.answer.status.value] = counts.get(choice.answer.status.value, 0) + 1
    if args.json:
        print(dumps_readable({"ok": done.ok, "layout": c.pairing.layout, "units": c.pairing.units,
                              "evidence": counts, "failures": [f.describe() for f in c.failures],
                              "equality": proof.to_json() if proof else None,
                              "mask": args.output if done.ok else None}))
        return ExitCode.OK if done.ok else ExitCode.NO_RESULT
    kept = sum(int(m.sum()) for m in c.mask) if c.mask else 0
    lines = [f"target    {args.target}: {done.target.num_weights} weights",
             f"random    {args.random}: {c.pairing.layout}, {c.pairing.units} hidden channels per group, "
             f"{done.random.num_weights:,} weights",
             f"evidence  {_counted(counts)} (one subset sum per target entry and branch)"]
    lines += [f"FAILED    {f.describe()}" for f in c.failures[:SHOWN]]
    if proof is not None:
        lines.append(f"kept      {kept:,} of {done.random.num_weights:,} weights")
        lines.append(f"equal     {proof.verdict.value} on {proof.domain} ({proof.method}: {proof.detail})")
    if done.ok:
        lines.append(f"mask      written to {args.output}")
    print("\n".join(lines))
    return ExitCode.OK if done.ok else ExitCode.NO_RESULT


def cmd_certify(args) -> int:
    from verify.certify import CertifyOptions, certify
    from verify.conv_networks import network_kind

    options = CertifyOptions(find=args.find, mask_path=args.mask, k=args.delta_bits, mode=args.mode,
                             input_bits=args.input_bits, equality=args.equality, method=args.method,
                             time_limit=check_time_limit(args.time_limit, "--time-limit"),
                             budget=args.memory_budget,
                             search_seconds=check_time_limit(args.search_time_limit, "--search-time-limit"),
                             per_weight=args.per_weight)
    if network_kind(args.target) == "quantized-net":  # after the arguments are checked, as for an MLP
        return _certify_architecture(args)
    with StatusLine("slth-verify certify") as status:
        done = certify(args.target, args.random, args.output, options, progress=status.stage)
    if args.json:
        print(dumps_readable({"ok": done.ok, "ticket": done.ticket, "message": done.message,
                              "certificate": args.output if done.certificate else None, **done.summary.to_json()}))
    else:
        print("\n".join(_certified_lines(done, args.output)))
    return ExitCode.OK if done.ok else ExitCode.NO_RESULT


def _certified_lines(done, output: str) -> list[str]:
    """``certify``'s report as people read it."""
    s = done.summary
    lines = [f"search    {s.search} ({s.layout} layout), random weights lowered to 2^-{s.delta_bits}"]
    if s.size is not None:
        lines.append(f"kept      {s.size.kept:,} of {s.size.total:,} weights (density {s.size.density:.4f} = "
                     f"kept / total), overparameterization {s.size.overparameterization:.1f}")
    if s.width is not None:
        lines.append(f"width     {s.width} units per group used (Theorem 1 network: {s.theorem1_width})")
    if s.equality is not None:
        lines.append(f"equality  {s.equality.verdict.value} by {s.equality.method} on {s.equality.domain}")
    for c in (s.failures or ())[:SHOWN]:
        lines.append(f"FAILED    layer {c.layer} weight ({c.output}, {c.input}) branch "
                     f"{c.branch}: {c.answer.status.value}: {c.answer.evidence}")
    if s.compared:
        made = s.construction_kept
        lines.append(f"compare   the construction keeps {made:,} weights" if made is not None else
                     "compare   the construction fails on this network")
    if s.size is not None:
        lines.append(f"theorem 3 a network from which every target of this shape can be pruned has >= "
                     f"{s.theorem3_bound:.1f} nonzero weights (a bound on R, not on one ticket)")
    if s.fixed_size is not None:
        lines += _fixed_size_lines(s.fixed_size)
    if s.optimality is not None:
        lines.append(f"optimum   {s.optimality}")
    if s.claim is not None:
        lines.append(f"claim     {s.claim}")
    lines.append(f"result    {done.message}" + (f"; certificate {output}" if done.certificate else ""))
    return lines


def _fixed_size_lines(report: dict) -> list[str]:
    """``certify --find fixed-size``'s sweep table, comparisons and refuted weights."""
    def dens(kept, total):
        return "-" if kept is None else f"{kept:,} ({kept / total:.4f})"

    rows = report["sweep"]
    total = rows[0]["total"]
    lines = [f"sweep     S  weights with exactly S products  kept (density)  vs sparsest  vs construction"]
    sparse, made = report["sparsest"]["kept"], report["construction"]["kept"]
    for r in rows:
        ratio = [("-" if r["kept"] is None or other is None else f"{r['kept'] / other:.2f}x")
                 for other in (sparse, made)]
        lines.append(f"          {r['per_weight']:<2} {r['represented']:>5} of {r['sums']:<5}"
                     f"{' (' + str(r['unknown']) + ' unknown)' if r['unknown'] else '':<16}    "
                     f"{dens(r['kept'], total):<15} {ratio[0]:<12} {ratio[1]}")
    with_ticket = report["with_ticket"]
    lines.append(f"tickets   every weight has one for S in {with_ticket}" if with_ticket
                 else "tickets   no S of the sweep gives every weight a representation")
    proved = "proved optimal" if report["sparsest"]["optimal"] else f"not proved; >= {report['sparsest']['lower']}"
    lines.append(f"compare   sparsest {dens(sparse, total)} ({proved}); construction "
                 + (dens(made, total) if made is not None else "fails"))
    for a in report["refuted"][:SHOWN]:
        lines.append(f"NO SIZE   S={a['size']}: layer {a['layer']} weight ({a['row']}, {a['input']}) branch "
                     f"{a['branch']}: {a['method']}: {a['evidence']}")
    if len(report["refuted"]) > SHOWN:
        lines.append(f"          ... {len(report['refuted']) - SHOWN} more (use --json)")
    return lines


def _certify_architecture(args) -> int:
    from verify.conv_certificates import certify_conv

    if args.find not in (None, "construction", "any", "sparsest") or args.delta_bits is not None:
        raise InputError("certify: a target with an architecture takes --find construction, any or sparsest, or "
                         "--mask (no min-width or fixed-size, no --delta-bits)")
    with StatusLine("slth-verify certify") as status:
        done = certify_conv(args.target, args.random, args.output, args.mask, args.equality, args.input_bits or 0,
                            args.memory_budget, status.stage, check_time_limit(args.time_limit, "--time-limit"),
                            args.find or "construction",
                            check_time_limit(args.search_time_limit, "--search-time-limit"))
    lines, status, failures = _conv_certified_lines(done, args.output)
    if args.json:
        search = done.search
        print(dumps_readable({
            "ok": done.ok, "equality": done.equality.to_json() if done.equality else None, "status": status,
            "kept": done.kept, "total": done.total, "construction_kept": done.construction_kept,
            "sparsest": None if search is None or search.find != "sparsest" else {
                "optimal": search.optimal, "kept_between": list(search.kept_between)},
            "failures": failures,
            "certificate": args.output if done.written else None}))
    else:
        print("\n".join(lines))
    return ExitCode.OK if done.ok else ExitCode.NO_RESULT


def _conv_certified_lines(done, output: str) -> tuple[list[str], str, list[str]]:
    """``certify``'s report on a conv target as people read it, its one-line status and failures."""
    c, proof, search = done.construction, done.equality, done.search
    failures = [f.describe() for f in c.failures] if c is not None else []
    if search is not None and search.refuted is not None:
        s, how, why = search.refuted
        failures.append(f"layer {s.layer} output {s.output} entry {search.refuted_entry} branch {s.branch}: "
                        f"no [{how}] {why}")
    elif search is not None and not search.found:
        failures.append(f"undecided: {search.unknown}")
    status = (f"equal ({proof.method}) on {proof.domain}" if proof is not None and proof.equal else
              f"{proof.verdict.value} ({proof.method}): {proof.detail}" if proof is not None else
              f"{'search' if search is not None else 'construction'} failed at {len(failures)} entries and branches")
    lines = [f"FAILED    {f}" for f in failures[:SHOWN]]
    if done.kept is not None:
        lines.append(f"kept      {done.kept:,} of {done.total:,} weights (density {done.kept / done.total:.4f} = "
                     f"kept / total)")
    if search is not None and done.kept is not None:
        made = done.construction_kept
        lines.append(f"compare   the construction keeps {made:,} weights" if made is not None else
                     "compare   the construction fails on this network")
    if search is not None and search.find == "sparsest" and search.found:
        low, high = search.kept_between
        how = {e: sum(p.evidence == e for p in search.parts) for e in ("table", "drup")}
        lines.append(f"optimum   proved: the fewest of the family ({how['table']} components by the fewest-products "
                     f"table, {how['drup']} by checked DRUP refutations)" if search.optimal else
                     f"optimum   not proved: between {low} and {high} kept weights")
    lines.append(f"status    {status}")
    if done.written:
        lines.append(f"certificate {output} written and checked")
    return lines, status, failures


def cmd_check(args) -> int:
    from pathlib import Path

    from verify.certificates import check_certificate
    from verify.conv_certificates import check_conv_certificate, is_conv_certificate
    from verify.errors import ClaimRejected, MissingFileError

    if not Path(args.certificate).is_file():  # bad input (exit 2), not a failed check (exit 1)
        raise MissingFileError(f"{args.certificate}: no such file")
    with StatusLine("slth-verify check") as status:
        if is_conv_certificate(args.certificate):
            report = check_conv_certificate(args.certificate, status.stage, args.engines)
        else:
            report = check_certificate(args.certificate, args.engines, progress=status.stage, raise_unreadable=True)
    if report.ok or isinstance(report.error, ClaimRejected):  # a malformed one has no checks to show
        print("\n".join(report.lines))
        print(f"{'verified' if report.ok else 'NOT VERIFIED'}: {args.certificate}")
    if report.error is not None:
        raise report.error  # one line on stderr: ClaimRejected exit 1, MalformedCertificate exit 2
    return 0


def cmd_export(args) -> int:
    from verify.solve.building import build_encoding

    time_limit = check_time_limit(args.time_limit, "--time-limit")

    def bounded(weights, t, encoding, size):  # no encoder may outgrow the memory budget
        built = build_encoding(weights, t, encoding, size, budget=args.memory_budget, time_limit=time_limit)
        if built.unknown:
            raise BudgetExceeded(f"{built.unknown}; nothing written")
        return built.encoded

    problem = load_problem(args.instance)
    text, summary = export_problem(problem, args.format, args.target, args.encoding, bounded)
    write_text_atomic(args.output, text)
    print(f"wrote {args.output}: {summary}", file=sys.stderr)
    return ExitCode.OK


def cmd_export_network(args) -> int:
    from pathlib import Path

    from verify.certificates import KIND, CertificateNotVerified, certified_ticket, file_sha256
    from verify.errors import MissingFileError
    from verify.models.writing import export_network
    from verify.networks import load_network
    from verify.problems import read_json_file

    source = Path(args.source)
    if not source.is_file():
        raise MissingFileError(f"{source}: no such file")
    obj = read_json_file(source) if source.suffix == ".json" else None
    if isinstance(obj, dict) and obj.get("kind") == KIND:
        try:
            done = certified_ticket(source, args.engines)
        except CertificateNotVerified as e:
            print("\n".join(e.report.lines))
            print(f"NOT VERIFIED: {source}; nothing written")
            return ExitCode.NO_RESULT
        network, sources, what = done.ticket, done.sources, "ticket [R ⊙ S]_δ of a verified certificate"
        bits = done.input_bits
    else:
        network = load_network(source)
        sources = {"network": {"path": str(source), "sha256": file_sha256(source), "content_sha256": network.sha256}}
        what, bits = "network", None
    bits = args.input_bits if args.input_bits is not None else bits
    out = export_network(network, args.output, args.format, dtype=args.dtype, input_bits=bits, full=args.full,
                         sources=sources)
    if args.json:
        print(dumps_readable({"source": str(source), "what": what, **out.to_json()}))
        return ExitCode.OK
    hidden = zip(out.original_widths[1:-1], out.widths[1:-1])
    units = ", ".join(f"{a:,} -> {b:,}" for a, b in hidden) or "none"
    print("\n".join([
        f"source    {source}: {what}, widths {out.original_widths}",
        f"units     hidden layers {units}" + (" (--full: every unit kept)" if args.full else
                                               " (dead units removed; kept indices in the metadata)"),
        f"exact     {out.dtype}: layers need {out.bits_needed} significand bits; inputs on the grid "
        f"2^-{out.input_bits} with |x_j| <= 1; outputs y * 2^{out.output_scale} are the tool's integers",
        f"wrote     {out.path} ({out.format}, {out.size:,} bytes)"]))
    return ExitCode.OK


def cmd_demo(args) -> int:
    from verify.demo import run_demo, run_subset_sum_demo

    if args.digits:
        from verify.demo_digits import run_digits_demo

        return run_digits_demo(args.dir)
    if args.subset_sum:
        ok = run_subset_sum_demo()
    else:
        with StatusLine("slth-verify demo") as status:
            ok = run_demo(args.dir, out=status.echo, progress=status.stage)
    return ExitCode.OK if ok else ExitCode.INTERNAL


def cmd_sweep(args) -> int:
    from verify.experiments import experiments
    from verify.experiments.spec import load_spec

    spec = load_spec(args.spec, experiments())  # every field checked before any work starts
    if args.print_spec:
        from verify.experiments.spec import resolve_spec_path

        print(resolve_spec_path(args.spec).read_text(encoding="utf-8"), end="")
        return ExitCode.OK
    return _run_sweep(spec, args)


def _run_sweep(spec, args) -> int:
    from verify.experiments.progress import Progress
    from verify.experiments.store import check_database_file
    from verify.experiments.sweep import Interrupted, make_executor, run_sweep

    if not args.db:
        raise InputError("--db: required (the SQLite file the rows go to)")
    check_database_file(args.db)  # a damaged database is refused before any worker starts
    executor, window, close = make_executor(args.workers, args.dask_local, args.dask, spec.kill_after)
    where = (f"Dask at {args.dask}" if args.dask else f"a Dask LocalCluster of {args.dask_local}"
             if args.dask_local else f"{args.workers or 1} local worker(s)")
    print(f"sweep {spec.experiment.name}: {spec.size:,} tasks ({spec.source}) on {where}"
          + (f", at most {spec.time_limit:g} s of solver time each" if spec.time_limit else ""), file=sys.stderr)
    for why, n in sorted(spec.omitted.items()):
        print(f"sweep {spec.experiment.name}: {n:,} tasks omitted (not applicable): {why}", file=sys.stderr)
    try:
        retry = ("error",) * args.retry_errors + (Status.UNKNOWN.value,) * args.retry_unknown  # stored row words
        summary = run_sweep(spec, args.db, executor, window=window, retry=retry,
                            progress=Progress(0, enabled=False if args.quiet else None), limit=args.limit)
    except Interrupted as e:
        print(e.summary.text(spec, args.db), file=sys.stderr)
        print("slth-verify: interrupted; run the same command again to finish (stored rows are kept, "
              "finished tasks are not redone)", file=sys.stderr)
        return ExitCode.INTERRUPTED
    finally:
        close()
    print(summary.text(spec, args.db))
    if summary.errors:
        print(f"{summary.errors} task(s) failed: their rows have status error (see slth-verify report "
              f"{args.db}; --retry-errors runs them again)", file=sys.stderr)
        return ExitCode.NO_RESULT
    return ExitCode.OK


def cmd_compare(args) -> int:
    from verify.experiments import experiments
    from verify.experiments.report import report
    from verify.experiments.compare import suite_spec
    from verify.experiments.spec import load_spec

    exps = experiments()
    limit = check_time_limit(args.time_limit, "--time-limit")
    if args.suite:
        spec = suite_spec(args.suite, args.methods.split(",") if args.methods else None, limit)
    else:
        spec = load_spec(args.sweep, exps, None if limit is None else {"time_limit": limit})
        if spec.experiment.name != "compare":
            raise InputError(f"{args.sweep}: experiment: compare runs the 'compare' experiment, got "
                             f"{spec.experiment.name!r}")
    code = _run_sweep(spec, args)
    if code in (ExitCode.OK, ExitCode.NO_RESULT):
        print()
        report(args.db, "compare", exps, args.csv, args.plot)
    return code


def cmd_report(args) -> int:
    from verify.experiments import experiments
    from verify.experiments.report import report

    report(args.db, args.experiment, experiments(), args.csv, args.plot)
    return ExitCode.OK


def cmd_suite_build(args) -> int:
    from verify.experiments.progress import Progress
    from verify.suites.build import build_suite
    from verify.suites.spec import load_suite_spec

    spec = load_suite_spec(args.spec)  # every field checked before any instance is generated
    print(f"suite {spec.name}: {len(spec.points)} instances into {args.output}", file=sys.stderr)
    progress = Progress(len(spec.points))
    try:
        manifest = build_suite(spec, args.output, progress)
    finally:
        progress.close()
    counts = ", ".join(f"{v} {k}" for k, v in manifest["counts"].items())
    print(f"suite {spec.name}: {len(manifest['instances'])} instances ({counts}); manifest {args.output}/manifest.json")
    return ExitCode.OK


def cmd_suite_check(args) -> int:
    from verify.suites.check import check_suite

    result = check_suite(args.directory, args.engines)
    if args.verbose or not result.ok:
        print("\n".join(x for x in result.lines if args.verbose or x.startswith("FAILED")))
    counts = ", ".join(f"{v} {k}" for k, v in sorted(result.counts.items()))
    print(f"{'verified' if result.ok else 'NOT VERIFIED'}: {args.directory} ({counts})")
    return ExitCode.OK if result.ok else ExitCode.NO_RESULT


def cmd_suite_rate(args) -> int:
    from verify.experiments.progress import Progress
    from verify.suites.rate import count_instances, parse_solvers, rate_suite

    solvers = parse_solvers(args.solvers)
    limit = check_time_limit(args.time_limit, "--time-limit", none_ok=False)
    progress = Progress(count_instances(args.directory) * len(solvers))
    try:
        rating = rate_suite(args.directory, solvers, limit, progress)
    finally:
        progress.close()
    print(f"fraction of instances each solver decided within {limit:g} s, by n (records: "
          f"{args.directory}/rate.json)")
    print(rating.table(solvers))
    for line in rating.disagreements:
        print(f"DISAGREEMENT  {line}")
    return ExitCode.NO_RESULT if rating.disagreements else ExitCode.OK


def _counted(counts: dict) -> str:
    """``158,797 sat-verified, 3 unsat-exhaustive``: a status count as people read it."""
    return ", ".join(f"{n:,} {status}" for status, n in counts.items())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="slth-verify", description="Exact, certified answers about quantized "
                     "subset sum and pruned quantized networks.")
    parser.add_argument("--version", action="version", version=f"slth-verify {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in (_add_demo, _add_generate, _add_import_network, _add_construct, _add_certify,
                _add_check, _add_solve_cover_count, _add_export, _add_export_network, _add_sweep,
                _add_compare, _add_report, _add_suite):
        add(sub)
    return parser


def _add_demo(sub) -> None:
    """``slth-verify demo``."""
    p = sub.add_parser("demo", help="sample a target network and Theorem 1's random network; construct, "
                                    "certify and check tickets (the paper's, the sparsest, the narrowest)")
    p.add_argument("--dir", help="keep the networks and certificates here (default: a temporary directory)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--subset-sum", action="store_true",
                       help="instead: a near-threshold subset-sum instance decided, covered and counted")
    which.add_argument("--digits", action="store_true",
                       help="instead: a digit classifier trained, quantized to 4 bits, its ticket certified, "
                            "exported to ONNX and run on every test image (needs the models extra)")
    p.set_defaults(func=cmd_demo)


def _add_generate(sub) -> None:
    """``slth-verify generate`` and its kinds."""
    gen = sub.add_parser("generate", help="write a seeded random instance (JSON) or network (.npz or .json)")
    gsub = gen.add_subparsers(dest="what", metavar="KIND", parser_class=_Parser, required=True)
    for add in (_add_generate_subset_sum, _add_generate_vector, _add_generate_target, _add_generate_random):
        add(gsub)


def _add_generate_subset_sum(gsub) -> None:
    """``slth-verify generate subset-sum``."""
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
    g.add_argument("--memory-budget", metavar="SIZE", help=GENERATE_BUDGET_HELP)
    g.add_argument("-o", "--output", help="output file (default: standard output)")
    g.set_defaults(func=cmd_generate_subset_sum)


def _add_generate_vector(gsub) -> None:
    """``slth-verify generate vector``."""
    v = gsub.add_parser("vector", help="a vector (multi-dimensional) instance")
    v.add_argument("--n", type=int, required=True, help="number of weight vectors")
    v.add_argument("--dim", type=int, default=2, help="dimension (default 2)")
    v.add_argument("--bits", type=int, default=8, help="coordinates on {-2^bits..2^bits} (default 8)")
    v.add_argument("--no-zero", action="store_true", help="exclude 0 from the distribution")
    v.add_argument("--coefficients", metavar="LO..HI", type=_coefficient_range_arg,
                   help="coordinates uniform on LO..HI instead of ±2^bits (e.g. 0..200 with --target "
                        "middle: a market-split-shaped instance)")
    v.add_argument("--target", type=_vector_target_arg, default="planted",
                   help="planted | middle | comma-separated integers")
    v.add_argument("--size", type=int, help="require exactly this many elements")
    v.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    v.add_argument("--memory-budget", metavar="SIZE", help=GENERATE_BUDGET_HELP)
    v.add_argument("-o", "--output", help="output file (default: standard output)")
    v.set_defaults(func=cmd_generate_vector)


def _add_generate_target(gsub) -> None:
    """``slth-verify generate target``."""
    t = gsub.add_parser("target", help="a seeded target network (.npz or .json)")
    t.add_argument("--widths", type=_ints, help="d_0,d_1,...,d_l (an MLP)")
    t.add_argument("--architecture", metavar="SPEC", help="an architecture spec (.toml or .json: conv, relu, "
                   "flatten, dense, residual layers, each on its own grid) instead of --widths")
    t.add_argument("--bits", type=int, default=3, help="weights on S_d, d = 2^-bits (default 3)")
    t.add_argument("--rounding", choices=["none", "double"], default="none",
                   help="lower every layer's output to 2^-gamma (gamma-double) or not")
    t.add_argument("--gamma", type=int, help="with --rounding double: gamma = 2^-GAMMA")
    t.add_argument("--mode", default="nearest-even", help="rounding mode (default nearest-even)")
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    t.add_argument("--memory-budget", metavar="SIZE", help=GENERATE_BUDGET_HELP)
    t.add_argument("-o", "--output", required=True, help="the network file (.npz or .json)")
    t.set_defaults(func=cmd_generate_target)


def _add_generate_random(gsub) -> None:
    """``slth-verify generate random``."""
    r = gsub.add_parser("random", help="the random network of Theorem 1 or 2 for a target")
    r.add_argument("--for", dest="target_file", required=True, help="the target network file")
    r.add_argument("--theorem", choices=["1", "2"], default="1",
                   help="1: depth 2l, products (default); 2: depth l+1, copy and combine")
    r.add_argument("--copies", type=int, help="Theorem 2: copies per neuron (default log2(1/delta))")
    r.add_argument("--c", type=int, default=8, help="C: C*log2(1/delta) units per input (default 8)")
    r.add_argument("--width-per-weight", type=int, help="units per input directly (instead of --c)")
    r.add_argument("--layout", choices=["unstructured", "structured"], default="unstructured",
                   help="for a target with an architecture: a kxk conv then 1x1 per kernel entry (default), or "
                        "1x1 then kxk with whole kernels kept (vector subset sums)")
    r.add_argument("--bits", type=int, help="delta_in = 2^-BITS (default ceil(target bits / 2))")
    r.add_argument("--no-zero", action="store_true", help="exclude 0 from the weight grid")
    r.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    r.add_argument("--memory-budget", metavar="SIZE", help=GENERATE_BUDGET_HELP)
    r.add_argument("--store", choices=["auto", "weights"], default="auto",
                   help="auto (default): write the seed and shapes, from which loading regenerates the "
                        "weights byte for byte; weights: write the weights themselves (compressed)")
    r.add_argument("-o", "--output", required=True, help="the network file (.npz or .json)")
    r.set_defaults(func=cmd_generate_random)


def _add_import_network(sub) -> None:
    """``slth-verify import-network``."""
    im = sub.add_parser("import-network", help="quantize a trained bias-free ReLU MLP (ONNX, safetensors "
                                               "or npz float weights) into a target network")
    im.add_argument("model", help="the float model: .onnx, .safetensors or .npz (weights (out, in))")
    im.add_argument("-o", "--output", required=True, help="the target network (.npz or .json)")
    im.add_argument("--bits", type=int, required=True, help="weights on S_d, d = 2^-BITS")
    im.add_argument("--scale", type=_scale_arg, default="fit",
                    help="fit: each layer times the power of two putting max|w| in (1/2, 1] (default); "
                         "none; or one exponent per layer A1,A2,... (write --scale=-1,2 for a negative start)")
    im.add_argument("--weight-rounding", default="nearest-even",
                    help="rounding mode onto the grid (default nearest-even)")
    im.add_argument("--strict", action="store_true", help="refuse any weight not already on the grid")
    im.add_argument("--rounding", choices=["none", "double"], default="none",
                    help="lower every layer's output to 2^-gamma (gamma-double) or not")
    im.add_argument("--gamma", type=int, help="with --rounding double: gamma = 2^-GAMMA")
    im.add_argument("--mode", default="nearest-even", help="output rounding mode (default nearest-even)")
    im.add_argument("--json", action="store_true", help="the report as JSON on standard output")
    im.set_defaults(func=cmd_import_network)


def _add_construct(sub) -> None:
    """``slth-verify construct``."""
    k = sub.add_parser("construct", help="the paper's mask (Theorem 1 or 2, from the depths): prune "
                                         "the random network into the target")
    k.add_argument("--target", required=True, help="target network (.npz or .json)")
    k.add_argument("--random", required=True, help="random network (.npz or .json)")
    k.add_argument("--delta-bits", type=int, help="lower the random weights to 2^-K (default: their own precision)")
    k.add_argument("--memory-budget", metavar="SIZE", help="memory limit of the exact tables (e.g. 512M, 8G; default 4G or "
                         "$SLTH_VERIFY_MEMORY_BUDGET)")
    k.add_argument("--json", action="store_true", help="print every choice as a machine-readable JSON object")
    k.add_argument("--time-limit", type=float, metavar="S", help="seconds per vector subset sum of a structured "
                   "conv construction (default: none; one undecided in time is unknown)")
    k.add_argument("-o", "--output", required=True, help="mask file (.npz), written on success")
    k.set_defaults(func=cmd_construct)


def _add_certify(sub) -> None:
    """``slth-verify certify``."""
    f = sub.add_parser("certify", help="find or take a mask, prove the pruned network equals the "
                                       "target (or that no ticket exists), write a certificate")
    f.add_argument("--target", required=True, help="target network (.npz or .json)")
    f.add_argument("--random", required=True, help="random network (.npz or .json)")
    f.add_argument("--mask", help="certify this mask (.npz, from construct) instead of searching")
    f.add_argument("--find", choices=["construction", "any", "sparsest", "min-width", "fixed-size"],
                   help="construction (the paper's, default), any (a structured ticket or a certified "
                        "no), sparsest (fewest kept weights, proven), min-width (fewest units per group, proven), "
                        "fixed-size (exactly --per-weight products per target weight and branch)")
    f.add_argument("--per-weight", metavar="S", help="--find fixed-size: products per target weight and branch: "
                   "S, a sweep A..B or S1,S2,... (the smallest S with a ticket is certified)")
    f.add_argument("--delta-bits", type=int, help="lower the random weights to 2^-K (default: their own precision)")
    f.add_argument("--mode", default="nearest-even", help="rounding mode for that lowering (default nearest-even)")
    f.add_argument("--equality", choices=["auto", "collapse", "exhaustive", "miter"], default="auto",
                   help="auto: collapse (every real input) when the mask is structured, else every "
                        "input of the grid 2^-INPUT_BITS, else a CP-SAT miter (only claimed)")
    f.add_argument("--input-bits", type=int, help="input grid for exhaustive/miter equality (default: the target's bits)")
    f.add_argument("--method", choices=["auto", "cpsat", "sat"], default="auto",
                   help="--find any: decide components by the exact tables (auto) or as joint models")
    f.add_argument("--time-limit", type=float, metavar="S", help="seconds per solver run")
    f.add_argument("--search-time-limit", type=float, metavar="SECONDS",
                   help="seconds for the whole search (sparsest's CP-SAT runs and refutations, a fixed-size "
                        "sweep); what is left is reported unproved or unknown (default: no limit)")
    f.add_argument("--memory-budget", metavar="SIZE", help="memory limit of the exact tables (e.g. 512M, 8G; default 4G or "
                         "$SLTH_VERIFY_MEMORY_BUDGET)")
    f.add_argument("--json", action="store_true", help="print the summary as a machine-readable JSON object")
    f.add_argument("-o", "--output", required=True, help="certificate file (.json); proofs go to <name>.proofs/")
    f.set_defaults(func=cmd_certify)


def _add_check(sub) -> None:
    """``slth-verify check``."""
    ch = sub.add_parser("check", help="re-verify a certificate with no solver")
    ch.add_argument("certificate", help="a certificate (.json) written by certify")
    ch.add_argument("--engines", choices=["auto", "python", "native", "both"], default="auto",
                    help="proof checker engines (default auto: the native Rust engine; both: it and the "
                         "pure-Python engine, which must agree: a second opinion, 15-20x slower)")
    ch.set_defaults(func=cmd_check)


def _add_solve_cover_count(sub) -> None:
    """``slth-verify solve, cover and count``."""
    for name, func, text in (("solve", cmd_solve, "decide every target, with a witness or evidence for a no"),
                             ("cover", cmd_cover, "decide all targets at once; list the unreachable ones"),
                             ("count", cmd_count, "exact number of solutions per target")):
        c = sub.add_parser(name, help=text)
        c.add_argument("instance", help="instance JSON file")
        methods = METHODS if name != "count" else COUNT_METHODS
        c.add_argument("--method", choices=methods, default="auto",
                       help="dp (reachable-sum bitsets), mitm (meet in the middle), "
                            + ("schroeppel-shamir (one target, no size: memory 2^(n/4)), "
                               "cpsat, sat (a SAT solver with checked proofs), representation (a search for "
                               "a witness: a miss is unknown, never no; --time-limit per target, default 60 s), "
                               if name != "count" else "")
                            + ("or auto: the pre-filter when a method fits the budget, else sat (default)"
                               if name != "count" else "or auto: whichever fits the budget (default)"))
        c.add_argument("--memory-budget", metavar="SIZE",
                       help="refuse methods needing more memory (e.g. 512M, 8G; default 4G or "
                            "$SLTH_VERIFY_MEMORY_BUDGET)")
        if name != "count":
            c.add_argument("--solver", default=DEFAULT_SOLVER,
                           help=f"SAT solver with valid proofs: {', '.join(PROOF_SOLVERS)} (default {DEFAULT_SOLVER})")
            c.add_argument("--encoding", choices=ENCODINGS, default="auto",
                           help="CNF encoding for --method sat (default auto: chosen per target by "
                                "measured rules, see docs/methods.md; the choice affects speed only)")
            c.add_argument("--time-limit", type=float, metavar="S",
                           help="seconds per solver run: per target for sat, for the whole target set "
                                "for cpsat (the answer is unknown when hit)")
            c.add_argument("--proof-dir", metavar="DIR",
                           help="keep the CNF and DRUP proof of every checked refutation here")
        c.add_argument("--json", action="store_true", help="print a machine-readable JSON object")
        if name != "solve":
            c.add_argument("--answers", action="store_true",
                           help="with --json: include every target's answer and witness")
        c.set_defaults(func=func)


def _add_export(sub) -> None:
    """``slth-verify export``."""
    e = sub.add_parser("export", help="write one target's constraint as DIMACS CNF, OPB or WCNF")
    e.add_argument("instance", help="instance JSON file")
    e.add_argument("--format", choices=EXPORT_FORMATS, required=True,
                   help="cnf (the equality, via --encoding), opb (pseudo-Boolean), "
                        "wcnf (fewest elements: hard equality, soft ~x_i of weight 1)")
    e.add_argument("--encoding", choices=ENCODINGS, default="auto", help="CNF encoding (default auto)")
    e.add_argument("--target", help="which target, an integer or comma-separated for vectors "
                                     "(needed when the instance has several)")
    e.add_argument("--memory-budget", metavar="SIZE", help="building the CNF may use at most this "
                   "much memory (e.g. 512M; default 4G or $SLTH_VERIFY_MEMORY_BUDGET); auto then "
                   "falls back to adder, an explicit encoding is refused")
    e.add_argument("--time-limit", type=float, metavar="S", help="seconds to build the CNF (default: no limit)")
    e.add_argument("-o", "--output", required=True, help="output file")
    e.set_defaults(func=cmd_export)


def _add_export_network(sub) -> None:
    """``slth-verify export-network``."""
    xn = sub.add_parser("export-network", help="write a certificate's verified ticket network (or a "
                                                "network file) as ONNX, npz or safetensors that "
                                                "computes exactly the tool's outputs")
    xn.add_argument("source", help="a certificate (.json; checked first) or a network file (.npz, .json)")
    xn.add_argument("--format", choices=["onnx", "npz", "safetensors"], required=True, help="the output format")
    xn.add_argument("-o", "--output", required=True, help="output file")
    xn.add_argument("--dtype", choices=["auto", "float32", "float64"], default="auto",
                    help="auto: float32 when proved exact, else float64 (default); a dtype that "
                         "cannot be exact is refused")
    xn.add_argument("--input-bits", type=int, metavar="B", help="exact on inputs of the grid 2^-B, "
                    "|x_j| <= 1 (default: the certificate's equality grid, else the finest weight precision)")
    xn.add_argument("--full", action="store_true", help="keep every unit (default: drop dead hidden units)")
    xn.add_argument("--engines", choices=["auto", "python", "native", "both"], default="auto",
                    help="proof checker engines for the certificate check (default auto)")
    xn.add_argument("--json", action="store_true", help="print what was written as a JSON object")
    xn.set_defaults(func=cmd_export_network)


def _add_sweep(sub) -> None:
    """``slth-verify sweep``."""
    from verify.experiments.spec import builtin_specs

    sw = sub.add_parser("sweep", help="run an experiment over a parameter grid into a SQLite database "
                                      "(resumable: run it again to finish an interrupted sweep)")
    sw.add_argument("spec", help=f"a spec file (.toml), or a built-in spec: {', '.join(builtin_specs())}")
    sw.add_argument("--db", help="results database (SQLite; created if missing); required unless --print-spec")
    _add_where_and_retries(sw)
    sw.add_argument("--print-spec", action="store_true", help="print the spec (e.g. a built-in one, to "
                    "copy and edit) and exit")
    sw.set_defaults(func=cmd_sweep)


def _add_compare(sub) -> None:
    """``slth-verify compare``."""
    cp = sub.add_parser("compare", help="heuristics against exact answers on a suite or a sweep spec "
                                        "(through the sweep machinery: resumable, local or Dask)")
    source = cp.add_mutually_exclusive_group(required=True)
    source.add_argument("--suite", metavar="DIR", help="a suite built by 'suite build'")
    source.add_argument("--sweep", metavar="SPEC", help="a spec of the compare experiment (or the built-in "
                        "'compare')")
    cp.add_argument("--db", required=True, help="results database (SQLite)")
    cp.add_argument("--methods", help="with --suite: comma-separated methods (default: every method that "
                    "applies to an instance); on network instances the subset-sum heuristics solve the "
                    "construction's per-weight sums")
    cp.add_argument("--time-limit", type=float, metavar="S",
                    help="seconds per task (default: with --suite the suite spec's time_limit, 30 s for the "
                         "built-in suite; with --sweep the spec's, else 10 s)")
    cp.add_argument("--csv", metavar="FILE", help="write every row as CSV")
    cp.add_argument("--plot", metavar="FILE.png", help="write success and time against κ (needs matplotlib)")
    _add_where_and_retries(cp)
    cp.set_defaults(func=cmd_compare)


def _add_report(sub) -> None:
    """``slth-verify report``."""
    rp = sub.add_parser("report", help="tables (and CSV, plots) of an experiment's results")
    rp.add_argument("db", help="results database written by sweep")
    rp.add_argument("--experiment", help="which experiment (needed when the database holds several)")
    rp.add_argument("--csv", metavar="FILE", help="write every row as CSV")
    rp.add_argument("--plot", metavar="FILE.png", help="write the experiment's plots (needs matplotlib)")
    rp.set_defaults(func=cmd_report)


def _add_suite(sub) -> None:
    """``slth-verify suite build, suite check and suite rate``."""
    su = sub.add_parser("suite", help="hard instance suites with certified answers, for solver benchmarking")
    ssub = su.add_subparsers(dest="what", metavar="ACTION", parser_class=_Parser, required=True)
    sb = ssub.add_parser("build", help="generate a suite's instances, exports and certified answers")
    sb.add_argument("--spec", required=True, help="suite spec (.toml), or a built-in one: critical-window")
    sb.add_argument("-o", "--output", required=True, help="a new directory for the suite")
    sb.set_defaults(func=cmd_suite_build)
    sc = ssub.add_parser("check", help="re-verify every answer of a suite from its files alone")
    sc.add_argument("directory", help="a suite directory written by suite build")
    sc.add_argument("--engines", choices=["auto", "python", "native", "both"], default="auto",
                    help="proof checker engines (default auto)")
    sc.add_argument("-v", "--verbose", action="store_true", help="one line per instance")
    sc.set_defaults(func=cmd_suite_check)
    sr = ssub.add_parser("rate", help="run every instance through each solver within a time limit: which "
                                      "decide it, how fast, and whether they agree with the certified answer")
    sr.add_argument("directory", help="a suite directory written by suite build")
    sr.add_argument("--solvers", default="cadical195,glucose4,cpsat",
                    help="comma-separated: PySAT solvers (on the CNF), cpsat (on the model, one worker), "
                         "representation (the search: yes only) (default cadical195,glucose4,cpsat)")
    sr.add_argument("--time-limit", type=float, required=True, metavar="S", help="seconds per solver and instance")
    sr.set_defaults(func=cmd_suite_rate)


def _add_where_and_retries(p) -> None:
    """Where a sweep's tasks run, and which stored ones run again (sweep and compare)."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N", help="local worker processes (default 1)")
    where.add_argument("--dask-local", type=int, metavar="N", help="a Dask LocalCluster of N workers "
                       "(needs the dask extra)")
    where.add_argument("--dask", metavar="tcp://HOST:PORT", help="a running Dask scheduler")
    p.add_argument("--retry-errors", action="store_true", help="run again the spec's tasks stored as errors")
    p.add_argument("--retry-unknown", action="store_true", help="run again the spec's tasks stored as "
                   "unknown (after raising time_limit, say: the limit is not part of a task's key)")
    p.add_argument("--limit", type=int, metavar="K", help="run at most K of the missing tasks")
    p.add_argument("--quiet", action="store_true", help="no progress bar (it is off anyway when "
                   "stderr is not a terminal)")


def main(argv: list[str] | None = None) -> int:
    # SIGINT and SIGTERM stop every command the same way (verify.interrupts); run as the
    # program (argv None), signals after the command has finished are ignored
    with interrupts.handling(final=argv is None):
        try:
            interrupts.check()  # a signal while the program was starting
            return _main(argv)
        except KeyboardInterrupt:
            print("slth-verify: interrupted", file=sys.stderr)
            return interrupts.EXIT_INTERRUPTED


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader went away (| head): stop quietly, like other tools
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:  # the exit code is the error's class's (verify.errors.exit_code)
        if args.debug:
            raise
        code = exit_code(e)
        if isinstance(e, VerifyError) or code != EXIT_INTERNAL:
            print(f"slth-verify: error: {e}", file=sys.stderr)
        else:  # not raised on purpose: a bug, whose traceback is what a report needs
            import traceback

            traceback.print_exc()
            print(f"slth-verify: internal error (a bug, please report it): {type(e).__name__}: {e}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
