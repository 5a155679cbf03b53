#!/usr/bin/env python3
"""Train Margin's LeNet-5-BN in PyTorch on Fashion-MNIST and export it to ONNX (issue 7).

Deterministic (seed 1, deterministic algorithms, 2 threads, no data-loader workers). Reads the
Debian IDX files directly (gzip + struct; no torchvision download), trains on the 60,000 train
images, evaluates on the 10,000 t10k images, and writes

  resources/demo/onnx/lenet5-bn-pytorch.onnx   plain torch.onnx.export, no graph post-processing
  resources/demo/onnx/lenet5-bn-pytorch.json   what PyTorch measured (accuracy, first logits, ...)

The architecture is the one of src-main/engine/architectures.ts ('lenet5-bn'), in NCHW:
conv1 6@5x5 -> bn1 -> relu1 -> pool1 -> conv2 16@5x5 -> bn2 -> relu2 -> pool2 -> flatten ->
fc1 120 -> bn3 -> relu3 -> fc2 84 -> bn4 -> relu4 (latent) -> logits 10. Inputs are [N,1,28,28]
scaled to [0, 1] (pixel / 255).

Usage: /usr/bin/python3 scripts/pytorch/lenet5_bn.py [--epochs 3] [--out-dir resources/demo/onnx]
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn

DATA_DIR = '/usr/share/datasets/fashion-mnist'
SEED = 1
THREADS = 2
BATCH = 64
LR = 1e-3
OPSET = 13
FIRST_LOGITS = 8


def read_idx(path):
    """Returns the IDX file's array (uint8 images [N,H,W] or labels [N])."""
    with gzip.open(path, 'rb') as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack('>HBB', data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f'{path}: not an unsigned-byte IDX file (magic {data[:4].hex()})')
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f'{path}: {arr.size} values, header says {dims}')
    return arr.reshape(dims)


def load_split(prefix):
    """Images as float32 NCHW [N,1,28,28] in [0,1], labels as int64 [N]."""
    images = read_idx(os.path.join(DATA_DIR, f'{prefix}-images-idx3-ubyte.gz'))
    labels = read_idx(os.path.join(DATA_DIR, f'{prefix}-labels-idx1-ubyte.gz'))
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


class LeNet5BN(nn.Module):
    """Margin's lenet5-bn; attribute names become the ONNX node names (/conv1/Conv, /relu1/Relu ...)."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.bn1 = nn.BatchNorm2d(6)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.bn2 = nn.BatchNorm2d(16)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2, 2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.bn3 = nn.BatchNorm1d(120)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(120, 84)
        self.bn4 = nn.BatchNorm1d(84)
        self.relu4 = nn.ReLU()
        self.logits = nn.Linear(84, num_classes)

    def forward(self, x):
        x = self.pool1(self.relu1(self.bn1(self.conv1(x))))
        x = self.pool2(self.relu2(self.bn2(self.conv2(x))))
        x = self.flatten(x)
        x = self.relu3(self.bn3(self.fc1(x)))
        x = self.relu4(self.bn4(self.fc2(x)))
        return self.logits(x)


def setup_determinism():
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(THREADS)
    try:
        torch.use_deterministic_algorithms(True)
    except Exception as err:  # older builds: best effort
        print(f'use_deterministic_algorithms unavailable: {err}', file=sys.stderr)


@torch.no_grad()
def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.abspath(os.path.join(here, '..', '..'))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--out-dir', default=os.path.join(repo, 'resources', 'demo', 'onnx'))
    args = ap.parse_args()
    if args.epochs < 1:
        ap.error(f'--epochs must be >= 1, got {args.epochs}')

    setup_determinism()
    x_train, y_train = load_split('train')
    x_test, y_test = load_split('t10k')
    model = LeNet5BN()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    # A seeded generator fixes the shuffling order of every epoch.
    gen = torch.Generator().manual_seed(SEED)
    t0 = time.time()
    history = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x_train), generator=gen)
        total = 0.0
        for i in range(0, len(order), BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        acc = evaluate(model, x_test, y_test)
        history.append({'epoch': epoch, 'train_loss': round(total / len(order), 6), 'test_accuracy': acc})
        print(f'epoch {epoch}: train loss {total / len(order):.4f}, test accuracy {acc:.4f} ({time.time() - t0:.1f} s)', flush=True)
    train_seconds = time.time() - t0

    model.eval()
    test_acc = evaluate(model, x_test, y_test)
    with torch.no_grad():
        first_logits = model(x_test[:FIRST_LOGITS])
        predicted = torch.cat([model(x_test[i:i + 1000]).argmax(1) for i in range(0, len(x_test), 1000)])

    os.makedirs(args.out_dir, exist_ok=True)
    onnx_path = os.path.join(args.out_dir, 'lenet5-bn-pytorch.onnx')
    torch.onnx.export(
        model, x_test[:1], onnx_path, opset_version=OPSET,
        input_names=['input'], output_names=['logits'],
        dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}},
    )
    import onnx  # only to record the node list; the file is left as torch wrote it
    graph = onnx.load(onnx_path).graph
    report = {
        'model': 'lenet5-bn', 'framework': 'pytorch', 'torch': torch.__version__, 'onnx': onnx.__version__,
        'opset': OPSET, 'seed': SEED, 'threads': THREADS, 'deterministic': torch.are_deterministic_algorithms_enabled(),
        'epochs': args.epochs, 'batch': BATCH, 'optimizer': f'Adam lr={LR}',
        'train': {'file': f'{DATA_DIR}/train-images-idx3-ubyte.gz', 'items': len(x_train)},
        'test': {'file': f'{DATA_DIR}/t10k-images-idx3-ubyte.gz', 'items': len(x_test)},
        'input': {'name': 'input', 'layout': 'NCHW', 'shape': ['batch', 1, 28, 28], 'scale': '1/255'},
        'test_accuracy': test_acc,
        'test_correct': int((predicted == y_test).sum().item()),
        'history': history,
        'first_logits': [[float(v) for v in row] for row in first_logits.tolist()],
        'first_labels': y_test[:FIRST_LOGITS].tolist(),
        'nodes': [{'name': n.name, 'op': n.op_type, 'outputs': list(n.output)} for n in graph.node],
    }
    with open(os.path.join(args.out_dir, 'lenet5-bn-pytorch.json'), 'w') as f:
        json.dump(report, f, indent=1)
        f.write('\n')
    print(f'wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes); test accuracy {test_acc:.4f}; {train_seconds:.1f} s training')


if __name__ == '__main__':
    main()
