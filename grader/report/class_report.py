"""The class report: one self-contained HTML page for the instructor (plots inlined as base64 PNGs).

Summary, score histogram, pass rate per item, late days, the submissions that need a human (errors, timeouts,
unreadable notebooks, flags, items whose check errored) and every student's final score. The page is
templates/class_report.html; its autoescaping escapes every string that comes from a student or their notebook.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import statistics
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, MutableMapping

from markupsafe import Markup

from .exports import NO_GRADE, Records, as_records, days_late, num, write_atomic
from .feedback import STATUS_LABELS
from .templates import render
from ..model import Rubric, StudentRecord, SubmissionResult


def _plot(fig, empty: str = '') -> dict[str, str]:
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=100, bbox_inches='tight')
    return {'label': fig.get_label() or 'plot', 'empty': empty,
            'uri': 'data:image/png;base64,' + base64.b64encode(buf.getvalue()).decode('ascii')}


def _cached(cache: MutableMapping[str, str] | None, draw: Callable[..., dict], *data) -> dict:
    """A plot drawn only when the data behind it changed: rendering PNGs is most of the report's time."""
    if cache is None:
        return draw(*data)
    key = hashlib.sha256(json.dumps([draw.__name__, data], default=str).encode()).hexdigest()[:24]
    if key in cache:
        return json.loads(cache[key])
    plot = draw(*data)
    cache[key] = json.dumps(plot)
    return plot


def _no_plot(why: str) -> dict[str, str]:
    return {'label': '', 'uri': '', 'empty': why}


def _figure(label: str, width: float = 7.0, height: float = 3.2):
    # imported here: the CLI's start stays lean, and Agg needs no display on a grading server
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height))   # not pyplot: no global figure state to leak between calls
    fig.set_label(label)
    ax = fig.add_subplot()
    from matplotlib.ticker import MaxNLocator
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))     # counts of students: no 1.5 ticks
    return fig, ax


def _histogram(finals: list[float], possible: float, top: float) -> dict[str, str]:
    if not finals:
        return _no_plot('No graded submissions: no histogram.')
    fig, ax = _figure('Histogram of final scores')
    width = max(1.0, possible / 20)
    edges = [i * width for i in range(int(max(top, max(finals)) // width) + 2)]
    ax.hist(finals, bins=edges, color='#0969da', edgecolor='white')
    ax.axvline(possible, color='#cf222e', linestyle='--', linewidth=1, label=f'points possible ({num(possible)})')
    ax.set_xlabel('final score')
    ax.set_ylabel('students')
    ax.legend(loc='upper left', frameon=False)
    return _plot(fig)


def _pass_rates(records: list[tuple[StudentRecord, SubmissionResult]],
                rubric: Rubric) -> list[tuple[str, float | None, int]]:
    """(item id, share of graded submissions with full marks on it, how many were graded on it), rubric order."""
    out = []
    for item in rubric.items:
        verdicts = [it for _, r in records if r.status == 'graded' for it in r.items
                    if it.id == item.id and it.status != 'skipped']
        passed = sum(1 for it in verdicts if it.status == 'pass' or (it.max_points > 0 and it.points >= it.max_points))
        out.append((item.id, passed / len(verdicts) if verdicts else None, len(verdicts)))
    return out


def _pass_rate_plot(rates: list[tuple[str, float | None, int]]) -> dict[str, str]:
    if not any(n for _, _, n in rates):
        return _no_plot('No graded submissions: no pass rates.')
    fig, ax = _figure('Pass rate per item', height=max(2.5, 0.35 * len(rates) + 1))
    names = [item_id for item_id, _, _ in rates][::-1]   # barh draws bottom-up: reversed keeps rubric order top-down
    values = [100 * (rate or 0.0) for _, rate, _ in rates][::-1]
    ax.barh(names, values, color='#1a7f37')
    ax.set_xlim(0, 100)
    ax.set_xlabel('% of graded submissions with full marks on the item')
    from matplotlib.ticker import FixedLocator
    ax.yaxis.set_major_locator(FixedLocator(range(len(names))))
    for y, v in enumerate(values):
        inside = v > 90     # a label past the bar's end would leave the axes
        ax.text(v - 1 if inside else v + 1, y, f'{v:.0f}%', va='center', ha='right' if inside else 'left',
                fontsize=8, color='white' if inside else 'black')
    return _plot(fig)


def _late(records, rubric: Rubric, cache=None) -> dict[str, Any]:
    counts: Counter = Counter()
    for record, r in records:
        days = days_late(rubric, record.lateness, r.totals.raw if r.totals else 0.0)
        counts['unknown' if days is None else days] += 1
    known = {k: v for k, v in counts.items() if k != 'unknown'}
    rows = sorted(known.items()) + ([('unknown', counts['unknown'])] if counts['unknown'] else [])
    if not known:
        return {'known': False, 'rows': rows, 'plot': None}
    return {'known': True, 'rows': rows, 'plot': _cached(cache, _late_plot, sorted(known.items()))}


def _late_plot(known: list[tuple[int, int]]) -> dict[str, str]:
    known = dict(known)
    fig, ax = _figure('Late days distribution', width=5.0, height=2.6)
    days = list(range(0, max(known) + 1))
    ax.bar([str(d) for d in days], [known.get(d, 0) for d in days], color='#9a6700')
    ax.set_xlabel('started days late (after grace)')
    ax.set_ylabel('submissions')
    return _plot(fig)


def _who(record: StudentRecord, r: SubmissionResult) -> dict[str, str]:
    return {'name': record.display_name or r.notebook, 'user_id': record.user_id or ''}


def _problems(records, rubric: Rubric) -> list[dict[str, Any]]:
    advisory = {it.id for it in rubric.items if it.advisory}
    rows = []
    for record, r in records:
        item_errors = [f'check error — {it.id}: {it.message}' for it in r.items if it.status == 'error']
        # an advisory check costs no points, so only this table brings it to a TA's eyes
        flags = list(r.flags) + [f'advisory {it.id}: {it.message}' for it in r.items
                                 if it.id in advisory and it.status in ('fail', 'partial')]
        if r.status == 'graded' and not flags and not item_errors:
            continue
        rows.append({**_who(record, r), 'status': STATUS_LABELS.get(r.status, r.status), 'message': r.message,
                     'errors': item_errors, 'flags': flags, 'notes': [n for n in r.notes if n]})
    return rows


def _students(records, rubric: Rubric) -> list[dict[str, Any]]:
    rows = []
    for record, r in records:
        days = days_late(rubric, record.lateness, r.totals.raw if r.totals else 0.0)
        rows.append({**_who(record, r), 'status': STATUS_LABELS.get(r.status, r.status),
                     'final': num(r.totals.final) if r.totals and r.status not in NO_GRADE else '—',
                     'days': '' if days is None else days})
    return rows


def _summary(records, rubric: Rubric, finals: list[float]) -> dict[str, Any]:
    counts = Counter(r.status for _, r in records)
    scores = None
    if finals:
        scores = {'mean': num(statistics.mean(finals)), 'median': num(statistics.median(finals)),
                  'min': num(min(finals)), 'max': num(max(finals)), 'n': len(finals)}
    return {'count': len(records), 'possible': num(rubric.points_possible()), 'scores': scores,
            'by_status': ', '.join(f'{n} {STATUS_LABELS.get(s, s)}' for s, n in sorted(counts.items()))}


def class_report_html(results: Records, rubric: Rubric, warnings: Iterable[str] = (),
                      plot_cache: MutableMapping[str, str] | None = None, similarity_html: str | None = None) -> str:
    """The page; ``warnings`` (e.g. from ``write_grades_csv``) are listed near the top. ``plot_cache`` keeps plots
    between runs, keyed by the data they show. ``similarity_html``: the similar-pairs section that
    grader.review.views.similarity_report rendered (a template of its own, escaped there)."""
    records = as_records(results)
    finals = [r.totals.final for _, r in records if r.totals is not None and r.status not in NO_GRADE]
    extra = sum(c.points for c in rubric.categories if c.extra)
    return render('class_report.html', page='report', title=f'{rubric.title}: class report',
                  generated=datetime.now(timezone.utc).isoformat(timespec='seconds'),
                  isolation={'exposed': sum(1 for _, r in records if not r.isolated), 'total': len(records)},
                  summary=_summary(records, rubric, finals), warnings=[w for w in warnings if w],
                  histogram=_cached(plot_cache, _histogram, finals, rubric.points_possible(),
                                    rubric.points_possible() + extra),
                  pass_rates=_cached(plot_cache, _pass_rate_plot, _pass_rates(records, rubric)),
                  late=_late(records, rubric, plot_cache),
                  problems=_problems(records, rubric), students=_students(records, rubric),
                  similarity=Markup(similarity_html) if similarity_html is not None else None)


def write_class_report(path: str | Path, results: Records, rubric: Rubric, warnings: Iterable[str] = (),
                       plot_cache: MutableMapping[str, str] | None = None, similarity_html: str | None = None) -> Path:
    return write_atomic(path, class_report_html(results, rubric, warnings, plot_cache, similarity_html))
