"""numpy twin of the AGN-paper benchmark (n1 = n2 = 100, r = 5, k = 15, m = 25 000, κ = 10): the same iterations
as matsense's `agn` and `gd` methods (AGN: F ← F − η E G (GᵀG)⁺, then G ← G − η E(F_new)ᵀ F_new (F_newᵀF_new)⁺,
η = 0.5, eigen pseudo-inverse with cutoff 1e-12; GD: η = 0.5/σ̂1(A*(y))), from the same kind of start (entries
N(0, α²), α = 1e-3), float64. AGN runs to relative error 1e-10; GD runs `gd_iters` iterations and reports the time per
iteration (its wall time to 1e-10 is that × the iteration count, which is the same as matsense's for the same
iterations). AGN is cut at `max_agn` iterations (default 200); with a small cap its time per iteration is what
is reported (the benchmark multiplies it by matsense's iteration count). Prints one JSON line."""
import json, sys, time
import numpy as np

def pinv_sym(S, rcond=1e-12):
    w, V = np.linalg.eigh(S)
    cut = rcond * max(w.max(), 0)
    inv = np.where(w > cut, 1 / np.where(w > cut, w, 1), 0)
    return (V * inv) @ V.T

def main():
    n, r, k, m, kappa = 100, 5, 15, 25000, 10.0
    gd_iters = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    max_agn = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    A = rng.standard_normal((m, n * n)) / np.sqrt(m)
    gen_s = time.perf_counter() - t0
    U = np.linalg.qr(rng.standard_normal((n, r)))[0]; V = np.linalg.qr(rng.standard_normal((n, r)))[0]
    sig = np.linspace(1, 1 / kappa, r)
    M = (U * sig) @ V.T
    y = A @ M.ravel()
    Mn = np.linalg.norm(M)
    def E_of(F, G):
        res = A @ (F @ G.T).ravel() - y
        return (A.T @ res).reshape(n, n)
    F0 = 1e-3 * rng.standard_normal((n, k)); G0 = 1e-3 * rng.standard_normal((n, k))
    # AGN
    F, G = F0.copy(), G0.copy(); eta = 0.5
    t0 = time.perf_counter(); it = 0; err = 1.0
    while it < max_agn:
        err = np.linalg.norm(F @ G.T - M) / Mn
        if err <= 1e-10: break
        E = E_of(F, G)
        Fn = F - eta * (E @ G) @ pinv_sym(G.T @ G)
        E2 = E_of(Fn, G)
        G = G - eta * (E2.T @ Fn) @ pinv_sym(Fn.T @ Fn)
        F = Fn; it += 1
    agn_s = time.perf_counter() - t0
    # GD
    S = (A.T @ y).reshape(n, n)
    s1 = np.linalg.svd(S, compute_uv=False)[0]
    eta = 0.5 / s1
    F, G = F0.copy(), G0.copy()
    ts = []
    for _ in range(gd_iters):
        t1 = time.perf_counter()
        E = E_of(F, G)
        F, G = F - eta * (E @ G), G - eta * (E.T @ F)
        ts.append(time.perf_counter() - t1)
    ts.sort()
    print(json.dumps({"numpy": np.__version__, "generate_s": gen_s,
                      "agn": {"iterations": it, "seconds": agn_s, "rel_error": float(err), "per_iter_ms": 1e3 * agn_s / max(it, 1), "reached": bool(err <= 1e-10)},
                      "gd_iter_ms": 1e3 * ts[len(ts) // 2]}))

if __name__ == "__main__":
    main()
