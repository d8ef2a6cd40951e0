"""Solving (layer 6): deciding subset-sum targets with evidence-graded answers, and running the
solvers that may take part, under real time and memory limits, with their proofs checked.

Nothing is imported here, so that a module needing one small piece (a time-limit check, the
default solver's name) does not pay for the solvers' imports; import the modules themselves.
"""
