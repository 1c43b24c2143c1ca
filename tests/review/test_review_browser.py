"""The review desk in a real browser: Playwright drives Debian's chromium (never a browser Playwright downloads)."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = Path('/usr/bin/chromium')
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason='no /usr/bin/chromium (apt-get install chromium)')
pytest.importorskip('flask')
sync_api = pytest.importorskip('playwright.sync_api')

from grader.review.app import create_app  # noqa: E402
from reviewtools import copy_of, grade_sample, manual_scores as manual  # noqa: E402

ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run']
ITEMS = ['results_reported', 'discussion_present', 'plots_present', 'observations_3']
WAIT = 30_000       # ms: generous, the machine is shared; no test here measures time


@pytest.fixture(scope='module')
def graded(tmp_path_factory):
    return grade_sample(tmp_path_factory.mktemp('review-browser'))


@pytest.fixture(scope='module')
def browser(tmp_path_factory):
    home = tmp_path_factory.mktemp('chromium-home')
    # chromium keeps its crash database under $HOME/.config: a home of the test's own, not the host's
    env = {**os.environ, 'HOME': str(home), 'XDG_CONFIG_HOME': str(home / '.config'),
           'XDG_CACHE_HOME': str(home / '.cache')}
    with sync_api.sync_playwright() as p:
        # launch() gives the browser a fresh temporary user-data dir of its own, removed when it closes
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS, env=env)
        yield browser
        browser.close()


@pytest.fixture
def desk(graded, tmp_path):
    """A desk served on a free local port over a private copy of the graded sample."""
    from werkzeug.serving import make_server
    folder = copy_of(graded, tmp_path)
    app = create_app(folder, token='browser-token', ta='Tess')
    server = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f'http://127.0.0.1:{server.server_port}', 'browser-token'
    server.shutdown()
    thread.join(timeout=30)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={'width': 1400, 'height': 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    yield page
    context.close()




def number(page) -> str:
    return page.text_content('#answer-number')


def press_and_save(page, key: str) -> str:
    """Press a grading key on the answer shown and wait until the desk says it is saved."""
    shown = number(page).removeprefix('Answer ')
    page.keyboard.press(key)
    page.wait_for_function("n => document.getElementById('status').textContent.startsWith('Saved ' + n + ':')",
                           arg=shown)
    return page.text_content('#status')


def move(page, key: str) -> None:
    before = number(page)
    page.keyboard.press(key)
    page.wait_for_function("b => document.getElementById('answer-number').textContent !== b", arg=before)


def open_item(page, base: str, token: str, item_key: str) -> None:
    page.goto(f'{base}/?token={token}')
    page.keyboard.press(item_key)
    page.wait_for_function("() => document.getElementById('answer-number').textContent.startsWith('Answer #')")


def test_grade_three_answers_comment_from_the_bank_undo_and_export(desk, page):
    folder, base, token = desk
    grades_before = (folder / 'grades.csv').read_text()
    open_item(page, base, token, '4')       # observations_3, the fourth item
    assert page.text_content('.item-title').startswith('At least three observations')

    assert press_and_save(page, '0').endswith('8 / 8.')                 # full marks
    move(page, 'j')
    assert press_and_save(page, '1').endswith('5 / 8.')                 # fewer than three: −3
    assert press_and_save(page, '3').endswith('3 / 8.')                 # and a wrong claim: −2
    assert page.locator('#deductions li.applied').count() == 2
    page.keyboard.press('c')
    page.fill('#comment', 'Number each observation and say what the plot shows.')
    page.keyboard.press('Enter')
    page.wait_for_function("() => document.getElementById('comment-shown').textContent.includes('Number each')")
    second = number(page)
    move(page, 'j')
    third = number(page)
    page.keyboard.press('c')
    page.keyboard.press('Tab')                                          # the bank's first comment
    assert page.input_value('#comment') == 'Number each observation and say what the plot shows.'
    page.keyboard.press('Enter')
    page.wait_for_function("() => document.getElementById('comment-shown').textContent.includes('Number each')")

    scores = manual(folder)
    assert sorted(p for p, _ in scores.values()) == [3.0, 8.0, 8.0]     # the comment alone keeps full marks
    page.keyboard.press('u')                                            # undo the third answer's mark
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('Undone on')")
    assert number(page) == third and page.text_content('#points') == '–'
    scores = manual(folder)
    assert sorted(p for p, _ in scores.values()) == [3.0, 8.0]
    assert any(c.startswith('−3: Fewer than three') and c.endswith('say what the plot shows.')
               for _, c in scores.values())
    move(page, 'k')
    assert number(page) == second and page.text_content('#points') == '3'

    page.click('#export')
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('Exported')")
    assert (folder / 'grades.csv').read_text() != grades_before


def test_a_ta_grades_every_written_answer_of_the_class_with_the_keyboard_only(desk, page):
    folder, base, token = desk
    page.goto(f'{base}/?token={token}')
    page.keyboard.press('1')
    for item in ITEMS:
        page.wait_for_function("() => document.getElementById('answer-number').textContent.startsWith('Answer #')")
        assert page.url.endswith(f'/item/{item}')
        graded = 0
        while True:
            # a deduction for every third answer, full marks for the others
            press_and_save(page, '1' if graded % 3 == 0 else '0')
            graded += 1
            before = number(page)
            page.keyboard.press('n')
            page.wait_for_function("b => document.getElementById('status').textContent.includes('Every answer') "
                                   "|| document.getElementById('answer-number').textContent !== b", arg=before)
            if 'Every answer of this item is graded' in page.text_content('#status'):
                break
        assert graded == 13 and page.text_content('#progress').startswith('13 of 13 graded')
        page.keyboard.press(']')
        page.wait_for_url(f'**/item/{ITEMS[(ITEMS.index(item) + 1) % len(ITEMS)]}')
    page.wait_for_function("() => document.getElementById('answer-number').textContent.startsWith('Answer #')")
    scores = manual(folder)
    assert len(scores) == 13 * len(ITEMS)
    assert {i for _, i in scores} == set(ITEMS)
