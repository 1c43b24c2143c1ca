"""The class report: one self-contained HTML page for the instructor (plots inlined as base64 PNGs).

Summary, score histogram, pass rate per item, late days, the submissions that need a human (errors, timeouts,
unreadable notebooks, flags, items whose check errored) and every student's final score. Every string that
comes from a student or their notebook (names, messages, notes, flags) is HTML-escaped.
"""
from __future__ import annotations

import base64
import html
import io
import statistics
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from .exports import NO_GRADE, as_records, days_late, num, write_atomic
from .feedback import STATUS_LABELS
from ..model import Rubric, SubmissionResult

esc = html.escape

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 62rem; margin: 2rem auto;
       padding: 0 1rem; color: #1f2328; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { border: 1px solid #d0d7de; padding: .25rem .5rem;
       text-align: left; vertical-align: top; } th { background: #f6f8fa; } td.num { text-align: right; }
.banner { padding: .6rem 1rem; border-radius: 6px; font-weight: bold; }
.bad { background: #ffebe9; color: #82071e; border: 1px solid #ff8182; }
.good { background: #dafbe1; color: #116329; border: 1px solid #4ac26b; }
.warn { color: #9a6700; } ul.notes { margin: 0; padding-left: 1.1rem; } img { max-width: 100%; }
"""


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=100, bbox_inches='tight')
    return '<img alt="{}" src="data:image/png;base64,{}">'.format(
        esc(fig.get_label() or 'plot'), base64.b64encode(buf.getvalue()).decode('ascii'))


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


def _histogram(finals: list[float], possible: float, top: float) -> str:
    if not finals:
        return '<p>No graded submissions: no histogram.</p>'
    fig, ax = _figure('Histogram of final scores')
    width = max(1.0, possible / 20)
    edges = [i * width for i in range(int(max(top, max(finals)) // width) + 2)]
    ax.hist(finals, bins=edges, color='#0969da', edgecolor='white')
    ax.axvline(possible, color='#cf222e', linestyle='--', linewidth=1, label=f'points possible ({num(possible)})')
    ax.set_xlabel('final score')
    ax.set_ylabel('students')
    ax.legend(loc='upper left', frameon=False)
    return _png(fig)


def _pass_rates(records: list[tuple[dict, SubmissionResult]], rubric: Rubric) -> list[tuple[str, float | None, int]]:
    """(item id, share of graded submissions with full marks on it, how many were graded on it), rubric order."""
    out = []
    for item in rubric.items:
        verdicts = [it for _, r in records if r.status == 'graded' for it in r.items
                    if it.id == item.id and it.status != 'skipped']
        passed = sum(1 for it in verdicts if it.status == 'pass' or (it.max_points > 0 and it.points >= it.max_points))
        out.append((item.id, passed / len(verdicts) if verdicts else None, len(verdicts)))
    return out


def _pass_rate_plot(rates: list[tuple[str, float | None, int]]) -> str:
    if not any(n for _, _, n in rates):
        return '<p>No graded submissions: no pass rates.</p>'
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
    return _png(fig)


def _late_days(records, rubric: Rubric) -> Counter:
    counts: Counter = Counter()
    for meta, r in records:
        days = days_late(rubric, meta.get('lateness'), r.totals.raw if r.totals else 0.0)
        counts['unknown' if days is None else days] += 1
    return counts


def _late_plot(counts: Counter) -> str:
    known = {k: v for k, v in counts.items() if k != 'unknown'}
    rows = ''.join(f'<tr><td>{esc(str(k))}</td><td class="num">{v}</td></tr>'
                   for k, v in sorted(known.items()) + ([('unknown', counts['unknown'])] if counts['unknown'] else []))
    table = f'<table><tr><th>days late</th><th>submissions</th></tr>{rows}</table>'
    if not known:
        return '<p>No submission times known.</p>' + table
    fig, ax = _figure('Late days distribution', width=5.0, height=2.6)
    days = list(range(0, max(known) + 1))
    ax.bar([str(d) for d in days], [known.get(d, 0) for d in days], color='#9a6700')
    ax.set_xlabel('started days late (after grace)')
    ax.set_ylabel('submissions')
    return _png(fig) + table


def _who(meta: Mapping[str, Any], r: SubmissionResult) -> str:
    name = meta.get('name') or meta.get('student_key') or r.notebook
    uid = meta.get('user_id')
    return esc(str(name)) + (f' <small>({esc(str(uid))})</small>' if uid else '')


def _notes_list(lines: Iterable[str]) -> str:
    lines = [ln for ln in lines if ln]
    return f'<ul class="notes">{"".join(f"<li>{esc(ln)}</li>" for ln in lines)}</ul>' if lines else ''


def _advisory(rubric: Rubric) -> set[str]:
    return {it.id for it in rubric.items if it.advisory}


def _problems(records, rubric: Rubric) -> str:
    rows = []
    advisory = _advisory(rubric)
    for meta, r in records:
        item_errors = [f'{it.id}: {it.message}' for it in r.items if it.status == 'error']
        # an advisory check costs no points, so only this table brings it to a TA's eyes
        flags = list(r.flags) + [f'advisory {it.id}: {it.message}' for it in r.items
                                 if it.id in advisory and it.status in ('fail', 'partial')]
        if r.status == 'graded' and not flags and not item_errors:
            continue
        what = STATUS_LABELS.get(r.status, r.status)
        rows.append(f'<tr><td>{_who(meta, r)}</td><td>{esc(what)}</td><td>{esc(r.message)}'
                    f'{_notes_list(f"check error — {e}" for e in item_errors)}</td>'
                    f'<td>{_notes_list(flags)}</td><td>{_notes_list(r.notes)}</td></tr>')
    if not rows:
        return '<p>None: every submission was graded without errors or flags.</p>'
    return ('<table><tr><th>student</th><th>status</th><th>message</th><th>flags</th><th>notes</th></tr>'
            + '\n'.join(rows) + '</table>')


def _students(records, rubric: Rubric) -> str:
    rows = []
    for meta, r in records:
        final = num(r.totals.final) if r.totals and r.status not in NO_GRADE else '—'
        days = days_late(rubric, meta.get('lateness'), r.totals.raw if r.totals else 0.0)
        rows.append(f'<tr><td>{_who(meta, r)}</td><td>{esc(STATUS_LABELS.get(r.status, r.status))}</td>'
                    f'<td class="num">{esc(final)}</td><td class="num">{"" if days is None else days}</td></tr>')
    return ('<table><tr><th>student</th><th>status</th><th>final</th><th>days late</th></tr>'
            + '\n'.join(rows) + '</table>')


def _summary(records, rubric: Rubric, finals: list[float]) -> str:
    counts = Counter(r.status for _, r in records)
    by_status = ', '.join(f'{n} {esc(STATUS_LABELS.get(s, s))}' for s, n in sorted(counts.items()))
    parts = [f'<p>{len(records)} submissions' + (f': {by_status}.</p>' if by_status else '.</p>')]
    if finals:
        parts.append(f'<p>Final score (of {num(rubric.points_possible())}): mean {num(statistics.mean(finals))}, '
                     f'median {num(statistics.median(finals))}, min {num(min(finals))}, max {num(max(finals))} '
                     f'over {len(finals)} scored submissions.</p>')
    exposed = [r for _, r in records if not r.isolated]
    if exposed:
        parts.insert(0, f'<p class="banner bad">NOT ISOLATED: {len(exposed)} of {len(records)} notebooks ran without '
                        'a sandbox (no network, file-system or process isolation). Their code could reach the '
                        'grading machine: review them and re-run where isolation is available.</p>')
    elif records:
        parts.insert(0, '<p class="banner good">Isolated run: every notebook ran in the sandbox.</p>')
    return '\n'.join(parts)


def write_class_report(path: str | Path, results: Iterable[tuple[Mapping[str, Any], Any]], rubric: Rubric,
                       warnings: Iterable[str] = (), similarity_html: str | None = None) -> Path:
    """Write report.html; ``warnings`` (e.g. from ``write_grades_csv``) are listed near the top;
    ``similarity_html``: the similar-pairs section grader.review.views.similarity_report built (already escaped)."""
    records = as_records(results)
    finals = [r.totals.final for _, r in records if r.totals is not None and r.status not in NO_GRADE]
    extra = sum(c.points for c in rubric.categories if c.extra)
    warnings = list(warnings)
    title = f'{rubric.title}: class report'
    sections = [
        f'<h1>{esc(title)}</h1>',
        f'<p><small>Generated {datetime.now(timezone.utc).isoformat(timespec="seconds")}</small></p>',
        '<h2>Summary</h2>', _summary(records, rubric, finals),
    ]
    if warnings:
        sections += ['<h2>Warnings</h2>', f'<div class="warn">{_notes_list(warnings)}</div>']
    sections += [
        '<h2>Final scores</h2>', _histogram(finals, rubric.points_possible(), rubric.points_possible() + extra),
        '<h2>Pass rate per item</h2>', _pass_rate_plot(_pass_rates(records, rubric)),
        '<h2>Late days</h2>', _late_plot(_late_days(records, rubric)),
        '<h2>Needs a look: errors, time-outs, flags</h2>', _problems(records, rubric),
        '<h2>All students</h2>', _students(records, rubric),
    ]
    if similarity_html is not None:
        sections[-2:-2] = ['<h2>Similar submissions</h2>', similarity_html]
    page = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n'
            + '\n'.join(sections) + '\n</body>\n</html>\n')
    return write_atomic(path, page)
