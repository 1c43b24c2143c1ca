import json
import os
import stat
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from grader.errors import InputError

from grader.canvas.names import parse_entry_name, partner_last_names
from grader.canvas.collect import Limits, _member_name, collect
from grader.canvas.roster import read_roster, resolve_partners

NB = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
SAMPLE = Path(__file__).resolve().parents[2] / 'submissions' / 'sample'


def make_zip(path: Path, entries: dict) -> Path:
    """Entries written verbatim (ZipInfo keeps '..' and absolute names, as a hostile tool would)."""
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if isinstance(data, tuple):         # ('link', target): a symbolic link entry
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                data = data[1]
            zf.writestr(info, data)
    return path


def zip_bytes(entries: dict) -> bytes:
    buf = BytesIO()
    make_zip(buf, entries)
    return buf.getvalue()


def run(tmp_path: Path, entries: dict, **kw):
    return collect(make_zip(tmp_path / 'canvas.zip', entries), tmp_path / 'work', **kw)


def reasons(col) -> dict:
    return dict(col.skipped)


# ---------------------------------------------------------------- entry names
@pytest.mark.parametrize('name, key, slug, late, aid, original, renamed, kind', [
    ('smithjohn_123_456_Smith-A2.ipynb', '123', 'smithjohn', False, 456, 'Smith-A2.ipynb', False, 'file'),
    ('smithjohn_LATE_123_456_Smith-A2.ipynb', '123', 'smithjohn', True, 456, 'Smith-A2.ipynb', False, 'file'),
    ('smithjohn_123_456_Smith-A2-1.ipynb', '123', 'smithjohn', False, 456, 'Smith-A2.ipynb', True, 'file'),
    ('smithjohn_123_456_Smith-A2-2.ipynb', '123', 'smithjohn', False, 456, 'Smith-A2.ipynb', True, 'file'),
    ('garcíamaría_240102_5530187_García-A2.ipynb', '240102', 'garcíamaría', False, 5530187, 'García-A2.ipynb',
     False, 'file'),
    ('garci\u0301amari\u0301a_7_8_G-A2.ipynb', '7', 'garcíamaría', False, 8, 'G-A2.ipynb', False, 'file'),  # NFD
    ('van_der_berg_jan_123_456_A2.ipynb', '123', 'van_der_berg_jan', False, 456, 'A2.ipynb', False, 'file'),
    ('plate_late_123_456_x.ipynb', '123', 'plate_late', False, 456, 'x.ipynb', False, 'file'),
    ('plate_late_LATE_123_456_x.ipynb', '123', 'plate_late', True, 456, 'x.ipynb', False, 'file'),
    ('smith_123_456_2_hw_1_2_A2.ipynb', '123', 'smith', False, 456, '2_hw_1_2_A2.ipynb', False, 'file'),
    ('smith_123_456_text.html', '123', 'smith', False, 456, 'text.html', False, 'file'),  # an uploaded file
    ('smith_123_456_A2-2024.ipynb', '123', 'smith', False, 456, 'A2-2024.ipynb', False, 'file'),
    ('teamrocket_77_88_Rocket-Jones-A2.ipynb', '77', 'teamrocket', False, 88, 'Rocket-Jones-A2.ipynb', False,
     'file'),                                                                            # a group's entry
    ('smithjohn_123_text.html', '123', 'smithjohn', False, None, 'text.html', False, 'text'),
    ('smithjohn_LATE_123_link.html', '123', 'smithjohn', True, None, 'link.html', False, 'link'),
    ('anon_Xy7Qp_900_Smith-A2.ipynb', 'anon_Xy7Qp', None, False, 900, 'Smith-A2.ipynb', False, 'file'),
    ('LATE_anon_Xy7Qp_900_Smith-A2.ipynb', 'anon_Xy7Qp', None, True, 900, 'Smith-A2.ipynb', False, 'file'),
    ('anon_Xy7Qp_text.html', 'anon_Xy7Qp', None, False, None, 'text.html', False, 'text'),
    ('LATE_anon_Xy7Qp_link.html', 'anon_Xy7Qp', None, True, None, 'link.html', False, 'link'),
])
def test_entry_names(name, key, slug, late, aid, original, renamed, kind):
    e = parse_entry_name(name)
    assert (e.student_key, e.name_slug, e.late, e.attachment_id, e.original_name, e.canvas_renamed, e.kind) == \
        (key, slug, late, aid, original, renamed, kind)
    assert e.entry_name == name
    assert e.user_id == (None if key.startswith('anon_') else key)
    assert e.anon_id == (key[5:] if key.startswith('anon_') else None)


@pytest.mark.parametrize('name', ['Smith-A2.ipynb', 'smith_A2.ipynb', 'smith john_1_2_x.ipynb', '_1_2_x.ipynb',
                                  'smith_123_456_', 'notes.txt'])
def test_names_canvas_does_not_build(name):
    assert parse_entry_name(name) is None


@pytest.mark.parametrize('file_name, names', [
    ('Kowalski-Ito-A2.ipynb', ['Kowalski', 'Ito']), ('smith_jones_a2.ipynb', ['smith', 'jones']),
    ('Smith-A2-1.ipynb', ['Smith']), ('SmithA2.ipynb', ['Smith']), ('Lee-Kim-A2-final.ipynb', ['Lee', 'Kim']),
    ('notebook.ipynb', []), ('A2.ipynb', []),
])
def test_partner_names_from_file_name(file_name, names):
    assert partner_last_names(file_name, '*A2*.ipynb') == names


def test_zip_names_without_the_utf8_flag_are_read_as_utf8():
    info = zipfile.ZipInfo('müllerjonas_1_2_Müller-A2.ipynb'.encode().decode('cp437'))
    info.flag_bits = 0
    assert _member_name(info) == 'müllerjonas_1_2_Müller-A2.ipynb'


# ---------------------------------------------------------------- one submission per student
def test_every_form_of_entry_in_one_download(tmp_path):
    col = run(tmp_path, {
        'andersonemma_1_10_Anderson-A2.ipynb': NB,
        'nguyenlinh_LATE_2_20_Nguyen-A2.ipynb': NB,
        'garcíamaría_3_30_García-A2.ipynb': NB,
        'van_der_berg_jan_4_40_VanDerBerg-A2.ipynb': NB,
        'teamrocket_5_50_Rocket-Jones-A2.ipynb': NB,
        'anon_Xy7Qp_60_A2.ipynb': NB,
        'LATE_anon_Zz9Kk_70_A2.ipynb': NB,
        'bakertom_8_text.html': b'<p>my answer</p>',
        'chenwei_LATE_9_link.html': b'<a href="x">',
        '__MACOSX/._andersonemma_1_10_Anderson-A2.ipynb': b'x',
        '.DS_Store': b'x',
        'somefolder/': b'',
        'README.txt': b'not a submission',
    })
    assert sorted(s.student_key for s in col.submissions) == \
        sorted(['1', '2', '3', '4', '5', 'anon_Xy7Qp', 'anon_Zz9Kk', '8', '9'])
    assert col.get('2').late and col.get('anon_Zz9Kk').late and col.get('9').late and not col.get('1').late
    assert col.get('3').notebook.path.name == 'García-A2.ipynb' and col.get('3').name_slug == 'garcíamaría'
    assert col.get('5').partner_names == ['Rocket', 'Jones']
    assert col.get('anon_Xy7Qp').user_id is None and col.get('anon_Xy7Qp').notebook.path.read_bytes() == NB
    for key in '89':
        assert col.get(key).notebook is None and 'instead of a notebook' in col.get(key).warnings[0]
    why = reasons(col)
    assert 'text entry' in why['bakertom_8_text.html'] and 'URL' in why['chenwei_LATE_9_link.html']
    assert '__MACOSX' in why['__MACOSX/._andersonemma_1_10_Anderson-A2.ipynb']
    assert 'dot-file' in why['.DS_Store'] and 'folder' in why['somefolder/']
    assert "download form" in why['README.txt']
    for sub in col.submissions:
        if sub.notebook:
            assert sub.notebook.path.parent == tmp_path / 'work' / sub.student_key


def test_latest_matching_notebook_is_graded_and_the_others_listed(tmp_path):
    col = run(tmp_path, {
        'smithjohn_1_100_Smith-A2.ipynb': NB,
        'smithjohn_1_300_smith-a2-final.ipynb': NB,     # fits the pattern, case aside; the latest fitting
        'smithjohn_1_500_scratch.ipynb': NB,            # latest upload, but not the assignment's name
        'smithjohn_1_50_notes.pdf': b'%PDF',
    })
    sub = col.get('1')
    assert sub.notebook.attachment_id == 300
    notes = {f.attachment_id: f.note for f in sub.other_files}
    assert 'earlier upload' in notes[100] and 'does not match' in notes[500] and notes[50] == ''
    assert any('2 notebooks match' in w for w in sub.warnings)


def test_canvas_rename_is_not_an_attempt_and_same_names_do_not_collide(tmp_path):
    col = run(tmp_path, {'smithjohn_1_10_Smith-A2.ipynb': b'{"old": 1}', 'smithjohn_1_11_Smith-A2-1.ipynb': NB,
                         'leeann_2_20_A2.ipynb': b'{"a": 1}', 'leeann_2_21_A2.ipynb': b'{"b": 2}'})
    smith = col.get('1')
    assert smith.notebook.name == 'Smith-A2.ipynb' and smith.notebook.path.name == 'Smith-A2-1.ipynb'
    assert smith.notebook.path.read_bytes() == NB and 'renamed' in smith.notebook.note
    lee = col.get('2')
    assert lee.notebook.path.read_bytes() == b'{"b": 2}'
    assert lee.other_files[0].path.read_bytes() == b'{"a": 1}' and lee.other_files[0].path != lee.notebook.path


def test_without_a_fitting_name_the_latest_notebook_is_graded_with_a_warning(tmp_path):
    col = run(tmp_path, {'smithjohn_1_10_Assignment2.ipynb': NB, 'leeann_2_20_report.pdf': b'%PDF'})
    assert col.get('1').notebook.name == 'Assignment2.ipynb' and 'no file name matches' in col.get('1').warnings[0]
    assert col.get('2').notebook is None and col.get('2').other_files[0].name == 'report.pdf'
    assert 'no notebook' in col.get('2').warnings[0]


# ---------------------------------------------------------------- hostile zips
def test_path_traversal_never_escapes_the_workdir(tmp_path):
    work = tmp_path / 'a' / 'b' / 'work'
    absolute = f'{tmp_path}/abs/jonesbob_3_4_Abs-A2.ipynb'
    src = make_zip(tmp_path / 'canvas.zip', {
        '../../smithjohn_1_2_Evil-A2.ipynb': b'evil', absolute: b'evil', 'x/../../leeann_5_6_L-A2.ipynb': b'evil',
        '..\\..\\kimmin_7_8_K-A2.ipynb': b'evil', 'link_9_10_Link-A2.ipynb': ('link', '/etc/passwd'),
        'okay_11_12_Okay-A2.ipynb': NB})
    col = collect(src, work)
    assert [s.student_key for s in col.submissions] == ['11']
    why = reasons(col)
    for name in ('../../smithjohn_1_2_Evil-A2.ipynb', absolute, 'x/../../leeann_5_6_L-A2.ipynb',
                 '..\\..\\kimmin_7_8_K-A2.ipynb'):
        assert 'unsafe path' in why[name]
    assert 'symbolic link' in why['link_9_10_Link-A2.ipynb']
    written = [p for p in tmp_path.rglob('*') if p.is_file() and p != src]
    assert written and all(work in p.parents for p in written)
    assert not any(p.is_symlink() for p in tmp_path.rglob('*'))


def test_a_zip_bomb_is_skipped_with_its_reason(tmp_path):
    src = tmp_path / 'canvas.zip'
    with zipfile.ZipFile(src, 'w', zipfile.ZIP_DEFLATED) as zf:
        with zf.open('bomber_1_2_Bomb-A2.ipynb', 'w') as f:
            zero = bytes(1 << 20)
            for _ in range(100):
                f.write(zero)
        zf.writestr('okay_3_4_Okay-A2.ipynb', NB)
    col = collect(src, tmp_path / 'work')
    assert 'zip bomb' in reasons(col)['bomber_1_2_Bomb-A2.ipynb']
    assert col.get('1').notebook is None and 'not extracted' in col.get('1').warnings[0]
    assert col.get('3').notebook is not None
    assert sum(p.stat().st_size for p in (tmp_path / 'work').rglob('*') if p.is_file()) < 1 << 20


def test_size_limits_per_file_and_in_all(tmp_path):
    big = os.urandom(3000)     # incompressible: over the size limits, not the ratio
    col = run(tmp_path, {'a_1_10_A-A2.ipynb': big, 'b_2_20_B-A2.ipynb': NB, 'c_3_30_C-A2.ipynb': NB},
              limits=Limits(entry_bytes=2000, total_bytes=len(NB) + 10))
    why = reasons(col)
    assert 'per file' in why['a_1_10_A-A2.ipynb'] and 'in all' in why['c_3_30_C-A2.ipynb']
    assert col.get('2').notebook is not None and col.get('3').notebook is None


def test_a_students_own_zip_is_opened_one_level_with_the_same_protections(tmp_path):
    inner = zip_bytes({
        'Smith-A2/Smith-A2.ipynb': NB, 'Smith-A2/auto-mpg.data': b'18.0 8 307.0',
        '__MACOSX/Smith-A2/._Smith-A2.ipynb': b'x', 'Smith-A2/.ipynb_checkpoints/Smith-A2-checkpoint.ipynb': NB,
        '../escape.ipynb': b'evil', 'bomb.ipynb': bytes(200_000), 'deeper.zip': zip_bytes({'Deep-A2.ipynb': NB}),
    })
    col = run(tmp_path, {'smithjohn_1_456_Smith-A2.zip': inner}, limits=Limits(ratio_min_bytes=100_000))
    sub = col.get('1')
    assert sub.notebook.name == 'Smith-A2.ipynb' and sub.notebook.attachment_id == 456
    assert sub.notebook.source == 'smithjohn_1_456_Smith-A2.zip → Smith-A2/Smith-A2.ipynb'
    assert sub.notebook.path == tmp_path / 'work' / '1' / 'Smith-A2.ipynb'
    listed = {f.name: f.note for f in sub.other_files}
    assert 'opened, 3 file(s) taken, 2 ignored' in listed['Smith-A2.zip']
    assert 'auto-mpg.data' in listed and 'deeper.zip' in listed          # one level: not opened
    why = reasons(col)
    assert 'unsafe path' in why['smithjohn_1_456_Smith-A2.zip → ../escape.ipynb']
    assert 'zip bomb' in why['smithjohn_1_456_Smith-A2.zip → bomb.ipynb']
    assert not any('checkpoint' in k or 'MACOSX' in k for k in why)
    assert not (tmp_path / 'escape.ipynb').exists() and not (tmp_path / 'work' / 'escape.ipynb').exists()


def test_a_broken_or_crowded_student_zip_is_reported_not_fatal(tmp_path):
    crowded = zip_bytes({f'f{i}.txt': b'' for i in range(3)} | {'Lee-A2.ipynb': NB})
    col = run(tmp_path, {'smithjohn_1_456_Smith-A2.zip': b'not a zip at all', 'leeann_2_20_Lee-A2.zip': crowded},
              limits=Limits(members=3))
    for key in '12':
        assert col.get(key).notebook is None and any('could not be opened' in w for w in col.get(key).warnings)
    assert '4 entries, over the limit of 3' in col.get('2').warnings[0]


# ---------------------------------------------------------------- folders
def test_a_folder_of_canvas_named_files(tmp_path):
    src = tmp_path / 'download'
    (src / '__MACOSX').mkdir(parents=True)
    (src / '__MACOSX' / '._smithjohn_1_10_Smith-A2.ipynb').write_bytes(b'x')
    (src / 'smithjohn_1_10_Smith-A2.ipynb').write_bytes(NB)
    (src / 'nguyenlinh_LATE_2_20_Nguyen-A2.ipynb').write_bytes(NB)
    (src / '.DS_Store').write_bytes(b'x')
    (src / 'leeann_3_30_Lee-A2.ipynb').symlink_to(src / 'smithjohn_1_10_Smith-A2.ipynb')
    col = collect(src, tmp_path / 'work')
    assert [s.student_key for s in col.submissions] == ['2', '1']     # by name: nguyenlinh, smithjohn
    assert col.get('2').late and col.get('1').notebook.path.read_bytes() == NB
    why = reasons(col)
    assert '__MACOSX' in why['__MACOSX/'] and 'dot-file' in why['.DS_Store']
    assert 'symbolic link' in why['leeann_3_30_Lee-A2.ipynb']


def test_a_folder_of_plain_notebooks_is_keyed_by_file_name(tmp_path):
    src = tmp_path / 'notebooks'
    src.mkdir()
    (src / 'Smith-A2.ipynb').write_bytes(NB)
    (src / 'Lee-Kim-A2.ipynb').write_bytes(NB)
    col = collect(src, tmp_path / 'work')
    assert [s.student_key for s in col.submissions] == ['Lee-Kim-A2', 'Smith-A2']
    sub = col.get('Lee-Kim-A2')
    assert sub.user_id is None and sub.partner_names == ['Lee', 'Kim']
    assert 'no Canvas id is known' in sub.warnings[0]


def test_a_folder_of_canvas_downloads(tmp_path):
    src = tmp_path / 'sections'
    src.mkdir()
    make_zip(src / 'section-001.zip', {'smithjohn_1_10_Smith-A2.ipynb': NB})
    make_zip(src / 'section-002.zip', {'leeann_2_20_Lee-A2.ipynb': NB})
    col = collect(src, tmp_path / 'work')
    assert sorted(s.student_key for s in col.submissions) == ['1', '2']
    assert col.get('2').notebook.source == 'section-002.zip → leeann_2_20_Lee-A2.ipynb'


def test_neither_zip_nor_folder_is_an_error(tmp_path):
    (tmp_path / 'x.txt').write_text('hi')
    with pytest.raises(InputError, match='not a zip file: give the zip'):
        collect(tmp_path / 'x.txt', tmp_path / 'work')


@pytest.mark.parametrize('damage', ['truncated', 'renamed'])
def test_a_damaged_zip_says_so(tmp_path, damage):
    data = (SAMPLE / 'canvas-submissions.zip').read_bytes()
    bad = tmp_path / 'submissions.zip'
    bad.write_bytes(data[:len(data) // 2] if damage == 'truncated' else b'not a zip at all')
    with pytest.raises(InputError, match='damaged or incomplete.*download the submissions from Canvas again'):
        collect(bad, tmp_path / 'work')


# ---------------------------------------------------------------- the sample download
@pytest.mark.skipif(not (SAMPLE / 'canvas-submissions.zip').exists(), reason='sample download not generated')
def test_the_sample_download(tmp_path):
    key = json.loads((SAMPLE / 'answer-key.json').read_text())
    col = collect(SAMPLE / 'canvas-submissions.zip', tmp_path / 'work')
    graded = {str(s['user_id']): s for s in key['students'] if s['graded_entry']}
    assert sorted(s.student_key for s in col.submissions) == sorted(graded) and not col.skipped
    roster = read_roster(SAMPLE / 'roster.csv')
    for sub in col.submissions:
        expected = graded[sub.student_key]
        assert sub.notebook.source == expected['graded_entry']
        assert sub.late == expected['late_marker']
        assert sub.notebook.path.is_file() and (tmp_path / 'work') in sub.notebook.path.parents
        partners, problems = resolve_partners(sub, roster)
        assert not problems
        assert [p.user_id for p in partners] == [str(s['user_id']) for s in key['students']
                                                  if s['partner_of'] == int(sub.student_key)]
    assert [f.name for f in col.get('240108').other_files] == ['A2.ipynb']


def test_a_partner_is_only_someone_named_besides_the_submitter():
    from grader.canvas.names import partners_named
    assert partners_named(['Smith'], 'smithjohn') == []                      # Smith-A2.ipynb: no partner
    assert partners_named(['Kowalski', 'Ito'], 'kowalskijan') == ['Ito']
    assert partners_named(['Kowalski', 'Ito'], 'itohana') == ['Kowalski']     # the partner may submit it
    assert partners_named(['Smith', 'Jones', 'Lee'], 'smithjonesmary') == ['Lee']   # a compound last name
    assert partners_named(['García', 'Ito'], 'garcíamaría') == ['Ito']
    assert partners_named(['Lee', 'Kim'], None) == ['Kim']      # anonymous: the handout puts the submitter first
