"""The exact pre-filter: fast exact methods that decide subset-sum questions without a solver.

- ``conditions``: necessary conditions (range, gcd, size range), each with its reason.
- ``bitset``: reachable-sum tables (packed bitsets), witnesses, coverage, cardinality layers.
- ``counting``: exact solution counts (arbitrary-precision integers).
- ``mitm``: Horowitz–Sahni meet-in-the-middle for instances whose sum range is too wide.
- ``schroeppel_shamir``: the same exhaustive search for one target in memory about 2^(n/4).
- ``vector``: the exact reduction of vector subset sum to one dimension.
- ``budget``: the memory budget every method checks before it allocates.
"""
