"""The class roster from Canvas's gradebook export, and who a partner named in a file name is.

Partners are matched by last name only, because that is all the handout's file name carries. A name that
matches no student, or several, is reported for a TA to settle: a wrong guess would give one student's grade
to another.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .csvfile import read_rows


@dataclass(frozen=True)
class RosterStudent:
    user_id: str
    name: str                   # as Canvas writes it: 'Last, First'
    last_name: str
    first_name: str
    sis_user_id: str = ''
    sis_login_id: str = ''
    section: str = ''


@dataclass
class Roster:
    students: list[RosterStudent]
    source: str | None = None
    _by_id: dict[str, RosterStudent] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {s.user_id: s for s in self.students}

    def by_id(self, user_id: str | int | None) -> RosterStudent | None:
        return None if user_id is None else self._by_id.get(str(user_id))

    def with_last_name(self, last_name: str) -> list[RosterStudent]:
        """Students whose last name is this one, or holds it as a whole word ('Garcia' finds 'García López')."""
        key = name_key(last_name)
        if not key:
            return []
        exact = [s for s in self.students if name_key(s.last_name) == key]
        return exact or [s for s in self.students if key in _word_keys(s.last_name)]


def _word_keys(last_name: str) -> set[str]:
    return {name_key(w) for w in re.split(r'[\s\-]+', last_name)} | {name_key(last_name)}


def name_key(name: str) -> str:
    """Case, accents, spaces and punctuation dropped: 'O'Brien' and 'obrien', 'García' and 'GARCIA' agree."""
    decomposed = unicodedata.normalize('NFKD', name)
    return ''.join(c for c in decomposed if c.isalnum()).casefold()


_REQUIRED = ('Student', 'ID')


def read_roster(path: str | Path) -> Roster:
    """Students of a gradebook export CSV: 'Student,ID,SIS User ID,SIS Login ID,Section,...'.

    Rows without a numeric ID (the '    Points Possible' row, Canvas's older 'Muted' row) are not students.
    Extra assignment columns are ignored. Raises InputError with a readable message when the header is not
    a gradebook export's.
    """
    _, rows = read_rows(path, _REQUIRED, 'a Canvas gradebook export starting "Student,ID,SIS User ID,SIS Login '
                        'ID,Section" (Grades > Export in Canvas)', fold_case=False)
    students = []
    for _line, row in rows:
        user_id = row.get('ID', '')
        if not user_id.isdigit():
            continue
        name = row.get('Student', '')
        last, first = split_name(name)
        students.append(RosterStudent(user_id=user_id, name=name, last_name=last, first_name=first,
                                      sis_user_id=row.get('SIS User ID', ''), sis_login_id=row.get('SIS Login ID', ''),
                                      section=row.get('Section', '')))
    return Roster(students, source=str(path))


def split_name(name: str) -> tuple[str, str]:
    """'Last, First' -> ('Last', 'First'); without a comma the last word is taken as the last name."""
    if ',' in name:
        last, first = name.split(',', 1)
        return last.strip(), first.strip()
    words = name.split()
    return (words[-1], ' '.join(words[:-1])) if words else ('', '')


def resolve_partners(submission: Any, roster: Roster) -> tuple[list[RosterStudent], list[str]]:
    """Partners named in the graded file's name, other than the submitter, and problems for a TA.

    ``submission`` needs ``user_id`` and ``partner_names`` (a collect.Submission). The submitter is known by
    user id; their own last name in the file name is them, not a partner.
    """
    problems: list[str] = []
    submitter = roster.by_id(submission.user_id)
    if submission.user_id is not None and submitter is None:
        problems.append(f'the submitter (Canvas user id {submission.user_id}) is not in the roster')
    names = _join_compound(list(submission.partner_names), roster)
    if len(names) < 2:      # one name is the submitter's (or a misnamed file): a partner is someone named besides
        return [], problems
    if submitter is not None:
        names = _without_first(names, lambda n: name_key(n) in _word_keys(submitter.last_name))
    partners: list[RosterStudent] = []
    for name in names:
        candidates = [s for s in roster.with_last_name(name)
                      if s is not submitter and s not in partners]
        if len(candidates) == 1:
            partners.append(candidates[0])
        elif not candidates:
            problems.append(f"partner '{name}' named in the file name is not in the roster")
        else:
            listed = '; '.join(f'{s.name} ({s.user_id})' for s in candidates)
            problems.append(f"partner '{name}' named in the file name matches several students: {listed}; "
                            f'choose one by hand')
    return partners, problems


def _join_compound(names: list[str], roster: Roster) -> list[str]:
    """'Smith-Jones-A2' split into ['Smith', 'Jones'] is one student when the roster has 'Smith-Jones'."""
    keys = {name_key(s.last_name) for s in roster.students}
    joined, i = [], 0
    while i < len(names):
        j = next((j for j in range(len(names), i + 1, -1) if name_key(''.join(names[i:j])) in keys), i + 1)
        joined.append('-'.join(names[i:j]))
        i = j
    return joined


def _without_first(items: list[str], test: Any) -> list[str]:
    for i, item in enumerate(items):
        if test(item):
            return items[:i] + items[i + 1:]
    return items
