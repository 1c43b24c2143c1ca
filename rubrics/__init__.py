"""Rubric YAML files and their JSON Schema (package data of the installed grader)."""
