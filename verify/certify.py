"""From (target, random network) to a written, self-checked certificate.

``certify`` runs the ticket pipeline (``verify.ticket_pipeline``: the paper's construction, a
search of ``verify.tickets``, or a mask given by the user; then equality by
``verify.equality``), turns what it found into a claim with its evidence, writes the
certificate and the proof files it names (``<certificate>.proofs/``), then runs the
independent checker on what it wrote: a certificate that does not check is a bug
(InternalError), never a result.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from verify.certificates import (KIND, VERSION, check_certificate, mask_to_json, refutation_record, statement,
                                 theorem3_bound)
from verify.constructions import ConstructionOptions, WeightChoice
from verify.encodings.formats import write_dimacs
from verify.equality import Equality, Verdict
from verify.errors import InputError, InternalError
from verify.fixed_size import FixedSize, parse_sizes
from verify.interrupts import undo_on_failure
from verify.layouts import layout_of
from verify.networks import QuantizedNetwork, density, load_mask, load_network
from verify.numbers import RoundingMode
from verify.problems import dumps_readable, write_text_atomic
from verify.solve.report import versions
from verify.status_line import quiet
from verify.ticket_pipeline import (Find, TicketOutcome, TicketRequest, TicketSize, construction_kept, run,
                                    sparsest_kept)
from verify.tickets import LowerBound, Search


# seconds the sparsest search a fixed-size ticket is compared with may take when no
# search_seconds is given: the comparison is a report (info), and an unproved optimum says so
COMPARE_SECONDS = 60.0


@dataclass(frozen=True)
class CertifyOptions:
    """What ``certify`` is asked. ``find``: ``construction`` (Theorem 1 or 2, by the depths;
    the default), ``any``, ``sparsest`` or ``min-width`` (Theorem 1 layout; see
    ``verify.tickets``); ``mask_path`` certifies a given mask instead (and excludes ``find``).
    ``k``: δ = 2^-k for lowering R with ``mode`` (default: R's finest precision);
    ``input_bits``: the input grid for exhaustive or miter equality (default: the target's
    precision); ``equality``: its method; ``method``: how ``--find any`` decides components;
    ``time_limit`` (seconds per solver run), ``budget`` (memory of the exact tables and CNFs),
    ``engines`` (the DRUP proof checkers); ``search_seconds``: all of ``sparsest``'s
    CP-SAT runs and refutations together (what is left unproved is said, with the kept weights' range),
    and of a ``fixed-size`` sweep with its sparsest comparison. ``per_weight``: the sizes S of
    ``fixed-size`` (exactly S products per target weight and branch; ``verify.fixed_size``): an
    integer, a list, or text such as ``"1..6"`` or ``"2,4"``; only with ``find="fixed-size"``."""

    find: str | None = None
    mask_path: str | os.PathLike | None = None
    k: int | None = None
    mode: RoundingMode | str = RoundingMode.NEAREST_EVEN
    input_bits: int | None = None
    equality: str = "auto"
    method: str = "auto"
    time_limit: float | None = None
    budget: int | str | None = None
    engines: str = "auto"
    search_seconds: float | None = None
    per_weight: int | str | tuple | None = None

    def __post_init__(self):
        if self.mask_path is not None and self.find is not None:
            raise InputError("--mask and --find exclude each other: certify a given mask, or search for one")
        fixed = self.find is not None and Find.parse(self.find) is Find.FIXED_SIZE
        if self.per_weight is not None and not fixed:
            given = "--mask" if self.mask_path is not None else f"--find {self.find or 'construction'}"
            raise InputError(f"--per-weight: only with --find fixed-size, not with {given}")
        if fixed:
            if self.per_weight is None:
                raise InputError("--find fixed-size: give the products per target weight "
                                 "(--per-weight S, A..B or S1,S2)")
            object.__setattr__(self, "per_weight", parse_sizes(self.per_weight, "--per-weight"))


@dataclass(frozen=True)
class CertifySummary:
    """What ``certify`` found, for printing (``to_json``: the ``--json`` fields and the
    certificate's ``info``). ``search``: the find method, or ``mask``. ``failures``: the
    construction's choices with no subset; ``stopped``: why a search stopped (a limit);
    ``width``/``theorem1_width``: units per group used, and R's; ``optimality``: why a
    sparsest ticket's optimum is not certified; ``counterexample``: a replayed input where the
    pruned network differs; ``construction_kept``: the construction's kept weights (None: it
    fails), when a searched ticket is compared with it (``compared``); ``claim``: the
    certificate's statement, once written. Sparsest: ``bounds`` (lower, upper), the kept
    weights are between them (the lower bound sums each component's checked optimum, else its
    exhaustive per-sum table bound); ``unproved``: the components where they differ.
    ``fixed_size``: a fixed-size sweep's report (``verify.certify._fixed_size``);
    ``search_seconds``: wall time of finding the mask (not in ``to_json``: the certificate's
    ``info.seconds.search``)."""

    search: str
    layout: str
    delta_bits: int
    failures: tuple[WeightChoice, ...] | None = None
    stopped: str | None = None
    width: int | None = None
    theorem1_width: int | None = None
    optimality: str | None = None
    equality: Equality | None = None
    counterexample: tuple[int, ...] | None = None
    size: TicketSize | None = None
    theorem3_bound: float | None = None
    compared: bool = False
    construction_kept: int | None = None
    claim: str | None = None
    bounds: tuple[int, int] | None = None
    unproved: tuple[dict, ...] = ()
    fixed_size: dict | None = None
    search_seconds: float | None = None

    def to_json(self) -> dict:
        out = {"search": self.search, "layout": self.layout, "delta_bits": self.delta_bits}
        if self.failures is not None:
            out["failures"] = [{"layer": c.layer, "row": c.output, "input": c.input, "branch": c.branch,
                                "status": c.answer.status.value, "evidence": c.answer.evidence}
                               for c in self.failures]
        optional = {"unknown": self.stopped, "width": self.width, "theorem1_width": self.theorem1_width,
                    "optimality": self.optimality, "theorem3_bound": self.theorem3_bound, "claim": self.claim}
        out.update((key, value) for key, value in optional.items() if value is not None)
        if self.equality is not None:
            out["equality"] = {"method": self.equality.method, "verdict": self.equality.verdict.value,
                               "domain": self.equality.domain}
        if self.counterexample is not None:
            out["counterexample"] = list(self.counterexample)
        if self.size is not None:
            out.update(kept=self.size.kept, total=self.size.total, density=self.size.density,
                       overparameterization=self.size.overparameterization)
        if self.compared:
            out["construction_kept"] = self.construction_kept
        if self.bounds is not None:
            out["kept_between"] = list(self.bounds)
        if self.unproved:
            out["unproved_components"] = list(self.unproved)
        if self.fixed_size is not None:
            out["fixed_size"] = self.fixed_size
        return out


@dataclass(frozen=True)
class Certified:
    """What ``certify`` did: ``ok`` when the certificate's claim holds with checked evidence
    (a ticket, or a certified "no ticket"); ``ticket`` says which; ``summary`` is for printing."""

    ok: bool
    ticket: bool
    certificate: dict | None
    summary: CertifySummary
    message: str


@dataclass
class _Draft:
    """The certificate being assembled for ``output``: its claim, evidence, mask, the proof
    files it names, and the networks it is about (role -> (path given, network))."""

    output: Path
    networks: dict
    claim: dict
    evidence: dict = field(default_factory=lambda: {"equality": None, "witnesses": [], "lower_bounds": [],
                                                    "narrower": None, "no_ticket": None})
    mask: tuple | None = None
    proofs: list[tuple[Path, str]] = field(default_factory=list)


def _relpath(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path.resolve(), base.resolve())
    except ValueError:  # another drive (Windows)
        return str(path.resolve())


def _witness(layer, row, inp, branch, target, units) -> dict:
    return {"layer": layer, "row": row, "input": inp, "branch": branch, "target": target,
            "units": sorted(map(int, units))}


def certify(target_path, random_path, output, options: CertifyOptions = CertifyOptions(),
            progress=quiet) -> Certified:
    """Certify a ticket of ``random`` for ``target`` (or a "no ticket") into ``output`` (a
    ``.json`` file in an existing directory), as ``options`` asks. ``progress`` is told each
    stage (``verify.status_line``)."""
    start = time.perf_counter()
    output = Path(output)
    if output.suffix != ".json":
        raise InputError(f"{output}: a certificate is a .json file")
    if not output.parent.is_dir():
        raise InputError(f"{output}: directory {output.parent} does not exist")
    find = Find.parse(options.find or Find.CONSTRUCTION)
    progress("reading the networks (a recipe is regenerated)")
    target, random = load_network(target_path), load_network(random_path)
    layout = layout_of(target, random)
    k = min(random.scales) if options.k is None else options.k
    mode = RoundingMode.parse(options.mode)
    input_bits = max(target.scales) if options.input_bits is None else options.input_bits
    mask = None if options.mask_path is None else load_mask(options.mask_path, random)
    outcome = run(target, random, TicketRequest(find, mask, k, mode, options.method, options.engines,
                                                options.time_limit, options.budget, options.equality,
                                                input_bits, search_seconds=options.search_seconds,
                                                per_weight=options.per_weight), progress)
    summary = CertifySummary("mask" if mask is not None else find.value, layout.value, k,
                             search_seconds=outcome.seconds.get("find"))
    draft = _Draft(output, {"target": (target_path, target), "random": (random_path, random)},
                   {"kind": "ticket", "layout": layout.value, "delta_bits": k, "lowering": mode.value, "width": None})
    if outcome.construction is not None:
        built = outcome.construction
        if not built.ok:
            failures = tuple(built.failures)
            return Certified(False, False, None, replace(summary, failures=failures),
                             f"the construction failed on {len(failures)} target weight(s) and branch(es); "
                             + _after_failure(failures))
        # the mask is the witnesses' union: the certificate's self-check replays them and checks that
        draft.evidence["witnesses"] = [_witness(c.layer, c.output, c.input, c.branch, c.target, c.units)
                                       for c in built.choices]
    elif outcome.search is not None:
        summary = _searched(outcome.search, summary, draft, target, random)
        if isinstance(outcome.search, FixedSize):
            summary = _fixed_size(outcome.search, summary, draft, target, random, options)
        if not outcome.search.found and outcome.search.refuted is None:
            return Certified(False, False, None, summary, f"the search stopped: {outcome.search.stats.get('unknown')}")
    if outcome.mask is not None:
        summary, failed = _proved(outcome, summary, draft, target, input_bits)
        if failed is not None:
            return failed
    draft.claim["statement"] = statement(draft.claim, draft.evidence["equality"]["domain"]
                                         if draft.evidence["equality"] else None)
    summary = replace(summary, theorem3_bound=round(theorem3_bound(target), 3))
    if outcome.search is not None and outcome.mask is not None and summary.fixed_size is None:
        summary = replace(summary, compared=True, construction_kept=construction_kept(
            target, random, k, ConstructionOptions(mode, budget=options.budget)))
    return _write(draft, summary, options.engines, start, progress)


def _searched(searched: Search, summary: CertifySummary, draft: _Draft, target: QuantizedNetwork,
              random: QuantizedNetwork) -> CertifySummary:
    """The claim and evidence of a search of the structured family, into ``draft``."""
    summary = replace(summary, stopped=searched.stats.get("unknown"))
    if not searched.found and searched.refuted is None:
        return summary
    draft.claim["width"] = searched.width
    if searched.refuted is not None:
        s, how, why = searched.refuted
        draft.claim.update(kind="no-ticket")
        draft.evidence["no_ticket"] = refutation_record(s, searched.width, how, why)
    else:
        draft.evidence["witnesses"] = [_witness(s.layer, s.output, s.input, s.branch, s.target, searched.chosen[n])
                                       for n, s in enumerate(searched.sums)]
        if searched.search == Find.SPARSEST.value:
            # every checked refutation is evidence: all of them prove the optimum, some a partial bound
            draft.evidence["lower_bounds"] = [_bound_files(b, draft.output, draft.proofs)
                                              for b in searched.bounds if b.proved]
            spans = searched.stats.get("components", [])
            summary = replace(summary, bounds=(sum(c["lower"] for c in spans), sum(c["upper"] for c in spans)))
            if searched.optimal:
                draft.claim["sparsest"] = True
            else:
                open_ = [c for c in spans if c["lower"] < c["upper"]]
                low, high = summary.bounds
                summary = replace(summary, unproved=tuple(open_), optimality=(
                    f"not certified: kept weights between {low} and {high}; {len(open_)} component(s) open: "
                    + "; ".join(f"{_label(b)}: {b.why_unproved}" for b in searched.bounds if not b.proved)))
        if searched.search == Find.MIN_WIDTH.value and searched.narrower is not None:
            draft.claim["minimal_width"] = True
            s, how, why = searched.narrower
            draft.evidence["narrower"] = refutation_record(s, searched.width - 1, how, why)
    return replace(summary, width=searched.width,
                   theorem1_width=random.weights[0].shape[0] // target.widths[0])


def _fixed_size(found: FixedSize, summary: CertifySummary, draft: _Draft, target: QuantizedNetwork,
                random: QuantizedNetwork, options: CertifyOptions) -> CertifySummary:
    """A fixed-size search's claim (``per_weight``; a "no" cites the sum with no size-S subset)
    and its report: per size of the sweep, the sums with a representation and the ticket's
    density, against the sparsest ticket's and the construction's; every refuted (weight, branch)
    of the certified size with its evidence. The sparsest search takes at most ``search_seconds``
    (default :data:`COMPARE_SECONDS`); what it leaves unproved, its lower bound says."""
    draft.claim["per_weight"] = found.per_weight
    if draft.evidence["no_ticket"] is not None:
        draft.evidence["no_ticket"]["size"] = found.per_weight
    k, mode = summary.delta_bits, RoundingMode.parse(options.mode)
    rows = []
    for size, one in sorted(found.sweep.items()):
        kept, total = density(one.mask(random)) if one.found else (None, sum(w.size for w in random.weights))
        rows.append({**one.row(), "kept": kept, "total": total, "density": None if kept is None else kept / total})
    seconds = COMPARE_SECONDS if options.search_seconds is None else options.search_seconds
    sparsest = sparsest_kept(target, random, k, TicketRequest(Find.SPARSEST, None, k, mode, engines=options.engines,
                                                              time_limit=options.time_limit, budget=options.budget,
                                                              search_seconds=seconds))
    made = construction_kept(target, random, k, ConstructionOptions(mode, budget=options.budget))
    total = rows[0]["total"]
    report = {"per_weight": found.per_weight, "sweep": rows,
              "with_ticket": [r["per_weight"] for r in rows if r["ticket"]],
              "refuted": [a.to_json() for a in found.missing], "undecided": [a.to_json() for a in found.undecided],
              "sparsest": {**sparsest, "density": None if sparsest["kept"] is None else sparsest["kept"] / total},
              "construction": {"kept": made, "density": None if made is None else made / total}}
    return replace(summary, fixed_size=report)


def _proved(outcome: TicketOutcome, summary: CertifySummary, draft: _Draft, target: QuantizedNetwork,
            input_bits: int) -> tuple[CertifySummary, Certified | None]:
    """The equality evidence and the kept count, into ``draft``; or the failed result when
    the pruned network differs or equality is undecided."""
    eq = outcome.equality
    summary = replace(summary, equality=eq)
    if eq.verdict is Verdict.DIFFER:
        return summary, Certified(False, False, None, replace(summary, counterexample=tuple(eq.counterexample)),
                                  f"the pruned network differs from the target on input "
                                  f"{list(eq.counterexample)} (scale 2^-{input_bits}), replayed")
    if eq.verdict not in (Verdict.EQUAL, Verdict.EQUAL_CLAIMED):
        return summary, Certified(False, False, None, summary, f"equality undecided: {eq.detail}")
    draft.evidence["equality"] = eq.to_json()
    draft.mask = outcome.mask
    size = outcome.size(target)
    draft.claim.update(kept=size.kept, total=size.total)
    return replace(summary, size=size), None


def _write(draft: _Draft, summary: CertifySummary, engines: str, start: float, progress) -> Certified:
    """Write the certificate and its proof files, then check what was written (or leave
    nothing new behind: an interruption, a failed check). ``start``: when certify began
    (``time.perf_counter``)."""

    output, base = draft.output, draft.output.parent
    info = {**summary.to_json(), "seconds": None, "versions": versions()}
    files = {role: {"path": _relpath(Path(p), base), "sha256": net.sha256} for role, (p, net) in draft.networks.items()}
    cert = {"kind": KIND, "version": VERSION, "claim": draft.claim, "files": files,
            "mask": mask_to_json(draft.mask) if draft.mask is not None else None, "evidence": draft.evidence,
            "info": info}
    claimed = draft.evidence["equality"] is not None and draft.evidence["equality"]["verdict"] == "equal-claimed"
    with undo_on_failure() as undo:
        undo.watch(output, _proof_folder(output))
        for path, text in draft.proofs:
            path.parent.mkdir(exist_ok=True)
            write_text_atomic(path, text)
        info["seconds"] = {"certify": round(time.perf_counter() - start, 3)}
        if summary.search_seconds is not None:
            info["seconds"]["search"] = round(summary.search_seconds, 3)
        progress("writing the certificate")
        write_text_atomic(output, dumps_readable(cert) + "\n")
        # find_sparsest checked every proof; the networks are the ones loaded above
        report = check_certificate(output, engines, proofs=False,
                                   loaded={role: net for role, (_, net) in draft.networks.items()}, progress=progress)
        if not report.ok and not claimed:
            raise InternalError(f"{output}: the certificate just written does not check: "
                                + "; ".join(line for line in report.lines if line.startswith("FAILED")))
    ok = not claimed
    ticket = draft.claim["kind"] == "ticket"
    message = (("ticket certified" if ticket else "no ticket exists (certified)") if ok
               else "equality only claimed by the CP-SAT miter: the certificate will not check")
    return Certified(ok, ticket, cert, replace(summary, claim=draft.claim["statement"]), message)


def _after_failure(failures: tuple[WeightChoice, ...]) -> str:
    """What to try when the construction failed: ``--find any`` helps only after the first pair."""
    if all(f.layer > 1 for f in failures):
        return "try --find any (it needs no branch-B units after the first layer pair)"
    return "a random network with more units per input (a larger --c) or another seed may have them"


def _label(b: LowerBound) -> str:
    return f"layer {b.layer} input {b.input} branch {b.branch}"


def _proof_folder(output: Path) -> Path:
    return output.with_name(output.stem + ".proofs")


def _bound_files(b: LowerBound, output: Path, proofs: list) -> dict:
    base = output.parent
    folder = _proof_folder(output)
    stem = f"layer{b.layer}-input{b.input}-{b.branch}-at-most-{b.at_most}"
    cnf = write_dimacs(b.nvars, b.clauses, [
        f"slth-verify: layer {b.layer} input {b.input} branch {b.branch}: no structured "
        f"choice keeps at most {b.at_most} weights"])
    proof = "\n".join(b.proof_lines) + "\n"
    out = {"layer": b.layer, "input": b.input, "branch": b.branch, "at_most": b.at_most}
    for kind, suffix, text in (("cnf", ".cnf", cnf), ("proof", ".drup", proof)):
        path = folder / (stem + suffix)
        proofs.append((path, text))
        out[kind] = {"path": _relpath(path, base), "sha256": hashlib.sha256(text.encode()).hexdigest()}
    return out
