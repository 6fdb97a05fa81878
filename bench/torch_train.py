"""PyTorch peer of bench/train.ts: the same four VGG seed models, same data shape, batch and optimizer.

Usage: python3 bench/torch_train.py '{"batch":64,"steps":5,"warmup":2,"threads":1,"dense_units":128,...}'
Prints one JSON object: {"torch": version, "threads": n, "results": [{"model", "images_per_sec", ...}]}.
"""
import json
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError as e:  # bench/train.ts checks first; this covers running the script by hand
    print(f"bench:train needs PyTorch: apt-get install -y python3-torch ({e})", file=sys.stderr)
    sys.exit(2)


def vgg(regularizer, depth, dense_units, dropout_rate, dense_dropout_rate, in_shape, classes):
    h, w, c = in_shape
    layers = []
    channels = c
    for block in range(depth):
        filters = 32 * 2 ** block
        for _ in range(2):
            layers += [nn.Conv2d(channels, filters, 3, padding=1), nn.ReLU()]
            if regularizer == "batchnorm-every-conv":
                layers.append(nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01))
            channels = filters
        if regularizer == "batchnorm":
            layers.append(nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01))
        layers.append(nn.MaxPool2d(2, 2))
        h, w = h // 2, w // 2
        if regularizer == "batchnorm-every-conv":
            layers.append(nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01))
        if regularizer == "dropout":
            layers.append(nn.Dropout(dropout_rate))
    layers += [nn.Flatten(), nn.Linear(channels * h * w, dense_units), nn.ReLU()]
    if regularizer in ("batchnorm", "batchnorm-every-conv"):
        layers.append(nn.BatchNorm1d(dense_units, eps=1e-3, momentum=0.01))
    if regularizer == "dropout":
        layers.append(nn.Dropout(dense_dropout_rate))
    layers.append(nn.Linear(dense_units, classes))  # softmax is inside CrossEntropyLoss
    return nn.Sequential(*layers)


def main():
    cfg = json.loads(sys.argv[1])
    torch.manual_seed(0)
    if cfg.get("threads"):
        torch.set_num_threads(int(cfg["threads"]))
    batch, steps, warmup = cfg["batch"], cfg["steps"], cfg["warmup"]
    h, w, c = cfg["input_shape"]
    results = []
    for regularizer in cfg["models"]:
        model = vgg(regularizer, cfg["depth"], cfg["dense_units"], cfg["dropout_rate"], cfg["dense_dropout_rate"],
                    (h, w, c), cfg["classes"])
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        x = torch.rand(batch, c, h, w)
        y = torch.randint(0, cfg["classes"], (batch,))

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss.item()

        for _ in range(warmup):
            step()
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        for _ in range(steps):
            step()
        seconds = time.perf_counter() - t0
        cpu_seconds = time.process_time() - cpu0
        results.append({"model": regularizer, "seconds": seconds, "cpu_seconds": cpu_seconds,
                        "images_per_sec": steps * batch / seconds, "cpu_images_per_sec": steps * batch / cpu_seconds})
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}))


if __name__ == "__main__":
    main()
