"""pytest glue for the interop scenarios (test_*.py here; ctest runs one test each): the
programs under test as options, a namespace lab per test whose logs are printed and files
kept when the test fails, and exit code 77 (ctest's skip) when every selected test skipped,
e.g. without root.

    python3 -m pytest -s tests/interop/test_strongswan.py::test_child_rekey \\
        --espnicd build/host/espnicd/espnicd"""
import os
import sys

import pytest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from lab import Lab, need_tools  # noqa: E402
from strongswan import CHARON  # noqa: E402


def pytest_addoption(parser):
    for name, what in (("espnicd", "the daemon"), ("espnic", "the CLI"),
                       ("sim", "espnic-sim"), ("cli", "the CLI (card tests)")):
        parser.addoption("--" + name, help="path of %s under test" % what)


def program(request, name):
    path = request.config.getoption(name)
    if not path:
        pytest.fail("--%s is required" % name)
    return os.path.abspath(path)


@pytest.fixture
def binary(request):
    """espnicd under test (--espnicd)."""
    return program(request, "espnicd")


@pytest.fixture
def espnic(request):
    """The CLI under test (--espnic)."""
    return program(request, "espnic")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call":
        item.failed_call = rep.failed


def failed(request):
    return getattr(request.node, "failed_call", True)


@pytest.fixture
def lab(request):
    """The two-namespace lab (tests/support/lab.py) with strongSwan's programs checked."""
    need_tools(CHARON, "swanctl")
    name = request.node.name.replace("test_", "", 1)
    with Lab(name[:6]) as lab:
        yield lab
        lab.failed = failed(request)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = reporter.stats if reporter else {}
    if exitstatus == 0 and stats.get("skipped") and not stats.get("passed"):
        session.exitstatus = 77
