"""train_network: a small tanh network trained with the student's Adam reproduces the reference's error trace.

Hidden only (rubric visibility: hidden), so there is no public case: a student kit has nothing to precompute and a
self-check never runs it. Everything, inputs and judging, is in grader.hidden.train_network.
"""
from ..model import Item
from .base import CodeCheck, combine_weighted


def public_cases(params):
    return []


def combine(item: Item, verdicts):
    # Cases are different networks (one hidden layer, two, none): each is worth its share.
    return combine_weighted(item, verdicts, 'Training matches the reference on the hidden cases.')


CHECKS = {'train_network': CodeCheck(public_cases, combine)}
