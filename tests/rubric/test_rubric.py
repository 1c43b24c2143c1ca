"""The rubric file: the bundled A2 rubric, every defect an instructor can make (reported at its line), the table,
the student kit's public-only copy, and edits in YAML reaching the loaded Rubric without Python."""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from grader.checks import check_names
from grader.resources import rubric_file
from grader.rubric.convert import fmt_number
from grader.rubric.load import (Problem, RubricError, rubric_command, default_rubric_path, dump_rubric, load_rubric, public_only, rubric_table, validate_rubric)

ITEM_POINTS = {
    'adam': 15, 'use': 10, 'relu_unit': 5, 'relu_in_place': 0, 'relu_network': 10, 'train_network': 10,
    'partition': 10, 'run_experiments': 10,
    'results_reported': 8, 'discussion_present': 8, 'plots_present': 6, 'observations_3': 8,
    'swish_ec': 5,
}

# Small enough to read at a glance; each test breaks one thing and asserts the line it is reported on.
BASE = """\
schema_version: 1
assignment:
  title: Test assignment
  due: "2026-10-02T23:59:00-06:00"
late_policy:
  enabled: true
categories:
  - id: code
    title: Code
    points: 25
  - id: discussion
    title: Discussion
    points: 8
items:
  - id: adam
    title: Adam
    category: code
    points: 15
    check: adam
  - id: use
    title: Use
    category: code
    points: 10
    check: use
  - id: results_reported
    title: Results
    category: discussion
    points: 8
    check: results_reported
"""


def line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) >= nth, f'{needle!r} not in text'
    return hits[nth - 1]


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, f'{old!r} must occur once'
    return text.replace(old, new)


def problems_in(tmp_path, text: str) -> list[Problem]:
    path = tmp_path / 'r.yaml'
    path.write_text(text, encoding='utf-8')
    return validate_rubric(path)


def only_problem(tmp_path, text: str) -> Problem:
    problems = problems_in(tmp_path, text)
    assert len(problems) == 1, problems    # one mistake, one report: no knock-on noise
    return problems[0]


# ---------------------------------------------------------------- the bundled rubric
def test_bundled_rubric_validates_clean():
    assert validate_rubric(default_rubric_path()) == []
    code, text = rubric_command('rubrics/a2.yaml', 'validate')
    ok, warning = text.splitlines()[0], ' '.join(line.strip() for line in text.splitlines()[1:])
    assert (code, ok) == (0, 'rubrics/a2.yaml: OK — 13 items, code 70 + discussion 30 + extra credit 5')
    # the bundled rubric ships the placeholder assignment id: valid, but said, so nobody exports with it
    assert warning.startswith('rubrics/a2.yaml: warning: canvas_assignment_id is the placeholder "1234567"')


def test_bundled_rubric_loads_into_the_model():
    r = load_rubric()
    assert {it.id: it.points for it in r.items} == ITEM_POINTS
    assert [it.id for it in r.items] == list(ITEM_POINTS)
    assert all(it.check == it.id for it in r.items)
    assert [(c.id, c.points, c.extra) for c in r.categories] == [
        ('code', 70, False), ('discussion', 30, False), ('extra_credit', 5, True)]
    assert r.categories[1].title == 'Results and discussion'
    for c in r.categories:
        assert sum(it.points for it in r.items if it.category == c.id) == c.points
    assert r.points_possible() == 100
    assert (r.late_policy.enabled, r.late_policy.points_per_day, r.late_policy.grace_minutes,
            r.late_policy.floor) == (True, 10, 0, 0)     # no grace: Canvas marks LATE from the first second
    assert r.title == 'A2 Multilayer Neural Networks for Nonlinear Regression'
    assert (r.canvas_assignment_id, r.due, r.notebook_pattern) == ('1234567', '2026-10-02T23:59:00-06:00',
                                                                   '*A2*.ipynb')
    assert r.aliases == {'run_experiments': ('run_experiment', 'run_experiments')}
    assert [it.id for it in r.items if it.visibility == 'hidden'] == ['train_network']
    assert [it.id for it in r.items if it.advisory] == ['relu_in_place']
    assert r.item('adam').params == {'tolerance': 1e-6, 'time_budget_seconds': 20}
    assert (r.point_step, r.default_deduction) == (0.5, None)
    assert r.deduction_for(r.item('adam'), 'adam.no_bias_correction').points == 10    # the course's grader: 10 of 70
    assert r.deduction_for(r.item('adam'), 'adam.fails_to_run').points == 15          # not listed: full points
    assert [it.id for it in r.items if it.manual] == ['results_reported', 'discussion_present', 'plots_present',
                                                      'observations_3']
    assert r.item('train_network').params == {'rtol': 1e-4, 'n_epochs': 50, 'learning_rate': 0.01}
    assert isinstance(r.item('train_network').params['n_epochs'], int)
    assert r.item('run_experiments').params == {'rmse_rtol': 0.5, 'time_budget_seconds': 60}
    assert r.item('observations_3').params == {'min_observations': 3}
    assert r.withheld_points == {}
    for it in r.items:
        assert it.pass_message and it.fail_message, it.id
        assert '{' not in it.pass_message + it.fail_message, it.id    # every placeholder names a param
    assert 'm̂ = m/(1-β1^t)' in r.item('adam').fail_message


def test_bundled_rubric_points_editors_at_the_schema():
    first = rubric_file().read_text(encoding='utf-8').splitlines()[0]
    assert first == '# yaml-language-server: $schema=rubric.schema.json'
    assert rubric_file('rubric.schema.json').is_file()


# ---------------------------------------------------------------- the schema
def schema() -> dict:
    return json.loads(rubric_file('rubric.schema.json').read_text(encoding='utf-8'))


def test_schema_is_valid_and_its_check_enum_is_check_names():
    Draft202012Validator.check_schema(schema())
    # a check is registered in one place (its module's CHECKS): the schema file names none, the validator all
    assert 'enum' not in schema()['$defs']['item']['properties']['check']
    from grader.rubric.load import _schema
    assert _schema()['$defs']['item']['properties']['check']['enum'] == list(check_names())


def test_schema_describes_every_property_and_closes_every_fixed_object():
    def walk(node, where):
        if not isinstance(node, dict):
            return
        for name, sub in node.get('properties', {}).items():
            assert sub.get('description'), f'{where}.{name} has no description'
            walk(sub, f'{where}.{name}')
        if 'properties' in node:
            assert node.get('additionalProperties') is False, f'{where} accepts unknown keys'
        for key in ('items', 'additionalProperties'):
            walk(node.get(key), f'{where}[{key}]')
        for name, sub in node.get('$defs', {}).items():
            walk(sub, f'$defs.{name}')
    walk(schema(), 'rubric')


# ---------------------------------------------------------------- defects, each at its line
def test_small_base_rubric_is_valid(tmp_path):
    assert problems_in(tmp_path, BASE) == []


def test_typo_key_reported_with_suggestion(tmp_path):
    text = edit('    points: 15\n', '    pionts: 15\n')
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, 'pionts')
    assert p.message == "unknown key 'pionts' in item 'adam' (did you mean 'points'?)"
    assert p.path == 'items[0].pionts'


def test_typo_in_the_bundled_rubric_reported_at_its_line(tmp_path):
    text = rubric_file().read_text(encoding='utf-8')
    text = edit('    points: 15\n', '    pionts: 15\n', text)
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, 'pionts') and "unknown key 'pionts' in item 'adam'" in p.message


def test_unknown_check_with_suggestion(tmp_path):
    text = edit('check: adam', 'check: adma')
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, 'adma')
    assert p.message == "unknown check 'adma' in item 'adam' (did you mean 'adam'?)"


def test_unknown_check_without_close_match_lists_the_known_ones(tmp_path):
    text = edit('check: use', 'check: zzz')
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, 'zzz') and 'known checks: adam, discussion_present' in p.message


def test_category_total_that_does_not_add_up(tmp_path):
    text = edit('    points: 10\n', '    points: 5\n')
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, 'points: 25')
    assert p.message == "category 'code': items add up to 20, category says 25"


def test_duplicate_item_id(tmp_path):
    text = edit('id: use', 'id: adam')
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, 'id: adam', nth=2)
    assert p.message == f"duplicate item id 'adam' (first on line {line_of(text, 'id: adam')})"


def test_duplicate_yaml_key(tmp_path):
    text = edit('    points: 15\n', '    points: 15\n    points: 15\n')
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, 'points: 15', nth=2)
    assert p.message.startswith("duplicate key 'points' in item 'adam' (first on line "
                                f"{line_of(text, 'points: 15')}")


def test_undeclared_category_with_suggestion(tmp_path):
    text = edit('category: discussion', 'category: dicussion')
    p = only_problem(tmp_path, text)      # the discussion total it leaves short is not reported again
    assert p.line == line_of(text, 'dicussion')
    assert "category 'dicussion' of item 'results_reported' is not declared" in p.message
    assert "did you mean 'discussion'?" in p.message


def test_yaml_syntax_error_has_line_and_column(tmp_path):
    text = edit('  - id: use\n', '  - id: use\n   title: [unclosed\n')
    problems = problems_in(tmp_path, text)
    assert len(problems) == 1 and problems[0].message.startswith('YAML syntax error:')
    assert problems[0].line == line_of(text, 'unclosed') and 'column' in problems[0].message


def test_tab_indentation_is_explained(tmp_path):
    text = edit('    check: use\n', '\tcheck: use\n')
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, '\tcheck') and 'not tabs' in p.message


def test_missing_file(tmp_path):
    missing = tmp_path / 'nope.yaml'
    problems = validate_rubric(missing)
    assert len(problems) == 1 and problems[0].line is None and 'cannot read' in problems[0].message
    with pytest.raises(RubricError) as caught:
        load_rubric(missing)
    assert caught.value.problems == problems
    code, text = rubric_command(missing, 'validate')
    assert code == 2 and text.startswith(f'{missing}: cannot read the rubric')
    assert rubric_command(missing, 'show')[0] == 2


def test_negative_points(tmp_path):
    text = edit('    points: 10\n', '    points: -10\n')
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, 'points: -10')
    assert p.message == "points in item 'use' must not be negative (it is -10)"


def test_wrong_type(tmp_path):
    text = edit('    points: 10\n', '    points: "ten"\n')
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, '"ten"')
    assert p.message == "points in item 'use' must be a number, not 'ten'"


def test_unquoted_canvas_id_gets_a_hint(tmp_path):
    text = edit('  title: Test assignment\n', '  title: Test assignment\n  canvas_assignment_id: 1234567\n')
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, 'canvas_assignment_id') and 'put it in quotes' in p.message


def test_advisory_item_with_points(tmp_path):
    text = edit('    check: use\n', '    check: use\n    advisory: true\n')
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, 'points: 10') and 'advisory' in p.message and 'must be 0' in p.message


def test_impossible_due_date(tmp_path):
    text = edit('2026-10-02T23', '2026-13-02T23')
    p = only_problem(tmp_path, text)
    assert p.line == line_of(text, 'due:') and 'not a real date' in p.message


@pytest.mark.parametrize('old, new, needle, expected', [
    ('    category: code\n    points: 15', '    categroy: code\n    points: 15', 'categroy',
     "unknown key 'categroy' in item 'adam' (did you mean 'category'?)"),
    ('    title: Use\n', '    title: Use\n    messages: {pass: ok, fial: no}\n', 'fial',
     "unknown key 'fial' under messages in item 'use' (did you mean 'fail'?)"),
    ('  enabled: true\n', '  enabled: sometimes\n', 'sometimes',
     "enabled in late_policy must be true or false, not 'sometimes'"),
    ('schema_version: 1', 'schema_version: 2', 'schema_version', 'schema_version must be 1, not 2'),
    ('    check: use\n', '    check: use\n    visibility: secret\n', 'secret',
     "visibility in item 'use' must be one of public, hidden, not 'secret'"),
    ('    check: use\n', '    check: use\n    params: {tol: [1]}\n', 'tol',
     "params.tol in item 'use' must be a number, text or true/false, not a list"),
    ('items:\n', 'itmes:\n', 'itmes', "unknown key 'itmes' at the top level (did you mean 'items'?)"),
])
def test_one_mistake_one_report(tmp_path, old, new, needle, expected):
    """A typo must not also show up as a missing key, a short category total or an undeclared category."""
    text = edit(old, new)
    p = only_problem(tmp_path, text)
    assert (p.line, p.message) == (line_of(text, needle), expected)


def test_malformed_lists_are_reported_once(tmp_path):
    text = BASE.split('items:')[0] + 'items: 5\n'
    assert [p.message for p in problems_in(tmp_path, text)] == ['items must be a list (- entries), not 5']
    text = edit('categories:\n', 'categories: {code: 25}\nold_categories:\n')
    assert [p.line for p in problems_in(tmp_path, text)] == [line_of(text, 'categories: {'),
                                                             line_of(text, 'old_categories')]


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    text = edit('check: adam', 'check: adma', edit('    points: 10\n', '    points: "ten"\n',
                                                   edit('title: Code', 'titel: Code')))
    path = tmp_path / 'r.yaml'
    path.write_text(text, encoding='utf-8')
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    lines = [p.line for p in caught.value.problems]
    assert lines == sorted([line_of(text, 'titel'), line_of(text, 'adma'), line_of(text, '"ten"')])
    code, out = rubric_command(path, 'validate')
    assert code == 1
    assert out.splitlines()[0] == f"{path}:{line_of(text, 'titel')}: unknown key 'titel' in category 'code' " \
                                  "(did you mean 'title'?)"
    assert len(out.splitlines()) == 3


def test_yaml_1_2_numbers_and_unquoted_dates(tmp_path):
    """Editors read 1e-6 as a number and so must we; an unquoted due date stays the text written."""
    text = edit('check: adam\n', 'check: adam\n    params: {tolerance: 1e-6}\n',
                edit('"2026-10-02T23:59:00-06:00"', '2026-10-02T23:59:00-06:00'))
    path = tmp_path / 'r.yaml'
    path.write_text(text, encoding='utf-8')
    r = load_rubric(path)
    assert r.item('adam').params['tolerance'] == 1e-6 and r.due == '2026-10-02T23:59:00-06:00'


# ---------------------------------------------------------------- table, kit copy, round trip
def test_rubric_table_lists_items_subtotals_and_totals():
    table = rubric_table(load_rubric())
    for item_id in ITEM_POINTS:
        assert item_id in table
    assert 'code subtotal      70' in table and 'discussion subtotal      30' in table
    assert 'extra_credit subtotal       5' in table
    assert 'Points possible: 100 (code 70 + discussion 30); extra credit on top: 5' in table
    assert 'Due: 2026-10-02T23:59:00-06:00' in table
    assert '10 points per started day late' in table and 'grace' not in table
    assert 'tolerance=1e-06' in table
    assert max(len(line) for line in table.splitlines()) <= 130
    code, shown = rubric_command(default_rubric_path(), 'show')
    assert code == 0 and shown.startswith(rubric_table(load_rubric(default_rubric_path())))
    assert 'warning: canvas_assignment_id is the placeholder' in shown


def test_rubric_show_prints_the_fault_catalogue_with_deductions():
    _, shown = rubric_command(default_rubric_path(), 'show')
    catalogue = shown[shown.index('Faults and deductions'):]
    assert re.search(r'−10 +adam\.no_bias_correction +Adam without bias correction', catalogue)
    assert re.search(r'−5 +relu_network\.grad_all_ones +grad_relu is 1 at 0', catalogue)
    # faults the rubric does not list are shown with the default deduction, marked
    assert re.search(r'−15\* adam\.fails_to_run', catalogue)
    assert 'partition.seed_inside' in catalogue and 'run_experiments.column_names' in catalogue
    assert max(len(line) for line in catalogue.splitlines()) <= 130


def test_a_deduction_no_check_reports_is_rejected_with_its_line(tmp_path):
    text = edit('    check: adam\n', '    check: adam\n    deductions:\n'
                '      - {id: adam.no_bias_corection, points: 10}\n      - {id: adam.nan_first_step, points: 40}\n')
    found = problems_in(tmp_path, text)
    assert [p.line for p in found] == [line_of(text, 'no_bias_corection'), line_of(text, 'nan_first_step')]
    assert "never reports this fault (did you mean 'adam.no_bias_correction'?)" in found[0].message
    assert 'takes 40 points, more than item' in found[1].message


def test_scoring_settings_are_read_and_a_bad_default_is_explained(tmp_path):
    text = edit('items:\n', 'scoring:\n  point_step: 1\n  default_deduction: 4\nitems:\n')
    path = tmp_path / 'r.yaml'
    path.write_text(text, encoding='utf-8')
    r = load_rubric(path)
    assert (r.point_step, r.default_deduction) == (1.0, 4.0)
    bad = problems_in(tmp_path, edit('items:\n', 'scoring:\n  default_deduction: all\nitems:\n'))
    assert [p.message for p in bad] == ['default_deduction in scoring must be a number of points or the word full, '
                                        'not \'all\'']


def test_public_only_drops_hidden_items_and_still_validates(tmp_path):
    full = load_rubric()
    kit = public_only(full)
    assert 'train_network' not in [it.id for it in kit.items]
    assert len(kit.items) == 12 and kit.withheld_points == {'code': 10}
    assert kit.categories == full.categories        # students still see code is worth 70
    path = dump_rubric(kit, tmp_path / 'a2.yaml')
    assert validate_rubric(path) == []
    again = load_rubric(path)
    assert again.items == kit.items and again.withheld_points == {'code': 10}
    assert 'hidden items (not listed)' in rubric_table(again)
    assert str(tmp_path) not in path.read_text(encoding='utf-8')   # no instructor paths leak into a kit
    code, text = rubric_command(path, 'validate')
    assert code == 0 and text.splitlines()[0].endswith('(10 points of hidden items withheld)')


def test_withheld_points_must_still_add_up(tmp_path):
    text = BASE + 'withheld_points: {code: 3}\n'
    p = only_problem(tmp_path, text)
    assert p.message == "category 'code': items add up to 25 + 3 withheld, category says 25"


def test_dump_and_load_round_trip(tmp_path):
    r = load_rubric()
    path = dump_rubric(r, tmp_path / 'copy.yaml')
    assert load_rubric(path) == replace(r, source=str(path))


# ---------------------------------------------------------------- instructors edit YAML, not Python
def test_yaml_edits_reach_the_loaded_rubric(tmp_path):
    text = rubric_file().read_text(encoding='utf-8')
    text = edit('      tolerance: 1.0e-6\n', '      tolerance: 1.0e-5\n', text)
    text = edit('    points: 15\n', '    points: 20\n', text)
    text = edit('    points: 70\n', '    points: 75\n', text)
    text = edit('      pass: "Adam follows the algorithm as taught."', '      pass: "Well done, Adam!"', text)
    text = edit('      min_words: 30\n', '      min_words: 50\n', text)
    text = edit('    visibility: hidden\n', '    visibility: public\n', text)
    text = edit('  enabled: true\n', '  enabled: false\n', text)
    path = tmp_path / 'a2.yaml'
    path.write_text(text, encoding='utf-8')
    r = load_rubric(path)
    adam = r.item('adam')
    assert (adam.params['tolerance'], adam.points, adam.pass_message) == (1e-5, 20, 'Well done, Adam!')
    assert r.categories[0].points == 75 and r.points_possible() == 105
    assert 'at least 50 words' in r.item('discussion_present').fail_message
    assert r.item('train_network').visibility == 'public'
    assert r.late_policy.enabled is False
    assert 'Late policy: off' in rubric_table(r)


def test_copied_rubric_outside_the_repo_validates(tmp_path):
    """The schema is the grader's own, not looked up next to the file being checked."""
    path = tmp_path / 'elsewhere.yaml'
    shutil.copy(rubric_file(), path)
    assert validate_rubric(path) == []


def test_the_readme_documents_every_fault_with_the_bundled_deduction():
    from grader.checks.runner import fault_catalogue
    readme = (Path(__file__).resolve().parents[2] / 'README.md').read_text(encoding='utf-8')
    r = load_rubric()
    for item in r.items:
        for fault_id in fault_catalogue(item):
            points = r.deduction_for(item, fault_id).points
            shown = '0 (advisory)' if item.advisory else '−' + fmt_number(points)
            assert re.search(rf'\| `{re.escape(fault_id)}` \| {re.escape(shown)}', readme), fault_id
