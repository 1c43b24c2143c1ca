"""Rebuild ``reference/data/auto-mpg.data`` from a registry package, so the shipped data is checked, not trusted.

``vega_datasets`` ships the cars table of the StatLib/UCI "Auto MPG" data: the 406-row original, with 8 cars
lacking mpg and 6 lacking horsepower. UCI's ``auto-mpg.data`` is that table without the 8 mpg-less cars (398
rows, horsepower '?' where missing), whitespace separated, car name quoted last. We write the same layout,
which is what students' ``read_csv`` calls expect.

    python -m reference.build_data            # rewrite the shipped file
    python -m reference.build_data --check    # exit 1 if the shipped file differs from a rebuild
"""
import argparse
import sys
from pathlib import Path

DATA_FILE = Path(__file__).parent / 'data' / 'auto-mpg.data'
ORIGIN_CODES = {'USA': 1, 'Europe': 2, 'Japan': 3}


def build_text():
    from vega_datasets import data  # only needed to rebuild: the 'data' extra

    cars = data.cars()
    cars = cars[cars['Miles_per_Gallon'].notna()]
    lines = []
    for row in cars.itertuples(index=False):
        hp = '?' if row.Horsepower != row.Horsepower else f'{row.Horsepower:.1f}'
        lines.append(f'{row.Miles_per_Gallon:<7.1f}{row.Cylinders:<4d}{row.Displacement:<11.1f}{hp:<11}'
                     f'{float(row.Weight_in_lbs):<11.1f}{row.Acceleration:<7.1f}{row.Year.year % 100:<4d}'
                     f'{ORIGIN_CODES[row.Origin]:d}\t"{row.Name}"')
    return '\n'.join(lines) + '\n'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true', help='compare with the shipped file instead of writing')
    args = parser.parse_args(argv)
    text = build_text()
    if args.check:
        same = DATA_FILE.read_text() == text
        print(f'{DATA_FILE.name}: {"matches" if same else "DIFFERS FROM"} the rebuild from vega_datasets')
        return 0 if same else 1
    DATA_FILE.write_text(text)
    print(f'wrote {DATA_FILE} ({text.count(chr(10))} rows)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
