#!/usr/bin/env python3
"""A small CNN on Fashion-MNIST in PyTorch, written as a `sweep` command trainer.

Standalone:   python3 train.py --lr 0.05 --dropout 0.3 --epochs 5
Under sweep:  parameters arrive as arguments (see sweep.yaml); the program follows the contract in
src/worker/command/run-command.ts: one JSON line per epoch on stdout, state in $SWEEP_CHECKPOINT_DIR
(written before that epoch's line), resume from $SWEEP_RESUME_EPOCH, model.onnx in $SWEEP_OUTPUT_DIR.
Without those variables it trains the same way and keeps no state.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"  # Debian's dataset-fashion-mnist package


def default_data_dir():
    # sweep's own dataset cache ($SWEEP_DATA_DIR/fashion-mnist) holds the same four files.
    cached = os.path.join(os.environ.get("SWEEP_DATA_DIR", ""), "fashion-mnist")
    return cached if os.environ.get("SWEEP_DATA_DIR") and os.path.isdir(cached) else DEBIAN_DIR


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--train-size", type=int, default=60000, help="first N training images")
    p.add_argument("--val-size", type=int, default=10000, help="first N test images (the validation split)")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    p.add_argument("--data-dir", default=default_data_dir())
    return p.parse_args()


def read_idx(path, header_ints):
    """An IDX file (gzip): big-endian int32 header (magic + sizes), then uint8 data."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=4 * header_ints)


def load_split(data_dir, prefix, n):
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"), 4).reshape(-1, 1, 28, 28)[:n]
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"), 2)[:n]
    return torch.from_numpy(images.astype(np.float32) / 255.0), torch.from_numpy(labels.astype(np.int64))


class Net(nn.Module):
    def __init__(self, dropout):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)  # 28x28 -> pool -> 14x14
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)  # 14x14 -> pool -> 7x7
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.drop(F.relu(self.fc1(self.drop(x.flatten(1)))))
        return self.fc2(x)


def evaluate(model, x, y, device, batch=1000):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb, yb = x[i:i + batch].to(device), y[i:i + batch].to(device)
            out = model(xb)
            loss += F.cross_entropy(out, yb, reduction="sum").item()
            correct += (out.argmax(1) == yb).sum().item()
    return loss / len(x), correct / len(x)


def save_state(ckpt_dir, state):
    # Complete file first, then an atomic rename: a kill mid-write never leaves a torn state.pt behind.
    tmp = os.path.join(ckpt_dir, "state.pt.tmp")
    torch.save(state, tmp)
    os.replace(tmp, os.path.join(ckpt_dir, "state.pt"))


def export_onnx(model, out_dir):
    """model.onnx for the worker: input [N,1,28,28] in [0,1], output class probabilities [N,10]."""
    path = os.path.join(out_dir, "model.onnx")
    wrapped = nn.Sequential(model, nn.Softmax(dim=1)).to("cpu").eval()
    try:
        torch.onnx.export(wrapped, torch.zeros(1, 1, 28, 28), path, opset_version=13,
                          input_names=["input"], output_names=["probabilities"],
                          dynamic_axes={"input": {0: "N"}, "probabilities": {0: "N"}})
    except ImportError as e:  # torch 1.13 exports without the `onnx` package; some other versions need it
        print(f"warning: no model.onnx ({e})", file=sys.stderr)


def main():
    args = parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x_train, y_train = load_split(args.data_dir, "train", args.train_size)
    x_val, y_val = load_split(args.data_dir, "t10k", args.val_size)
    print(f"device {device}, {len(x_train)} train / {len(x_val)} val images", file=sys.stderr)

    torch.manual_seed(args.seed)  # initial weights depend on the seed only
    model = Net(args.dropout).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

    ckpt_dir = os.environ.get("SWEEP_CHECKPOINT_DIR")
    start = int(os.environ.get("SWEEP_RESUME_EPOCH") or 0)
    history = []
    if start > 0:
        state = torch.load(os.path.join(ckpt_dir, "state.pt"), map_location=device)
        if state["epoch"] != start:
            sys.exit(f"checkpoint holds epoch {state['epoch']}, SWEEP_RESUME_EPOCH is {start}")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        history = state["history"]
        print(f"resumed after epoch {start}", file=sys.stderr)

    for epoch in range(start + 1, args.epochs + 1):
        t0 = time.time()
        # Reseeding per epoch makes an epoch's shuffle and dropout masks a function of (seed, epoch) alone, so a
        # run resumed from epoch k's checkpoint continues exactly as an uninterrupted one (no RNG state to save).
        torch.manual_seed(args.seed * 1000 + epoch)
        model.train()
        perm = torch.randperm(len(x_train))
        total_loss, correct = 0.0, 0
        for i in range(0, len(perm), args.batch_size):
            idx = perm[i:i + args.batch_size]
            xb, yb = x_train[idx].to(device), y_train[idx].to(device)
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total_loss += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
        val_loss, val_acc = evaluate(model, x_val, y_val, device)
        metrics = {"epoch": epoch, "loss": total_loss / len(perm), "accuracy": correct / len(perm),
                   "val_loss": val_loss, "val_accuracy": val_acc, "lr": args.lr,
                   "seconds": round(time.time() - t0, 3)}
        if not all(np.isfinite(v) for v in metrics.values()):
            # An epoch line must hold finite numbers; a diverged run fails loudly rather than print NaN.
            sys.exit(f"epoch {epoch}: training diverged ({metrics})")
        history.append(metrics)
        if ckpt_dir:
            save_state(ckpt_dir, {"epoch": epoch, "model": model.state_dict(),
                                  "optimizer": opt.state_dict(), "history": history})
        print(json.dumps(metrics), flush=True)  # only after the state is on disk

    out_dir = os.environ.get("SWEEP_OUTPUT_DIR")
    if out_dir:
        export_onnx(model, out_dir)


if __name__ == "__main__":
    main()
