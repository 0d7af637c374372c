# PyTorch's training steps on this machine, for docs/performance.md's
# side-by-side with `npm run bench` (threads section): the MLP (784-128-256-10,
# batch 250) and the PQI CNN (conv 64-128-256-512 + BN + ReLU + max pool, GAP,
# linear; 28x28, batch 64) with SGD (lr 0.01, momentum 0.9 Nesterov, weight
# decay 5e-4), cross-entropy, at 1 and 2 threads (torch.set_num_threads),
# interleaved rounds, best trial of each. Not a dependency: run it with
# Debian's python3-torch (install libopenblas0-pthread, or PyTorch falls back
# to the reference BLAS) or a torch 2.x CPU wheel.
#   /usr/bin/python3 scripts/bench/torch-steps.py [--rounds 8]
import json, os, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from torch_nets import CNN  # noqa: E402
ROUNDS = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 8


def case(name, model, shape, batch, per_step):
    torch.manual_seed(0)
    x = torch.randn(batch, *shape)
    y = torch.arange(batch) % 10
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return {"name": name, "step": step, "per_step": per_step}


mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 10))
cases = [
    (case("MLP step (batch 250)", mlp, (1, 28, 28), 250, 1), 10, "steps/s"),
    (case("cnn step (28x28, batch 64)", CNN(), (1, 28, 28), 64, 64), 1, "images/s"),
]
threads = [1, 2]
best = {(c["name"], t): float("inf") for c, _, _ in cases for t in threads}
for c, n, _ in cases:
    for t in threads:
        torch.set_num_threads(t)
        for _ in range(3):
            c["step"]()  # warm-up
for r in range(ROUNDS):
    for c, n, _ in cases:
        for t in threads:
            torch.set_num_threads(t)
            t0 = time.perf_counter()
            for _ in range(n):
                c["step"]()
            best[(c["name"], t)] = min(best[(c["name"], t)], (time.perf_counter() - t0) / n)
out = {"torch": torch.__version__, "blas": torch.__config__.show().split("BLAS_INFO=")[-1].split(",")[0] if "BLAS_INFO=" in torch.__config__.show() else "?", "cases": []}
for c, n, unit in cases:
    rates = {t: c["per_step"] / best[(c["name"], t)] for t in threads}
    out["cases"].append({"name": c["name"], "unit": unit, "rates": rates})
    print(f"{c['name']:32s} " + "  ".join(f"{t} thread{'s' if t > 1 else ''}: {rates[t]:8.1f} {unit}" for t in threads), file=sys.stderr)
print(json.dumps(out))
