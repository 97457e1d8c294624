"""pos_margin="impostor": the share of impostor-free anchors and the margin it picks."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import sk_contrastive._loss as loss_module
from sk_contrastive import ContrastiveEmbedding, ContrastivePairClassifier
from sk_contrastive._loss import auto_pos_margin, impostor_free_anchors
from sk_contrastive._pairs import Pairs


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return function(*args, **kwargs)


def brute_force_counts(Z, pairs):
    free = anchors = 0
    for anchor in np.unique(pairs.first):
        mine = pairs.first == anchor
        d = np.linalg.norm(Z[anchor] - Z[pairs.second[mine]], axis=1)
        similar = pairs.similar[mine]
        if not (similar.any() and (~similar).any()):
            continue
        anchors += 1
        free += d[similar].max() < d[~similar].min()
    return free, anchors


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_impostor_free_anchors_counts_as_the_definition(dtype, monkeypatch):
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((60, 3)).astype(dtype)
    first = np.sort(rng.integers(0, 60, 400))
    second = rng.integers(0, 60, 400)
    similar = rng.random(400) < 0.4
    # anchors with only similar, or only dissimilar, partners are in there too
    first[:3], similar[:3] = -1, True
    first[-3:], similar[-3:] = 60, False
    first = np.sort(np.clip(first, 0, 59))
    pairs = Pairs(first, second, similar)
    expected = brute_force_counts(Z.astype(np.float64), pairs)
    assert impostor_free_anchors(Z, pairs) == expected
    # counted in blocks of whole anchors, whatever the block size
    for block in (1, 7, 64):
        monkeypatch.setattr(loss_module, "_COUNT_BLOCK_PAIRS", block)
        assert impostor_free_anchors(Z, pairs) == expected
    assert impostor_free_anchors(Z, Pairs(first[:0], second[:0], similar[:0])) == (0, 0)


def test_auto_pos_margin_grows_from_half_the_anchors_to_all():
    assert auto_pos_margin(0, 0, 1.0) == 0.0
    assert auto_pos_margin(50, 100, 1.0) == 0.0
    assert auto_pos_margin(75, 100, 1.0) == pytest.approx(0.3)
    assert auto_pos_margin(100, 100, 1.0) == pytest.approx(0.6)


@pytest.mark.parametrize("margin", [0.01, 0.25, 0.5, 2.0, 4.0, 1e6])
def test_auto_pos_margin_is_absolute_and_stays_below_every_margin(margin):
    # 1 / pos_margin = 1 / P + 1 / margin with P = R / (1 - R), R = 0.6 at a full share
    chosen = auto_pos_margin(100, 100, margin)
    assert chosen == pytest.approx(1.5 * margin / (1.5 + margin))
    assert 0 < chosen < min(margin, 1.5)
    # not proportional to the margin: the ratio falls as the margin grows
    assert chosen / margin > auto_pos_margin(100, 100, 2 * margin) / (2 * margin)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X[:600]), y[:600]


def test_clean_neighbourhoods_relax_the_pull_and_noisy_ones_keep_the_source_formula(digits):
    X, y = digits
    relaxed = quietly(ContrastiveEmbedding(16, architecture="linear", pos_margin="impostor",
                                           random_state=0).fit, X, y)
    assert 0.3 < relaxed.pos_margin_ <= 0.6
    plain = quietly(ContrastiveEmbedding(16, architecture="linear", pos_margin=0.0,
                                         random_state=0).fit, X, y)
    assert plain.pos_margin_ == 0.0
    assert not np.allclose(relaxed.components_, plain.components_)
    # labels unrelated to the data: most anchors have impostors, the loss stays the source's
    shuffled = np.random.default_rng(0).permutation(y)
    noisy = quietly(ContrastiveEmbedding(16, architecture="linear", pos_margin="impostor",
                                           random_state=0).fit, X, shuffled)
    assert noisy.pos_margin_ == 0.0
    reference = quietly(ContrastiveEmbedding(16, architecture="linear", pos_margin=0.0,
                                             random_state=0).fit, X, shuffled)
    np.testing.assert_array_equal(noisy.components_, reference.components_)


@pytest.mark.parametrize("hidden", [(), (8,)])
def test_one_round_of_auto_equals_the_margin_it_chose(digits, hidden):
    if hidden:  # separated blobs: clean even in a random MLP's first embedding
        X, y = make_blobs(400, n_features=10, centers=4, cluster_std=0.5, random_state=0)
    else:
        X, y = digits
    common = {"n_components": 4, "hidden_layer_sizes": hidden, "n_mining_rounds": 1,
              "max_iter": 30, "random_state": 0}
    auto = quietly(ContrastiveEmbedding(pos_margin="impostor", **common).fit, X, y)
    assert auto.pos_margin_ > 0
    fixed = quietly(ContrastiveEmbedding(pos_margin=auto.pos_margin_, **common).fit, X, y)
    np.testing.assert_allclose(auto.transform(X), fixed.transform(X), rtol=1e-12)


def test_verbose_reports_each_rounds_choice(digits, capsys):
    X, y = digits
    quietly(ContrastiveEmbedding(4, pos_margin="impostor", max_iter=5, verbose=1,
                                 random_state=0).fit, X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if "pos_margin=" in line]
    assert [line.split(":")[0] for line in lines] == [
        f"[ContrastiveEmbedding] Round {r}/3" for r in (1, 2, 3)
    ]


def test_the_pair_classifier_takes_auto_too():
    X, y = make_blobs(300, n_features=5, centers=3, random_state=0)
    rng = np.random.default_rng(0)
    index = rng.integers(0, 300, (600, 2))
    index = index[np.argsort(index[:, 0], kind="stable")]
    labels = (y[index[:, 0]] == y[index[:, 1]]).astype(int)
    model = quietly(ContrastivePairClassifier(n_components=2, preprocessor=X, pos_margin="impostor",
                                              random_state=0).fit, index, labels)
    assert 0.0 <= model.pos_margin_ <= 0.6
    assert model.score(index, labels) > 0.9
    # one pair per anchor: no anchor has both kinds to compare, the loss stays the source's
    single = np.stack([np.arange(300), index[:300, 1]], axis=1)
    model = quietly(ContrastivePairClassifier(n_components=2, preprocessor=X, pos_margin="impostor",
                                              random_state=0).fit, single,
                    (y == y[index[:300, 1]]).astype(int))
    assert model.pos_margin_ == 0.0


@pytest.mark.parametrize("value", ["Auto", "none", "0.5"])
def test_other_strings_are_refused(digits, value):
    X, y = digits
    with pytest.raises(ValueError, match="pos_margin must be a float in \\[0, margin\\), 'impostor' or 'auto'"):
        ContrastiveEmbedding(2, pos_margin=value).fit(X, y)


def test_a_margin_search_with_the_impostor_rule_selects_without_a_warning(digits):
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline

    X, y = digits
    # the map and pairs the selection chose in each of the search's fits given:
    # this is about the impostor rule (the defaults' search: test_selection)
    pipe = make_pipeline(
        ContrastiveEmbedding(8, architecture="linear", pos_margin="impostor", n_positives=5,
                             n_negatives=10, max_iter=30, random_state=0),
        KNeighborsClassifier(),
    )
    search = GridSearchCV(pipe, {"contrastiveembedding__margin": [0.25, 1.0, 4.0]}, cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("error", UserWarning)
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert len(set(scores)) == len(scores)


def test_an_impostor_rule_that_chose_zero_everywhere_says_the_margin_only_rescales(digits):
    X, y = digits
    shuffled = np.random.default_rng(0).permutation(y)  # impostors everywhere: the rule gives 0
    with pytest.warns(UserWarning, match=r"pos_margin='impostor' \(0 in every round\)"):
        model = quietly(ContrastiveEmbedding(2, architecture="linear", pos_margin="impostor",
                                             margin=3.0, random_state=0,
                                             max_iter=5).fit, X, shuffled)
    assert model.pos_margin_ == 0.0
