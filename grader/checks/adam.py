"""adam: the student's ``Optimizers.adam`` against the algorithm as taught.

Public: the handout's parabola, (w - 5)^2 from w = 0, 100 epochs, learning rate 0.1 (the reference ends at
5.03900403). Hidden cases (grader.hidden.adam) separate the wrong variants students write.
"""
from ..model import Item
from .base import Case, CaseRun, CodeCheck, Verdict, combine_minimum, failed_to_run

PARABOLA = {'method': 'adam', 'w0': [0.0], 'a': [1.0], 'c': [5.0], 'scale': 1.0, 'epoch_runs': [100],
            'learning_rate': 0.1}


def judge_parabola(run: CaseRun) -> Verdict:
    failed = failed_to_run(run, 'adam on the parabola (w - 5)^2 failed')
    if failed:
        return failed
    tol = float(run.params.get('tolerance', 1e-6))
    w = run.student.value['w']
    expected = float(run.expected['w'][0])
    trace = run.student.value['traces'][0]
    if trace is None or len(trace) != 100:
        n = 'nothing' if trace is None else f'{len(trace)} values'
        return Verdict(0.0, f'adam must return the list of errors, one per epoch (100 here); it returned {n}')
    got = float(w[0])
    if got == 0.0:
        return Verdict(0.0, 'adam left the weights at their initial value: update self.all_weights in place '
                            '(self.all_weights -= ...), do not assign a new array', diagnosis='not-in-place')
    if got != got:
        return Verdict(0.0, 'adam produced nan on the parabola: beta1t and beta2t must be multiplied by the betas '
                            'before m̂ and v̂ are computed (otherwise step 1 divides 0 by 0)', diagnosis='nan')
    if abs(got - expected) > tol * max(1.0, abs(expected)):
        return Verdict(0.0, f'adam on the parabola (w - 5)^2 from w = 0, 100 epochs, learning rate 0.1 ended at '
                            f'w = {got:.8f}; Adam as taught ends at {expected:.8f}', diagnosis='wrong-value')
    return Verdict(1.0)


def public_cases(params):
    return [Case('parabola', 'optimizer_run', dict(PARABOLA), judge_parabola)]


def combine(item: Item, verdicts):
    # Any wrong answer means the optimizer is wrong; hidden variant verdicts carry their own partial credit.
    return combine_minimum(item, verdicts, 'Adam matches the algorithm as taught.')


CHECKS = {'adam': CodeCheck(public_cases, combine)}
