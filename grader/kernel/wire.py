"""Values crossing the kernel boundary, as JSON text in both directions.

Arrays travel as ``.npy`` bytes (base64) and are read back with ``allow_pickle=False``, so nothing a student's
kernel sends can run code in the grader. This module's source is also sent into the kernel (it needs only the
standard library and NumPy), so both ends encode alike.
"""
import base64
import io
import json

import numpy as np

MAX_PAYLOAD_CHARS = 10_000_000     # a probe's value as JSON text; honest ones are a few kilobytes


class WireError(ValueError):
    """The kernel sent something that is not a value we can read."""


def encode(obj, _depth=0):
    if _depth > 20:
        return {'__repr__': 'nested too deeply'}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return obj
    if isinstance(obj, np.generic):
        return encode(obj.item(), _depth + 1)
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in 'biufc':
            buf = io.BytesIO()
            np.save(buf, np.ascontiguousarray(obj), allow_pickle=False)
            return {'__nd__': base64.b64encode(buf.getvalue()).decode('ascii')}
        return {'__list__': [encode(x, _depth + 1) for x in obj.ravel().tolist()]}
    if isinstance(obj, (list, tuple)):
        return [encode(x, _depth + 1) for x in obj]
    if isinstance(obj, dict):
        return {'__dict__': [[encode(k, _depth + 1), encode(v, _depth + 1)] for k, v in obj.items()]}
    if type(obj).__name__ == 'DataFrame' and hasattr(obj, 'columns'):
        return {'__df__': {'columns': [str(c) for c in obj.columns],
                           'data': [encode(obj[c].to_numpy(), _depth + 1) for c in obj.columns]}}
    return {'__repr__': repr(obj)[:200], '__type__': type(obj).__name__}


def dumps(obj):
    return json.dumps(encode(obj))


def decode(obj):
    if isinstance(obj, list):
        return [decode(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if '__nd__' in obj:
        try:
            return np.load(io.BytesIO(base64.b64decode(obj['__nd__'], validate=True)), allow_pickle=False)
        except Exception as exc:
            raise WireError(f'unreadable array: {exc}') from None
    if '__list__' in obj:
        items = decode(obj['__list__'])
        out = np.empty(len(items), dtype=object)   # filled one by one: lists stay elements, not a 2-D array
        out[:] = [None] * len(items)
        for i, x in enumerate(items):
            out[i] = x
        return out
    if '__dict__' in obj:
        return {_hashable(decode(k)): decode(v) for k, v in obj['__dict__']}
    if '__df__' in obj:
        import pandas
        spec = obj['__df__']
        return pandas.DataFrame({c: decode(col) for c, col in zip(spec['columns'], spec['data'])},
                                columns=spec['columns'])
    if '__repr__' in obj:
        return Opaque(str(obj.get('__type__', '?')), str(obj['__repr__']))
    raise WireError('unknown value encoding')


def loads(text):
    if len(text) > MAX_PAYLOAD_CHARS:
        raise WireError(f'value too large ({len(text):,} characters)')
    try:
        return decode(json.loads(text))
    except (json.JSONDecodeError, TypeError, KeyError) as exc:
        raise WireError(f'unreadable value: {exc}') from None


def _hashable(x):
    return tuple(x) if isinstance(x, list) else x


class Opaque:
    """A value of a type that does not cross the boundary (a function, a custom object): only its repr does."""

    def __init__(self, type_name, text):
        self.type_name = type_name
        self.text = text

    def __repr__(self):
        return f'<{self.type_name}: {self.text}>'
