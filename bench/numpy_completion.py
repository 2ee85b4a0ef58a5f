"""numpy + scipy.sparse reference for the matsense completion benchmark: one GD iteration on F Gᵀ with Ω of m
entries (math: docs/theory.md, structured operators) — gathers F[rows], G[cols], residuals, then E·G and Eᵀ·F by
sparse products, the CSR structure built once and only its values updated each iteration, in float64 (default) or
float32 (6th argument). Prints one JSON line with the median time and the process's peak resident memory."""
import json, resource, sys, time
import numpy as np
from _blas import blas_info
import scipy.sparse as sp

def main():
    n, r, k, density = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    reps = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    dtype = np.dtype(sys.argv[6] if len(sys.argv) > 6 else "float64")
    rng = np.random.default_rng(0)
    m = int(round(density * n * n))
    lin = np.unique(rng.integers(0, n * n, size=int(m * (1 + 2 * density) + 1000), dtype=np.int64))
    lin = np.sort(rng.choice(lin, size=m, replace=False))      # m distinct cells, sorted by row
    rows, cols = (lin // n).astype(np.int32), (lin % n).astype(np.int32)
    del lin
    w = dtype.type(1.0 / np.sqrt(density))
    U = rng.standard_normal((n, r)); V = rng.standard_normal((n, r))
    y = (w * np.einsum("ij,ij->i", U[rows], V[cols])).astype(dtype)
    F = (1e-3 * rng.standard_normal((n, k))).astype(dtype); G = (1e-3 * rng.standard_normal((n, k))).astype(dtype)
    E = sp.csr_matrix((np.zeros(m, dtype), (rows, cols)), shape=(n, n))   # structure once; data order = sorted Ω
    eta = dtype.type(0.1)
    def step(F, G):
        res = w * np.einsum("ij,ij->i", F[rows], G[cols]) - y
        E.data[:] = w * res
        return F - eta * (E @ G), G - eta * (E.T @ F)
    F, G = step(F, G)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); F, G = step(F, G); ts.append(time.perf_counter() - t0)
    ts.sort()
    assert F.dtype == dtype and G.dtype == dtype
    print(json.dumps({"numpy": np.__version__, "dtype": str(dtype), "blas": blas_info(), "scipy": __import__("scipy").__version__, "m": m,
                      "median_ms": 1e3 * ts[len(ts) // 2], "min_ms": 1e3 * ts[0],
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))

if __name__ == "__main__":
    main()
