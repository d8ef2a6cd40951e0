"""Solver backends (layer 6): running CP-SAT and SAT solvers under real time limits, and
checking their proofs with an independent checker."""
