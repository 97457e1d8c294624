"""Paired differences over the splits a benchmark shares between its methods."""

import numpy as np
from scipy import stats


def paired_difference(ours, peer):
    """Mean of ``ours - peer`` over the splits both have, in points (x 100).

    ``ours`` and ``peer`` map a split's seed to a score. Returns a dict with
    the mean difference, the bounds of its 95 % t interval (NaN with one
    split), the number of splits and how many of them each side leads.
    """
    splits = sorted(set(ours) & set(peer))
    differences = 100 * np.array([ours[split] - peer[split] for split in splits])
    n = len(differences)
    mean = float(np.mean(differences)) if n else np.nan
    half_width = (stats.t.ppf(0.975, n - 1) * np.std(differences, ddof=1) / np.sqrt(n)
                  if n > 1 else np.nan)
    return {"mean": mean, "low": mean - half_width, "high": mean + half_width, "n": n,
            "ahead": int(np.sum(differences > 0)), "behind": int(np.sum(differences < 0))}


def format_difference(difference):
    """``+0.42 [-0.10, +0.94] (7↑ 2↓ of 10)``: points, interval, splits ahead/behind."""
    return (f"{difference['mean']:+.2f} [{difference['low']:+.2f}, {difference['high']:+.2f}] "
            f"({difference['ahead']}↑ {difference['behind']}↓ of {difference['n']})")


def score_tables(rows, ours, title, label=lambda dataset, found: dataset, ours_name="Ours"):
    """Two markdown tables of benchmark ``rows`` (dicts with ``dataset``,
    ``split``, ``method``, ``score`` and ``fit_seconds``): each method's mean
    ± standard deviation over the splits (median fit time) under ``title``,
    then ``ours`` minus each other method, paired over the splits.
    ``label(dataset, rows_of_it)`` names a data set's row."""
    sets = list(dict.fromkeys(row["dataset"] for row in rows))
    names = list(dict.fromkeys(row["method"] for row in rows))
    lines = [f"{title}, mean ± standard deviation over the splits (median fit time)", "",
             "| data set | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for dataset in sets:
        cells = []
        for name in names:
            found = [row for row in rows if row["dataset"] == dataset and row["method"] == name]
            values = [row["score"] for row in found]
            cells.append("—" if not found else (
                f"{np.mean(values):.3f} ± {np.std(values):.3f} "
                f"({np.median([row['fit_seconds'] for row in found]):.2f} s)"))
        of_set = [row for row in rows if row["dataset"] == dataset]
        lines.append(f"| {label(dataset, of_set)} | " + " | ".join(cells) + " |")
    lines += ["", f"{ours_name} minus each other method, paired over the splits (points): "
              "mean [95 % t interval] (splits ahead ↑, behind ↓)", "",
              "| data set | other | difference |", "|---|---|---|"]
    for dataset in sets:
        scores = {name: {row["split"]: row["score"] for row in rows
                         if row["dataset"] == dataset and row["method"] == name}
                  for name in names}
        for name in names:
            if name != ours and scores[name]:
                lines.append(f"| {dataset} | {name} | "
                             f"{format_difference(paired_difference(scores[ours], scores[name]))} |")
    return "\n".join(lines)
