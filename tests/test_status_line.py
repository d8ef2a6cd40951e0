"""The status line draws only when enabled, names the current stage, and clears itself."""

import io
import time

from verify.status_line import StatusLine


def test_enabled_status_line_shows_the_stage_and_clears_it():
    out = io.StringIO()
    with StatusLine("slth-verify x", stream=out, after=0.0, every=0.01, enabled=True) as status:
        status.stage("constructing layer 1 of 2")
        deadline = time.monotonic() + 10
        while "constructing" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    text = out.getvalue()
    assert "slth-verify x: constructing layer 1 of 2 (" in text
    assert text.endswith("\r\x1b[K")


def test_status_line_off_a_terminal_writes_nothing():
    out = io.StringIO()  # not a tty: the default is off
    with StatusLine("slth-verify x", stream=out, after=0.0, every=0.01) as status:
        status.stage("working")
        time.sleep(0.05)
    assert out.getvalue() == ""


def test_echo_clears_the_status_line_before_printing(capsys):
    err = io.StringIO()
    # one draw, then the next is 10 s away: nothing redraws between the two reads below
    with StatusLine("slth-verify demo", stream=err, after=0.0, every=10, enabled=True) as status:
        deadline = time.monotonic() + 10
        while "slth-verify demo:" not in err.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        drawn = len(err.getvalue())
        status.echo("target    widths [4, 4, 4]")
        assert err.getvalue()[drawn:].startswith("\r\x1b[K")  # cleared before the line went out
    assert capsys.readouterr().out == "target    widths [4, 4, 4]\n"
