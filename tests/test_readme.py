"""Every command line README.md and the pages of docs/ show, run as a user types it (the
hardening issue: help texts, the documentation and behaviour agree).

The pages are parsed when the tests run, so they follow them as they change: every line of a
```sh block that starts with ``slth-verify``, grouped by page and by the heading above its block
("README.md: Networks", "docs/usage.md: Tickets out"). Each section runs in a fresh temporary
directory, its commands in page order (later ones read what earlier ones wrote). A section is one
test; the ones measured to take a few seconds are in the fast set, the rest (and any section a
page gains, and any page docs/ gains) are slow. Beside the commands: no command line hides outside
an sh block, every page is linked from README, every relative link and anchor resolves, and every
place the code cites in README or docs/ exists.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DATA = Path(__file__).resolve().parent / "data"

# The pages whose commands run: README first, then every page of docs/ (a new page is included
# without being named here).
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

# The console script a user runs, from this interpreter's environment (the venv's bin).
SCRIPT = shutil.which("slth-verify", path=os.path.dirname(sys.executable))

# The longest documented command (`compare --sweep compare`, "about two minutes") with room for
# a loaded 2-core machine; a hung command fails instead of blocking the run.
TIMEOUT = 1200

# Sections measured to run in a few seconds on 2 cores (whole section, console start-up of about
# 0.5-0.9 s a command included): 20 s together, measured with other work on the cores. Every
# other section is slow; measured in one `-m slow` run with a load of 4-7 on the 2 cores (20.7 min
# in all): usage's Heuristics 609 s (compare --sweep compare; compare --suite resumes README's
# rows), README's Experiments 479 s (sweep threshold, suite build, compare --suite), usage's
# suites 82 s, the demos 27 s, MNIST scale 19 s, usage's Sweeps 13 s (resuming README's rows, a
# Dask LocalCluster started), Certificates 9.5 s (--find sparsest most of it), Tickets out 3 s.
FAST_SECTIONS = {
    "README.md: Networks",                                # 6 commands, 5.6 s (onnx's import)
    "README.md: Subset sum",                              # 4 commands, 2.2 s
    "docs/usage.md: Subset sum",                          # 11 commands, 5.8 s
    "docs/usage.md: Networks: the paper's constructions",  # 5 commands, 2.7 s
    "docs/usage.md: Trained models in",                   # 3 commands, 3.2 s (onnx's import)
}

# Files a section reads that its page expects from an earlier section: copied from that section's
# run (its own test runs it once; a dependent test reuses the run). usage.md's sweep and compare
# sections also take README's database: the commands they share with README then resume a
# finished sweep (still run and checked) instead of doing README's minutes of work twice.
FROM_SECTION = {
    # certify --target target.npz --random random.npz [--mask mask.npz]
    "docs/usage.md: Certificates and tickets beyond the construction": {
        "docs/usage.md: Networks: the paper's constructions": ["target.npz", "random.npz", "mask.npz"]},
    # export-network cert.json / target.npz: the certificate with the networks it names
    "docs/usage.md: Tickets out": {
        "docs/usage.md: Certificates and tickets beyond the construction":
            ["cert.json", "target.npz", "random.npz"]},
    # sweep threshold --db results.sqlite: README's sweep, resumed (nothing left to run)
    "docs/usage.md: Sweeps and experiments": {"README.md: Experiments": ["results.sqlite"]},
    # compare --suite suite --db compare.sqlite: README's suite and its compare rows, resumed
    "docs/usage.md: Heuristics against exact answers": {
        "README.md: Experiments": ["suite", "compare.sqlite"]},
}

# Lines the pages show that cannot run here, with the reason.
SKIPPED = {
    "--dask tcp://scheduler:8786": "a placeholder address: it needs a running Dask cluster",
}

# Lines of the pages that fail today, reported to the lead (the page or the tool is to be fixed):
# the exit code they give and why. The section still runs them and fails on any other exit code
# or a traceback; its test is an expected failure until the line succeeds, and then it fails,
# asking for the entry to be removed (a strict xfail per line).
README_BROKEN: dict = {}  # "part of a line": (its exit code, why the page shows a failing line)


def _write_onnx(path: Path) -> None:
    # import-network model.onnx: what torch's classic exporter writes for an MLP
    shutil.copyfile(DATA / "torch_mlp_classic.onnx", path)


def _write_safetensors(path: Path) -> None:
    # import-network weights.safetensors --bits 4 --scale none --strict: weights already on the
    # grid 2^-4 with |w| <= 1, so none moves and none is refused
    from safetensors.numpy import save_file

    rng = np.random.default_rng(1)
    save_file({"0.weight": (rng.integers(-16, 17, (5, 3)) / 16).astype(np.float32),
               "2.weight": (rng.integers(-16, 17, (2, 5)) / 16).astype(np.float32)}, str(path))


def _write_npz(path: Path) -> None:
    # import-network weights.npz --scale=-1,2: two layers, the second within |w|·2^2 <= 1
    rng = np.random.default_rng(2)
    np.savez(path, **{"0.weight": rng.uniform(-2, 2, (4, 3)), "2.weight": rng.uniform(-0.25, 0.25, (2, 4))})


# Files the pages assume the user has, made when a command line names one the section has not written.
USER_FILES = {
    "model.onnx": _write_onnx,
    "weights.safetensors": _write_safetensors,
    "weights.npz": _write_npz,
}


def page_name(page: Path) -> str:
    """A page as the sections name it: its path from the repository's root."""
    return page.relative_to(ROOT).as_posix()


def fenced_lines(page: Path):
    """(heading, fence language or None outside a block, line) for every line of a page; the
    heading is the text of the nearest heading above (None before the first)."""
    heading, fence = None, None
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fence = line[3:].strip() if fence is None else None
            continue
        if fence is None and (m := re.match(r"#+ (.+)", line)):
            heading = m.group(1).strip()
        yield heading, fence, line


def sh_lines(page: Path = README) -> list[tuple[str, str]]:
    """(heading, line) for every non-blank line of a page's ```sh blocks, in page order."""
    return [(heading, line.strip()) for heading, fence, line in fenced_lines(page)
            if fence == "sh" and line.strip()]


def page_sections() -> dict[str, list[str]]:
    """Every page's ``slth-verify`` command lines by section ("PAGE: heading"), in page order.
    The set-up commands (a venv, pytest) and the benchmarks start with ``python`` and are left
    out."""
    sections: dict[str, list[str]] = {}
    for page in PAGES:
        for heading, line in sh_lines(page):
            if shlex.split(line, comments=True)[0] == "slth-verify":
                sections.setdefault(f"{page_name(page)}: {heading}", []).append(line)
    return sections


def command_argv(line: str) -> tuple[list[str], str | None]:
    """A page's line as the tool's arguments and the file its stdout is redirected to (``> F``),
    if any; ``# comments`` go (shlex respects quotes). Other shell syntax is refused."""
    words = shlex.split(line, comments=True)[1:]
    stdout_to = None
    if ">" in words:
        at = words.index(">")
        words, stdout_to = words[:at] + words[at + 2:], words[at + 1]
    shell = {"|", "||", "&&", ";", "<", ">>", "&", "2>"} & set(words)
    if shell:
        raise ValueError(f"shell syntax {sorted(shell)} in the line {line!r}: teach test_readme.py")
    return words, stdout_to


SECTIONS = page_sections()


def _entry(table: dict, line: str):
    return next((value for key, value in table.items() if key in line), None)


@dataclass
class Ran:
    """One documented line's run: exit code (None: timed out), output, seconds."""
    line: str
    returncode: int | None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0

    @property
    def expected(self) -> int:
        """The exit code the line should give: 0, or its README_BROKEN code."""
        return (_entry(README_BROKEN, self.line) or (0,))[0]

    def trouble(self) -> str | None:
        """Why this run does not meet its expectation, or None."""
        if self.returncode == self.expected and "Traceback" not in self.stderr:
            return None
        if self.expected and self.returncode == 0:
            return f"{self.line}\n    now succeeds: remove it from README_BROKEN"
        tail = "\n    ".join((self.stderr.strip() or self.stdout.strip()).splitlines()[-6:])
        return (f"{self.line}\n    exit {self.returncode} (expected {self.expected}) "
                f"after {self.seconds:.1f} s\n    {tail}")


def run_line(line: str, cwd: Path) -> Ran | None:
    """Run one documented line in ``cwd`` as the console script, making the user files it names;
    None for a SKIPPED line."""
    if _entry(SKIPPED, line):
        return None
    argv, stdout_to = command_argv(line)
    for word in argv:
        if word in USER_FILES and not (cwd / word).exists():
            USER_FILES[word](cwd / word)
    start = time.perf_counter()
    try:
        done = subprocess.run([SCRIPT, *argv], cwd=cwd, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return Ran(line, None, stderr=f"timed out after {TIMEOUT} s", seconds=time.perf_counter() - start)
    if stdout_to:
        (cwd / stdout_to).write_text(done.stdout, encoding="utf-8")
    return Ran(line, done.returncode, done.stdout, done.stderr, time.perf_counter() - start)


@pytest.fixture(scope="session")
def run_section(tmp_path_factory):
    """Runs a section once per session in its own directory: (directory, [Ran])."""
    done: dict[str, tuple[Path, list[Ran]]] = {}

    def run(section: str) -> tuple[Path, list[Ran]]:
        if section not in done:
            where = tmp_path_factory.mktemp(re.sub(r"\W+", "-", section)[:40])
            for source, names in FROM_SECTION.get(section, {}).items():
                source_dir, _ = run(source)
                for name in names:
                    if not (source_dir / name).exists():
                        pytest.fail(f"{name} from section {source!r} is missing: that section failed")
                    copy = shutil.copytree if (source_dir / name).is_dir() else shutil.copyfile
                    copy(source_dir / name, where / name)
            ran = [run_line(line, where) for line in SECTIONS[section]]
            done[section] = (where, [r for r in ran if r is not None])
        return done[section]

    return run


@pytest.mark.parametrize("section", [
    pytest.param(name, id=name, marks=() if name in FAST_SECTIONS else pytest.mark.slow)
    for name in SECTIONS])
def test_documented_section_runs(section, run_section):
    assert SCRIPT, "the slth-verify console script is not installed next to this Python"
    _, results = run_section(section)
    assert results, f"every command of {section!r} was skipped"
    troubles = [t for r in results if (t := r.trouble())]
    assert not troubles, "documented commands that did not exit as expected:\n" + "\n".join(troubles)
    broken = [_entry(README_BROKEN, r.line)[1] for r in results if r.expected]
    if broken:
        pytest.xfail("documented line fails as reported: " + "; ".join(broken))


def test_sh_blocks_hold_only_commands_the_test_understands():
    # a line the parser would silently drop, or shell syntax it cannot run, is a test gap
    for page in PAGES:
        for heading, line in sh_lines(page):
            first = shlex.split(line, comments=True)[0]
            assert first == "slth-verify" or first.startswith("python"), (page_name(page), heading, line)
            if first == "slth-verify":
                command_argv(line)


def test_no_command_line_hides_outside_an_sh_block():
    # a command shown in a ```console, ```bash or unlabelled block would never run
    for page in PAGES:
        for heading, fence, line in fenced_lines(page):
            if fence is not None and fence != "sh":
                assert not re.match(r"\s*(\$ )?slth-verify ", line), (page_name(page), heading, line)


def test_the_explicit_mappings_still_match_the_pages():
    # a renamed section or a changed line must not leave a fast section, a dependency, a user
    # file or a skip pointing at nothing
    lines = [line for commands in SECTIONS.values() for line in commands]
    assert FAST_SECTIONS <= set(SECTIONS), FAST_SECTIONS - set(SECTIONS)
    for section, sources in FROM_SECTION.items():
        assert {section, *sources} <= set(SECTIONS), (section, sources)
    for name in USER_FILES:
        assert any(name in command_argv(line)[0] for line in lines), name
    for key in [*SKIPPED, *README_BROKEN]:
        assert any(key in line for line in lines), key


def anchors(page: Path) -> set[str]:
    """The anchors of a page's headings, as GitHub makes them (lower case, punctuation dropped,
    spaces to hyphens, a repeated heading numbered)."""
    seen: dict[str, int] = {}
    out = set()
    for heading, fence, line in fenced_lines(page):
        if fence is None and re.match(r"#+ ", line):
            slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
            out.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
            seen[slug] = seen.get(slug, 0) + 1
    return out


def test_every_docs_page_is_linked_from_readme():
    text = README.read_text(encoding="utf-8")
    assert len(PAGES) > 1
    for page in PAGES[1:]:
        assert f"]({page_name(page)}" in text, f"README links no {page_name(page)}"


def test_relative_links_and_anchors_resolve():
    # a section that moved must not leave a link to where it was
    for page in PAGES:
        for heading, fence, line in fenced_lines(page):
            if fence is not None:
                continue
            for target in re.findall(r"\]\(([^)\s]+)\)", re.sub(r"`[^`]*`", "", line)):
                if re.match(r"[a-z]+:", target):
                    continue
                path, _, anchor = target.partition("#")
                linked = (page.parent / path).resolve() if path else page
                where = (page_name(page), heading, target)
                assert linked.exists(), where
                if anchor:
                    assert linked.suffix == ".md" and anchor in anchors(linked), where


def test_places_the_code_cites_in_readme_and_docs_exist():
    # `docs/usage.md, "Tickets out"`, `(README, "Architecture")`, `docs/theory.md §5` in the code,
    # tests, benchmarks and CI: the page, the heading, the section number
    sources = [*(ROOT / "verify").rglob("*.py"), *(ROOT / "tests").glob("*.py"),
               *(ROOT / "benchmarks").glob("*.py"), ROOT / ".ci" / "run"]
    cited = 0
    for source in sources:
        text = source.read_text(encoding="utf-8")
        for path in re.findall(r"\bdocs/[\w.-]+\.md", text):
            assert (ROOT / path).is_file(), (source.name, path)
        for name, heading in re.findall(r"\b(README|docs/[\w.-]+\.md),\s+\"([^\"]+)\"", text):
            page = README if name == "README" else ROOT / name
            slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
            assert page.is_file() and slug in anchors(page), (source.name, name, heading)
            cited += 1
        for number in re.findall(r"docs/theory\.md §(\d+)", text):
            assert re.search(rf"^## {number}\. ", (ROOT / "docs" / "theory.md").read_text(encoding="utf-8"),
                             re.MULTILINE), (source.name, number)
    assert cited  # the pattern above still finds the code's citations


def _listed_subcommands(parser, path: tuple[str, ...]) -> list[str]:
    """The subcommands ``slth-verify *path --help`` lists (indented by 4 under the arguments)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        parser.parse_args([*path, "--help"])
    positional = out.getvalue().split("positional arguments:")
    if len(positional) < 2:
        return []
    block = positional[1].split("\n\n")[0]
    return re.findall(r"^ {4}([a-z][a-z0-9-]*)(?= |$)", block, flags=re.MULTILINE)


def test_every_subcommand_in_help_appears_in_a_documented_command():
    from verify.cli import build_parser

    parser = build_parser()
    used = [tuple(command_argv(line)[0]) for commands in SECTIONS.values() for line in commands]
    pending, leaves = [()], []
    while pending:
        path = pending.pop()
        children = _listed_subcommands(parser, path)
        pending += [(*path, child) for child in children]
        if path and not children:
            leaves.append(path)
    assert len(leaves) >= 10  # the help's layout changed and the parsing above sees nothing
    missing = [" ".join(p) for p in leaves if not any(argv[:len(p)] == p for argv in used)]
    assert not missing, f"subcommands in --help that no command line of README or docs/ shows: {missing}"
