"""Measures the ORIGINAL Python implementations the way `hoif bench` measures hoif, and prints
both side by side, as ratios, from one run on the same machine and thread count.

  /usr/bin/python3 bench/reference/bench_original.py --semgcn PATH/SemGCN --hgcn PATH/HGCN \
      --hoif PATH/Higher-Order-Implicit-Fairing-Networks-for-3D-Human-Pose-Estimation \
      [--threads 2] [--seconds 3] [--rounds 3] [--models all] [--json out.json]

Needs python3 with torch and numpy (Debian: python3-torch python3-numpy). It imports the original
code from the paths given (see originals.py) and contains none of it. Random inputs, GT-sized
(16 joints), each model at its original defaults and recipe batch size; the optimizer step and
gradient clipping are included in training, as in the originals' train().

The machine these figures come from is shared, and its speed drifts by up to 2.5x over seconds.
So each model is measured in rounds, the original then hoif in each, and every figure reported is
the median over the rounds (the JSON keeps each round's figures too).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import originals  # noqa: E402

from statistics import median  # noqa: E402

MODELS = ['martinez', 'semgcn', 'semgcn-nonlocal', 'hgcn', 'hoif']


def rate(seconds, step):
    step()
    step()
    calls, start = 0, time.perf_counter()
    while True:
        step()
        calls += 1
        if time.perf_counter() - start >= seconds:
            return calls / (time.perf_counter() - start)


def bench(name, checkouts, seconds):
    torch.manual_seed(0)
    net = originals.build(name, checkouts, blocks=2 if name == 'martinez' else 4)
    batch = originals.RECIPE_BATCH[name]
    flat = name == 'martinez'
    x = torch.randn(batch, 16, 2) * 0.5
    y = torch.randn(batch, 16, 3) * 0.2
    xin = x.view(batch, -1) if flat else x
    target = y[:, 1:] if flat else y
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    crit = torch.nn.MSELoss()
    net.train()

    def train_step():
        out = net(xin)
        loss = crit(out.view(batch, -1, 3), target)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=1)
        opt.step()

    result = {'train_poses_per_s': rate(seconds, train_step) * batch}
    net.eval()
    xb = torch.randn(1024, 16, 2) * 0.5
    x1 = torch.randn(1, 16, 2) * 0.5
    with torch.no_grad():
        result['infer_poses_per_s'] = rate(seconds, lambda: net(xb.view(1024, -1) if flat else xb)) * 1024
        times = []
        start = time.perf_counter()
        while time.perf_counter() - start < seconds or len(times) < 100:
            t = time.perf_counter()
            net(x1.view(1, -1) if flat else x1)
            times.append(1000 * (time.perf_counter() - t))
    times.sort()
    result['latency_ms_p50'] = times[len(times) // 2]
    result['latency_ms_p99'] = times[min(len(times) - 1, int(0.99 * len(times)))]
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--semgcn', required=True)
    p.add_argument('--hgcn', required=True)
    p.add_argument('--hoif', required=True)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seconds', type=float, default=3.0)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--models', default='all')
    p.add_argument('--hoif-binary', default=os.path.join(os.path.dirname(__file__), '..', '..', 'build', 'hoif'))
    p.add_argument('--json')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    models = MODELS if a.models == 'all' else a.models.split(',')
    checkouts = {'semgcn': a.semgcn, 'hgcn': a.hgcn, 'hoif': a.hoif}
    for m in models:  # every original built once first: a broken checkout stops the run in seconds
        try:
            originals.build(m, checkouts, blocks=2 if m == 'martinez' else 4)
        except (ImportError, OSError, KeyError) as e:
            sys.exit('bench_original.py: cannot build the original %s from its checkout: %s' % (m, e))

    def run_hoif(m):
        with tempfile.NamedTemporaryFile(suffix='.json') as f:
            subprocess.run([a.hoif_binary, 'bench', '--model', m, '--threads', str(a.threads),
                            '--seconds', str(a.seconds), '--json', f.name], check=True, stdout=subprocess.DEVNULL)
            return json.load(open(f.name))['models'][m]

    report = {'threads': a.threads, 'rounds': a.rounds, 'original': {}, 'hoif': {}, 'each_round': {}}
    for m in models:
        rounds = [(bench(m, checkouts, a.seconds), run_hoif(m)) for _ in range(a.rounds)]
        report['each_round'][m] = [{'original': o, 'hoif': h} for o, h in rounds]
        for side, i in (('original', 0), ('hoif', 1)):
            numeric = [k for k, v in rounds[0][i].items() if isinstance(v, (int, float))]
            report[side][m] = {k: median(r[i][k] for r in rounds) for k in numeric}

    keys = ['train_poses_per_s', 'infer_poses_per_s', 'latency_ms_p50', 'latency_ms_p99']
    print('%d threads, median of %d rounds; ratio = hoif / original (latency: original / hoif), '
          'both measured in this run' % (a.threads, a.rounds))
    print('%-16s %-18s %12s %12s %8s' % ('model', 'figure', 'original', 'hoif', 'ratio'))
    for m in models:
        for k in keys:
            o, h = report['original'][m][k], report['hoif'][m][k]
            ratio = o / h if k.startswith('latency') else h / o
            report.setdefault('ratios', {}).setdefault(m, {})[k] = ratio
            print('%-16s %-18s %12.3f %12.3f %7.2fx' % (m, k, o, h, ratio))
        if 'infer_poses_per_s_bf16' in report['hoif'][m]:  # hoif's --bf16 against the original's fp32
            o, h = report['original'][m]['infer_poses_per_s'], report['hoif'][m]['infer_poses_per_s_bf16']
            report['ratios'][m]['infer_poses_per_s_bf16'] = h / o
            print('%-16s %-18s %12.3f %12.3f %7.2fx' % (m, 'infer (hoif bf16)', o, h, h / o))
    if a.json:  # written beside the target, then renamed: never a half-written file
        with open(a.json + '.tmp', 'w') as f:
            json.dump(report, f, indent=2)
        os.replace(a.json + '.tmp', a.json)


if __name__ == '__main__':
    main()
