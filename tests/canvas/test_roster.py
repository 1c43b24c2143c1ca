import pytest

from grader.errors import InputError

from grader.canvas.collect import Submission
from grader.canvas.roster import name_key, read_roster, resolve_partners

EXPORT = ('\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,"A2: Neural networks, Adam (4521)",Final Score\n'
          '    Points Possible,,,,,100.00,(read only)\n'
          '"Kowalski, Jan",105,830105,jkowalsk,CS445-001,,\n'
          '"Ito, Hana",106,830106,hito,CS445-001,,\n'
          '"García López, María",102,830102,mgarcia,CS445-002,88,\n'
          '"O\'Brien, Liam",110,830110,lobrien,CS445-001,,\n'
          '"Kim, Min",120,,,CS445-001,,\n'
          '"Kim, Soo",121,,,CS445-002,,\n'
          '"Smith-Jones, Ann",130,,,CS445-001,,\n'
          'Pat Doe,140,,,CS445-001,,\n'
          '"Student, Test",199,,,CS445-001,,\n')


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / 'gradebook.csv'
    path.write_text(EXPORT, encoding='utf-8')
    return read_roster(path)


def sub(user_id, *names):
    return Submission(str(user_id), user_id=None if user_id is None else str(user_id), partner_names=list(names))


def test_gradebook_export_with_bom_points_possible_and_extra_columns(roster):
    assert [s.user_id for s in roster.students] == ['105', '106', '102', '110', '120', '121', '130', '140', '199']
    maria = roster.by_id(102)
    assert (maria.last_name, maria.first_name, maria.sis_user_id, maria.sis_login_id, maria.section) == \
        ('García López', 'María', '830102', 'mgarcia', 'CS445-002')
    assert roster.by_id('140').last_name == 'Doe' and roster.by_id('999') is None


def test_older_exports_muted_row_is_not_a_student(tmp_path):
    path = tmp_path / 'g.csv'
    path.write_text('Student,ID,SIS User ID,SIS Login ID,Section,A2\n,,,,,Muted\n'
                    '    Points Possible,,,,,100\n"Ito, Hana",106,,,S1,\n', encoding='utf-8')
    assert [s.name for s in read_roster(path).students] == ['Ito, Hana']


def test_not_a_gradebook_export(tmp_path):
    path = tmp_path / 'g.csv'
    path.write_text('name,email\nx,y\n', encoding='utf-8')
    with pytest.raises(InputError, match="no column 'Student', 'ID'"):
        read_roster(path)


def test_name_key_ignores_case_accents_and_punctuation():
    assert name_key("O'Brien") == name_key('obrien') and name_key('García') == name_key('GARCIA')
    assert name_key('Müller') == 'muller'


def test_partner_resolved_and_submitter_recognised(roster):
    partners, problems = resolve_partners(sub(105, 'Kowalski', 'Ito'), roster)
    assert [p.user_id for p in partners] == ['106'] and problems == []
    # the submitter named second, another case: still the submitter
    partners, problems = resolve_partners(sub(106, 'KOWALSKI', 'ito'), roster)
    assert [p.user_id for p in partners] == ['105'] and problems == []


def test_accents_apostrophes_and_compound_last_names(roster):
    partners, problems = resolve_partners(sub(105, 'Kowalski', 'Garcia'), roster)   # a word of 'García López'
    assert [p.user_id for p in partners] == ['102'] and problems == []
    partners, problems = resolve_partners(sub(105, 'Kowalski', 'OBrien'), roster)
    assert [p.user_id for p in partners] == ['110'] and problems == []
    # the submitter known by one word of a compound last name
    assert resolve_partners(sub(102, 'Garcia', 'Ito'), roster) == ([roster.by_id(106)], [])
    # 'Smith-Jones-A2' splits into two names that are one hyphenated last name
    assert resolve_partners(sub(130, 'Smith', 'Jones'), roster) == ([], [])
    partners, problems = resolve_partners(sub(105, 'Kowalski', 'Smith', 'Jones'), roster)
    assert [p.user_id for p in partners] == ['130'] and problems == []


def test_unknown_partner_is_a_problem(roster):
    partners, problems = resolve_partners(sub(105, 'Kowalski', 'Xyz'), roster)
    assert partners == [] and problems == ["partner 'Xyz' named in the file name is not in the roster"]


def test_ambiguous_partner_lists_the_candidates_and_never_guesses(roster):
    partners, problems = resolve_partners(sub(105, 'Kowalski', 'Kim'), roster)
    assert partners == []
    assert len(problems) == 1 and 'Kim, Min (120)' in problems[0] and 'Kim, Soo (121)' in problems[0]


def test_one_kim_submitting_with_the_other_is_not_ambiguous(roster):
    partners, problems = resolve_partners(sub(120, 'Kim', 'Kim'), roster)
    assert [p.user_id for p in partners] == ['121'] and problems == []


def test_submitter_missing_from_roster_and_anonymous_submissions(roster):
    partners, problems = resolve_partners(sub(555, 'Nobody', 'Ito'), roster)
    assert [p.user_id for p in partners] == ['106']
    assert problems == ['the submitter (Canvas user id 555) is not in the roster',
                        "partner 'Nobody' named in the file name is not in the roster"]
    assert resolve_partners(Submission('anon_Xy7Qp', partner_names=['Lee', 'Ito']), roster)[0][-1].user_id == '106'


def test_one_name_in_the_file_name_is_the_submitter_not_a_partner(roster):
    # 'Smith-A2.ipynb' names no partner, whoever submits it and whether or not the roster knows the name.
    assert resolve_partners(Submission('anon_Xy7Qp', partner_names=['Ito']), roster) == ([], [])
    assert resolve_partners(sub(555, 'Ito'), roster)[0] == []
    assert resolve_partners(sub(105, 'Kowalski'), roster) == ([], [])
