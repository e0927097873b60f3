"""The suite's own settings in pyproject.toml: a hanging test fails at the per-test timeout and the run goes on;
tests marked slow are left out of the README's test command and run by ``-m slow`` (the slow leg of .ci/run)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

HANG = """
import time


def test_hangs():
    time.sleep(60)


def test_the_run_goes_on():
    pass
"""

MARKED = """
import pytest


@pytest.mark.slow
def test_marked():
    pass


def test_plain():
    pass
"""


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    """Run ``source`` as a test file under a copy of this repository's pyproject.toml, in this process."""
    (pytester.path / "pyproject.toml").write_text(PYPROJECT.read_text(encoding="utf-8"), encoding="utf-8")
    pytester.makepyfile(test_it=source)
    # Hypothesis's plugin only adds a report header and summary here, at a fifth of a second per run; one process
    # (-n 0): two pytest-xdist workers would cost a second to start for a file of two tests.
    return pytester.runpytest_inprocess("-p", "no:hypothesispytest", "-n", "0", *args, "test_it.py")


def test_the_per_test_timeout_is_configured(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.hasplugin("timeout")  # pytest-timeout, from the "test" extra
    assert float(pytestconfig.getini("timeout")) > 0


@pytest.mark.slow  # starts two worker processes: the slow leg
def test_the_suite_runs_in_two_worker_processes(pytester: pytest.Pytester) -> None:
    # pytest-xdist, from the "test" extra, with -n 2 in addopts: the README's test command uses two processes.
    result = run(pytester, MARKED, "-n", "2")  # the last -n wins, as it does over addopts
    result.assert_outcomes(passed=1)
    assert "2 workers" in result.stdout.str()
    assert "-n 2" in PYPROJECT.read_text(encoding="utf-8").split("addopts = ", 1)[1].split("\n", 1)[0]


def test_a_hanging_test_fails_at_the_timeout_and_the_run_goes_on(pytester: pytest.Pytester) -> None:
    # The configured 120 s, shortened here so that the hang costs a fifth of a second.
    result = run(pytester, HANG, "-o", "timeout=0.2")
    result.assert_outcomes(failed=1, passed=1)
    assert "Timeout (>0.2s)" in result.stdout.str()


def test_slow_tests_are_left_out_unless_selected(pytester: pytest.Pytester) -> None:
    default = run(pytester, MARKED)
    default.assert_outcomes(passed=1, deselected=1)
    assert "test_it.py::test_marked" not in default.stdout.str()
    run(pytester, MARKED, "-m", "slow", "-v").stdout.fnmatch_lines(["*test_it.py::test_marked PASSED*"])
