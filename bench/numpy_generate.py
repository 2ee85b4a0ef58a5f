"""numpy reference for problem generation: standard_normal of an m × n1·n2 float32 (and float64) array,
the bulk of generating a dense Gaussian operator. Prints one JSON line."""
import json, sys, time
import numpy as np

def main():
    m, N = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (5000, 10000)
    rng = np.random.default_rng(0)
    out = {"numpy": np.__version__}
    for dtype in (np.float32, np.float64):
        ts = []
        for _ in range(3):
            t0 = time.perf_counter(); a = rng.standard_normal((m, N), dtype=dtype); ts.append(time.perf_counter() - t0)
            assert abs(float(a[:100].std()) - 1) < 0.05
            del a
        out[np.dtype(dtype).name + "_ms"] = 1e3 * min(ts)
    print(json.dumps(out))

if __name__ == "__main__":
    main()
