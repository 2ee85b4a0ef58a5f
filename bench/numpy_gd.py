"""numpy reference for the matsense GD-iteration benchmark: the same work per iteration (X = F Gᵀ, r = A vec(X) − y,
E = reshape(Aᵀ r), F -= η E G, G -= η Eᵀ F), in float64 and float32. Prints one JSON line per dtype."""
import json, sys, time
import numpy as np
from _blas import blas_info

def main():
    n1, n2, r, k, m = (int(v) for v in sys.argv[1:6]) if len(sys.argv) > 5 else (100, 100, 5, 20, 5000)
    reps = int(sys.argv[6]) if len(sys.argv) > 6 else 20
    out = []
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        A = rng.standard_normal((m, n1 * n2), dtype=dtype) / np.sqrt(m).astype(dtype)
        U = np.linalg.qr(rng.standard_normal((n1, r)))[0]; V = np.linalg.qr(rng.standard_normal((n2, r)))[0]
        y = (A @ (U @ V.T).ravel().astype(dtype)).astype(dtype)
        F = (1e-3 * rng.standard_normal((n1, k))).astype(dtype)
        G = (1e-3 * rng.standard_normal((n2, k))).astype(dtype)
        eta = dtype(0.1)
        def step(F, G):
            X = F @ G.T
            res = A @ X.ravel() - y
            E = (A.T @ res).reshape(n1, n2)
            return F - eta * (E @ G), G - eta * (E.T @ F)
        for _ in range(3):
            F, G = step(F, G)
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter(); F, G = step(F, G); ts.append(time.perf_counter() - t0)
        ts.sort()
        out.append({"dtype": np.dtype(dtype).name, "median_ms": 1e3 * ts[len(ts) // 2], "min_ms": 1e3 * ts[0]})
    gen = []
    for _ in range(3):
        t0 = time.perf_counter(); rng.standard_normal((m, n1 * n2), dtype=np.float32); gen.append(time.perf_counter() - t0)
    print(json.dumps({"numpy": np.__version__, "blas": blas_info(), "gd": out, "generate_f32_ms": 1e3 * min(gen)}))

if __name__ == "__main__":
    main()
