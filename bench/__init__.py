"""Benchmarks of clastic against Falcon, Bottle, Flask and a raw WSGI function.

Run one script with ``python -m bench.inprocess`` (or ``python bench/inprocess.py``)
from the repository root, or all of them with ``python -m bench.run_all``;
``--quick`` makes any of them a fast smoke run. See ``bench/README.md``.
"""
