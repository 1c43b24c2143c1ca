"""Nothing a TA types loses work or ends in a traceback (issue 8): the output folder's rules, and one message and
an exit code for every mistake. Runs the CLI in-process (``main``) from temporary folders these tests own."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from grader.cli import main
from grader.errors import EXIT_BAD_INPUT, EXIT_INCOMPLETE
from grader.rubric.load import default_rubric_path
from nbtools import REPO

SAMPLE = REPO / 'submissions' / 'sample'


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its sha256: equal trees mean nothing was written, moved or removed."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob('*')) if p.is_file()}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert 'Traceback' not in out + err
    return code, out, err


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A TA's course folder: the unzipped Canvas download, the zip itself, and notes of their own."""
    folder = tmp_path / 'course'
    (folder / 'submissions').mkdir(parents=True)
    with zipfile.ZipFile(SAMPLE / 'canvas-submissions.zip') as z:
        z.extractall(folder / 'submissions')
    shutil.copy(SAMPLE / 'canvas-submissions.zip', folder / 'download.zip')
    (folder / 'grades.csv').write_text('my own grades, typed by hand\n')
    (folder / 'notes.txt').write_text('office hours Tuesday\n')
    monkeypatch.chdir(folder)
    return folder


def small_download(folder: Path, entries: dict[str, bytes | str]) -> Path:
    path = folder / 'submissions.zip'
    with zipfile.ZipFile(path, 'w') as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


# ---------------------------------------------------------------- never delete or overwrite a user's files
def test_grading_into_the_course_folder_itself_is_refused_and_touches_nothing(course, capsys):
    before = tree(course)
    code, _, err = run(capsys, 'grade', 'submissions', '--out', '.')
    assert code == EXIT_BAD_INPUT
    assert 'is inside submissions' in err or 'already holds files the grader did not write' in err
    assert tree(course) == before


def test_grading_the_zip_into_the_repository_root_is_refused_and_touches_nothing(tmp_path, monkeypatch, capsys):
    repo = tmp_path / 'repo'                         # a copy: the real checkout is never a test's playground
    shutil.copytree(REPO / 'submissions', repo / 'submissions', ignore=shutil.ignore_patterns('__pycache__'))
    (repo / 'README.md').write_text('the project\n')
    monkeypatch.chdir(repo)
    before = tree(repo)
    code, _, err = run(capsys, 'grade', 'submissions/sample/canvas-submissions.zip', '--out', '.')
    assert code == EXIT_BAD_INPUT and 'already holds files the grader did not write' in err
    assert tree(repo) == before


def test_an_output_folder_inside_the_submissions_folder_is_refused(course, capsys):
    before = tree(course)
    code, _, err = run(capsys, 'grade', 'submissions', '--out', 'submissions/graded')
    assert code == EXIT_BAD_INPUT and 'is inside submissions' in err and 'choose an output folder outside' in err
    assert tree(course) == before


def test_a_grader_folder_is_reused_but_only_its_own_files_change(tmp_path, capsys):
    download = small_download(tmp_path, {'pdfpat_1004_5004_Pat-A2.pdf': b'%PDF-1.4',
                                         'leeann_1005_5005_Lee-A2.pdf': b'%PDF-1.4'})
    out = tmp_path / 'out'
    assert run(capsys, 'grade', download, '--out', out)[0] == EXIT_INCOMPLETE    # two PDFs: nothing gradable
    assert sorted(p.name for p in (out / 'feedback').iterdir()) == [
        '1004_5004_feedback.html', '1004_5004_feedback.md', '1005_5005_feedback.html', '1005_5005_feedback.md']
    (out / 'my-notes.txt').write_text('keep me')
    (out / 'feedback' / 'my-comment.md').write_text('keep me too')
    # Lee resubmits (a new attachment): their old feedback (the grader's) goes, the TA's files stay
    small_download(tmp_path, {'pdfpat_1004_5004_Pat-A2.pdf': b'%PDF-1.4', 'leeann_1005_5010_Lee-A2.pdf': b'%PDF-1.5'})
    assert run(capsys, 'grade', download, '--out', out)[0] == EXIT_INCOMPLETE
    assert sorted(p.name for p in (out / 'feedback').iterdir()) == [
        '1004_5004_feedback.html', '1004_5004_feedback.md', '1005_5010_feedback.html', '1005_5010_feedback.md',
        'my-comment.md']
    assert (out / 'my-notes.txt').read_text() == 'keep me'


def test_a_file_the_ta_edited_since_is_never_overwritten(tmp_path, capsys):
    download = small_download(tmp_path, {'pdfpat_1004_5004_Pat-A2.pdf': b'%PDF-1.4'})
    out = tmp_path / 'out'
    run(capsys, 'grade', download, '--out', out)
    (out / 'grades.csv').write_text('edited by hand before the upload\n')
    before = tree(out)
    code, _, err = run(capsys, 'grade', download, '--out', out)
    assert code == EXIT_BAD_INPUT and 'grades.csv changed since the grader wrote it' in err
    assert tree(out) == before


def test_an_input_inside_the_graders_working_area_is_refused(tmp_path, capsys):
    download = small_download(tmp_path, {'pdfpat_1004_5004_Pat-A2.pdf': b'%PDF-1.4'})
    out = tmp_path / 'out'
    run(capsys, 'grade', download, '--out', out)
    work = next((out / '.grader-work').rglob('*.pdf'))
    code, _, err = run(capsys, 'grade', work.parent, '--out', out)
    assert code == EXIT_BAD_INPUT and "inside the grader's working folder" in err


# ---------------------------------------------------------------- one message and exit code 2 per mistake
@pytest.mark.parametrize('mistake, needle', [
    ('truncated zip', 'damaged or incomplete'),
    ('README given as the download', 'not a zip file'),
    ('roster with the wrong columns', "no column 'Student', 'ID'"),
    ('due without an offset', 'has no UTC offset'),
    ('rubric with problems', 'the rubric has problems'),
    ('out is a file', 'this is a file, not a folder'),
    ('sandbox setting bogus', 'A2G_SANDBOX must be auto, bwrap or none'),
    ('an empty folder', 'no submissions found'),
])
def test_every_input_mistake_is_one_message_and_exit_2(tmp_path, monkeypatch, capsys, mistake, needle):
    monkeypatch.chdir(tmp_path)
    download = tmp_path / 'download.zip'
    shutil.copy(SAMPLE / 'canvas-submissions.zip', download)
    args = ['grade', download, '--out', tmp_path / 'out']
    if mistake == 'truncated zip':
        download.write_bytes(download.read_bytes()[:5000])
    elif mistake == 'README given as the download':
        (tmp_path / 'README.md').write_text('# hello\n')
        args[1] = tmp_path / 'README.md'
    elif mistake == 'roster with the wrong columns':
        (tmp_path / 'roster.csv').write_text('name,email\nAda,ada@example.edu\n')
        args += ['--roster', tmp_path / 'roster.csv']
    elif mistake == 'due without an offset':
        args += ['--due', '2026-10-02T23:59:00']
    elif mistake == 'rubric with problems':
        (tmp_path / 'r.yaml').write_text(Path(default_rubric_path()).read_text().replace('min_words: 30',
                                                                                         'min_words: thirty'))
        args += ['--rubric', tmp_path / 'r.yaml']
    elif mistake == 'out is a file':
        (tmp_path / 'out').write_text('not a folder')
    elif mistake == 'sandbox setting bogus':
        monkeypatch.setenv('A2G_SANDBOX', 'bogus')
    elif mistake == 'an empty folder':
        (tmp_path / 'empty').mkdir()
        args[1] = tmp_path / 'empty'
    before = tree(tmp_path)
    code, _, err = run(capsys, *args)
    assert code == EXIT_BAD_INPUT, err
    assert needle in err and 'grader grade: ' in err
    assert tree(tmp_path) == before             # nothing written


def test_rubric_problems_give_their_line_and_grading_refuses_before_any_kernel(tmp_path, capsys):
    text = Path(default_rubric_path()).read_text()
    bad = tmp_path / 'r.yaml'
    old = 'pass: "run_experiment returns the expected table."'
    bad.write_text(text.replace(old, 'pass: "run_experiment finishes within {time_budget_secs} s."'))
    code, _, err = run(capsys, 'rubric', 'validate', bad)
    line = text[:text.index(old)].count('\n') + 1
    assert code == 1 and f'r.yaml:{line}:' in err and "did you mean 'time_budget_seconds'" in err
    download = small_download(tmp_path, {'pdfpat_1004_5004_Pat-A2.pdf': b'%PDF-1.4'})
    code, _, err = run(capsys, 'grade', download, '--out', tmp_path / 'out', '--rubric', bad)
    assert code == EXIT_BAD_INPUT and f'r.yaml:{line}:' in err
    assert not (tmp_path / 'out').exists()


def test_check_given_a_folder_or_a_missing_file(tmp_path, capsys):
    code, _, err = run(capsys, 'check', tmp_path)
    assert code == EXIT_BAD_INPUT and 'is a folder: give your notebook file' in err
    code, _, err = run(capsys, 'check', tmp_path / 'Nope-A2.ipynb')
    assert code == EXIT_BAD_INPUT and 'no such file' in err


# ---------------------------------------------------------------- no silent failures
def test_rescore_scores_with_the_rubric_the_batch_graded_with(tmp_path, capsys):
    edited = yaml.safe_load(Path(default_rubric_path()).read_text())
    edited['assignment']['title'] = 'A2 (edited rubric)'
    edited['assignment']['canvas_assignment_id'] = '4242'
    rubric = tmp_path / 'edited.yaml'
    rubric.write_text(yaml.safe_dump(edited, sort_keys=False))
    download = small_download(tmp_path, {'pdfpat_1004_5004_Pat-A2.pdf': b'%PDF-1.4'})
    out = tmp_path / 'out'
    run(capsys, 'grade', download, '--out', out, '--rubric', rubric)
    header = (out / 'grades.csv').read_text().splitlines()[0]
    assert header.endswith('A2 (edited rubric) (4242)')
    assert run(capsys, 'rescore', out)[0] == EXIT_INCOMPLETE
    assert (out / 'grades.csv').read_text().splitlines()[0] == header


def test_blank_never_zero_other_files_and_warnings_are_said(tmp_path, capsys):
    download = small_download(tmp_path, {
        'pdfpat_1004_5004_Pat-A2.pdf': b'%PDF-1.4',
        'emptyed_1006_5006_Ed-A2.ipynb': b'',
        'brokenbob_1003_5003_Broken-A2.ipynb': '{"cells": [',
        'starterstu_1007_5007_A2.ipynb': (REPO / 'submissions' / 'A2.ipynb').read_text(),
        'starterstu_1007_5008_Stu-A2.ipynb': '{"cells": [',
    })
    times = tmp_path / 'times.csv'
    times.write_text('user_id,submitted_at\n830100401,2026-10-02T20:00:00-06:00\n')     # SIS ids, not Canvas ids
    out = tmp_path / 'out'
    code, stdout, _ = run(capsys, 'grade', download, '--out', out, '--times', times)
    assert code == EXIT_INCOMPLETE
    grades = {row[1]: row[5] for row in csv.reader((out / 'grades.csv').read_text().splitlines()[2:])}
    assert grades == {'1003': '', '1004': '', '1006': '', '1007': ''}
    assert '4 not graded' in stdout and 'A2.ipynb' in stdout and '1234567' in stdout and 'SIS ids' in stdout
    subs = {s['student_key']: s for s in json.loads((out / 'results.json').read_text())['submissions']}
    assert subs['1007']['other_files'] == ['A2.ipynb'] and subs['1007']['original_name'] == 'Stu-A2.ipynb'
    assert {s['status'] for s in subs.values()} == {'not-a-notebook', 'invalid-notebook', 'empty'}


@pytest.mark.parametrize('old, new, needle', [
    ('min_words: 30', 'min_words: thirty', "params.min_words in item 'discussion_present' must be a whole number, "
                                           "not 'thirty'"),
    ('tolerance: 1.0e-6', 'tolerance: "1e-6x"', "params.tolerance in item 'adam' must be a number, not '1e-6x'"),
    ('time_budget_seconds: 20', 'time_budget_seconds: -5', "params.time_budget_seconds in item 'adam' must be "
                                                           'above 0'),
    ('rmse_rtol: 0.5', 'rmse_rtol: 50.0', "params.rmse_rtol in item 'run_experiments' must be at most 10"),
    ('tolerance: 1.0e-6', 'tolerence: 1.0e-6', "unknown param 'tolerence' for check 'adam' in item 'adam' (did you "
                                               "mean 'tolerance'?)"),
    ('pass: "run_experiment returns the expected table."', 'pass: "done within {time_budget_secs} s."',
     "{time_budget_secs} in the messages of item 'run_experiments' names no param of check 'run_experiments' (did "
     "you mean 'time_budget_seconds'?)"),
])
def test_a_rubric_the_checks_could_not_use_is_refused_with_its_line(tmp_path, capsys, old, new, needle):
    """Each used to validate OK, then fail that check for every notebook and lower every total silently."""
    text = Path(default_rubric_path()).read_text()
    assert old in text
    bad = tmp_path / 'r.yaml'
    bad.write_text(text.replace(old, new, 1))
    line = text[:text.index(old)].count('\n') + 1
    code, _, err = run(capsys, 'rubric', 'validate', bad)
    assert code == 1 and f'r.yaml:{line}: ' in err and needle in err
    download = small_download(tmp_path, {'pdfpat_1004_5004_Pat-A2.pdf': b'%PDF-1.4'})
    code, _, err = run(capsys, 'grade', download, '--out', tmp_path / 'out', '--rubric', bad)
    assert code == EXIT_BAD_INPUT and needle in err and not (tmp_path / 'out').exists()
