"""Rubric files: read and validate an instructor's YAML with line numbers (``load``), convert between the YAML data
and the typed ``Rubric`` (``convert``), and print it as a table (``table``).

May import: ``model``, ``resources``, ``checks`` (to know which checks and params exist), ``pipeline.late`` (dates).
"""
