"""Certificates for networks with an architecture (convolutions, residual blocks): write them
after the construction, and re-check them with no solver.

A certificate (JSON, kind ``slth-verify-conv-certificate``, version 2, version 1 still read;
docs/formats.md) names
the target and random network files (relative paths, each file's sha256 and the network's
content hash), the mask (kept flat indices per weighted layer, with its sha256), the layout, the
per-entry witnesses of the construction (hidden channels chosen per target kernel entry or
kernel and branch) and the equality evidence: ``collapse`` (every real input) or ``exhaustive``
(every input of the grid 2^-input_bits). The checker re-reads both networks, checks every hash,
replays every witness against the kept weights, and redoes the equality method the
certificate names: the collapse from the pruned weights alone, or the exhaustive evaluation.
Version 2 adds the ``search`` record; for ``sparsest`` the checker re-derives the family
(``verify.conv_tickets``), requires the mask to be the witnesses' union, re-counts every
component and re-proves each lower bound (the fewest-products table recomputed, or the
component's CNF rebuilt and its DRUP proof checked). No step trusts the writer.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from verify.certificates import CheckReport, file_sha256
from verify.conv_constructions import (ConvConstruction, collapse, construct_conv, exhaustive, pairing)
from verify.conv_networks import ConvNetwork, check_mask, load_conv_network
from verify.conv_tickets import FINDS, ConvSearch, entry_of, family_mask, family_sums, search_conv
from verify.constructions import ConstructionOptions
from verify.equality import Equality
from verify.errors import ClaimRejected, InputError, InternalError, MalformedCertificate, VerifyError
from verify.solve.proofs import check_drup
from verify.tickets import component_cost, component_cnf, components, table_bound, CNF_VERSION, CNF_VERSIONS
from verify.networks import load_mask
from verify.problems import dumps_readable, read_json_file, write_text_atomic
from verify.status_line import quiet

KIND = "slth-verify-conv-certificate"
VERSION = 2  # 2 adds the ``search`` record (any, sparsest); version 1 certificates still check
VERSIONS = (1, 2)
EQUALITY_METHODS = ("auto", "collapse", "exhaustive")


def _sha(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def mask_record(mask) -> dict:
    """Kept positions per layer (flat C-order indices of any shape) and the mask's sha256."""
    layers = [{"shape": list(m.shape), "kept": np.flatnonzero(m).tolist()} for m in mask]
    return {"sha256": _sha(layers), "layers": layers}


def mask_from_record(obj, shapes) -> tuple[np.ndarray, ...]:
    """The bool mask of a ``mask`` record, whose layers must have the random network's ``shapes``."""
    if not isinstance(obj, dict) or not isinstance(obj.get("layers"), list):
        raise MalformedCertificate("mask: expected an object with 'layers' and 'sha256'")
    layers = obj["layers"]
    got = [layer.get("shape") if isinstance(layer, dict) else None for layer in layers]
    if got != [list(s) for s in shapes]:
        raise ClaimRejected(f"mask.layers: shapes {got}, the random network's are {[list(s) for s in shapes]}")
    if obj.get("sha256") != _sha(layers):
        raise ClaimRejected("mask.sha256 does not match the mask")
    out = []
    for i, (layer, shape) in enumerate(zip(layers, shapes)):
        kept, size = layer.get("kept"), int(np.prod(shape))
        if (not isinstance(kept, list) or any(isinstance(x, bool) or not isinstance(x, int) for x in kept)
                or any(not 0 <= x < size for x in kept) or len(set(kept)) != len(kept)):
            raise ClaimRejected(f"mask.layers[{i}].kept: positions out of range for shape {list(shape)} or repeated")
        m = np.zeros(size, dtype=bool)
        m[kept] = True
        out.append(m.reshape(shape))
    return tuple(out)


# -------------------------------------------------------------------------------- certify

@dataclass
class ConvCertified:
    """What ``certify`` did: the construction (None for a given mask), the equality verdict,
    and whether a certificate was written (only for a proved equality)."""

    construction: ConvConstruction | None
    equality: Equality | None
    written: bool
    search: ConvSearch | None = None  # --find any / sparsest
    construction_kept: int | None = None  # the construction's kept weights beside a search's
    kept: int | None = None
    total: int | None = None

    @property
    def ok(self) -> bool:
        return self.written


def decide(target: ConvNetwork, random: ConvNetwork, mask, method: str, input_bits: int) -> Equality:
    """Equality of ``random`` pruned by ``mask`` and ``target`` by the cheapest sound method:
    ``collapse`` when the structure allows it (``auto`` tries it first), else ``exhaustive`` on
    the grid 2^-``input_bits`` (an InputError when it is too large to enumerate)."""
    if method not in EQUALITY_METHODS:
        raise InputError(f"equality: for a network with an architecture expected one of "
                         f"{', '.join(EQUALITY_METHODS)} (the miter handles MLPs only), got {method!r}")
    if method in ("auto", "collapse"):
        proof = collapse(target, random, mask)
        if proof.equal or method == "collapse":
            return proof
    return exhaustive(target, random.pruned(mask), input_bits)


def certify_conv(target_path, random_path, output, mask_path=None, equality: str = "auto", input_bits: int = 0,
                 budget=None, progress=quiet, time_limit: float | None = None, find: str = "construction",
                 total_seconds: float | None = None) -> ConvCertified:
    """Construct, search (``find``: ``construction``, ``any`` or ``sparsest``,
    ``verify.conv_tickets``) or read ``mask_path``; prove equality (:func:`decide`) and, when
    proved, write the certificate to ``output`` (sparsest: DRUP proofs in ``<output>.proofs/``)
    and check it as a third party would. ``time_limit``: seconds per vector subset sum
    (``construct_conv``) or per CP-SAT run and refutation (``search_conv``, with
    ``total_seconds`` for all of them)."""
    if find not in FINDS:
        raise InputError(f"--find: for a target with an architecture expected one of {', '.join(FINDS)}, got {find!r}")
    target, random = load_conv_network(target_path), load_conv_network(random_path)
    p = pairing(target, random)  # a random network of another architecture: bad input, before any work
    construction, search, made = None, None, None
    if mask_path is not None:
        mask = load_mask(mask_path, random)
    elif find == "sparsest" or (find == "any" and p.layout == "unstructured"):
        progress(f"searching for the {find} ticket")
        search = search_conv(target, random, find, time_limit, budget, total_seconds)
        if not search.found:
            return ConvCertified(None, None, False, search)
        mask = search.mask
        progress("constructing, for comparison")
        made_by = construct_conv(target, random, ConstructionOptions(budget=budget), time_limit)
        made = sum(int(m.sum()) for m in made_by.mask) if made_by.ok else None
    else:
        construction = construct_conv(target, random, ConstructionOptions(budget=budget, progress=progress),
                                      time_limit)
        if not construction.ok:
            return ConvCertified(construction, None, False)
        mask = construction.mask
    kept = sum(int(m.sum()) for m in mask)
    done = ConvCertified(construction, None, False, search, made, kept, random.num_weights)
    progress("proving equality")
    done.equality = decide(target, random, mask, equality, input_bits)
    if done.equality.equal:
        _write(Path(output), (target_path, random_path, target, random), mask, done,
               "mask" if mask_path is not None else find)
    return done


def _write(output: Path, files, mask, done: ConvCertified, find: str) -> None:
    """Write the certificate (and a sparsest search's proofs), then check it; a certificate
    that does not check is removed and is a bug (InternalError)."""
    cert = _certificate(output, files, mask, done, find)
    for rel, text in _proof_files(output, done.search):
        (output.parent / rel).parent.mkdir(exist_ok=True)
        write_text_atomic(output.parent / rel, text)
    write_text_atomic(output, dumps_readable(cert) + "\n")
    report = check_conv_certificate(output)
    if not report.ok:  # what was just proved must check: anything else is a bug
        output.unlink()
        raise InternalError(f"the certificate just written does not check: {report.error}")
    done.written = True


def _proof_name(output: Path, part) -> str:
    """Where a component's DRUP proof goes, relative to the certificate's folder."""
    return f"{output.stem}.proofs/conv-layer{part.layer}-input{part.input}-{part.branch}.drup"


def _proof_files(output: Path, search: ConvSearch | None):
    for part in (search.parts if search is not None else ()):
        if part.evidence == "drup":
            yield _proof_name(output, part), "\n".join(part.proof) + "\n"


def _certificate(output: Path, files, mask, done: ConvCertified, find: str) -> dict:
    target_path, random_path, target, random = files
    base = output.resolve().parent

    def cite(path, net):
        return {"path": os.path.relpath(Path(path).resolve(), base), "file_sha256": file_sha256(path),
                "sha256": net.sha256}

    p, proof, search = pairing(target, random), done.equality, done.search
    if search is not None:
        witnesses = [{"layer": s.layer, "output": s.output, "entry": list(entry_of(target, s.layer, s.input)),
                      "branch": s.branch, "units": list(search.chosen[n])} for n, s in enumerate(search.sums)]
    else:
        witnesses = [] if done.construction is None else [
            {"layer": c.layer, "output": c.output, "entry": list(c.entry), "branch": c.branch, "units": list(c.units)}
            for c in done.construction.choices]
    kept = sum(int(m.sum()) for m in mask)
    claim = {"statement": f"R pruned by the mask equals T on {proof.domain}; it keeps {kept} of "
                          f"{random.num_weights} weights", "kept": kept, "total": random.num_weights}
    record = {"find": find, "construction_kept": done.construction_kept}
    if find == "sparsest":
        claim["sparsest"], claim["kept_between"] = search.optimal, list(search.kept_between)
        if search.optimal:
            claim["statement"] += ", the fewest of the family"
        record["cnf_version"] = CNF_VERSION
        record["components"] = [_component_record(output, part, target) for part in search.parts]
    return {"kind": KIND, "version": VERSION, "claim": claim,
            "files": {"target": cite(target_path, target), "random": cite(random_path, random)},
            "layout": p.layout, "units": p.units, "mask": mask_record(mask), "search": record,
            "evidence": {"witnesses": witnesses, "equality": proof.to_json()}}


def _component_record(output: Path, part, target) -> dict:
    rec = {"layer": part.layer, "input": part.input, "entry": list(entry_of(target, part.layer, part.input)),
           "branch": part.branch, "kept": part.kept, "lower": part.lower, "evidence": part.evidence}
    if part.evidence == "drup":
        text = "\n".join(part.proof) + "\n"
        rec["proof"] = {"path": _proof_name(output, part), "sha256": hashlib.sha256(text.encode()).hexdigest()}
    if part.why:
        rec["unproved"] = part.why
    return rec


# ---------------------------------------------------------------------------------- check

def is_conv_certificate(path) -> bool:
    """Whether the JSON file at ``path`` declares this module's kind (False when unreadable)."""
    try:
        obj = read_json_file(path)
    except VerifyError:
        return False
    return isinstance(obj, dict) and obj.get("kind") == KIND


def check_conv_certificate(path, progress=quiet, engines: str = "auto") -> CheckReport:
    """Re-verify a conv certificate with no solver (module docstring): ``report.ok`` only when
    every hash, witness and the equality evidence hold; the first failure is ``report.error``
    (ClaimRejected, or MalformedCertificate when a field is missing or mistyped). ``engines``:
    the DRUP checker's (``verify.solve.proofs.check_drup``) for a sparsest claim's bounds."""
    report, path = CheckReport(), Path(path)
    try:
        cert = read_json_file(path)
        _check(cert, path.parent, report, progress, engines)
    except ClaimRejected as e:
        report.bad(f"{path}: {e}", ClaimRejected(f"{path}: {e}"))
    except InternalError:
        raise
    except MalformedCertificate as e:
        report.bad(f"{path}: {e}", MalformedCertificate(f"{path}: {e}"))
    except VerifyError as e:  # a cited file that does not read, networks that do not fit the claim
        report.bad(f"{path}: {e}", ClaimRejected(f"{path}: {e}"))
    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as e:  # a field missing or mistyped
        error = MalformedCertificate(f"{path}: malformed certificate: {type(e).__name__} {e}")
        report.bad(str(error), error)
    return report


def _require(cond: bool, why: str) -> None:
    if not cond:
        raise ClaimRejected(why)


def _check(cert: dict, base: Path, report: CheckReport, progress, engines: str = "auto") -> None:
    _require(cert.get("kind") == KIND and cert.get("version") in VERSIONS,
             f"kind/version: expected {KIND} version {' or '.join(map(str, VERSIONS))}")
    nets = {}
    for role in ("target", "random"):
        rec = cert["files"][role]
        f = base / rec["path"]
        _require(f.is_file(), f"files.{role}: {rec['path']}: no such file")
        _require(file_sha256(f) == rec["file_sha256"], f"files.{role}: {rec['path']} does not match its file_sha256")
        progress(f"reading the {role} network")
        nets[role] = load_conv_network(f)
        _require(nets[role].sha256 == rec["sha256"], f"files.{role}: the network's content hash differs")
    report.good("the target and random network files match their hashes")
    target, random = nets["target"], nets["random"]
    p = pairing(target, random)
    _require((p.layout, p.units) == (cert["layout"], cert["units"]),
             f"layout: the networks give {p.layout} with {p.units} units, not {cert['layout']} with {cert['units']}")
    mask = check_mask(random, mask_from_record(cert["mask"], [w.shape for w in random.weights]))
    kept = sum(int(m.sum()) for m in mask)
    _require(cert["claim"]["kept"] == kept and cert["claim"]["total"] == random.num_weights,
             f"claim: the mask keeps {kept} of {random.num_weights} weights")
    report.good(f"the mask keeps {kept} of {random.num_weights} weights ({p.layout}, {p.units} units per group)")
    _check_witnesses(cert["evidence"]["witnesses"], target, random, mask)
    report.good(f"{len(cert['evidence']['witnesses'])} witnesses replayed against the kept weights")
    if cert["version"] >= 2:
        _check_search(cert, (target, random, mask), base, report, progress, engines)
    eq = cert["evidence"]["equality"]
    _require(eq["verdict"] == "equal" and eq["method"] in ("collapse", "exhaustive"),
             f"evidence.equality: {eq['method']} {eq['verdict']} proves no equality")
    progress(f"redoing the {eq['method']} equality")
    bits = eq.get("input_bits") or 0
    proof = decide(target, random, mask, eq["method"], bits)
    _require(proof.equal and proof.domain == eq["domain"],
             f"evidence.equality: {eq['method']} does not prove equality ({proof.detail})")
    _require(cert["claim"]["statement"].startswith(f"R pruned by the mask equals T on {proof.domain};"),
             "claim.statement does not say what the evidence proves")
    report.good(f"equal on {proof.domain} ({proof.method}: {proof.detail})")


def _check_witnesses(witnesses, target: ConvNetwork, random: ConvNetwork, mask) -> None:
    """Every witness's channels are kept and their products sum to the target entry or kernel."""
    pruned = random.pruned(mask)
    shifts = [2 * random.scales[2 * j] - layer.bits for j, layer in enumerate(target.architecture.weighted())]
    for n, w in enumerate(witnesses):
        j = w["layer"] - 1
        _require(0 <= j < target.depth, f"evidence.witnesses[{n}].layer: no target layer {w['layer']}")
        t, u, v = target.weights[j], pruned.weights[2 * j], pruned.weights[2 * j + 1]
        if t.ndim == 2:
            t, u, v = t[:, :, None, None], u[:, :, None, None], v[:, :, None, None]
        o, entry, units = w["output"], tuple(w["entry"]), w["units"]
        _require(0 <= o < t.shape[0] and all(0 <= h < u.shape[0] for h in units) and w["branch"] in ("A", "B"),
                 f"evidence.witnesses[{n}]: output or units out of range")
        i = entry[0]
        total = np.zeros(t.shape[2:], dtype=object)
        for h in units:
            uh = int(u[h, i, 0, 0]) if len(entry) == 1 else int(u[(h, *entry)])
            _require((uh > 0) == (w["branch"] == "A") and uh != 0,
                     f"evidence.witnesses[{n}]: channel {h}'s kept weight is not of branch {w['branch']}")
            if len(entry) == 1:
                total += uh * v[o, h].astype(object)
            else:
                total[entry[1], entry[2]] += uh * int(v[o, h, 0, 0])
        want = t[o, i].astype(object) * (1 << shifts[j])
        got = total if len(entry) == 1 else total[entry[1], entry[2]]
        ref = want if len(entry) == 1 else want[entry[1], entry[2]]
        _require(np.array_equal(got, ref), f"evidence.witnesses[{n}]: the kept products do not sum to the target")


def _check_search(cert: dict, nets, base: Path, report: CheckReport, progress, engines: str) -> None:
    """Version 2's ``search`` record; for ``sparsest``, the claim re-derived with no search:
    the witnesses cover the family's sums exactly, the mask is their union, each component's
    count is recomputed, and each lower bound re-proved (the fewest-products table recomputed,
    or the component's CNF rebuilt and its DRUP proof checked)."""
    rec, claim = cert["search"], cert["claim"]
    target, random, mask = nets
    _require(rec["find"] in FINDS + ("mask",), f"search.find: {rec['find']!r} is not a search of this kind")
    made = rec["construction_kept"]
    _require(made is None or (isinstance(made, int) and not isinstance(made, bool) and made >= 0),
             f"search.construction_kept: expected a count or null, got {made!r}")
    if rec["find"] != "sparsest":
        _require("sparsest" not in claim and "components" not in rec and "fewest" not in claim["statement"],
                 f"claim: a {rec['find']} search claims no sparsest ticket")
        report.good(f"search {rec['find']}")
        return
    sums = family_sums(target, random)
    chosen = _family_witnesses(cert["evidence"]["witnesses"], target, sums)
    union = family_mask(random, sums, chosen)
    _require(all(np.array_equal(a, b) for a, b in zip(union, mask)),
             "mask: not exactly the union of the witnesses' weights (a weight added or removed)")
    _require(rec["cnf_version"] in CNF_VERSIONS, f"search.cnf_version: expected one of {CNF_VERSIONS}")
    comps = components(sums)
    listed = {}
    for c in rec["components"]:
        key = (c["layer"], c["input"], c["branch"])
        _require(key not in listed, f"search.components: component {key} repeated")
        listed[key] = c
    _require(set(listed) == {(c.layer, c.input, c.branch) for c in comps},
             f"search.components: expected the family's {len(comps)} components, got {len(listed)} others")
    index = {id(s): n for n, s in enumerate(sums)}
    lower = upper = proved = 0
    for comp in comps:
        progress(f"re-proving component layer {comp.layer} input {comp.input} branch {comp.branch}")
        c = listed[(comp.layer, comp.input, comp.branch)]
        kept = component_cost(comp, [chosen[index[id(s)]] for s in comp.sums])
        proved += _check_component(c, comp, kept, (rec["cnf_version"], engines), base)
        lower, upper = lower + c["lower"], upper + kept
    total = sum(int(m.sum()) for m in mask)
    _require(upper == total, f"search.components: they keep {upper} weights, the mask {total}")
    optimal = proved == len(comps)
    _require(claim["sparsest"] is optimal and claim["kept_between"] == [lower, upper],
             f"claim: the components prove sparsest={optimal}, kept between {lower} and {upper}")
    _require(claim["statement"].endswith(", the fewest of the family") is optimal,
             "claim.statement says more or less than the components prove")
    report.good(f"sparsest: {len(comps)} components re-counted, {proved} lower bounds re-proved: "
                f"{'the fewest of the family' if optimal else f'between {lower} and {upper} kept weights'}")


def _family_witnesses(witnesses, target: ConvNetwork, sums) -> dict[int, tuple[int, ...]]:
    """The channels of each family sum (by index), one witness per sum and none besides, each
    within its sum's group and branch (the products are replayed by :func:`_check_witnesses`)."""
    keyed = {}
    for n, w in enumerate(witnesses):
        key = (w["layer"], w["output"], tuple(w["entry"]), w["branch"])
        _require(key not in keyed and len(set(w["units"])) == len(w["units"]),
                 f"evidence.witnesses[{n}]: repeated, or a channel repeated")
        keyed[key] = tuple(w["units"])
    chosen = {}
    for n, s in enumerate(sums):
        entry = entry_of(target, s.layer, s.input)
        units = keyed.pop((s.layer, s.output, entry, s.branch), None)
        _require(units is not None, f"evidence.witnesses: none for layer {s.layer} output {s.output} entry "
                                    f"{entry} branch {s.branch}")
        _require(set(units) <= set(s.units), f"evidence.witnesses: layer {s.layer} output {s.output} entry "
                                             f"{entry} branch {s.branch} uses channels outside its group")
        chosen[n] = units
    _require(not keyed, f"evidence.witnesses: {len(keyed)} outside the family's sums")
    return chosen


def _check_component(c: dict, comp, kept: int, drup: tuple[int, str], base: Path) -> bool:
    """Whether the component record ``c`` proves its count optimal (ClaimRejected when it
    claims what it does not show)."""
    key = f"search.components layer {comp.layer} input {comp.input} branch {comp.branch}"
    _require(c["kept"] == kept, f"{key}: kept {c['kept']}, the witnesses keep {kept}")
    table = table_bound(comp)
    if c["evidence"] == "table":
        _require(c["lower"] == kept == table, f"{key}: the fewest-products table bounds it by {table}, not {kept}")
        return True
    if c["evidence"] == "none":
        _require(c["lower"] == table, f"{key}: unproved, its lower bound is the table's {table}, not {c['lower']}")
        return table == kept
    _require(c["evidence"] == "drup" and c["lower"] == kept >= 1, f"{key}: evidence {c['evidence']!r} with lower "
             f"{c['lower']} proves nothing about {kept} kept weights")
    f = base / c["proof"]["path"]
    _require(f.is_file() and file_sha256(f) == c["proof"]["sha256"], f"{key}: the proof file is missing or "
             f"does not match its sha256")
    nvars, clauses = component_cnf(comp, kept - 1, drup[0])
    check = check_drup(nvars, clauses, f.read_text(encoding="ascii", errors="replace"), engines=drup[1])
    _require(check.ok, f"{key}: the DRUP proof of at most {kept - 1} kept weights is rejected ({check.message})")
    return True
