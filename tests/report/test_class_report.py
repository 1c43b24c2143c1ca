import base64
import re
from html.parser import HTMLParser

import pytest

from test_exports import XSS, failed, graded, make_rubric, meta, records

from grader.report.class_report import write_class_report
from grader.model import Lateness


def write(tmp_path, recs, **kw):
    path = write_class_report(tmp_path / 'report.html', recs, make_rubric(), **kw)
    assert path == tmp_path / 'report.html'
    return path.read_text(encoding='utf-8')


def images(page):
    return re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,([A-Za-z0-9+/=]+)">', page)


def test_report_has_plots_summary_and_escaped_error_table(tmp_path):
    page = write(tmp_path, records(), warnings=['anonymous submission anon_x7q2: left out <of> grades.csv'])
    alts = [alt for alt, _ in images(page)]
    assert alts == ['Histogram of final scores', 'Pass rate per item', 'Late days distribution']
    for _, data in images(page):
        assert base64.b64decode(data).startswith(b'\x89PNG')
    assert '5 submissions: 1 grading error, 4 graded.' in page
    # finals of the 4 scored submissions: 85, 87.5, 100, 105
    assert 'mean 94.38, median 93.75, min 85, max 105' in page
    assert 'Isolated run' in page and 'NOT ISOLATED' not in page
    assert XSS not in page and '<b>here</b>' not in page
    table = page[page.index('Needs a look'):page.index('All students')]
    assert '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;' in table      # Jinja2's autoescape
    assert 'kernel died &lt;b&gt;here&lt;/b&gt;' in table
    assert 'Chen, Wei' in table and 'relu_in_place: modifies its argument' in table
    assert 'Smith, Ann' not in table              # graded cleanly: nothing to look at
    assert 'Kowalski, Jan' in table and 'advisory relu_in_place: relu_in_place says 0.0' in table
    assert 'left out &lt;of&gt; grades.csv' in page
    everyone = page[page.index('All students'):]
    for name in ('Smith, Ann', 'O&#39;Brien, Liam', 'Chen, Wei', 'Kowalski, Jan', 'anon_x7q2'):
        assert name in everyone
    assert '<td class="num">87.5</td><td class="num">1</td>' in everyone
    parser = Tags()     # tags balanced, no script anywhere
    parser.feed(page)
    assert parser.stack == [] and parser.scripts == 0


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.scripts = [], 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == 'script'
        if tag not in ('meta', 'img', 'br'):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack.pop() == tag


@pytest.fixture
def fast_png(monkeypatch):
    """Plots are drawn but not rendered to PNG: rendering is what is slow, and one test checks it."""
    from grader.report import class_report
    monkeypatch.setattr(class_report, '_plot',
                        lambda fig, empty='': {'label': fig.get_label(), 'uri': 'data:image/png;base64,AA==',
                                               'empty': empty})


def test_not_isolated_warning(tmp_path, fast_png):
    recs = [(meta('a', '1', 'A', '2'), graded(isolated=False)), (meta('b', '3', 'B', '4'), graded())]
    page = write(tmp_path, recs)
    assert 'NOT ISOLATED: 1 of 2 notebooks' in page and 'Isolated run' not in page


def test_pass_rate_in_rubric_order_and_late_days(tmp_path, monkeypatch, fast_png):
    from grader.report import class_report
    seen = {}
    real = class_report._pass_rate_plot

    def spy(rates):
        seen['rates'] = rates
        return real(rates)

    monkeypatch.setattr(class_report, '_pass_rate_plot', spy)
    recs = records()
    page = write(tmp_path, recs)
    rates = {item_id: (rate, n) for item_id, rate, n in seen['rates']}
    assert [r[0] for r in seen['rates']] == ['adam', 'partition', 'relu_in_place', 'observations_3', 'swish_ec']
    assert rates['relu_in_place'] == (0.75, 4)      # an advisory item passes on its status, not its 0 points
    assert rates['adam'] == (0.75, 4) and rates['partition'] == (0.75, 4) and rates['swish_ec'] == (0.5, 4)
    late = page[page.index('<h2>Late days'):page.index('Needs a look')]
    # O'Brien 3 h late -> 1 day; the anonymous LATE marker -> 1 day; three without times
    assert '<td>1</td><td class="num">2</td>' in late and '<td>unknown</td><td class="num">3</td>' in late


def test_nothing_graded_still_writes_a_page(tmp_path):
    page = write(tmp_path, [(meta('a', '1', 'A<i>', None, lateness=Lateness(None)), failed('timeout', 'too slow'))])
    assert images(page) == []
    assert 'No graded submissions: no histogram.' in page and 'No submission times known.' in page
    assert 'timed out' in page and 'A&lt;i&gt;' in page and 'NOT ISOLATED' not in page


def test_empty_class(tmp_path, fast_png):
    page = write(tmp_path, [])
    assert '<p>0 submissions.</p>' in page and 'No graded submissions' in page
