"""Export fitted estimators to ONNX with skl2onnx.

Importing this module registers with `skl2onnx <https://onnx.ai/sklearn-onnx/>`_
a converter for each estimator of ``sk_contrastive``, so that
``skl2onnx.to_onnx`` converts them alone or inside a scikit-learn
``Pipeline``, and `onnxruntime <https://onnxruntime.ai/>`_ runs the result.
It needs the ``onnx`` extra (``pip install ".[onnx]"`` from a clone);
``import sk_contrastive`` itself never imports skl2onnx.

What the graphs compute:

- :class:`~sk_contrastive.ContrastiveEmbedding`: ``transform``, for every map -- the linear map
  ``X @ components_.T``, the diagonal map ``X * w``, the MLP ``coefs_``,
  ``intercepts_`` with each ``activation`` -- and ``metric="cosine"``
  (each row divided by its norm, a row of zeros left 0). ``transform``
  applies the map to ``X`` as given: the scaling a fit works in is folded
  into the fitted weights, so there is nothing else to export. Output:
  ``variable``, of shape ``(n_samples, n_components)``.
- :class:`~sk_contrastive.ContrastivePairClassifier`: input pairs of
  samples of shape ``(n_pairs, 2, n_features)``; outputs ``label``
  (``predict``: ``classes_[1]`` where the embedded distance is at most
  ``threshold_``, as int64) and ``probabilities`` (``predict_proba``: the
  mean of the Platt-calibrated probabilities of ``cross_fitted_maps_``, or of
  this map where ``calibrated_on_`` is ``"training pairs"`` or no
  cross-fitted map was kept). As for scikit-learn's classifiers, skl2onnx
  turns the probabilities into a list of dictionaries (``ZipMap``, which
  takes float32 only) unless the option ``{"zipmap": False}`` is given;
  ``{"nocl": True}`` gives the labels 0 and 1.
- :class:`~sk_contrastive.ContrastivePairRegressor`: input pairs as above;
  output ``variable`` of shape ``(n_pairs, 1)``, ``predict``: the
  ``calibration_`` (isotonic) interpolation of the embedded distance.

A graph computes in its input's type, float32 or float64, with the fitted
weights in that type, as ``transform`` does; the calibrations of the pair
estimators run in float64, as in scikit-learn, and their outputs are
returned in the input's type. An estimator fitted on sparse ``X`` is
exported the same way: the graph takes the dense ``X``.

Limitations: pairs of row indices into a ``preprocessor`` cannot be
looked up in a graph (give the samples, ``preprocessor[pairs]``);
the graph squares the entries of the embedding without the rescaling
``transform`` and ``pair_distance`` apply near the limits of the float
type (entries beyond about 1e19 in float32, 1e154 in float64, overflow).

Examples
--------
>>> import numpy as np
>>> import onnxruntime
>>> from skl2onnx import to_onnx
>>> from sklearn.datasets import load_iris
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from sk_contrastive import ContrastiveEmbedding
>>> import sk_contrastive.onnx  # registers the converters
>>> X, y = load_iris(return_X_y=True)
>>> X = X.astype(np.float32)
>>> pipeline = make_pipeline(StandardScaler(), ContrastiveEmbedding(
...     n_components=2, architecture="linear", random_state=0)).fit(X, y)
>>> session = onnxruntime.InferenceSession(
...     to_onnx(pipeline, X[:1]).SerializeToString(),
...     providers=["CPUExecutionProvider"])
>>> embedded = session.run(None, {"X": X})[0]
>>> bool(np.allclose(embedded, pipeline.transform(X), rtol=1e-4, atol=1e-5))
True
"""

import numpy as np

try:
    from onnx import TensorProto
    from skl2onnx import update_registered_converter
    from skl2onnx._parse import _parse_sklearn_classifier
except ImportError as error:
    raise ImportError(
        "sk_contrastive.onnx needs skl2onnx and onnx, which the onnx extra installs: "
        "python -m pip install \"sk-contrastive[onnx]\" (from a clone: \".[onnx]\")."
    ) from error
from skl2onnx.algebra.onnx_ops import (
    OnnxAbs,
    OnnxAdd,
    OnnxCast,
    OnnxClip,
    OnnxConcat,
    OnnxDiv,
    OnnxExp,
    OnnxGather,
    OnnxIdentity,
    OnnxLessOrEqual,
    OnnxLog,
    OnnxMatMul,
    OnnxMax,
    OnnxMul,
    OnnxNeg,
    OnnxReduceMaxApi18,
    OnnxReduceSumApi11,
    OnnxRelu,
    OnnxReshapeApi13,
    OnnxSigmoid,
    OnnxSqrt,
    OnnxSub,
    OnnxTanh,
    OnnxWhere,
)
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from ._diagonal import DiagonalProjection
from ._embedding import ContrastiveEmbedding
from ._linear import LinearProjection
from ._mlp import MLPProjection
from ._pair_classifier import ContrastivePairClassifier
from ._pair_regressor import ContrastivePairRegressor
from ._unit_norm import UnitNormProjection

__all__ = []  # importing the module is the whole interface

_TENSOR_TYPES = {np.float32: FloatTensorType, np.float64: DoubleTensorType}
_PROTO_TYPES = {np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE}


def _input_dtype(operator, pairs=False):
    """The numpy dtype of the operator's input, float32 or float64, after
    checking its shape (``(n, n_features)``, or ``(n, 2, n_features)`` for
    ``pairs``); a ValueError that names the problem otherwise."""
    model = operator.raw_operator
    name = type(model).__name__
    if len(operator.inputs) != 1:
        raise ValueError(
            f"{name} converts from one input; got {len(operator.inputs)} (skl2onnx makes "
            "one input per column of a DataFrame). Give the example input as an array, "
            "X.to_numpy()[:1], or convert a Pipeline whose first step takes the DataFrame.")
    variable = operator.inputs[0]
    dtype = {FloatTensorType: np.float32, DoubleTensorType: np.float64}.get(
        type(variable.type))
    shape = list(variable.type.shape or [])
    if pairs and (dtype is None or len(shape) != 3):
        raise ValueError(
            f"{name} converts pairs of samples only: a float32 or float64 input of shape "
            f"(n_pairs, 2, n_features); got {variable.type!r}. Pairs of row indices into "
            "a preprocessor cannot be looked up in an ONNX graph: give the samples "
            "themselves, preprocessor[pairs], as the example input of to_onnx."
        )
    if dtype is None:
        raise ValueError(
            f"{name} converts float32 or float64 input; got {variable.type!r}.")
    expected = [2, model.n_features_in_] if pairs else [model.n_features_in_]
    known = [given in (None, wanted) for given, wanted in zip(shape[1:], expected)]
    if len(shape) != len(expected) + 1 or not all(known):
        raise ValueError(
            f"{name} was fitted on {model.n_features_in_} features; the input of shape "
            f"{shape} does not fit it (expected (n, {', '.join(map(str, expected))}))."
        )
    return dtype


# ---- the embedding -----------------------------------------------------------


def _softplus(A, dtype, opv):
    """``log(1 + exp(A))`` as ``np.logaddexp(0, A)`` computes it: ``relu(A) +
    log(1 + exp(-|A|))``, which neither overflows nor loses large ``A``."""
    tail = OnnxLog(OnnxAdd(np.ones(1, dtype=dtype), OnnxExp(OnnxNeg(
        OnnxAbs(A, op_version=opv), op_version=opv), op_version=opv), op_version=opv),
        op_version=opv)
    return OnnxAdd(OnnxRelu(A, op_version=opv), tail, op_version=opv)


_ACTIVATIONS = {
    "relu": lambda A, dtype, opv: OnnxRelu(A, op_version=opv),
    "tanh": lambda A, dtype, opv: OnnxTanh(A, op_version=opv),
    "logistic": lambda A, dtype, opv: OnnxSigmoid(A, op_version=opv),
    "softplus": _softplus,
}


def _unit_rows(Z, dtype, opv):
    """Each row of ``Z`` divided by its norm; a row of zeros stays 0.

    Each row is first divided by its largest magnitude (at least the
    smallest normal number, so that a zero row divides by it into zeros), as
    ``_unit_norm.unit_rows`` does for the rows whose squares would overflow
    or underflow; the norm of the result is between 1 and
    ``sqrt(n_components)``.
    """
    tiny = np.array([np.finfo(dtype).tiny], dtype=dtype)
    largest = OnnxMax(OnnxReduceMaxApi18(OnnxAbs(Z, op_version=opv), axes=[1], keepdims=1,
                                         op_version=opv), tiny, op_version=opv)
    scaled = OnnxDiv(Z, largest, op_version=opv)
    norms = OnnxSqrt(OnnxReduceSumApi11(OnnxMul(scaled, scaled, op_version=opv), axes=[1],
                                        keepdims=1, op_version=opv), op_version=opv)
    return OnnxDiv(scaled, OnnxMax(norms, tiny, op_version=opv), op_version=opv)


def _embedding(model, X, dtype, opv):
    """The graph of ``model.transform(X)``: the fitted map in ``dtype``."""
    projection = model._projection
    cosine = isinstance(projection, UnitNormProjection)
    inner = projection.inner if cosine else projection
    # the parameters transform applies, as its forward pass reads them
    params = inner.params_from(model)
    if isinstance(inner, MLPProjection):
        activation = _ACTIVATIONS[inner.activation]
        *hidden, (W, b) = inner.layers(params, dtype)
        Z = X
        for W_hidden, b_hidden in hidden:
            Z = activation(OnnxAdd(OnnxMatMul(Z, W_hidden, op_version=opv), b_hidden,
                                   op_version=opv), dtype, opv)
        Z = OnnxAdd(OnnxMatMul(Z, W, op_version=opv), b, op_version=opv)
    elif isinstance(inner, DiagonalProjection):
        Z = OnnxMul(X, params.astype(dtype), op_version=opv)
    elif isinstance(inner, LinearProjection):
        Z = OnnxMatMul(X, np.ascontiguousarray(inner.components(params, dtype).T),
                       op_version=opv)
    else:  # a map this module does not know yet
        raise NotImplementedError(
            f"{type(model).__name__}: no ONNX conversion for the map {type(inner).__name__}.")
    return _unit_rows(Z, dtype, opv) if cosine else Z


def _embedding_shape(operator):
    model = operator.raw_operator
    check_is_fitted(model)
    dtype = _input_dtype(operator)
    n_rows = operator.inputs[0].type.shape[0]
    operator.outputs[0].type = _TENSOR_TYPES[dtype]([n_rows, model._n_features_out])


def _convert_embedding(scope, operator, container):
    model = operator.raw_operator
    dtype = _input_dtype(operator)
    opv = container.target_opset
    Z = _embedding(model, operator.inputs[0], dtype, opv)
    OnnxIdentity(Z, op_version=opv, output_names=operator.outputs[:1]).add_to(
        scope, container)


# ---- pairs -------------------------------------------------------------------


def _pair_distances(model, pairs, dtype, opv):
    """The graph of ``model.pair_distance(pairs)`` for pairs of samples of
    shape ``(n_pairs, 2, n_features)``, shape ``(n_pairs,)``, in float64."""
    n_features = model.n_features_in_
    rows = OnnxReshapeApi13(pairs, np.array([-1, n_features], dtype=np.int64),
                            op_version=opv)
    Z = _embedding(model, rows, dtype, opv)
    Z = OnnxReshapeApi13(Z, np.array([-1, 2, model._n_features_out], dtype=np.int64),
                         op_version=opv)
    first, second = (OnnxGather(Z, np.array(side, dtype=np.int64), axis=1, op_version=opv)
                     for side in (0, 1))
    difference = OnnxSub(first, second, op_version=opv)
    distances = OnnxSqrt(OnnxReduceSumApi11(
        OnnxMul(difference, difference, op_version=opv), axes=[1], keepdims=0,
        op_version=opv), op_version=opv)
    return OnnxCast(distances, to=TensorProto.DOUBLE, op_version=opv)


def _check_calibrator(model, calibrator):
    """The float64 ``(mean, scale, coefficient, intercept)`` of a Platt
    calibrator, ``StandardScaler`` then binary ``LogisticRegression``."""
    steps = [step for _, step in calibrator.steps] if isinstance(calibrator, Pipeline) else []
    if (len(steps) != 2 or not isinstance(steps[0], StandardScaler)
            or not isinstance(steps[1], LogisticRegression) or steps[1].coef_.shape != (1, 1)):
        raise NotImplementedError(
            f"{type(model).__name__}: calibrators_ must be StandardScaler then a binary "
            f"LogisticRegression on the distance to be converted; got {calibrator!r}.")
    scaler, logistic = steps
    mean = 0.0 if scaler.mean_ is None else float(scaler.mean_[0])
    scale = 1.0 if scaler.scale_ is None else float(scaler.scale_[0])
    return mean, scale, float(logistic.coef_[0, 0]), float(logistic.intercept_[0])


def _double(value):
    return np.array([value], dtype=np.float64)


def _pair_classifier_shape(operator):
    model = operator.raw_operator
    check_is_fitted(model)
    dtype = _input_dtype(operator, pairs=True)
    n_pairs = operator.inputs[0].type.shape[0]
    operator.outputs[0].type = Int64TensorType([n_pairs])
    operator.outputs[1].type = _TENSOR_TYPES[dtype]([n_pairs, 2])


def _class_label(value):
    """A class of ``classes_`` as the int64 that ONNX labels hold (the pair
    labels are 0, 1 or -1, whatever their numpy type)."""
    return np.array([int(value)], dtype=np.int64)


def _convert_pair_classifier(scope, operator, container):
    model = operator.raw_operator
    dtype = _input_dtype(operator, pairs=True)
    opv = container.target_opset
    pairs = operator.inputs[0]
    label_output, proba_output = operator.outputs[:2]

    options = container.get_options(model, dict(zipmap=True, nocl=False))
    if dtype == np.float64 and options["zipmap"] is not False:
        raise ValueError(
            f"{type(model).__name__} with float64 input: ONNX's ZipMap, which skl2onnx "
            "appends to classifiers by default, takes float32 probabilities only (as "
            "for scikit-learn's classifiers); convert with options={id(model): "
            "{'zipmap': False}}, or float32 input.")
    # skl2onnx's option nocl: the labels are the classes' positions, 0 and 1
    classes = [0, 1] if options["nocl"] else model.classes_
    similar = OnnxLessOrEqual(_pair_distances(model, pairs, dtype, opv),
                              _double(model.threshold_), op_version=opv)
    OnnxWhere(similar, _class_label(classes[1]), _class_label(classes[0]),
              op_version=opv, output_names=[label_output]).add_to(scope, container)

    maps = model.cross_fitted_maps_ or [model]
    if len(maps) != len(model.calibrators_):
        raise ValueError(
            f"{type(model).__name__}: {len(maps)} maps but {len(model.calibrators_)} "
            "calibrators_; the fitted model is inconsistent.")
    probability_sum = None
    for cross_fitted, calibrator in zip(maps, model.calibrators_):
        mean, scale, coefficient, intercept = _check_calibrator(model, calibrator)
        distances = OnnxReshapeApi13(_pair_distances(cross_fitted, pairs, dtype, opv),
                                     np.array([-1, 1], dtype=np.int64), op_version=opv)
        # the order of StandardScaler.transform, then LogisticRegression's
        logit = OnnxAdd(OnnxMul(OnnxDiv(OnnxSub(distances, _double(mean), op_version=opv),
                                        _double(scale), op_version=opv),
                                _double(coefficient), op_version=opv),
                        _double(intercept), op_version=opv)
        # 1 / (1 + exp(-/+logit)) for each column, each without rounding to
        # 1 - p: a probability near 0 keeps its digits
        columns = OnnxConcat(OnnxNeg(logit, op_version=opv), logit, axis=1, op_version=opv)
        probabilities = OnnxDiv(_double(1.0), OnnxAdd(_double(1.0), OnnxExp(
            OnnxNeg(columns, op_version=opv), op_version=opv), op_version=opv),
            op_version=opv)
        probability_sum = probabilities if probability_sum is None else OnnxAdd(
            probability_sum, probabilities, op_version=opv)
    mean_probabilities = OnnxDiv(probability_sum, _double(len(maps)), op_version=opv)
    OnnxCast(mean_probabilities, to=_PROTO_TYPES[dtype], op_version=opv,
             output_names=[proba_output]).add_to(scope, container)


def _pair_regressor_shape(operator):
    model = operator.raw_operator
    check_is_fitted(model)
    dtype = _input_dtype(operator, pairs=True)
    operator.outputs[0].type = _TENSOR_TYPES[dtype]([operator.inputs[0].type.shape[0], 1])


def _convert_pair_regressor(scope, operator, container):
    model = operator.raw_operator
    dtype = _input_dtype(operator, pairs=True)
    opv = container.target_opset
    calibration = model.calibration_
    if calibration.out_of_bounds != "clip":
        raise NotImplementedError(
            f"{type(model).__name__}: calibration_ with out_of_bounds="
            f"{calibration.out_of_bounds!r} cannot be converted; 'clip' can.")
    x = np.asarray(calibration.X_thresholds_, dtype=np.float64)
    y = np.asarray(calibration.y_thresholds_, dtype=np.float64)
    distances = OnnxClip(_pair_distances(model, operator.inputs[0], dtype, opv),
                         np.array(calibration.X_min_, dtype=np.float64),
                         np.array(calibration.X_max_, dtype=np.float64), op_version=opv)
    distances = OnnxReshapeApi13(distances, np.array([-1, 1], dtype=np.int64),
                                 op_version=opv)
    if x.shape[0] == 1:
        similarity = OnnxAdd(OnnxMul(distances, _double(0.0), op_version=opv), y,
                             op_version=opv)
    else:
        # np.interp on the increasing thresholds, as scipy's interp1d computes
        # it: y_i + slope_i * (d - x_i) on the segment i of each distance,
        # the number of inner thresholds at or below it, found by comparing
        # it with all of them (ONNX has no binary search)
        starts, slopes, values = x[:-1], np.diff(y) / np.diff(x), y[:-1]
        if x.shape[0] > 2:
            segment = OnnxReduceSumApi11(
                OnnxCast(OnnxLessOrEqual(x[np.newaxis, 1:-1], distances, op_version=opv),
                         to=TensorProto.INT64, op_version=opv),
                axes=[1], keepdims=1, op_version=opv)
            starts, slopes, values = (OnnxGather(table, segment, op_version=opv)
                                      for table in (starts, slopes, values))
        similarity = OnnxAdd(
            OnnxMul(OnnxSub(distances, starts, op_version=opv), slopes, op_version=opv),
            values, op_version=opv)
    OnnxCast(similarity, to=_PROTO_TYPES[dtype], op_version=opv,
             output_names=operator.outputs[:1]).add_to(scope, container)


update_registered_converter(
    ContrastiveEmbedding, "SkContrastiveEmbedding", _embedding_shape, _convert_embedding)
def _parse_pair_classifier(scope, model, inputs, custom_parsers=None):
    # skl2onnx's parser of classifiers reads classes_ before any converter
    # code runs: an unfitted model must fail here, as scikit-learn says it
    check_is_fitted(model)
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers=custom_parsers)


update_registered_converter(
    ContrastivePairClassifier, "SkContrastivePairClassifier", _pair_classifier_shape,
    _convert_pair_classifier, parser=_parse_pair_classifier,
    options={"zipmap": [True, False, "columns"], "nocl": [False, True]})
update_registered_converter(
    ContrastivePairRegressor, "SkContrastivePairRegressor", _pair_regressor_shape,
    _convert_pair_regressor)
