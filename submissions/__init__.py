"""The assignment notebooks (starter and solution) and sample submissions; the notebooks ship as package data."""
