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
