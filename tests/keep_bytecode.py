"""Compiled bytecode kept for the test run, also where PYTHONDONTWRITEBYTECODE is set (imported by conftest
before bot/).

With the variable set, every process of a run (each xdist worker, each `run_bot.py` a test starts)
compiled bot/, handlers/, cli/, web/ and the test modules from source again: about 3 s of CPU per worker
and 1 s per subprocess. The run writes them to __pycache__ (ignored by git) as Python does by default,
and its workers and subprocesses, which inherit the environment, read them.
"""
from __future__ import annotations

import os
import sys

DONT_WRITE = "PYTHONDONTWRITEBYTECODE"


def keep_bytecode() -> None:
    """Let this process and the ones it starts write compiled bytecode."""
    sys.dont_write_bytecode = False
    os.environ.pop(DONT_WRITE, None)


keep_bytecode()
