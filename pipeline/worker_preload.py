"""Imported once, by multiprocessing's forkserver, never by anything else (pool.py names it).

Loading and warming the reading stack here, before any worker exists, means every worker
forks ready with it, sharing its pages: measured on 2 cores, a pool of two workers cost
1.35 CPU s to start, every time; now the first costs 0.9 (one load, in the forkserver) and
every later pool of the process, and every worker replaced after a timeout or a crash, 0.04.
The forkserver stays a clean process: it runs only these imports, never a document.
"""

from xxgk.parsers.report import warm_up

from . import pool  # noqa: F401  the worker loop itself

try:
    warm_up()
except Exception:  # noqa: BLE001  a failure here would kill the server; each worker warms up again and reports it
    pass
