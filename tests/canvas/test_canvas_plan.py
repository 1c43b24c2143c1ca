"""What a push would post, decided from the gradebook's results, Canvas's submissions and what was posted before
(pure functions, no Canvas)."""
from pathlib import Path

from grader.canvas.plan import Graded, comment_for, format_table, graded_attempt, make_plan, marker
from grader.canvas.posted import Posted


def graded(uid='11', final=80.0, status='graded', partners=(), attachment=501, feedback=None, key=None, late=0.0):
    return Graded(student_key=key or uid, user_id=uid, name=f'Student {uid}', status=status, message='why',
                  final=final, late_penalty=late, attachment_id=attachment, partners=tuple(partners),
                  feedback=feedback)


def canvas(uid='11', score=None, attempts=((501,),), comments=(), excused=False):
    history = [{'attempt': i + 1, 'attachments': [{'id': a} for a in ids]} for i, ids in enumerate(attempts)]
    return {'user_id': int(uid), 'attempt': len(history) or None, 'entered_score': score, 'score': score,
            'excused': excused, 'submission_history': history,
            'submission_comments': [{'comment': c} for c in comments]}


def plan_for(results, subs, posted=None, **kw):
    return make_plan(results, {s['user_id'] and str(s['user_id']): s for s in subs}, posted or {}, 'A2', 100.0, **kw)


def test_a_first_push_posts_grade_and_comment_on_the_graded_attempt():
    plan = plan_for([graded()], [canvas(attempts=((400,), (501,)))])
    (row,) = plan.rows
    assert (row.grade, row.comment, row.attempt, row.score) == ('post', 'post', 2, 80.0)
    assert row.text.text.startswith('A2: 80 / 100 points.') and marker(row.text.hash) in row.text.text


def test_canvas_already_right_is_left_alone():
    c = comment_for(graded(), 'A2', 100.0)
    plan = plan_for([graded()], [canvas(score=80.0)], {'11': Posted('11', '11', 80.0, c.hash)})
    assert [(r.grade, r.comment) for r in plan.rows] == [('same', 'same')]
    # the comment is on Canvas (its answer was lost on the way): found, not sent again
    plan = plan_for([graded()], [canvas(score=80.0, comments=[f'old text {c.text}'])])
    assert [(r.grade, r.comment) for r in plan.rows] == [('same', 'found')]


def test_a_new_score_replaces_ours_but_never_a_grade_set_by_hand():
    last = {'11': Posted('11', '11', 70.0, 'oldhash')}
    plan = plan_for([graded()], [canvas(score=70.0)], last)
    assert [(r.grade, r.comment) for r in plan.rows] == [('post', 'post')]
    plan = plan_for([graded()], [canvas(score=95.0)], last)      # a TA changed it in SpeedGrader since
    assert [(r.grade, r.comment) for r in plan.rows] == [('kept', '-')] and 'holds 95' in plan.rows[0].note
    plan = plan_for([graded()], [canvas(score=95.0)])            # graded by hand before any push
    assert plan.rows[0].grade == 'kept'
    assert plan_for([graded()], [canvas(score=95.0)], overwrite=True).rows[0].grade == 'post'
    assert plan_for([graded()], [canvas(excused=True)]).rows[0].grade == 'kept'


def test_never_posted_errors_anonymous_resubmitted_or_unknown():
    results = [graded('1', status='error', final=None), graded('2', status='timeout'), graded(None, key='anon_x3'),
               graded('4', attachment=501), graded('5')]
    subs = [canvas('1'), canvas('2'), canvas('4', attempts=((501,), (777,)))]
    plan = plan_for(results, subs)
    assert plan.rows == []
    text = '\n'.join(plan.skipped)
    assert '(1): error: not posted' in text and '(2): timeout' in text and 'anonymous' in text
    assert 'resubmitted on Canvas after the graded attempt 1 (now 2)' in text and '(5): no submission' in text


def test_partners_get_the_grade_unless_they_have_their_own():
    results = [graded('1', partners=[('2', 'Two'), ('3', 'Three'), (None, 'Ghost')]), graded('3', final=50.0)]
    subs = [canvas('1'), canvas('2', attempts=()), canvas('3', attempts=((9,),))]
    results[1] = graded('3', final=50.0, attachment=9)
    plan = plan_for(results, subs)
    assert [(r.user_id, r.role, r.score, r.attempt) for r in plan.rows] == [('1', 'submitter', 80.0, 1),
                                                                           ('2', 'partner', 80.0, None),
                                                                           ('3', 'submitter', 50.0, 1)]
    assert any("partner 'Ghost'" in s for s in plan.skipped)
    assert plan.rows[0].text.hash == plan.rows[1].text.hash


def test_group_mates_on_a_group_assignment_get_the_submitters_grade():
    subs = [dict(canvas('1'), group={'id': 7}), dict(canvas('2', attempts=((501,),)), group={'id': 7}),
            dict(canvas('3'), group={'id': 8})]
    plan = plan_for([graded('1')], subs, group_assignment=True)
    assert [(r.user_id, r.role) for r in plan.rows] == [('1', 'submitter'), ('2', 'group')]


def test_the_comment_changes_with_the_feedback_file_and_the_late_penalty(tmp_path):
    page = tmp_path / 'fb.html'
    page.write_text('<p>v1</p>')
    first = comment_for(graded(feedback=page), 'A2', 100.0)
    page.write_text('<p>v2</p>')
    second = comment_for(graded(feedback=page), 'A2', 100.0)
    assert first.hash != second.hash and first.file == Path(page)
    late = comment_for(graded(late=10.0, final=85.0), 'A2', None)
    assert late.text.startswith('A2: 85 points, after a late penalty of 10.') and late.file is None


def test_no_comments_and_the_table():
    plan = plan_for([graded()], [canvas()], comments=False)
    assert plan.rows[0].comment == 'off'
    lines = format_table(plan)
    assert lines[0].split() == ['user', 'name', 'Canvas', 'ours', 'grade', 'comment', 'note']
    assert lines[1].split()[:7] == ['11', 'Student', '11', '-', '80', 'post', 'off']


def test_graded_attempt_without_canvas_ids_is_the_current_one():
    assert graded_attempt(canvas(attempts=((1,), (2,))), None) == (2, '')
    assert graded_attempt(canvas(), 999)[0] is None


def test_our_late_policy_is_read_from_the_last_runs_options_and_rubric():
    from grader.canvas.push import our_late_policy
    on = 'title: A2\nlate_policy:\n  enabled: true\n  points_per_day: 10\n'
    off = 'title: A2\nlate_policy: {enabled: false}\n'
    assert our_late_policy({'options': {}, 'rubric_yaml': on}) is True
    assert our_late_policy({'options': {'no_late_penalty': True}, 'rubric_yaml': on}) is False
    assert our_late_policy({'options': {}, 'rubric_yaml': off}) is False
    assert our_late_policy({'options': {}, 'rubric_yaml': None}) is None and our_late_policy(None) is None
