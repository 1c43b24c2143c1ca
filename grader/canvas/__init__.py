"""Canvas: the Download Submissions zip or folder into one ``Submission`` per student (``collect``, ``names``), the
gradebook export (``roster``) and the TA's side files (``side_files``: submission times, extensions, manual
scores).

The round trip through Canvas's REST API (README, "Canvas round trip"): ``config`` (server, token, scrubbing),
``api`` (canvasapi with retries), ``pull`` + ``mirror`` (submissions into a folder ``grader grade`` reads, and
``local``, what grade takes from it by itself), ``plan`` + ``push`` + ``posted`` (grades and feedback back, and
the record of what was posted), ``commands`` (the CLI group). canvasapi is imported only by ``api``, when a command
runs.

Knows Canvas's formats, nothing about notebooks' contents or grading. May import: ``model``, ``errors``,
``formatting``, ``pipeline.late``; the push also reads the gradebook (``batch.gradebook``) and the feedback files'
names (``report.exports``).
"""
