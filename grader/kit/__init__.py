"""The student's side: the self-check (``selfcheck``) and the instructor's command that builds the installable
self-check kit (``build``, never shipped in a kit).

May import: ``model``, ``resources``, ``pipeline``, ``checks``, ``rubric``.
"""
