"""Package discovery only (everything else is in pyproject.toml).

Every subpackage of grader is found automatically; rubrics/ and submissions/ sit at the top of the repository (the
fixed layout) but ship inside the grader package, as grader.rubrics and grader.assignment, so an installed grader
finds its rubric and the assignment's notebooks without a checkout. pyproject.toml alone cannot both find packages
and map these two folders in.
"""
from setuptools import find_packages, setup

setup(packages=find_packages(include=['grader', 'grader.*', 'reference']) + ['grader.rubrics', 'grader.assignment'],
      package_dir={'grader.rubrics': 'rubrics', 'grader.assignment': 'submissions'})
