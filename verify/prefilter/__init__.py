"""The exact pre-filter: fast exact methods that decide subset-sum questions without a solver.

- ``conditions``: necessary conditions (range, gcd, size range), each with its reason.
- ``bitset``: reachable-sum tables (packed bitsets), witnesses, coverage, cardinality layers.
- ``counting``: exact solution counts (arbitrary-precision integers).
- ``mitm``: Horowitz–Sahni meet-in-the-middle for instances whose sum range is too wide.
- ``schroeppel_shamir``: the same exhaustive search for one target in memory about 2^(n/4).
- ``vector``: vector subset sum's per-coordinate conditions, and the exact packing of a small box.
- ``vector_keys``: exact lexicographic sort keys of integer rows (int64, or big-endian words).
- ``vector_mitm``: meet in the middle on vectors, every coordinate exact.
- ``vector_table``: the reachable set of vector sums (dense bitset or sorted rows), with witnesses.
- ``budget``: the memory budget every method checks before it allocates.
"""
