"""Experiments at scale: the built-in experiments, sweep specs, the process pool, the SQLite
results store, the sweep runner and reports (layer 9; docs/usage.md, "Sweeps and experiments")."""

from __future__ import annotations

import importlib

from verify.experiments.base import Experiment

BUILTIN = ("threshold", "coverage", "counts", "network", "hardness", "compare", "noise", "structured")


def experiments() -> dict[str, Experiment]:
    """Every built-in experiment by name (imported on first use: a worker needs only its own)."""
    return {name: importlib.import_module(f"verify.experiments.{name}").EXPERIMENT for name in BUILTIN}


def experiment(name: str) -> Experiment:
    return importlib.import_module(f"verify.experiments.{name}").EXPERIMENT
