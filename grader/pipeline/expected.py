"""Where expected values come from: the reference, run in the grader's process, or a student kit's table.

Either way a case's inputs go through the same wire encoding the kernel sees, so both sides compute on
identical data and results are compared in the same representation.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..kernel import probes, wire


class ExpectedUnavailable(RuntimeError):
    """A student kit has no expected value for a case: the kit is older than the rubric."""


def case_key(check: str, case) -> str:
    digest = hashlib.sha256(wire.dumps(case.inputs).encode()).hexdigest()[:16]
    return f'{check}/{case.key}/{digest}'


class ReferenceExpected:
    """Runs the probes on the reference solution. Only the full grader has it; a student kit does not."""

    def __init__(self):
        import reference
        self._reference = reference
        # case key -> encoded value: a batch grades many notebooks on the same cases (one seed per run), and
        # the reference's answer to a case never changes. Decoded afresh on each use, so nobody shares arrays.
        self._memo: dict[str, str] = {}

    def namespace(self) -> dict[str, Any]:
        r = self._reference
        return {'Optimizers': r.Optimizers, 'NeuralNetwork': r.NeuralNetwork, 'partition': r.partition,
                'run_experiment': r.run_experiment, 'run_experiments': r.run_experiments, 'np': np}

    def value(self, check: str, case) -> Any:
        key = case_key(check, case)
        if key not in self._memo:
            self._memo[key] = wire.dumps(self._compute(check, case))
        return wire.loads(self._memo[key])

    def _compute(self, check: str, case) -> Any:
        inputs = wire.loads(wire.dumps(case.inputs))
        state = np.random.get_state()   # probes seed the global generator; leave the grader's as it was
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                if case.expect is not None:
                    value = case.expect(self.namespace(), inputs)
                else:
                    value = getattr(probes, case.probe)(self.namespace(), **inputs)
        finally:
            np.random.set_state(state)
        return value


class KitExpected:
    """Expected values of public cases, precomputed from the reference when the kit was built."""

    def __init__(self, path: Path):
        self._table = json.loads(Path(path).read_text())

    def value(self, check: str, case) -> Any:
        key = case_key(check, case)
        if key not in self._table:
            raise ExpectedUnavailable(f'this self-check kit has no expected value for {key}: rebuild the kit')
        return wire.decode(self._table[key])


def precompute(cases_by_check: dict[str, list], source: ReferenceExpected) -> dict[str, Any]:
    """The table a student kit carries: public cases only."""
    table = {}
    for check, cases in cases_by_check.items():
        for case in cases:
            if case.hidden:
                raise ValueError(f'hidden case {case.key} of {check} must not go into a student kit')
            table[case_key(check, case)] = wire.encode(source.value(check, case))
    return table
