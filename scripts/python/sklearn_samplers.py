"""scikit-learn's counterparts of Margin's model-based samplers, timed on one exported latent.

Used by `npm run bench:samplers` (scripts/bench-samplers.ts), which writes the latent it measures
Margin on to a temporary .npy file and runs:

    python3 scripts/python/sklearn_samplers.py LATENT.npy TRUE_LABELS.npy PRED_LABELS.npy [--runs 3]

Each estimator is timed as fit + posterior on the whole latent (what Margin's sampler needs:
each item's class probabilities), `--runs` times; prints one JSON object on stdout:
{"sklearn": version, "numpy": version, "threads": …, "results": [{"name", "estimator",
"seconds": [...], "median", "cpuSeconds": [...], "cpuMedian" (process CPU time, all threads),
"iterations", "converged"}]}.

  gmm-full       BayesianGaussianMixture(covariance_type='full', max_iter=200), fit + predict_proba
  gmm-spherical  BayesianGaussianMixture(covariance_type='spherical', max_iter=200), fit + predict_proba
  maxmargin      SVC(kernel='linear', probability=True) on the true labels, fit + predict_proba
                 (the data z-scored first, as Margin does)
n_components is the number of classes; random_state 0; everything else scikit-learn's defaults.
"""
import argparse
import json
import os
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture
from sklearn.svm import SVC


def timed(make, x, y=None):
    c0 = time.process_time()
    t0 = time.perf_counter()
    est = make()
    if y is None:
        est.fit(x)
    else:
        est.fit(x, y)
    est.predict_proba(x)
    return time.perf_counter() - t0, time.process_time() - c0, est


def main():
    p = argparse.ArgumentParser()
    p.add_argument("latent")
    p.add_argument("true_labels")
    p.add_argument("pred_labels")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", default="", help="comma-separated subset of gmm-full,gmm-spherical,maxmargin")
    a = p.parse_args()
    x = np.load(a.latent).astype(np.float64)
    y = np.load(a.true_labels).astype(np.int64)
    k = int(max(y.max(), np.load(a.pred_labels).max()) + 1)
    z = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    cases = {
        "gmm-full": ("BayesianGaussianMixture(covariance_type='full', max_iter=200)",
                     lambda: BayesianGaussianMixture(n_components=k, covariance_type="full", max_iter=200, random_state=0), x, None),
        "gmm-spherical": ("BayesianGaussianMixture(covariance_type='spherical', max_iter=200)",
                          lambda: BayesianGaussianMixture(n_components=k, covariance_type="spherical", max_iter=200, random_state=0), x, None),
        "maxmargin": ("SVC(kernel='linear', probability=True)",
                      lambda: SVC(kernel="linear", probability=True, random_state=0), z, y),
    }
    only = [s for s in a.only.split(",") if s]
    results = []
    warnings.simplefilter("ignore", ConvergenceWarning)
    for name, (label, make, data, target) in cases.items():
        if only and name not in only:
            continue
        secs, cpus = [], []
        est = None
        for _ in range(a.runs):
            s, c, est = timed(make, data, target)
            secs.append(s)
            cpus.append(c)
        r = {"name": name, "estimator": label, "seconds": secs, "median": float(np.median(secs)),
             "cpuSeconds": cpus, "cpuMedian": float(np.median(cpus))}
        if hasattr(est, "n_iter_"):
            it = est.n_iter_
            r["iterations"] = int(np.sum(it)) if np.ndim(it) else int(it)
        if hasattr(est, "converged_"):
            r["converged"] = bool(est.converged_)
        results.append(r)
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    print(json.dumps({"sklearn": sklearn.__version__, "numpy": np.__version__, "threads": threads,
                      "n": int(x.shape[0]), "d": int(x.shape[1]), "results": results}))


if __name__ == "__main__":
    main()
