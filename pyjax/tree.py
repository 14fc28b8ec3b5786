"""The ``pyjax.tree`` namespace: short names for the pytree utilities in
:mod:`pyjax.tree_util` (mirrors ``jax.tree``)."""

import dataclasses as _dataclasses

from pyjax._src import tree_util as _tu

__all__ = ["all", "broadcast", "flatten", "flatten_with_path", "leaves",
           "leaves_with_path", "map", "map_with_path", "reduce",
           "reduce_associative", "static", "structure", "transpose",
           "unflatten"]


def all(tree, *, is_leaf=None):
  """True iff every leaf of ``tree`` is truthy."""
  return _tu.tree_all(tree, is_leaf=is_leaf)


def flatten(tree, is_leaf=None):
  """``(leaves, treedef)`` of ``tree``."""
  return _tu.tree_flatten(tree, is_leaf)


def leaves(tree, is_leaf=None):
  """The leaves of ``tree``, depth first, left to right."""
  return _tu.tree_leaves(tree, is_leaf)


def map(f, tree, *rest, is_leaf=None):
  """Apply ``f`` to corresponding leaves of ``tree`` and ``rest``."""
  return _tu.tree_map(f, tree, *rest, is_leaf=is_leaf)


def reduce(function, tree, initializer=_tu._MISSING_INIT, is_leaf=None):
  """``functools.reduce`` over the leaves of ``tree``."""
  return _tu.tree_reduce(function, tree, initializer, is_leaf=is_leaf)


def reduce_associative(operation, tree, *, identity=_tu._MISSING_INIT,
                       is_leaf=None):
  """Balanced reduction of the leaves with an associative ``operation``."""
  return _tu.tree_reduce_associative(operation, tree, identity=identity,
                                     is_leaf=is_leaf)


def structure(tree, is_leaf=None):
  """The PyTreeDef of ``tree``."""
  return _tu.tree_structure(tree, is_leaf)


def transpose(outer_treedef, inner_treedef, pytree_to_transpose):
  """Swap the outer and inner levels of a nested pytree."""
  return _tu.tree_transpose(outer_treedef, inner_treedef, pytree_to_transpose)


def unflatten(treedef, leaves):
  """Rebuild a pytree from ``treedef`` and ``leaves``."""
  return _tu.tree_unflatten(treedef, leaves)


def flatten_with_path(tree, is_leaf=None, is_leaf_takes_path=False):
  """``([(key_path, leaf), ...], treedef)`` of ``tree``."""
  return _tu.tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)


def leaves_with_path(tree, is_leaf=None, is_leaf_takes_path=False):
  """``[(key_path, leaf), ...]`` of ``tree``."""
  return _tu.tree_leaves_with_path(tree, is_leaf, is_leaf_takes_path)


def map_with_path(f, tree, *rest, is_leaf=None, is_leaf_takes_path=False):
  """Like :func:`map`, with each leaf's key path passed first to ``f``."""
  return _tu.tree_map_with_path(f, tree, *rest, is_leaf=is_leaf,
                                is_leaf_takes_path=is_leaf_takes_path)


def broadcast(prefix_tree, full_tree, is_leaf=None):
  """Broadcast the leaves of ``prefix_tree`` over the structure of ``full_tree``."""
  return _tu.tree_broadcast(prefix_tree, full_tree, is_leaf=is_leaf)


def static(**kwargs):
  """``dataclasses.field`` with ``metadata['static'] = True`` (a static pytree field)."""
  metadata = {"static": True, **(kwargs.pop("metadata", {}) or {})}
  return _dataclasses.field(metadata=metadata, **kwargs)
