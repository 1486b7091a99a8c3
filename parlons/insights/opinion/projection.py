"""Pol.is's PCA: column-mean imputation of unseen votes, two components, and a projection scaled for sparse voters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Below this many rows or columns a full SVD is cheap and exact; above, warm-started subspace iteration.
EXACT_SVD_BELOW = 400
POWER_MAX_ITER = 300
POWER_TOLERANCE = 1e-10


@dataclass(frozen=True)
class Projection:
    """``center``: the mean vote per statement; ``components``: 2 x statements; ``points``: participants x 2."""

    center: np.ndarray
    components: np.ndarray
    points: np.ndarray


def pca(
    values: np.ndarray,
    *,
    zeroed_columns: np.ndarray | None = None,
    previous_components: np.ndarray | None = None,
) -> Projection:
    """Project the vote matrix ``values`` (NaN = unseen) on its first two principal components.

    As Pol.is does: moderated-out statements (``zeroed_columns``, a boolean mask) count as a pass from everyone;
    the centre is each statement's mean over the votes cast; unseen votes take that mean, so they pull nobody;
    a participant's coordinates are the sum over the statements they voted on of (vote - centre) x loading,
    multiplied by sqrt(statements / votes), so that someone who voted on few statements is not squashed to the
    centre. Each component's sign follows ``previous_components`` when given (the map does not flip between
    updates), else its largest loading is positive.
    """
    data = np.array(values, dtype=float, copy=True)
    if zeroed_columns is not None and zeroed_columns.any():
        data[:, zeroed_columns] = 0.0
    _n_rows, n_cols = data.shape
    seen = ~np.isnan(data)
    counts = seen.sum(axis=0)
    sums = np.where(seen, data, 0.0).sum(axis=0)
    center = np.divide(sums, counts, out=np.zeros(n_cols), where=counts > 0)
    centred = np.where(seen, data - center, 0.0)
    components = _top_two_components(centred, previous_components)
    components = _orient(components, previous_components)
    raw = centred @ components.T
    n_votes = np.maximum(seen.sum(axis=1), 1)
    scale = np.sqrt(n_cols / n_votes)
    return Projection(center=center, components=components, points=raw * scale[:, None])


def _top_two_components(centred: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    n_rows, n_cols = centred.shape
    wanted = 2
    components = np.zeros((wanted, n_cols))
    if n_rows < 2 or n_cols == 0:
        return components
    if min(n_rows, n_cols) <= EXACT_SVD_BELOW:
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        found = vt[:wanted]
    else:
        found = _subspace_iteration(centred, wanted, start)
    components[: found.shape[0]] = found
    return components


def _subspace_iteration(centred: np.ndarray, wanted: int, start: np.ndarray | None) -> np.ndarray:
    """Top right singular vectors by block power iteration (Pol.is uses power iteration too), warm-started
    from the previous components: a few matrix products instead of a full decomposition."""
    n_cols = centred.shape[1]
    block = min(n_cols, wanted + 6)
    guess = np.random.default_rng(0).standard_normal((n_cols, block))
    if start is not None and start.shape == (wanted, n_cols) and np.any(start):
        guess[:, :wanted] = start.T
    basis, _ = np.linalg.qr(guess)
    previous = np.zeros(wanted)
    for _ in range(POWER_MAX_ITER):
        product = centred.T @ (centred @ basis)
        basis, _ = np.linalg.qr(product)
        # Rayleigh-Ritz: the best approximations inside the block, and a convergence test on their values.
        small = basis.T @ (centred.T @ (centred @ basis))
        values, vectors = np.linalg.eigh(small)
        order = np.argsort(values)[::-1][:wanted]
        if np.allclose(values[order], previous, rtol=POWER_TOLERANCE, atol=0.0):
            break
        previous = values[order]
    return (basis @ vectors[:, order]).T


def _orient(components: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    oriented = components.copy()
    for i, component in enumerate(oriented):
        if (
            previous is not None
            and previous.shape == components.shape
            and np.dot(component, previous[i]) != 0
        ):
            sign = np.sign(np.dot(component, previous[i]))
        else:
            sign = np.sign(component[np.argmax(np.abs(component))]) if component.any() else 1.0
        oriented[i] = component * (sign or 1.0)
    return oriented
