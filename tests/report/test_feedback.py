from html.parser import HTMLParser

from grader.report.feedback import feedback_html, feedback_markdown
from grader.model import Category, CheckResult, Item, ItemScore, LatePolicy, ManualScore, Rubric, SubmissionResult
from grader.model import Deduction, Fault, Lateness, Totals
from grader.pipeline.score import score

ITEMS = [  # id, category, points, visibility, advisory
    ('adam', 'code', 10, 'public', False),
    ('use', 'code', 10, 'public', False),
    ('relu_in_place', 'code', 0, 'public', True),
    ('train_network', 'code', 20, 'hidden', False),
    ('partition', 'code', 30, 'public', False),
    ('observations_3', 'discussion', 30, 'public', False),
    ('swish_ec', 'extra_credit', 5, 'public', False),
]
SECRET = 'X=[[17, 4], [9, 2]] expected 3.14159'


def make_rubric(**extra):
    return Rubric(
        title='A2 Multilayer Neural Networks', canvas_assignment_id=None, due='2024-02-09T23:59:00-07:00',
        categories=(Category('code', 'Code', 70), Category('discussion', 'Discussion', 30),
                    Category('extra_credit', 'Extra credit', 5, extra=True)),
        items=tuple(Item(id=i, title=i, category=c, points=p, check=i, visibility=v, advisory=a)
                    for i, c, p, v, a in ITEMS),
        late_policy=LatePolicy(points_per_day=10), **extra)


def graded(fractions=None, manual=(), lateness=None, mode='grade', notes=(), flags=()):
    fractions = fractions or {}
    results = {}
    for item_id, *_ in ITEMS:
        f = fractions.get(item_id, 1.0)
        status = 'pass' if f == 1 else 'fail' if f == 0 else 'partial'
        msg = 'a hidden case failed' if item_id == 'train_network' and f < 1 else f'{item_id}: message'
        # details are the TA's: feedback must never show them
        results[item_id] = CheckResult(item_id, status, f, msg, hidden_failed=f < 1, details={'case': SECRET})
    if mode == 'self-check':
        del results['train_network']
    items, totals, score_notes = score(make_rubric(), results, manual, lateness, mode)
    return SubmissionResult('Smith-A2.ipynb', 'graded', 'graded', mode, items=items, totals=totals,
                            notes=score_notes + list(notes), flags=list(flags))


def both(result, rubric=None):
    rubric = rubric or make_rubric()
    return feedback_markdown(result, rubric), feedback_html(result, rubric)


def test_total_and_breakdown():
    md, page = both(graded({'adam': 0.0}, lateness=Lateness(seconds_late=3600)))
    for text in (md, page):
        assert 'Total: 85 / 100' in text
        assert 'Raw score 95 (code 60, discussion 30, extra credit 5) · late penalty −10 · final 85' in text
        assert 'Late policy: submitted 1 h after the due date' in text


def test_lost_partial_and_full_lines():
    md, page = both(graded({'adam': 0.0, 'partition': 0.5}))
    for text in (md, page):
        assert '✗ adam: 0/10' in text and '−10: adam: message.' in text
        assert '~ partition: 15/30' in text and '−15: partition: message.' in text
        assert '✓ use: 10/10' in text
    assert '- ✓ use: 10/10\n' in md     # a pass says its points, nothing else


def test_unicode_minus_not_hyphen():
    md, _ = both(graded({'adam': 0.0}))
    assert '-10' not in md and '−10' in md


def test_items_grouped_by_category():
    md, _ = both(graded({'observations_3': 0.5, 'swish_ec': 0.0}))
    code, discussion, extra = md.index('## Code: 70 / 70'), md.index('## Discussion: 15 / 30'), \
        md.index('## Extra credit: 0 / 5')
    assert code < md.index('adam') < discussion < md.index('observations_3') < extra < md.index('swish_ec')
    assert '+0 swish_ec: 0/5' in md


def test_hidden_item_named_without_details():
    md, page = both(graded({'train_network': 0.0}))
    for text in (md, page):
        assert '✗ train_network (hidden check): 0/20' in text and '−20: a hidden case failed.' in text
        assert '17, 4' not in text and '3.14159' not in text


def test_skipped_error_and_advisory_marked():
    result = graded({'relu_in_place': 0.0}, mode='self-check')
    result.items[0] = ItemScore('adam', 'adam', 'code', 'public', 'error', 0.0, 10.0, 'not graded: timed out')
    md, page = both(result)
    for text in (md, page):
        assert '○ train_network (hidden check): 20 points, not run: hidden check: run when your TA grades' in text
        assert '⚠ adam: 0/10: not graded: timed out.' in text
        assert 'ℹ relu_in_place: relu_in_place: message.' in text


def test_withheld_points_of_a_stripped_rubric_are_shown():
    rubric = make_rubric(withheld_points={'code': 20})
    result = graded(mode='self-check')
    result.items = [it for it in result.items if it.id != 'train_network']
    md, _ = both(result, rubric)
    assert 'hidden checks worth 20 points [skipped]: run when your TA grades' in md


def test_manual_comment_shown():
    md, _ = both(graded(manual=[ManualScore('observations_3', 30, 'great plots')]))
    assert '✓ observations_3: 30/30\n  Graded by your TA: great plots' in md


def test_great_job_only_at_full_marks():
    md, page = both(graded({'swish_ec': 0.0}))   # extra credit is not needed for full marks
    assert 'Great job!' in md and 'Great job!' in page
    md, page = both(graded({'use': 0.9}))
    assert 'Great job' not in md and 'Great job' not in page
    md, _ = both(graded(mode='self-check'))      # hidden checks not run yet: not full marks
    assert 'Great job' not in md
    assert 'Every check you can run passes' in md


def test_no_great_job_under_a_total_below_the_maximum():
    md, _ = both(graded(lateness=Lateness(seconds_late=60)))
    assert 'Total: 95 / 100' in md and 'Great job' not in md and 'Full marks' not in md


def test_flags_and_notes_listed():
    md, page = both(graded(notes=['cell 7 was skipped: syntax error'], flags=['not isolated']))
    for text in (md, page):
        assert 'cell 7 was skipped: syntax error' in text
        assert 'not isolated' in text
    assert '## Flags' in md and '## Notes' in md


def test_non_graded_status_message_shown():
    result = SubmissionResult('Smith-A2.ipynb', 'invalid-notebook',
                              'Your notebook could not be read: invalid JSON at line 3', 'grade')
    md, page = both(result)
    for text in (md, page):
        assert 'Status: notebook could not be read' in text
        assert 'Your notebook could not be read: invalid JSON at line 3' in text
        assert 'Total: not scored (out of 100)' in text
        assert 'Great job' not in text


def test_html_escapes_messages_and_is_standalone():
    result = graded()
    result.items[0] = ItemScore('adam', 'adam', 'code', 'public', 'fail', 0.0, 10.0,
                                'printed <script>alert("x")</script> & more')
    result.notes.append('<b>note</b>')
    page = feedback_html(result, make_rubric())
    assert '<script>' not in page
    assert '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more' in page     # Jinja2's autoescape
    assert '&lt;b&gt;note&lt;/b&gt;' in page
    assert page.startswith('<!DOCTYPE html>') and page.rstrip().endswith('</html>')
    assert '<style>' in page and 'http' not in page and '<link' not in page and '<img' not in page
    HTMLParser().feed(page)


def test_markdown_and_html_carry_the_same_lines():
    result = graded({'adam': 0.0, 'partition': 0.5}, lateness=Lateness(None, uncertain=True),
                    notes=['cell 7 was skipped'])
    md, page = both(result)

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.chunks, self.skip = [], False

        def handle_starttag(self, tag, attrs):
            self.skip = tag in ('style', 'title')

        def handle_endtag(self, tag):
            self.skip = False

        def handle_data(self, data):
            if not self.skip and data.strip():
                self.chunks.append(data.strip())

    parser = Text()
    parser.feed(page)
    md_lines = [line.lstrip('#- ').strip('*') for line in md.splitlines() if line.strip()]
    # an item's deduction and how-to-fix lines are lines of its list entry in both
    assert md_lines == [line.strip() for chunk in parser.chunks for line in chunk.splitlines()]


def test_partial_totals_of_a_timed_out_run_shown():
    result = SubmissionResult('a.ipynb', 'timeout', 'the notebook ran out of time', 'grade',
                              totals=Totals(10, 0, 0, 10, 0, 10))
    md, _ = both(result)
    assert 'Total: 10 / 100' in md and 'the notebook ran out of time' in md


# ---------------------------------------------------------------- deductions, as a TA writes them
def with_faults(results_faults, manual=(), **rubric_extra):
    """A result whose checks report faults; the rubric prices adam.no_bias_correction and partition.seed_inside."""
    base = make_rubric(**rubric_extra)
    items = tuple(Item(**{**vars(it), 'deductions': {
        'adam': (Deduction('adam.no_bias_correction', 4, 'Adam without bias correction'),),
        'partition': (Deduction('partition.seed_inside', 3, 'a seed set inside partition'),),
    }.get(it.id, ()), 'manual': it.id == 'observations_3'}) for it in base.items)
    rubric = Rubric(**{**vars(base), 'items': items})
    results = {}
    for item_id, *_ in ITEMS:
        faults = tuple(Fault(f, text) for f, text in results_faults.get(item_id, ()))
        results[item_id] = CheckResult(item_id, 'fail' if faults else 'pass', 0.0 if faults else 1.0,
                                       ' '.join(t for _, t in results_faults.get(item_id, ())) or 'ok',
                                       faults=faults, stand_ins=('adam',) if item_id == 'train_network' else ())
    items, totals, notes = score(rubric, results, manual, None, 'grade')
    return SubmissionResult('Smith-A2.ipynb', 'graded', 'graded', 'grade', items=items, totals=totals,
                            notes=notes), rubric


def test_one_line_per_deduction_then_how_to_fix_and_never_the_generic_text():
    result, rubric = with_faults({'adam': [('adam.no_bias_correction', 'use m̂ = mt / (1 - beta1t).')],
                                  'partition': [('partition.seed_inside', 'never call np.random.seed inside.'),
                                                ('partition.array_split', 'use n // n_folds rows per fold.')]})
    md = feedback_markdown(result, rubric)
    assert '~ adam: 6/10\n  −4: Adam without bias correction.\n  How to fix: use m̂ = mt / (1 - beta1t).' in md
    # a fault the rubric does not list costs the item's full points (its default deduction)
    assert '−3: a seed set inside partition.\n  −30: ' in md and '✗ partition: 0/30' in md
    assert 'How to fix: never call np.random.seed inside. use n // n_folds rows per fold.' in md
    assert 'adam: message' not in md        # the generic fail text is never appended


def test_judged_with_a_stand_in_and_provisional_until_a_ta_scores_it():
    result, rubric = with_faults({})
    md = feedback_markdown(result, rubric)
    assert '✓ train_network (hidden check): 20/20\n  Judged with a correct adam in place of yours' in md
    assert '✓ observations_3: 30/30 (provisional until your TA reads it)' in md
    result, rubric = with_faults({}, manual=[ManualScore('observations_3', 25, 'two good observations')])
    md = feedback_markdown(result, rubric)
    assert 'provisional' not in md and 'Graded by your TA: two good observations' in md


def test_extra_credit_not_attempted_is_one_line():
    result, rubric = with_faults({'swish_ec': [('swish_ec.not_attempted', 'swish computes tanh; long text')]})
    md = feedback_markdown(result, rubric)
    assert '- ○ swish_ec: not attempted (extra credit, nothing taken off)\n' in md and 'long text' not in md
