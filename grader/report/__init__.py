"""What a batch writes from the gradebook's results: Canvas's grade CSV, results CSV/JSON, per-student feedback and
the class report.

May import: ``model``, ``pipeline.late`` (days late), ``canvas.roster`` (names and ids for the CSV).
"""
