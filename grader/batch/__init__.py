"""Grading many notebooks: the driver (the only writer of the gradebook), the worker pool, the progress line and
the gradebook itself.

May import every other room: it is where collection, grading and reporting meet.
"""
