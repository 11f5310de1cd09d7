"""Builds the ORIGINAL networks from checkouts of their repositories (hoif contains none of
their code). Shared by bench/reference/bench_original.py and tests/fixtures/parity/.

  SemGCN   https://github.com/garyzhao/SemGCN       (Martinez re-implementation, SemGCN, non-local)
  HGCN     https://github.com/ZhimingZo/HGCN
  HOIF-Net https://github.com/happyvictor008/Higher-Order-Implicit-Fairing-Networks-for-3D-Human-Pose-Estimation
"""
import functools
import importlib
import sys

import numpy as np
import torch

PARENTS16 = [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 8, 10, 11, 8, 13, 14]
GROUPS16 = [[2, 3], [5, 6], [1, 4], [0, 7], [8, 9], [14, 15], [11, 12], [10, 13]]
# The original defaults (width, blocks) at GT settings.
DEFAULTS = {'martinez': 1024, 'semgcn': 128, 'semgcn-nonlocal': 128, 'hgcn': 96, 'hoif': 64}
RECIPE_BATCH = {'martinez': 64, 'semgcn': 64, 'semgcn-nonlocal': 64, 'hgcn': 256, 'hoif': 256}


def adjacency(self_loops):
    """Symmetric bone adjacency, row-normalised (the originals use only its sparsity pattern)."""
    a = np.zeros((16, 16), dtype=np.float32)
    for child, parent in enumerate(PARENTS16):
        if parent >= 0:
            a[child, parent] = a[parent, child] = 1
    if self_loops:
        a += np.eye(16, dtype=np.float32)
    return torch.tensor(a / a.sum(1, keepdims=True))


def import_from(checkout, module):
    for name in list(sys.modules):
        if name in ('models', 'common') or name.startswith(('models.', 'common.')):
            del sys.modules[name]
    sys.path.insert(0, checkout)
    try:
        return importlib.import_module(module)
    finally:
        sys.path.pop(0)


def load_semgcn_py2(checkout):
    """SemGCN's models/sem_gcn.py is Python 2: it names an attribute `nonlocal` (a Python 3
    keyword) and uses the builtin `reduce`. Load it with those two spots rewritten to the
    equivalent setattr/getattr calls, in memory, so the module tree and the parameter names
    ('...nonlocal.g.0.weight') stay exactly the original's."""
    import_from(checkout, 'models.graph_non_local')
    sys.path.insert(0, checkout)
    try:
        path = checkout + '/models/sem_gcn.py'
        source = open(path).read()
        source = source.replace('self.nonlocal = GraphNonLocal(', "setattr(self, 'nonlocal', GraphNonLocal(")
        source = source.replace('sub_sample=group_size)', 'sub_sample=group_size))')
        source = source.replace('self.nonlocal(', "getattr(self, 'nonlocal')(")
        module = type(sys)('models.sem_gcn')
        module.__dict__['reduce'] = functools.reduce
        exec(compile(source, path, 'exec'), module.__dict__)
        return module
    finally:
        sys.path.pop(0)


def build(name, checkouts, width=None, blocks=2, dropout=None):
    """The original network `name`; checkouts maps 'semgcn' / 'hgcn' / 'hoif' to folders.
    width=None gives the original default; blocks is the residual blocks / stages (HOIF-Net's
    structure is fixed)."""
    width = width or DEFAULTS[name]
    if name == 'martinez':
        m = import_from(checkouts['semgcn'], 'models.linear_model')
        net = m.LinearModel(16 * 2, 15 * 3, linear_size=width, num_stage=blocks,
                            p_dropout=0.5 if dropout is None else dropout)
        net.apply(m.init_weights)
        return net
    if name in ('semgcn', 'semgcn-nonlocal'):
        m = load_semgcn_py2(checkouts['semgcn'])
        return m.SemGCN(adjacency(True), width, num_layers=blocks,
                        nodes_group=GROUPS16 if name == 'semgcn-nonlocal' else None, p_dropout=dropout)
    if name == 'hgcn':
        m = import_from(checkouts['hgcn'], 'models.h_gcn')
        return m.HGCN(adjacency(False), width, num_layers=blocks, p_dropout=dropout)
    if name == 'hoif':
        m = import_from(checkouts['hoif'], 'models.h_gcn_ii')
        return m.HGCNII(adjacency(False), width, p_dropout=dropout)
    raise ValueError(name)
