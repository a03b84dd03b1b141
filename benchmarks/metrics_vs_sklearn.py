"""actloss.metrics against sklearn.metrics, side by side in one process.

    python benchmarks/metrics_vs_sklearn.py [--n 1000000] [--rounds 15]

Prints, per metric, the median time of each over ``rounds`` timed calls (after a warm-up call
whose results are compared, so that a wrong formula cannot make a ratio) and the ratio
sklearn / actloss (above 1: actloss faster). Needs scikit-learn (``pip install -e
'.[sklearn]'``).
"""
import argparse
import statistics
import time

import numpy as np
import sklearn.metrics as SK

import actloss.metrics as M


def problems(n, rng):
    """(metric name, args, kwargs) of each case: float64 inputs of n samples."""
    y = rng.gamma(2.0, 1.0, n) + 0.1
    p = y * rng.uniform(0.5, 1.5, n)
    labels = rng.integers(0, 2, n)
    proba = rng.uniform(0.01, 0.99, n)
    labels10 = rng.integers(0, 10, n // 10)
    proba10 = rng.dirichlet(np.ones(10), n // 10)
    scores = rng.standard_normal(n)
    return [
        ("mean_squared_error", (y, p), {}),
        ("mean_absolute_error", (y, p), {}),
        ("mean_squared_log_error", (y, p), {}),
        ("mean_pinball_loss", (y, p), {"alpha": 0.9}),
        ("mean_poisson_deviance", (y, p), {}),
        ("mean_gamma_deviance", (y, p), {}),
        ("mean_tweedie_deviance", (y, p), {"power": 1.5}),
        ("log_loss", (labels, proba), {}),
        ("log_loss", (labels10, proba10), {}),
        ("hinge_loss", (2 * labels - 1, scores), {}),
    ]


def median_time(f, args, kwargs, rounds):
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        f(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10**6, help="samples (default 10^6)")
    parser.add_argument("--rounds", type=int, default=15, help="timed calls each (median)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"{'metric':<28}{'shape':>14}{'sklearn ms':>12}{'actloss ms':>12}{'ratio':>8}")
    for name, a, kw in problems(args.n, rng):
        ours, theirs = getattr(M, name), getattr(SK, name)
        np.testing.assert_allclose(ours(*a, **kw), theirs(*a, **kw), rtol=1e-9)
        t_sk = median_time(theirs, a, kw, args.rounds)
        t_al = median_time(ours, a, kw, args.rounds)
        shape = "x".join(map(str, a[1].shape))
        print(f"{name:<28}{shape:>14}{t_sk * 1e3:>12.2f}{t_al * 1e3:>12.2f}{t_sk / t_al:>8.1f}")


if __name__ == "__main__":
    main()
