"""Canvas: the Download Submissions zip or folder into one ``Submission`` per student (``collect``, ``names``), the
gradebook export (``roster``) and the TA's side files (``side_files``: submission times, extensions, manual
scores).

Knows Canvas's formats, nothing about notebooks' contents or grading. May import: ``model``, ``pipeline.late``.
"""
