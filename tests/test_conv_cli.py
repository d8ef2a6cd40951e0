"""The command line on targets with an architecture: generate target and random, construct;
every bad spec is one line naming the layer and field, exit 2, and no file written."""

import json

import pytest

from verify.cli import main
from verify.conv_constructions import collapse
from verify.conv_networks import load_conv_network
from verify.networks import load_mask

SPEC = """input = [1, 3, 3]
layers = [
  {type = "conv", out_channels = 2, kernel = 2, padding = 0, bits = 2},
  {type = "relu"},
  {type = "residual", layers = [{type = "conv", out_channels = 2, kernel = 1, bits = 1, gamma = 1}]},
  {type = "flatten"},
  {type = "dense", out = 2, bits = 2},
]
"""


def run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:  # argparse's own errors exit through here
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def spec(tmp_path):
    path = tmp_path / "arch.toml"
    path.write_text(SPEC)
    return path


def test_generate_construct_and_the_mask_collapses(tmp_path, capsys, spec):
    target, random, mask = tmp_path / "t.json", tmp_path / "r.npz", tmp_path / "m.npz"
    assert run(capsys, "generate", "target", "--architecture", spec, "--seed", 1, "-o", target)[0] == 0
    again = tmp_path / "t2.npz"
    assert run(capsys, "generate", "target", "--architecture", spec, "--seed", 1, "-o", again)[0] == 0
    assert load_conv_network(target) == load_conv_network(again)  # seeded, either format
    assert run(capsys, "generate", "random", "--for", target, "--width-per-weight", 60, "--seed", 2,
               "-o", random)[0] == 0
    code, out, _ = run(capsys, "construct", "--target", target, "--random", random, "-o", mask, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["equality"]["method"] == "collapse"
    t, r = load_conv_network(target), load_conv_network(random)
    assert collapse(t, r, load_mask(mask, r)).equal


def test_structured_layout_from_the_command_line(tmp_path, capsys, spec):
    target, random, mask = tmp_path / "t.json", tmp_path / "r.npz", tmp_path / "m.npz"
    run(capsys, "generate", "target", "--architecture", spec, "--seed", 1, "-o", target)
    run(capsys, "generate", "random", "--for", target, "--layout", "structured", "--width-per-weight", 80,
        "--seed", 2, "-o", random)
    code, out, _ = run(capsys, "construct", "--target", target, "--random", random, "-o", mask)
    assert code == 0 and "structured" in out and "equal     equal on all real inputs" in out and mask.exists()


def test_a_failed_construction_names_entries_exits_1_and_writes_no_mask(tmp_path, capsys, spec):
    target, random, mask = tmp_path / "t.json", tmp_path / "r.npz", tmp_path / "m.npz"
    run(capsys, "generate", "target", "--architecture", spec, "--seed", 1, "-o", target)
    run(capsys, "generate", "random", "--for", target, "--width-per-weight", 2, "--seed", 2, "-o", random)
    code, out, _ = run(capsys, "construct", "--target", target, "--random", random, "-o", mask)
    assert code == 1 and "FAILED    layer 1 output" in out and "entry (0, " in out and not mask.exists()


def test_a_random_network_for_another_target_is_refused(tmp_path, capsys, spec):
    target, other, random = tmp_path / "t.json", tmp_path / "o.json", tmp_path / "r.npz"
    run(capsys, "generate", "target", "--architecture", spec, "--seed", 1, "-o", target)
    (tmp_path / "b.toml").write_text(SPEC.replace("out = 2", "out = 3"))
    run(capsys, "generate", "target", "--architecture", tmp_path / "b.toml", "--seed", 1, "-o", other)
    run(capsys, "generate", "random", "--for", other, "--width-per-weight", 4, "-o", random)
    code, _, err = run(capsys, "construct", "--target", target, "--random", random, "-o", tmp_path / "m.npz")
    assert code == 2 and "not the construction's for this target" in err and err.count("\n") == 1


BAD = [
    ("stride = 1, bits = 2}", "kernel = 2, padding = 0, bits = 2}", "layer 1 (conv): field 'stride'",
     'kernel = 2, stride = 2, padding = 0, bits = 2}'),
    ("missing", "kernel = 2, padding = 0, ", "layer 1 (conv): missing field 'kernel'", "padding = 0, "),
    ("unsupported", '{type = "relu"}', "layer 2: field 'type': unsupported layer type 'maxpool'",
     '{type = "maxpool"}'),
    ("no chain", '{type = "flatten"},', "layer 4 (dense): input shape [2, 2, 2] is not a vector", ""),
    ("skip shape", "out_channels = 2, kernel = 1", "layer 3 (residual): field 'layers'",
     "out_channels = 3, kernel = 1"),
    ("nested", "kernel = 1, bits = 1", "layer 3.1 (conv): missing field 'bits'", "kernel = 1"),
]


@pytest.mark.parametrize("name, old, message, new", BAD, ids=[b[0] for b in BAD])
def test_bad_specs_exit_2_with_one_line_and_no_file(tmp_path, capsys, name, old, message, new):
    path = tmp_path / "bad.toml"
    assert old in SPEC
    path.write_text(SPEC.replace(old, new, 1))
    out_file = tmp_path / "t.json"
    code, _, err = run(capsys, "generate", "target", "--architecture", path, "-o", out_file)
    assert code == 2 and message in err and err.count("\n") == 1 and str(path) in err
    assert not out_file.exists()


def test_widths_and_architecture_are_exclusive(tmp_path, capsys, spec):
    code, _, err = run(capsys, "generate", "target", "--architecture", spec, "--widths", "2,2",
                       "-o", tmp_path / "t.json")
    assert code == 2 and "exactly one of --widths and --architecture" in err
    code, _, err = run(capsys, "generate", "target", "-o", tmp_path / "t.json")
    assert code == 2 and not (tmp_path / "t.json").exists()
