#!/usr/bin/env python3
"""PyTorch baseline for `npm run bench:extract` (issue 7): extraction with forward hooks.

Runs the trained LeNet-5-BN over the 10,000 Fashion-MNIST test images (batch 256, 2 threads) and
copies six layers' outputs (relu1, pool1, relu2, pool2, relu3, relu4) into preallocated float32
arrays through forward hooks, the way a PyTorch user would extract activations. Prints one JSON
line per mode: with hooks ('pytorch-hooks'), logits only ('pytorch'), and hooks that append each
batch's outputs to one new file per layer, fsynced every 1,000 items ('pytorch-hooks-to-files':
what `npm run bench:extract` measures for Margin, extraction *and* storage, minus Margin's
index rows, predictions and latents); each figure is the median of --repeat passes after one
warm-up pass.

The weights are read from the exported ONNX file (the only committed artifact of
lenet5_bn.py). torch.onnx.export folded bn1/bn2 into conv1/conv2, so the fused kernels go into
conv1/conv2 and bn1/bn2 are set to the identity (mean 0, var 1 - eps, weight 1, bias 0): the
network keeps its eager PyTorch shape (Conv, BatchNorm, ReLU, ...) and computes the trained
function; the script checks its logits against those PyTorch recorded at training time.

Usage: /usr/bin/python3 scripts/pytorch/bench_hooks.py [--batch 256] [--threads 2] [--repeat 3] [--input float|uint8]
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lenet5_bn import LeNet5BN, load_split  # noqa: E402

LAYERS = ['relu1', 'pool1', 'relu2', 'pool2', 'relu3', 'relu4']
# Folders of the to-files passes, kept until the end like npm run bench:extract keeps its projects
# (on this VM, writing into pages another pass just freed is much faster than into new ones).
KEEP = []


def load_from_onnx(onnx_path):
    """LeNet5BN with the exported weights (Conv+BN fused by the exporter, see the docstring)."""
    graph = onnx.load(onnx_path).graph
    inits = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    model = LeNet5BN()
    state = model.state_dict()
    for name, t in inits.items():
        if name in state:
            state[name] = t
    # The Conv nodes' weight/bias initializers carry generated names (onnx::Conv_48 ...).
    for node in graph.node:
        if node.op_type == 'Conv':
            layer = node.name.strip('/').split('/')[0]  # '/conv1/Conv' -> 'conv1'
            state[f'{layer}.weight'] = inits[node.input[1]]
            state[f'{layer}.bias'] = inits[node.input[2]]
    for bn in ('bn1', 'bn2'):
        bnm = getattr(model, bn)
        state[f'{bn}.weight'] = torch.ones_like(state[f'{bn}.weight'])
        state[f'{bn}.bias'] = torch.zeros_like(state[f'{bn}.bias'])
        state[f'{bn}.running_mean'] = torch.zeros_like(state[f'{bn}.running_mean'])
        state[f'{bn}.running_var'] = torch.full_like(state[f'{bn}.running_var'], 1.0 - bnm.eps)
    model.load_state_dict(state)
    return model.eval()


def run_pass(model, x, batch, sinks, to_files=False, sync_every=1000):
    """One pass over x; hooks (if any) write into `sinks` at the current batch's rows, or, with
    to_files, append them to one new file per layer (fsynced every `sync_every` items and at the
    end). A uint8 x is scaled to [0, 1] per batch inside the timed loop (as Margin's runners do)."""
    pos = {'start': 0, 'end': 0}
    handles = []
    tmp = tempfile.mkdtemp(prefix='margin-pytorch-bench-') if to_files else None
    files = {name: open(os.path.join(tmp, name + '.f32'), 'wb', buffering=0) for name in sinks} if to_files else {}
    for name, arr in sinks.items():
        if to_files:
            def hook(_module, _inp, out, f=files[name]):
                f.write(out.numpy().tobytes())
        else:
            def hook(_module, _inp, out, arr=arr):
                arr[pos['start']:pos['end']] = out.numpy()
        handles.append(getattr(model, name).register_forward_hook(hook))
    t0 = time.perf_counter()
    synced = 0
    with torch.inference_mode():
        for i in range(0, len(x), batch):
            pos['start'], pos['end'] = i, min(i + batch, len(x))
            xb = x[i:i + batch]
            model(xb.float().div_(255.0) if xb.dtype == torch.uint8 else xb)
            if to_files and (pos['end'] - synced >= sync_every or pos['end'] == len(x)):
                for f in files.values():
                    os.fsync(f.fileno())
                synced = pos['end']
    seconds = time.perf_counter() - t0
    for h in handles:
        h.remove()
    for f in files.values():
        f.close()
    if tmp:
        KEEP.append(tmp)  # removed at exit: freeing the pages now would let the next pass reuse them
    return seconds


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_dir = os.path.abspath(os.path.join(here, '..', '..', 'resources', 'demo', 'onnx'))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', default=os.path.join(default_dir, 'lenet5-bn-pytorch.onnx'))
    ap.add_argument('--batch', type=int, default=256)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--input', choices=['float', 'uint8'], default='float',
                    help='float: images already scaled to [0,1] in memory (default, PyTorch at its best); '
                         'uint8: raw pixels scaled per batch in the timed loop, like Margin')
    args = ap.parse_args()
    if args.batch < 1 or args.threads < 1 or args.repeat < 1:
        ap.error('--batch, --threads and --repeat must be >= 1')
    torch.set_num_threads(args.threads)

    model = load_from_onnx(args.model)
    x, _ = load_split('t10k')
    n = len(x)
    x_timed = (x * 255.0).round().to(torch.uint8) if args.input == 'uint8' else x

    recorded = os.path.splitext(args.model)[0] + '.json'
    if os.path.exists(recorded):
        with open(recorded) as f:
            want = np.array(json.load(f)['first_logits'], dtype=np.float32)
        with torch.inference_mode():
            got = model(x[:len(want)]).numpy()
        diff = float(np.abs(got - want).max())
        if diff > 1e-4:
            sys.exit(f'weights loaded from {args.model} give logits {diff:.2e} away from {recorded}')

    # Preallocated outputs in PyTorch's own layout (NCHW for conv layers).
    with torch.inference_mode():
        probe = {}
        hs = [getattr(model, k).register_forward_hook(lambda m, i, o, k=k: probe.__setitem__(k, o.shape[1:])) for k in LAYERS]
        model(x[:1])
        for h in hs:
            h.remove()
    shapes = {k: tuple(probe[k]) for k in LAYERS}
    sinks = {k: np.empty((n,) + s, dtype=np.float32) for k, s in shapes.items()}
    bytes_per_item = sum(int(np.prod(s)) * 4 for s in shapes.values())

    for engine, use, to_files in (('pytorch-hooks', sinks, False), ('pytorch', {}, False), ('pytorch-hooks-to-files', sinks, True)):
        run_pass(model, x_timed, args.batch, use, to_files)  # warm-up
        times = [run_pass(model, x_timed, args.batch, use, to_files) for _ in range(args.repeat)]
        sec = statistics.median(times)
        line = {
            'engine': engine, 'torch': torch.__version__, 'threads': args.threads, 'batch': args.batch,
            'layers': len(use), 'input': args.input, 'items': n, 'items_per_s': round(n / sec), 'seconds': round(sec, 4),
            'bytes_per_item': bytes_per_item if use else 0,
            'passes': [round(t, 4) for t in times],
        }
        print(json.dumps(line), flush=True)
    # The hooks really copied: relu4 of the last pass equals a fresh forward's latent.
    with torch.inference_mode():
        feats = {}
        h = model.relu4.register_forward_hook(lambda m, i, o: feats.__setitem__('relu4', o.numpy().copy()))
        model(x[n - 5:])
        h.remove()
    if not np.allclose(feats['relu4'], sinks['relu4'][n - 5:], atol=1e-5):
        sys.exit('hook copies do not match a fresh forward pass')


if __name__ == '__main__':
    try:
        main()
    finally:
        for d in KEEP:
            shutil.rmtree(d, ignore_errors=True)
