"""How numbers and suggestions read wherever people see them (terminal, feedback, CSVs, reports, rubric
problems): one rule each, written once."""
from __future__ import annotations


def points(x: float | None) -> str:
    """'85', '85.5', '85.25': two decimals at most, no trailing '.0', never '-0' (Canvas and people read it alike);
    '' for no value."""
    if x is None:
        return ''
    text = f'{round(float(x), 2):.2f}'.rstrip('0').rstrip('.')
    return '0' if text == '-0' else text


def as_written(x) -> str:
    """15.0 -> '15', 0.5 -> '0.5', 1e-06 -> '1e-06', True -> 'true': a rubric's numbers as an instructor wrote them."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x).lower() if isinstance(x, bool) else str(x)
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f'{x:g}'


def did_you_mean(word, choices) -> str:
    """" (did you mean 'x'?)" for the choice closest to a mistyped ``word``, '' when none is close."""
    import difflib
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ''
