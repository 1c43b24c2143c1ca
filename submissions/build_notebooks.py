"""Build the assignment's notebooks from the instructor's solution.

``A2-solution.ipynb`` is the source. This script

* derives ``A2.ipynb``, the starter students receive: every region between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` in a code cell becomes a stub, every markdown cell flagged as a solution answer
  (metadata ``a2.solution``) becomes "*Your answer here.*", and all outputs are cleared;
* executes the solution from top to bottom with nbclient, in a temporary folder holding a copy of
  ``reference/data/auto-mpg.data``, and saves its real outputs back into ``A2-solution.ipynb``.

Stub rule (so that the starter still defines every class and function): a region that ends its block and
returns a value at its own indentation becomes ``# ... your code here`` + ``raise NotImplementedError()``;
any other region becomes ``# ... your code here`` + ``pass``.

Usage::

    python submissions/build_notebooks.py            # full grid (about 45 s here), then the starter
    python submissions/build_notebooks.py --quick    # tiny grid (A2_QUICK=1), for a fast look
    python submissions/build_notebooks.py --starter-only

After re-executing the solution, regenerate the sample submissions (``python submissions/make_sample.py``):
they are derived from the solution notebook, outputs included.
"""
from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SOLUTION = HERE / 'A2-solution.ipynb'
STARTER = HERE / 'A2.ipynb'
DATA_FILE = REPO / 'reference' / 'data' / 'auto-mpg.data'

BEGIN = '### BEGIN SOLUTION'
END = '### END SOLUTION'
STUB_COMMENT = '# ... your code here'
ANSWER_PLACEHOLDER = '*Your answer here.*'
KERNEL_NAME = 'python3'

# The handout's prompt sentences: the rubric locates answers by them, so both notebooks must keep them verbatim.
PROMPTS = {
    'best_result': (
        'Find the lowest value of `RMSE Val` in your table and report the `RMSE Test` and the parameter values '
        'that produced this.',
        'Discuss how good this prediction is.',
    ),
    'plots': (
        'Plot the RMSE values for training, validation and test sets versus the combined parameter values of '
        'number of epochs and network architecture. Make one plot for `tanh` as the activation function and a '
        'second one for `relu`.',
    ),
    'observations': (
        'Describe at least three different observations you make about these plots. What do you find interesting?',
    ),
    'swish_discussion': (
        'Use your `run_experiment` function to compare results for all three activation functions. '
        'Discuss the results.',
    ),
}

# Names the starter must still define (stubs keep them).
DEFINED_NAMES = ('Optimizers', 'NeuralNetwork', 'partition', 'run_experiment')

# The course handout's given code that students keep (README, "given code"), as lines the starter must carry verbatim,
# with how many times: the grader's reference reproduces them, so a student who keeps them loses nothing.
GIVEN_CODE = {
    'error_convert_f = lambda err: (np.sqrt(err) * self.Tstds)[0]': 2,     # train, in both NeuralNetwork cells
    'self.all_weights -= learning_rate * grad': 1,                           # sgd
    'delta = -error / (n_samples * n_outputs)': 2,                          # gradient_f
    "self.Ys.append(np.tanh(self.Ys[-1] @ W[1:, :] + W[0:1, :]))": 1,       # forward_pass of the given class
    'all_weights = np.hstack([np.random.uniform(size=shape).flat / np.sqrt(shape[0]) for shape in shapes])': 2,
}


# ---------------------------------------------------------------------------------------------- starter
def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(' '))


def _stub(region: list[str], indent: int, following: str | None) -> list[str]:
    """Stub lines replacing one solution region, ``region`` being its lines without the markers."""
    ends_block = following is None or _indent(following) < indent
    returns = any(_indent(line) == indent and re.match(r'return\b', line.strip()) for line in region)
    pad = ' ' * indent
    last = 'raise NotImplementedError()' if (ends_block and returns) else 'pass'
    return [pad + STUB_COMMENT, pad + last]


def strip_solution(source: str) -> str:
    """Replace every BEGIN/END SOLUTION region of a code cell's source by a stub."""
    lines = source.split('\n')
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() != BEGIN:
            if line.strip() == END:
                raise ValueError(f'{END} without {BEGIN}:\n{source}')
            out.append(line)
            i += 1
            continue
        indent = _indent(line)
        j = i + 1
        while j < len(lines) and lines[j].strip() != END:
            if lines[j].strip() == BEGIN:
                raise ValueError(f'nested {BEGIN}:\n{source}')
            j += 1
        if j == len(lines):
            raise ValueError(f'{BEGIN} without {END}:\n{source}')
        following = next((ln for ln in lines[j + 1:] if ln.strip()), None)
        out.extend(_stub(lines[i + 1:j], indent, following))
        i = j + 1
    return '\n'.join(out)


def remove_markers(source: str) -> str:
    """The solution's code without the marker lines: what a student's completed cell looks like."""
    return '\n'.join(line for line in source.split('\n') if line.strip() not in (BEGIN, END))


def is_answer_cell(cell) -> bool:
    return cell.cell_type == 'markdown' and bool(cell.get('metadata', {}).get('a2', {}).get('solution'))


def clear_outputs(cell) -> None:
    if cell.cell_type == 'code':
        cell.outputs = []
        cell.execution_count = None
    cell.metadata.pop('execution', None)


def derive_starter(solution):
    """The students' notebook: stubs for solution regions, placeholders for answers, no outputs."""
    nb = copy.deepcopy(solution)
    for cell in nb.cells:
        clear_outputs(cell)
        if cell.cell_type == 'code':
            cell.source = strip_solution(cell.source)
        elif is_answer_cell(cell):
            cell.source = ANSWER_PLACEHOLDER
            cell.metadata['a2'] = {k: v for k, v in cell.metadata['a2'].items() if k != 'solution'}
    nb.metadata = {'kernelspec': copy.deepcopy(solution.metadata['kernelspec']),
                   'language_info': {'name': 'python'}}
    check_given_code(nb)
    nbformat.validate(nb)
    return nb


def check_given_code(nb) -> None:
    """The starter carries the handout's given code (GIVEN_CODE) outside every solution region."""
    code = '\n'.join(line.strip() for cell in nb.cells if cell.cell_type == 'code' for line in cell.source.split('\n'))
    lines = code.split('\n')
    for given, times in GIVEN_CODE.items():
        if lines.count(given) != times:
            raise ValueError(f'the starter must carry the handout\'s given line {given!r} {times} time(s), '
                             f'found {lines.count(given)}: edit {SOLUTION.name} outside its solution regions')


# ---------------------------------------------------------------------------------------------- execute
def execute(nb, *, quick: bool = False, timeout: int = 600, workdir: str | Path | None = None):
    """Execute ``nb`` (a copy is returned) in ``workdir`` or a temporary folder holding ``auto-mpg.data``.

    ``quick`` sets ``A2_QUICK=1`` in the kernel's environment (the notebook's tiny grid)."""
    from nbclient import NotebookClient

    nb = copy.deepcopy(nb)
    env_changes = {'A2_QUICK': '1' if quick else None,
                   # The inline backend must produce the figures: an inherited Agg backend would not.
                   'MPLBACKEND': 'module://matplotlib_inline.backend_inline',
                   'OPENBLAS_NUM_THREADS': '1'}
    saved = {k: os.environ.get(k) for k in env_changes}
    tmp = None
    try:
        for key, value in env_changes.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if workdir is None:
            tmp = tempfile.mkdtemp(prefix='a2-solution-')
            workdir = tmp
        workdir = Path(workdir)
        if not (workdir / DATA_FILE.name).exists():
            shutil.copy(DATA_FILE, workdir / DATA_FILE.name)
        client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL_NAME,
                                resources={'metadata': {'path': str(workdir)}})
        client.execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    # Timestamps would make every rebuild a diff.
    for cell in nb.cells:
        cell.metadata.pop('execution', None)
    return nb


# ---------------------------------------------------------------------------------------------- main
def write(nb, path: Path) -> None:
    nbformat.validate(nb)
    nbformat.write(nb, str(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true', help='tiny grid (A2_QUICK=1): seconds instead of a minute')
    parser.add_argument('--starter-only', action='store_true', help='only derive A2.ipynb; do not execute')
    parser.add_argument('--output', type=Path, default=SOLUTION,
                        help='where to save the executed solution (default: A2-solution.ipynb itself)')
    parser.add_argument('--timeout', type=int, default=600, help='seconds per cell')
    args = parser.parse_args(argv)

    solution = nbformat.read(str(SOLUTION), as_version=4)
    nbformat.validate(solution)
    if not args.starter_only:
        start = time.perf_counter()
        executed = execute(solution, quick=args.quick, timeout=args.timeout)
        elapsed = time.perf_counter() - start
        write(executed, args.output)
        print(f'executed {SOLUTION.name} ({"quick" if args.quick else "full"} grid) in {elapsed:.1f} s '
              f'-> {args.output}')
    write(derive_starter(solution), STARTER)
    print(f'derived {STARTER}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
