"""Batch what-if: every (book, scenario, mode, rule set) on a Dask cluster (Qt-free).

``books`` resolves the BOOKS arguments, ``task`` is the pure per-book function a worker runs (one task per book:
the book is read once, then all its scenarios are evaluated), ``runner`` talks to dask.distributed, ``table``
writes the result table and the on-screen summary.
"""
