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
