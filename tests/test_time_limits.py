"""One check of a time limit (verify.solve.limits), called alike by the command line, the spec
loaders and every solver run: the same bounds, and messages that name the field."""

import pytest

from verify.errors import InputError
from verify.solve.limits import MAX_TIME_LIMIT, check_time_limit

BAD = [0, -1, float("nan"), float("inf"), MAX_TIME_LIMIT * 1.5, 10**400, True, "10", [1]]


@pytest.mark.parametrize("value", BAD, ids=repr)
def test_bad_limits_are_refused_naming_the_field(value):
    with pytest.raises(InputError) as refused:
        check_time_limit(value, "spec.toml: time_limit")
    assert str(refused.value) == (f"spec.toml: time_limit: expected a positive number of seconds, "
                                  f"at most 10^6, got {value!r}")


@pytest.mark.parametrize("value, expected", [(None, None), (1, 1.0), (0.25, 0.25),
                                             (MAX_TIME_LIMIT, float(MAX_TIME_LIMIT))])
def test_good_limits_become_floats(value, expected):
    got = check_time_limit(value)
    assert got == expected and (got is None or type(got) is float)


def test_zero_and_none_where_asked():
    assert check_time_limit(0, zero_ok=True) == 0.0
    with pytest.raises(InputError, match="time_limit: expected a number of seconds >= 0, at most 10"):
        check_time_limit(-0.5, zero_ok=True)
    with pytest.raises(InputError, match="got None"):
        check_time_limit(None, none_ok=False)


def test_every_runner_checks_its_limit_the_same_way():
    from verify.encodings.cpsat import build_model
    from verify.problems import SubsetSum
    from verify.solve import building, cpsat, maxsat, refutation, sat

    model = build_model(SubsetSum(weights=[1, 2], targets=[3]), 3)
    calls = [lambda v: sat.run_sat(1, [[1]], time_limit=v),
             lambda v: refutation.refute(1, [[1]], time_limit=v),
             lambda v: maxsat.minimize([[1]], [], v),
             lambda v: building.build_encoding([1, 2], 3, time_limit=v),
             lambda v: building.build_cnf(lambda: (1, [[1]]), (), inline=True, time_limit=v),
             lambda v: cpsat.run(model, v)]
    for call in calls:
        with pytest.raises(InputError, match=r"^time_limit: expected .* at most 10\^6, got -2$"):
            call(-2)
    assert cpsat.run(model, 0).outcome in ("unknown", "sat")  # what is left of a larger limit
