import dataclasses

import pytest

from grader.model import Category, CheckResult, Deduction, Fault, Item, LatePolicy, Lateness, ManualScore, Rubric
from grader.pipeline.score import HIDDEN_SKIPPED, score

ITEMS = [  # id, category, points, visibility, advisory
    ('adam', 'code', 10, 'public', False),
    ('use', 'code', 10, 'public', False),
    ('relu_unit', 'code', 10, 'public', False),
    ('relu_in_place', 'code', 0, 'public', True),
    ('relu_network', 'code', 10, 'public', False),
    ('train_network', 'code', 10, 'hidden', False),
    ('partition', 'code', 10, 'public', False),
    ('run_experiments', 'code', 10, 'public', False),
    ('results_reported', 'discussion', 10, 'public', False),
    ('discussion_present', 'discussion', 5, 'public', False),
    ('plots_present', 'discussion', 5, 'public', False),
    ('observations_3', 'discussion', 10, 'public', False),
    ('swish_ec', 'extra_credit', 5, 'public', False),
]


def make_rubric(policy=LatePolicy(points_per_day=10, grace_minutes=15, floor=0)):
    return Rubric(
        title='Assignment 2', canvas_assignment_id='123', due='2024-02-09T23:59:00-07:00',
        categories=(Category('code', 'Code', 70), Category('discussion', 'Discussion', 30),
                    Category('extra_credit', 'Extra credit', 5, extra=True)),
        items=tuple(Item(id=i, title=i.replace('_', ' '), category=c, points=p, check=i, visibility=v, advisory=a)
                    for i, c, p, v, a in ITEMS),
        late_policy=policy)


def results(**fractions):
    """Full marks for every item, except the fractions given."""
    out = {}
    for item_id, *_ in ITEMS:
        f = fractions.get(item_id, 1.0)
        status = 'pass' if f == 1 else 'fail' if f == 0 else 'partial'
        out[item_id] = CheckResult(item_id, status, f, f'{item_id} message')
    return out


def by_id(items):
    return {it.id: it for it in items}


def test_full_marks():
    items, totals, notes = score(make_rubric(), results())
    assert (totals.code, totals.discussion, totals.extra_credit) == (70.0, 30.0, 5.0)
    assert (totals.raw, totals.late_penalty, totals.final) == (105.0, 0.0, 105.0)
    assert [it.id for it in items] == [i[0] for i in ITEMS]
    assert all(it.status == 'pass' for it in items)
    assert notes == []


def test_partial_fraction_rounded_to_half_points():
    items, totals, _ = score(make_rubric(), results(partition=0.5, adam=1 / 3))
    assert by_id(items)['partition'].points == 5.0
    assert by_id(items)['partition'].status == 'partial'
    assert by_id(items)['adam'].points == 3.5      # whole or half points by default (rubric: scoring.point_step)
    assert totals.code == 58.5


def test_without_rounding_totals_are_summed_exactly_and_rounded_once():
    rubric = dataclasses.replace(make_rubric(), point_step=0.0)
    items, totals, _ = score(rubric, results(partition=1 / 3, adam=1 / 3, use=1 / 3))
    assert by_id(items)['adam'].points == pytest.approx(10 / 3)
    assert totals.code == 50.0      # 3 x 3.333... + 40 summed exactly: no 49.99 from items rounded first


def test_faults_cost_the_rubrics_deductions_each_once_never_below_zero():
    rubric = make_rubric()
    adam = dataclasses.replace(rubric.item('adam'), deductions=(Deduction('adam.no_bias_correction', 4, 'no bias'),
                                                                 Deduction('adam.no_sqrt', 8, 'no root')))
    rubric = dataclasses.replace(rubric, items=tuple(adam if it.id == 'adam' else it for it in rubric.items))
    found = results()
    found['adam'] = CheckResult('adam', 'fail', 0.0, 'specific', faults=(Fault('adam.no_bias_correction', 'a'),))
    assert by_id(score(rubric, found)[0])['adam'].points == 6
    found['adam'] = CheckResult('adam', 'fail', 0.0, 'x', faults=(Fault('adam.no_bias_correction'),
                                                                   Fault('adam.no_sqrt')))
    item = by_id(score(rubric, found)[0])['adam']
    assert (item.points, item.status, [d.points for d in item.deductions]) == (0.0, 'fail', [4, 8])
    # a fault the rubric does not list: the item's default deduction, its full points unless the rubric says so
    found['adam'] = CheckResult('adam', 'fail', 0.0, 'x', faults=(Fault('adam.fails_to_run'),))
    assert by_id(score(rubric, found)[0])['adam'].points == 0
    found['adam'] = CheckResult('adam', 'fail', 0.0, 'x', faults=(Fault('adam.fails_to_run'),))
    assert by_id(score(dataclasses.replace(rubric, default_deduction=3.0), found)[0])['adam'].points == 7


def test_missing_result_is_an_error_not_a_silent_zero():
    res = results()
    del res['use']
    items, totals, _ = score(make_rubric(), res)
    use = by_id(items)['use']
    assert use.status == 'error'
    assert use.points == 0.0 and use.max_points == 10.0
    assert use.message.startswith('not graded: ')
    assert totals.code == 60.0


def test_invalid_fraction_is_an_error():
    res = results()
    res['adam'] = CheckResult('adam', 'pass', float('nan'), 'ok')
    adam = by_id(score(make_rubric(), res)[0])['adam']
    assert adam.status == 'error' and adam.points == 0.0


def test_empty_message_falls_back_to_rubric_message():
    rubric = make_rubric()
    items = tuple(Item(**{**vars(it), 'fail_message': 'Adam is wrong'}) if it.id == 'adam' else it
                  for it in rubric.items)
    rubric = Rubric(**{**vars(rubric), 'items': items})
    res = results()
    res['adam'] = CheckResult('adam', 'fail', 0.0, '')
    assert by_id(score(rubric, res)[0])['adam'].message == 'Adam is wrong'


def test_manual_override_replaces_points_and_appends_comment():
    manual = [ManualScore('observations_3', 7, 'only two real observations')]
    items, totals, _ = score(make_rubric(), results(observations_3=1.0), manual)
    obs = by_id(items)['observations_3']
    assert obs.points == 7.0 and obs.manual is True and obs.status == 'partial'
    assert obs.message == 'observations_3 message — TA: only two real observations'
    assert totals.discussion == 27.0


def test_manual_override_on_missing_result():
    res = results()
    del res['results_reported']
    items, _, _ = score(make_rubric(), res, [ManualScore('results_reported', 10, 'checked by hand')])
    it = by_id(items)['results_reported']
    assert (it.status, it.points, it.manual) == ('pass', 10.0, True)
    assert it.message == 'graded by your TA — TA: checked by hand'


def test_manual_override_clamped_and_noted():
    items, totals, notes = score(make_rubric(), results(), [ManualScore('adam', 12), ManualScore('use', -3)])
    assert by_id(items)['adam'].points == 10.0
    assert by_id(items)['use'].points == 0.0
    assert by_id(items)['use'].status == 'fail'
    assert totals.code == 60.0
    assert any('adam' in n and 'clamped to 10' in n for n in notes)
    assert any('use' in n and 'clamped to 0' in n for n in notes)


def test_manual_override_unknown_item_is_refused():
    with pytest.raises(ValueError, match='unknown item'):
        score(make_rubric(), results(), [ManualScore('adma', 5)])


def test_advisory_item_scores_nothing():
    res = results()
    res['relu_in_place'] = CheckResult('relu_in_place', 'fail', 0.0, 'relu modifies its argument')
    items, totals, notes = score(make_rubric(), res, [ManualScore('relu_in_place', 3)])
    adv = by_id(items)['relu_in_place']
    assert (adv.points, adv.max_points, adv.status) == (0.0, 0.0, 'fail')
    assert adv.message == 'relu modifies its argument'
    assert totals.code == 70.0
    assert any('advisory' in n for n in notes)


def test_extra_credit_on_top():
    _, totals, _ = score(make_rubric(), results(swish_ec=0.4))
    assert (totals.code, totals.discussion, totals.extra_credit, totals.raw) == (70.0, 30.0, 2.0, 102.0)
    assert make_rubric().points_possible() == 100


def test_category_capped_at_its_points():
    rubric = make_rubric()
    rubric = Rubric(**{**vars(rubric), 'categories': (Category('code', 'Code', 50),) + rubric.categories[1:]})
    _, totals, notes = score(rubric, results())
    assert totals.code == 50.0
    assert any('capped' in n for n in notes)


def test_late_penalty_after_manual_points():
    # raw already holds the TA's 5 points (95 from the checks + 5); the penalty comes off that
    manual = [ManualScore('plots_present', 5, 'plots were in an image file')]
    _, totals, notes = score(make_rubric(), results(plots_present=0.0, use=0.5), manual,
                             Lateness(seconds_late=86400 + 3600))
    assert (totals.raw, totals.late_penalty, totals.final) == (100.0, 20.0, 80.0)
    assert any(n.startswith('Late policy:') and '2 started days' in n for n in notes)
    # capped penalty: all of raw including the override goes, so the override was counted before the cap
    _, totals, _ = score(make_rubric(), results(plots_present=0.0), manual, Lateness(seconds_late=30 * 86400))
    assert (totals.raw, totals.late_penalty, totals.final) == (105.0, 105.0, 0.0)


def test_final_never_below_floor():
    _, totals, _ = score(make_rubric(), results(), lateness=Lateness(seconds_late=20 * 86400))
    assert (totals.raw, totals.late_penalty, totals.final) == (105.0, 105.0, 0.0)
    rubric = make_rubric(LatePolicy(points_per_day=10, floor=60))
    _, totals, _ = score(rubric, results(), lateness=Lateness(seconds_late=20 * 86400))
    assert (totals.raw, totals.late_penalty, totals.final) == (105.0, 45.0, 60.0)


def test_uncertain_late_marker_in_totals():
    _, totals, notes = score(make_rubric(), results(), lateness=Lateness(None, uncertain=True))
    assert (totals.late_penalty, totals.final) == (10.0, 95.0)
    assert any('uncertain' in n for n in notes)


def test_disabled_policy():
    rubric = make_rubric(LatePolicy(enabled=False))
    _, totals, _ = score(rubric, results(), lateness=Lateness(seconds_late=3 * 86400))
    assert (totals.late_penalty, totals.final) == (0.0, 105.0)


def test_self_check_skips_hidden_items_and_late_penalty():
    public = {k: v for k, v in results().items() if k != 'train_network'}
    items, totals, notes = score(make_rubric(), public, lateness=Lateness(seconds_late=86400), mode='self-check')
    hidden = by_id(items)['train_network']
    assert (hidden.status, hidden.points, hidden.max_points) == ('skipped', 0.0, 10.0)
    assert hidden.message == HIDDEN_SKIPPED == 'hidden check: run when your TA grades'
    assert (totals.code, totals.raw, totals.late_penalty, totals.final) == (60.0, 95.0, 0.0, 95.0)
    assert notes == []


def test_self_check_never_shows_a_hidden_verdict():
    items, _, _ = score(make_rubric(), results(train_network=0.0), mode='self-check')
    assert by_id(items)['train_network'].status == 'skipped'


def test_bad_mode_refused():
    with pytest.raises(ValueError):
        score(make_rubric(), results(), mode='check')
