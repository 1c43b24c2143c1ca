"""The checks of Assignment 2, one module per concern (``adam``, ``use``, ``relu``, ...; ``base`` and ``runner`` are
their machinery). A check is registered in one place: its module's ``CHECKS`` mapping, name -> ``CodeCheck`` or
``AnswerCheck`` (what it runs, the faults it can report, the params it reads). The rubric's ``check:`` names one of
them; hidden cases live in ``grader.hidden.<the same module>``, never shipped to students.

May import: ``model``, ``kernel`` (probes). Never the pipeline, the batch or a rubric file.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

# The machinery, not checks.
INFRASTRUCTURE = frozenset({'base', 'runner', 'params'})

# The names probes call in a student's namespace: loading keeps the code these need and nothing else.
GRADED_NAMES = ('Optimizers', 'NeuralNetwork', 'partition', 'run_experiment', 'run_experiments', 'relu',
                'grad_relu')


@lru_cache(maxsize=1)
def registry() -> dict[str, tuple[str, object]]:
    """check name -> (module name, check), from every check module's CHECKS, in module then declaration order."""
    found: dict[str, tuple[str, object]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in INFRASTRUCTURE or info.name.startswith('_'):
            continue
        module = importlib.import_module(f'{__name__}.{info.name}')
        for name, check in getattr(module, 'CHECKS', {}).items():
            if name in found:
                raise RuntimeError(f'check {name!r} is registered twice: in {found[name][0]} and {info.name}')
            found[name] = (info.name, check)
    return found


def check_names() -> tuple[str, ...]:
    """What a rubric's ``check:`` may name, alphabetically."""
    return tuple(sorted(registry()))


def get_check(name: str):
    return registry()[name][1]


def module_of(name: str) -> str:
    """The module of a check (its hidden cases are in ``grader.hidden.<module>``)."""
    return registry()[name][0]
