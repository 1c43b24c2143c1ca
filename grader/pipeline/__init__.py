"""Grading one notebook: load it, pick out the definitions and answers, run the checks, score, late penalty.

Owns: reading a notebook (``load``, ``extract``, ``prompts``), the suspicious-code scan (``flags``), where expected
values come from (``expected``), points from verdicts (``score``, ``late``) and the step that ties them together
(``grade``). May import: ``model``, ``resources``, ``checks``, ``kernel``, ``rubric``. Never touches files other than
the notebook it grades, nor the gradebook.
"""
