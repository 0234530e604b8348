"""The cycle collector paused while a run_bot.py process starts.

Starting makes some 100,000 objects that live as long as the process (modules, the knowledge base, the
segmenter's tables). With the collector on, its passes trace them again and again as they age through its
generations: ~0.2 s of a 2 s `ask`, to find some 2,000 objects of garbage (well under 1 MB). So the entry
point pauses the collector (`pause`) and resumes it once the command's long-lived objects are built
(`started`: at once for most commands, after the Engine for those that build one): gc.freeze first moves
everything alive to the permanent generation, which later passes never trace (gc's documented use for
state made at start-up), and the little garbage of start-up is kept, once.

Only run_bot.py's own process pauses: main() called inside another process (the tests) changes nothing.
"""
from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Stop the cycle collector until `started` (reference counting frees memory as always)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def started() -> None:
    """Start-up is over: what is alive now stays untraced for good, and the collector runs again (nothing
    when `pause` did not stop it)."""
    global _paused
    if _paused:
        gc.freeze()
        gc.enable()
        _paused = False
