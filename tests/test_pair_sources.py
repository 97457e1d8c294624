"""Every pair source follows the one interface the fit engine uses (PairSource)."""

import inspect

import numpy as np
import pytest

from sk_contrastive import _pair_sources
from sk_contrastive._pair_sources import (
    FixedPairSource,
    GradedPairSource,
    LabelPairSource,
    MiningPairSource,
    NeighborPairSource,
    PairSource,
    PartialGradedPairSource,
    PartialLabelPairSource,
)
from sk_contrastive._pairs import Pairs

SETTINGS = dict(n_positives=2, n_negatives=2, n_random_negatives=1, n_rounds=2,
                block_size=None, mining_components=None)
LABELS = np.repeat([0, 1, 2], 10)


def make_sources():
    partial = LABELS.copy()
    partial[::3] = -1
    fixed = Pairs(np.array([0, 1, 2]), np.array([5, 15, 25]), np.array([True, False, False]))
    return {
        LabelPairSource: LabelPairSource(LABELS, strategy="neighbors", **SETTINGS),
        NeighborPairSource: NeighborPairSource(None, **SETTINGS),
        PartialLabelPairSource: PartialLabelPairSource(partial, **SETTINGS),
        FixedPairSource: FixedPairSource(fixed),
        GradedPairSource: GradedPairSource(
            np.linspace(0.0, 1.0, 30)[:, None], kind="continuous", **SETTINGS),
        PartialGradedPairSource: PartialGradedPairSource(
            np.linspace(0.0, 1.0, 30)[:, None], known=partial >= 0, kind="continuous",
            **SETTINGS),
    }


def defined_sources():
    """Every concrete source class the module defines: a new one is checked
    here without being listed."""
    return {
        cls for name, cls in vars(_pair_sources).items()
        if inspect.isclass(cls) and name.endswith("PairSource")
        and cls.__module__ == _pair_sources.__name__
        and cls not in (PairSource, MiningPairSource)
    }


def test_every_source_of_the_module_is_checked():
    assert defined_sources() == set(make_sources())


@pytest.mark.parametrize("cls", sorted(make_sources(), key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_a_source_conforms_to_the_protocol(cls):
    source = make_sources()[cls]
    assert isinstance(source, PairSource)
    for name, member in vars(PairSource).items():
        if callable(member) and not name.startswith("_"):
            expected = list(inspect.signature(member).parameters)
            assert list(inspect.signature(getattr(cls, name)).parameters) == expected, name
    assert isinstance(source.mines, bool) and source.n_rounds >= 1
    if source.mines:  # what the engine asks of the sources that mine
        assert callable(source.mining_space) and callable(source.reorder)


@pytest.mark.parametrize("cls", sorted(make_sources(), key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_a_source_builds_valid_pairs_within_its_bound(cls):
    X = np.random.default_rng(0).normal(size=(30, 4))
    source = make_sources()[cls]
    rng = np.random.RandomState(0)
    space = source.mining_space(X, rng) if source.mines else X
    blocks = source.blocks(space, rng)
    source.prepare(space, blocks, rng)
    pairs = source.build(space, blocks, rng)
    assert isinstance(pairs, Pairs)
    assert 0 < pairs.n_pairs <= source.n_pairs_bound(len(X))
    for rows in (pairs.first, pairs.second):
        assert rows.min() >= 0 and rows.max() < len(X)
    assert pairs.similar.dtype == bool and np.any(pairs.similar) and not np.all(pairs.similar)
    assert np.all(pairs.first != pairs.second)
    # the source says whether its pairs are graded (the memory check counts
    # their coupled copy), and the pairs carry it to the loss
    assert source.graded is pairs.graded is (pairs.weight is not None and bool(
        np.any((pairs.weight > 0) & (pairs.weight < 1))))


def test_an_object_missing_a_method_does_not_conform():
    class Incomplete:
        mines, n_rounds, init_labels, graded = False, 1, None, False

        def build(self, space, blocks, random_state):
            return None

    assert not isinstance(Incomplete(), PairSource)


@pytest.mark.parametrize("cls", sorted((c for c, s in make_sources().items() if s.mines),
                                       key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_a_prepared_source_taken_in_another_order_keeps_every_similar_pair(cls):
    """A fit takes its samples in each mining round's block order: what
    ``prepare`` found (neighbours of the input space, samples most similar by
    target) must follow the samples, not stay with the positions."""
    X = np.random.default_rng(0).normal(size=(30, 4))
    source = make_sources()[cls]
    source.n_random_negatives = 0  # graded pairs hold a similar term of any partner
    space = source.mining_space(X, np.random.RandomState(0))
    source.prepare(space, None, np.random.RandomState(0))
    order = np.random.default_rng(1).permutation(30)
    moved = source.reorder(order)

    def similar_pairs(pairs, sample):
        weight = np.ones(pairs.n_pairs) if pairs.weight is None else pairs.weight
        return sorted((int(sample[a]), int(sample[b]), round(float(w), 12))
                      for a, b, s, w in zip(pairs.first, pairs.second, pairs.similar, weight)
                      if s)

    before = similar_pairs(source.build(space, None, np.random.RandomState(0)), np.arange(30))
    after = similar_pairs(moved.build(space[order], None, np.random.RandomState(0)), order)
    assert before and after == before


def test_a_source_that_searches_no_neighbours_makes_no_blocks():
    """Random label pairs need no search (``mining_block`` is None, so the
    memory check counts no search and no copy of X in block order): they
    must not make a fit split the samples into blocks and take them in
    that order each round."""
    X = np.random.default_rng(0).normal(size=(30, 4))
    settings = dict(SETTINGS, block_size=10)
    random_pairs = LabelPairSource(LABELS, strategy="random", **settings)
    nearest_pairs = LabelPairSource(LABELS, strategy="neighbors", **settings)
    assert random_pairs.mining_block(30) is None
    assert random_pairs.blocks(X, np.random.RandomState(0)) is None
    assert nearest_pairs.blocks(X, np.random.RandomState(0)) is not None
