"""The package's shape (README, Architecture): rooms with one job, one-way imports, small modules."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'grader'


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix('').parts)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob('*.py'))}


def imports_of(name: str) -> set[str]:
    """Every grader module ``name`` imports, at the top or inside a function (both can close a cycle)."""
    path = MODULES[name]
    package = name if path.name == '__init__.py' else name.rsplit('.', 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')[:len(package.split('.')) - node.level + 1]
                target = '.'.join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ''
            for alias in node.names:     # `from . import wire` imports the module grader.kernel.wire
                sub = f'{target}.{alias.name}'
                found.add(sub if sub in MODULES else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in MODULES and m != name}


def test_no_import_cycles():
    graph = {name: imports_of(name) for name in MODULES}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = 'open'
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 'open':
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 'done'

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert not cycles, 'import cycles: ' + '; '.join(' -> '.join(c) for c in cycles)


def test_at_most_ten_top_level_modules():
    top = sorted(p.name for p in PACKAGE.glob('*.py'))
    assert len(top) <= 10, top


@pytest.mark.parametrize('name', sorted(MODULES))
def test_no_module_over_400_lines(name):
    lines = MODULES[name].read_text(encoding='utf-8').count('\n')
    assert lines <= 400, f'{name} has {lines} lines'


def test_every_room_says_what_it_owns():
    for init in sorted(PACKAGE.glob('*/__init__.py')):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding='utf-8')))
        assert doc and len(doc) > 40, f'{init.parent.name}/__init__.py needs a docstring: what it owns, what it imports'


def test_docstrings_cite_documents_in_the_repository():
    """Reasons cite the README or files in the repository, never a document outside it."""
    for name, path in MODULES.items():
        assert 'a2-facts' not in path.read_text(encoding='utf-8'), f'{name} cites a2-facts, which is not in the repo'
