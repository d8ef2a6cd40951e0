"""From (target, random network) to a written, self-checked certificate.

``certify`` finds a mask (the paper's construction, or a search of ``verify.tickets``, or a mask
given by the user), decides equality (``verify.equality``), writes the certificate and the proof
files it names (``<certificate>.proofs/``), then runs the independent checker on what it wrote:
a certificate that does not check is a bug (InternalError), never a result.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from verify.certificates import (KIND, VERSION, check_certificate, equality_record, layout_of,
                                 mask_to_json, refutation_record, replay_witnesses, statement,
                                 theorem3_bound)
from verify.equality import decide_equality, ticket_network
from verify.errors import InputError, InternalError
from verify.interrupts import undo_on_failure
from verify.networks import density, load_mask, load_network
from verify.numbers import RoundingMode
from verify.problems import dumps_readable, write_text_atomic
from verify.status_line import quiet

FINDS = ("construction", "any", "sparsest", "min-width")


@dataclass
class Certified:
    """What ``certify`` did: ``ok`` when the certificate's claim holds with checked evidence
    (a ticket, or a certified "no ticket"); ``ticket`` says which; ``summary`` is for printing."""

    ok: bool
    ticket: bool
    certificate: dict | None
    summary: dict
    message: str


def _relpath(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path.resolve(), base.resolve())
    except ValueError:  # another drive (Windows)
        return str(path.resolve())


def _witness(layer, row, inp, branch, target, units) -> dict:
    return {"layer": layer, "row": row, "input": inp, "branch": branch, "target": target,
            "units": sorted(map(int, units))}


def certify(target_path, random_path, output, find: str = "construction", mask_path=None,
            k: int | None = None, mode=RoundingMode.NEAREST_EVEN, input_bits: int | None = None,
            equality: str = "auto", method: str = "auto", time_limit: float | None = None,
            budget=None, engines: str = "auto", progress=quiet) -> Certified:
    """Certify a ticket of ``random`` for ``target`` (or a "no ticket") into ``output``.

    ``find``: ``construction`` (Theorem 1 or 2, by the depths), ``any``, ``sparsest`` or
    ``min-width`` (Theorem 1 layout; see ``verify.tickets``); ``mask_path`` certifies a given
    mask instead. ``k``: δ = 2^-k for lowering R (default: R's finest precision); ``input_bits``:
    the input grid for exhaustive or miter equality (default: the target's precision).
    ``progress`` is told each stage (``verify.status_line``)."""
    start = time.perf_counter()
    output = Path(output)
    if output.suffix != ".json":
        raise InputError(f"{output}: a certificate is a .json file")
    if not output.parent.is_dir():
        raise InputError(f"{output}: directory {output.parent} does not exist")
    if find not in FINDS:
        raise InputError(f"find: expected one of {', '.join(FINDS)}, got {find!r}")
    progress("reading the networks (a recipe is regenerated)")
    target, random = load_network(target_path), load_network(random_path)
    layout = layout_of(target, random)
    k = min(random.scales) if k is None else k
    mode = RoundingMode.parse(mode)
    input_bits = max(target.scales) if input_bits is None else input_bits
    base = output.parent
    summary: dict = {"search": "mask" if mask_path else find, "layout": layout, "delta_bits": k}
    claim = {"kind": "ticket", "layout": layout, "delta_bits": k, "lowering": mode.value, "width": None}
    evidence: dict = {"equality": None, "witnesses": [], "lower_bounds": [], "narrower": None, "no_ticket": None}
    info: dict = {}
    proofs: list[tuple[Path, str]] = []

    if mask_path is not None:
        mask = load_mask(mask_path, random)
    elif find == "construction":
        mask, witnesses, failure = _construction(target, random, layout, k, mode, budget, progress)
        if failure:
            return Certified(False, False, None, {**summary, "failures": failure},
                             f"the construction failed on {len(failure)} target weight(s) and branch(es); "
                             + _after_failure(failure))
        evidence["witnesses"] = witnesses
    else:
        progress(f"searching ({find}{': each optimum proved by a checked refutation' if find == 'sparsest' else ''})")
        searched = _search(target, random, k, mode, find, method, time_limit, engines, budget)
        summary.update(searched.stats)
        claim["width"] = searched.width
        if searched.refuted is not None:
            s, how, why = searched.refuted
            claim.update(kind="no-ticket")
            evidence["no_ticket"] = refutation_record(s, searched.width, how, why)
            mask = None
        elif not searched.found:
            return Certified(False, False, None, summary, f"the search stopped: {searched.stats.get('unknown')}")
        else:
            evidence["witnesses"] = [_witness(s.layer, s.output, s.input, s.branch, s.target, searched.chosen[n])
                                     for n, s in enumerate(searched.sums)]
            if find == "sparsest":
                claim["sparsest"] = bool(searched.optimal)
                if searched.optimal:
                    evidence["lower_bounds"] = [_bound_files(b, output, base, proofs) for b in searched.bounds]
                else:
                    summary["optimality"] = "not certified: " + "; ".join(
                        b.get("reason") or b.get("message", "") for b in searched.bounds if not b.get("checked"))
            if find == "min-width" and searched.narrower is not None:
                claim["minimal_width"] = True
                s, how, why = searched.narrower
                evidence["narrower"] = refutation_record(s, searched.width - 1, how, why)
            mask = tuple(replay_witnesses(evidence["witnesses"], target, random, k, mode, layout,
                                          claim["width"]))
        summary["width"] = searched.width
        summary["theorem1_width"] = random.weights[0].shape[0] // target.widths[0]

    if mask is not None:
        progress("proving equality")
        pruned = ticket_network(target, random, mask, k, mode)
        eq = decide_equality(target, pruned, input_bits, equality, budget, time_limit)
        summary["equality"] = {"method": eq.method, "verdict": eq.verdict, "domain": eq.domain}
        if eq.verdict == "differ":
            return Certified(False, False, None, {**summary, "counterexample": list(eq.counterexample)},
                             f"the pruned network differs from the target on input "
                             f"{list(eq.counterexample)} (scale 2^-{input_bits}), replayed")
        if eq.verdict not in ("equal", "equal-claimed"):
            return Certified(False, False, None, summary, f"equality undecided: {eq.detail}")
        evidence["equality"] = equality_record(eq)
        kept, total = density(mask)
        claim.update(kept=kept, total=total)
        summary.update(kept=kept, total=total, density=kept / total,
                       overparameterization=total / target.num_weights)
    claim["statement"] = statement(claim, evidence["equality"]["domain"] if evidence["equality"] else None)
    summary["theorem3_bound"] = round(theorem3_bound(target), 3)
    if find != "construction" and mask is not None and mask_path is None:
        cmask, _, failure = _construction(target, random, layout, k, mode, budget)
        summary["construction_kept"] = density(cmask)[0] if not failure else None
    info.update(summary, seconds=None)
    from verify.solve.report import versions

    info["versions"] = versions()
    files = {role: {"path": _relpath(Path(p), base), "sha256": net.sha256}
             for role, p, net in (("target", target_path, target), ("random", random_path, random))}
    cert = {"kind": KIND, "version": VERSION, "claim": claim, "files": files,
            "mask": mask_to_json(mask) if mask is not None else None, "evidence": evidence, "info": info}
    claimed = evidence["equality"] is not None and evidence["equality"]["verdict"] == "equal-claimed"
    # written and self-checked, or nothing new left behind (an interruption, a failed check)
    with undo_on_failure() as undo:
        undo.watch(output, _proof_folder(output))
        for path, text in proofs:
            path.parent.mkdir(exist_ok=True)
            write_text_atomic(path, text)
        info["seconds"] = {"certify": round(time.perf_counter() - start, 3)}
        progress("writing the certificate")
        write_text_atomic(output, dumps_readable(cert) + "\n")
        # find_sparsest checked every proof; the networks are the ones loaded above
        report = check_certificate(output, engines, proofs=False, loaded={"target": target, "random": random},
                                   progress=progress)
        if not report.ok and not claimed:
            raise InternalError(f"{output}: the certificate just written does not check: "
                                + "; ".join(line for line in report.lines if line.startswith("FAILED")))
    ok = not claimed
    ticket = claim["kind"] == "ticket"
    message = (("ticket certified" if ticket else "no ticket exists (certified)") if ok
               else "equality only claimed by the CP-SAT miter: the certificate will not check")
    summary["claim"] = claim["statement"]
    return Certified(ok, ticket, cert, summary, message)


def _after_failure(failure: list[dict]) -> str:
    """What to try when the construction failed: ``--find any`` helps only after the first pair."""
    if all(f["layer"] > 1 for f in failure):
        return "try --find any (it needs no branch-B units after the first layer pair)"
    return "a random network with more units per input (a larger --c) or another seed may have them"


def _construction(target, random, layout, k, mode, budget, progress=quiet):
    from verify.constructions import construct_theorem1, construct_theorem2

    if layout == "theorem1":
        built = construct_theorem1(target, random, k, mode, budget=budget, progress=progress)
    elif layout == "theorem2":
        built = construct_theorem2(target, random, k, mode=mode, budget=budget)
    else:
        raise InputError("--find construction needs a random network of depth 2ℓ (Theorem 1) or ℓ+1 (Theorem 2)")
    if not built.ok:
        return None, None, [{"layer": c.layer, "row": c.output, "input": c.input, "branch": c.branch,
                             "status": c.answer.status.value, "evidence": c.answer.evidence}
                            for c in built.failures]
    # the mask is the witnesses' union: the certificate's self-check replays them and checks that
    witnesses = [_witness(c.layer, c.output, c.input, c.branch, c.target, c.units) for c in built.choices]
    return built.mask, witnesses, None


def _search(target, random, k, mode, find, method, time_limit, engines, budget):
    from verify.tickets import family_sums, find_any, find_min_width, find_sparsest, group_size

    if find == "min-width":
        return find_min_width(target, random, k, mode)
    c = group_size(target, random)
    sums = family_sums(target, random, k, mode)
    if find == "any":
        return find_any(sums, c, method, time_limit, budget)
    return find_sparsest(sums, c, time_limit, engines, budget)


def _proof_folder(output: Path) -> Path:
    return output.with_name(output.stem + ".proofs")


def _bound_files(b: dict, output: Path, base: Path, proofs: list) -> dict:
    from verify.encodings.formats import write_dimacs

    folder = _proof_folder(output)
    stem = f"layer{b['layer']}-input{b['input']}-{b['branch']}-at-most-{b['at_most']}"
    cnf = write_dimacs(b["nvars"], b["clauses"], [
        f"slth-verify: layer {b['layer']} input {b['input']} branch {b['branch']}: no structured "
        f"choice keeps at most {b['at_most']} weights"])
    proof = "\n".join(b["proof_lines"]) + "\n"
    out = {"layer": b["layer"], "input": b["input"], "branch": b["branch"], "at_most": b["at_most"]}
    for kind, suffix, text in (("cnf", ".cnf", cnf), ("proof", ".drup", proof)):
        path = folder / (stem + suffix)
        proofs.append((path, text))
        out[kind] = {"path": _relpath(path, base), "sha256": hashlib.sha256(text.encode()).hexdigest()}
    return out
