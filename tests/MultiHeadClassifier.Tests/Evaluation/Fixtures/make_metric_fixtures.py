#!/usr/bin/python3
"""Writes metric_fixtures.json: independent reference values for the metrics of issue 15.

Command line (from the repository root, with Debian's python3-sklearn, which brings numpy and scipy):

    apt-get install -y python3-sklearn
    /usr/bin/python3 tests/MultiHeadClassifier.Tests/Evaluation/Fixtures/make_metric_fixtures.py

Generated with scikit-learn 1.2.1, numpy 1.24.2 and scipy 1.10.1 (Debian 12). The output is deterministic
(numpy's PCG64 with fixed seeds); MetricFixtureTests reads it and compares the library's values with these.

Where each expected value comes from:
- mae:   sklearn.metrics.mean_absolute_error.
- rmse:  sklearn.metrics.mean_squared_error(..., squared=False).
- amae:  sklearn.metrics.mean_absolute_error with sample_weight = compute_sample_weight('balanced', y), i.e.
         n / (K' * n_c) for a row of class c, K' the number of classes present among the labels. The weighted
         mean is sum_c (n / (K' n_c)) * sum_{i in c} |e_i| / n = (1/K') * sum_c MAE_c, the macro-averaged MAE of
         Baccianella et al. (2009) over the classes present. The script checks it against the direct per-class
         loop (imbalanced-learn's algorithm) before writing it.
- ece, classwise_ece: per-bin mean confidence and observed frequency from sklearn.calibration.calibration_curve
         (strategy='uniform', n_bins=15: bins (b/15, (b+1)/15], the first also holding 0); the bin counts, which
         calibration_curve does not return, from the same searchsorted on the inner edges; the script checks that
         the non-empty bins it counts are the ones calibration_curve returns. ece uses the top-label confidence
         and whether the argmax (lowest index on ties) is the label; classwise_ece is the mean over all K classes
         of the ECE of p_c against (label == c).
- adaptive_ece: numpy only (scikit-learn has no equal-mass ECE): the labelled rows sorted by top-label confidence
         with a stable argsort, np.array_split into 15 groups, sum_b |hits_b - sum of confidences_b| / N.
- wilson: scipy.stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method='wilson').
"""
import json
import os

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.metrics import mean_absolute_error, mean_squared_error
from sklearn.utils.class_weight import compute_sample_weight

BINS = 15


def binned_ece(hit, conf):
    """ECE over 15 equal-width bins from calibration_curve, weighting each bin by its count."""
    prob_true, prob_pred = calibration_curve(hit.astype(int), conf, n_bins=BINS, strategy="uniform")
    edges = np.linspace(0.0, 1.0, BINS + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], conf), minlength=BINS)
    counts = counts[counts > 0]
    assert len(counts) == len(prob_true), "bin counts must line up with calibration_curve's non-empty bins"
    return float(np.sum(counts / len(conf) * np.abs(prob_true - prob_pred)))


def metrics(labels, probabilities, predictions):
    keep = labels >= 0
    y, p, yhat = labels[keep], probabilities[keep], predictions[keep]
    k = probabilities.shape[1]
    mae = mean_absolute_error(y, yhat)
    rmse = mean_squared_error(y, yhat, squared=False)
    amae = mean_absolute_error(y, yhat, sample_weight=compute_sample_weight("balanced", y))
    per_class = [mean_absolute_error(y[y == c], yhat[y == c]) for c in np.unique(y)]
    assert np.isclose(amae, np.mean(per_class), rtol=0, atol=1e-12)

    top = np.argmax(p, axis=1)
    conf = p[np.arange(len(y)), top]
    hit = top == y
    ece = binned_ece(hit, conf)
    classwise = float(np.mean([binned_ece(y == c, p[:, c]) for c in range(k)]))

    order = np.argsort(conf, kind="stable")
    adaptive = float(sum(abs(hit[g].sum() - conf[g].sum()) for g in np.array_split(order, BINS)) / len(y))
    return {"mae": float(mae), "rmse": float(rmse), "amae": float(amae), "ece": ece,
            "classwise_ece": classwise, "adaptive_ece": adaptive}


def case(name, labels, probabilities, predictions):
    return {"name": name, "class_count": int(probabilities.shape[1]), "labels": labels.tolist(),
            "predictions": predictions.tolist(), "probabilities": probabilities.tolist(),
            "expected": metrics(labels, probabilities, predictions)}


def random_case(name, seed, rows, prior, missing, concentration):
    # Each row has a true class distribution q; its label is drawn from q, and the reported probabilities are q
    # sharpened (power 2.5, over-confident) or flattened (power 0.5, under-confident) at random, so that the gap
    # between confidence and accuracy changes sign across bins and the binning matters.
    rng = np.random.default_rng(seed)
    k = len(prior)
    q = rng.dirichlet(np.array(prior) * concentration, size=rows)
    q = np.clip(q, 1e-9, None)
    q /= q.sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(k, p=row) for row in q])
    power = rng.choice([0.5, 2.5], size=(rows, 1))
    probabilities = q ** power
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    # Predictions as an ordinal rule might give them: the label moved by -1, 0 or +1 at random, kept in range.
    predictions = np.clip(labels + rng.choice([-1, 0, 0, 1], size=rows), 0, k - 1)
    labels = np.where(rng.random(rows) < missing, -1, labels)
    return case(name, labels, probabilities, predictions)


def absent_class_case():
    # K = 4 and class 2 never occurs among the labels, though it is predicted and has probability mass.
    rng = np.random.default_rng(4)
    rows = 200
    labels = rng.choice([0, 1, 3], size=rows, p=[0.2, 0.3, 0.5])
    probabilities = rng.dirichlet(np.ones(4) * 0.7, size=rows)
    predictions = rng.choice(4, size=rows)
    return case("absent class, K=4", labels, probabilities, predictions)


def ties_case():
    # Few distinct probability rows, so many confidences are equal and equal-mass groups cut through ties.
    rng = np.random.default_rng(5)
    table = np.array([[0.5, 0.3, 0.2], [0.6, 0.2, 0.2], [0.2, 0.4, 0.4], [0.1, 0.1, 0.8], [0.25, 0.5, 0.25]])
    rows = 157
    probabilities = table[rng.integers(0, len(table), size=rows)]
    labels = rng.choice(3, size=rows, p=[0.5, 0.3, 0.2])
    predictions = np.argmax(probabilities, axis=1)
    return case("ties, K=3", labels, probabilities, predictions)


def main():
    cases = [
        random_case("skewed, K=5, 10% missing", 1, 600, [0.02, 0.05, 0.13, 0.3, 0.5], 0.1, 5.0),
        random_case("binary, 97 rows", 2, 97, [0.8, 0.2], 0.0, 2.0),
        random_case("9 rows, K=3 (fewer rows than bins)", 3, 9, [0.3, 0.3, 0.4], 0.0, 3.0),
        random_case("K=10, 1000 rows", 6, 1000, [0.1] * 10, 0.05, 3.0),
        absent_class_case(),
        ties_case(),
    ]
    wilson = []
    for k, n in [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (1, 2), (7, 13), (500, 1000), (999, 1000), (2, 140)]:
        ci = scipy.stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        wilson.append({"successes": k, "trials": n, "lower": float(ci.low), "upper": float(ci.high)})
    out = {"generator": f"make_metric_fixtures.py with scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
                        f"scipy {scipy.__version__}",
           "cases": cases, "wilson": wilson}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metric_fixtures.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
