"""Autograder for Assignment 2 notebooks: load, execute in a sandboxed kernel, check, score, report."""
__version__ = '0.1.0'
