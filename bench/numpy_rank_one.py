"""numpy reference for the matsense rank-one benchmark: one GD iteration with A_i = a_i b_iᵀ, the vectors as the
rows of Amat (m × n1) and Bmat (m × n2): P = Amat F, Q = Bmat G, r = rowsum(P ∘ Q) − y, F -= η Amatᵀ diag(r) Q,
G -= η Bmatᵀ diag(r) P — in float32 and float64 (OpenBLAS, its default thread count unless the caller sets
OPENBLAS_NUM_THREADS). Prints one JSON line."""
import json, sys, time
import numpy as np
from _blas import blas_info

def main():
    n1, n2, r, k, m = (int(v) for v in sys.argv[1:6])
    reps = int(sys.argv[6]) if len(sys.argv) > 6 else 10
    rng = np.random.default_rng(0)
    out = []
    for dtype in (np.float32, np.float64):
        s = m ** -0.25
        A = (s * rng.standard_normal((m, n1), dtype=np.float32)).astype(dtype)
        B = (s * rng.standard_normal((m, n2), dtype=np.float32)).astype(dtype)
        U = rng.standard_normal((n1, r)).astype(dtype); V = rng.standard_normal((n2, r)).astype(dtype)
        y = np.einsum("ij,ij->i", A @ U, B @ V)
        F = (1e-3 * rng.standard_normal((n1, k))).astype(dtype); G = (1e-3 * rng.standard_normal((n2, k))).astype(dtype)
        eta = dtype(0.1)
        def step(F, G):
            P = A @ F; Q = B @ G
            res = np.einsum("ij,ij->i", P, Q) - y
            return F - eta * (A.T @ (res[:, None] * Q)), G - eta * (B.T @ (res[:, None] * P))
        for _ in range(2):
            F, G = step(F, G)
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter(); F, G = step(F, G); ts.append(time.perf_counter() - t0)
        ts.sort()
        out.append({"dtype": np.dtype(dtype).name, "median_ms": 1e3 * ts[len(ts) // 2], "min_ms": 1e3 * ts[0]})
        del A, B
    print(json.dumps({"numpy": np.__version__, "blas": blas_info(), "gd": out}))

if __name__ == "__main__":
    main()
