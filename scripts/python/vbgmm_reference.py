"""Reference numbers for src-main/samplers/gmm-variational.test.ts from scikit-learn.

Run once with Debian's Python (python3-sklearn):

    /usr/bin/python3 scripts/python/vbgmm_reference.py

It builds a small fixed 2-D data set (three blobs, 60 points, numpy seed 7, rounded to 3
decimals) and a start labelling with a fourth, nearly empty label (three points), fits
BayesianGaussianMixture(n_components=4, covariance_type='full',
weight_concentration_prior_type='dirichlet_distribution', reg_covar=1e-6, tol=1e-3,
max_iter=100) started from that labelling's one-hot responsibilities (instead of k-means, as
Margin starts from the predicted labels), and prints JSON: the data, the start labels and the
fitted posterior (weight_concentration_, mean_precision_, means_, degrees_of_freedom_,
covariances_, weights_, lower_bound_, n_iter_, converged_) plus predict_proba of the first
five points. The test pastes these numbers.
"""
import json

import numpy as np
import sklearn
from sklearn.mixture import BayesianGaussianMixture


class FromLabels(BayesianGaussianMixture):
    """BayesianGaussianMixture started from given hard responsibilities."""

    def __init__(self, init_labels=None, **kw):
        super().__init__(**kw)
        self.init_labels = init_labels

    def _initialize_parameters(self, X, random_state):
        resp = np.zeros((X.shape[0], self.n_components))
        resp[np.arange(X.shape[0]), self.init_labels] = 1
        self._initialize(X, resp)


def main():
    rng = np.random.RandomState(7)
    centres = np.array([[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]])
    x = np.vstack([rng.randn(20, 2) @ np.array([[1.0, 0.3], [0.0, 0.6]]) + c for c in centres]).round(3)
    labels = np.repeat(np.arange(3), 20)
    labels[[5, 25, 45]] = 3  # a fourth label on three points
    labels[[10, 30]] = [1, 2]  # two points mislabelled
    m = FromLabels(
        init_labels=labels, n_components=4, covariance_type='full',
        weight_concentration_prior_type='dirichlet_distribution', reg_covar=1e-6, tol=1e-3, max_iter=100,
    ).fit(x)
    out = {
        'sklearn': sklearn.__version__,
        'x': x.ravel().tolist(),
        'labels': labels.tolist(),
        'weightConcentration': m.weight_concentration_.tolist(),
        'meanPrecision': m.mean_precision_.tolist(),
        'means': m.means_.ravel().tolist(),
        'degreesOfFreedom': m.degrees_of_freedom_.tolist(),
        'covariances': m.covariances_.ravel().tolist(),
        'weights': m.weights_.tolist(),
        'lowerBound': m.lower_bound_,
        'iterations': int(m.n_iter_),
        'converged': bool(m.converged_),
        'proba5': m.predict_proba(x[:5]).ravel().tolist(),
    }
    print(json.dumps(out))


if __name__ == '__main__':
    main()
