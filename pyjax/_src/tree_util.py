"""Pytrees: flattening nested containers into leaves plus a structure description.

A pytree is either a *leaf* (any object whose type is not registered as a
container) or a *node*: a tuple, list, dict, ``None``, namedtuple, or an
instance of a type registered with one of the ``register_*`` functions, whose
children are themselves pytrees.

Implementation notes
--------------------
The structure of a flattened tree is stored as nested plain tuples ("node
records") of the form ``(kind, type, aux, children, num_leaves, leafy)``, where
``leafy`` is True iff every child is a leaf (so unflatten can slice leaves in
bulk).  Building, comparing and hashing plain tuples happens in C, which keeps
``flatten`` cheap; only the root is wrapped in a :class:`PyTreeDef` object.
Leaves are represented by the single shared record ``_LEAF``, so leaf checks
are identity tests.

Every registry dispatches on ``type(x)`` with one dict lookup.  Types that are
not registered are classified once (leaf or namedtuple) and the answer is
cached in the same dict; the cache is reset whenever a type is registered.
"""
from __future__ import annotations

import collections
import dataclasses
import difflib
import functools
import itertools
import operator
import textwrap
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

__all__ = [
    "DictKey", "FlattenedIndexKey", "GetAttrKey", "KeyEntry", "KeyPath",
    "Partial", "PyTreeDef", "PyTreeRegistry", "SequenceKey", "all_leaves",
    "default_registry", "flatten_one_level", "flatten_one_level_with_keys",
    "is_tree_node", "keystr", "register_dataclass", "register_pytree_node",
    "register_pytree_node_class", "register_pytree_with_keys",
    "register_pytree_with_keys_class", "register_static", "tree_all",
    "tree_broadcast", "tree_flatten", "tree_flatten_with_path", "tree_leaves",
    "tree_leaves_with_path", "tree_map", "tree_map_with_path", "tree_reduce",
    "tree_reduce_associative", "tree_structure", "tree_transpose",
    "tree_unflatten", "treedef_children", "treedef_is_leaf", "treedef_tuple",
]

T = TypeVar("T")
Typ = TypeVar("Typ", bound=type)
H = TypeVar("H", bound=Hashable)
Leaf = Any
PyTree = Any
KeyEntry = TypeVar("KeyEntry", bound=Any)
KeyPath = tuple  # tuple[KeyEntry, ...]

_PUBLIC_MODULE = "pyjax.tree_util"

# ---------------------------------------------------------------------------
# Node kinds and node records
# ---------------------------------------------------------------------------

_K_LEAF = 0
_K_NONE = 1
_K_TUPLE = 2
_K_LIST = 3
_K_DICT = 4
_K_NAMEDTUPLE = 5
_K_CUSTOM = 6
_K_DATACLASS = 7

_NoneType = type(None)

# Record layout: (kind, type, aux, children, num_leaves, leafy)
_LEAF = (_K_LEAF, None, None, (), 1, True)
_NONE_NODE = (_K_NONE, _NoneType, None, (), 0, True)


def _mk(kind, typ, aux, kids):
  """Build a (non-leaf) node record from child records."""
  kids = tuple(kids)
  leafy = True
  n = 0
  for c in kids:
    if c is not _LEAF:
      leafy = False
    n += c[4]
  return (kind, typ, aux, kids, n, leafy)


class _Entry:
  """How one node type is flattened / unflattened."""
  __slots__ = ("kind", "type", "flatten", "unflatten", "flatten_with_keys",
               "data_fields", "meta_fields")

  def __init__(self, kind, typ, flatten=None, unflatten=None,
               flatten_with_keys=None, data_fields=(), meta_fields=()):
    self.kind = kind
    self.type = typ
    self.flatten = flatten
    self.unflatten = unflatten
    self.flatten_with_keys = flatten_with_keys
    self.data_fields = data_fields
    self.meta_fields = meta_fields


# Unflatten information for custom / dataclass node types, keyed by type.  It
# is global (rather than per registry) so that a PyTreeDef does not need to
# remember which registry produced it.
_node_entries: dict[type, _Entry] = {}

_MISSING = object()
_islice = itertools.islice
_CLASSIFY_CACHE_LIMIT = 4096


def _is_namedtuple_type(t: type) -> bool:
  return issubclass(t, tuple) and hasattr(t, "_fields")


def _sort_dict_keys(d):
  try:
    return sorted(d)
  except Exception as e:
    raise ValueError(
        "Comparator raised exception while sorting pytree dictionary keys."
    ) from e


def _check_pred_result(r):
  if r is not False and r is not None:
    raise ValueError(
        f"is_leaf predicate returned a non-boolean value {r!r}; expected a "
        "boolean")


class PyTreeRegistry:
  """A set of node types together with how to flatten and unflatten them."""

  def __init__(self, enable_none: bool = True, enable_tuple: bool = True,
               enable_namedtuple: bool = True, enable_list: bool = True,
               enable_dict: bool = True):
    self._enable_namedtuple = enable_namedtuple
    self._registered: dict[type, _Entry] = {}
    if enable_none:
      self._registered[_NoneType] = _Entry(_K_NONE, _NoneType)
    if enable_tuple:
      self._registered[tuple] = _Entry(_K_TUPLE, tuple)
    if enable_list:
      self._registered[list] = _Entry(_K_LIST, list)
    if enable_dict:
      self._registered[dict] = _Entry(_K_DICT, dict)
    # type -> _Entry, or None for a leaf type.  Holds registered types plus a
    # cache of classified unregistered types.
    self._dispatch: dict[type, _Entry | None] = dict(self._registered)

  # -- registration ---------------------------------------------------------

  def _add(self, typ, entry):
    if typ in self._registered:
      raise ValueError(
          f"Duplicate custom PyTreeDef type registration for {typ}.")
    self._registered[typ] = entry
    if typ not in _node_entries:
      _node_entries[typ] = entry
    # Reset the classification cache: `typ` may have been cached as a leaf.
    self._dispatch.clear()
    self._dispatch.update(self._registered)

  def register_node(self, nodetype, flatten_func, unflatten_func,
                    flatten_with_keys_func=None):
    self._add(nodetype, _Entry(_K_CUSTOM, nodetype, flatten_func,
                               unflatten_func, flatten_with_keys_func))

  def register_dataclass_node(self, nodetype, data_fields, meta_fields):
    self._add(nodetype, _Entry(_K_DATACLASS, nodetype,
                               data_fields=tuple(data_fields),
                               meta_fields=tuple(meta_fields)))

  def _classify(self, t):
    if self._enable_namedtuple and _is_namedtuple_type(t):
      entry = _Entry(_K_NAMEDTUPLE, t)
    else:
      entry = None
    if len(self._dispatch) >= _CLASSIFY_CACHE_LIMIT:
      self._dispatch.clear()
      self._dispatch.update(self._registered)
    self._dispatch[t] = entry
    return entry

  def _entry(self, t):
    e = self._dispatch.get(t, _MISSING)
    if e is _MISSING:
      e = self._classify(t)
    return e

  def is_node(self, typ) -> bool:
    return self._entry(typ) is not None

  # -- flattening -----------------------------------------------------------

  def flatten(self, tree, leaf_predicate=None):
    leaves: list = []
    if leaf_predicate is None:
      node = _flatten_fast(self, tree, leaves)
    else:
      node = _flatten_pred(self, tree, leaves, leaf_predicate)
    return leaves, _wrap(node)

  def leaves(self, tree, leaf_predicate=None):
    leaves: list = []
    if leaf_predicate is None:
      _leaves_fast(self, tree, leaves)
    else:
      _flatten_pred(self, tree, leaves, leaf_predicate)
    return leaves

  def flatten_with_path(self, tree, leaf_predicate=None):
    leaves: list = []
    node = _flatten_path(self, tree, leaves, (), leaf_predicate)
    return leaves, _wrap(node)

  def flatten_one_level(self, tree):
    e = self._entry(type(tree))
    if e is None:
      return None
    k = e.kind
    if k is _K_TUPLE or k is _K_LIST:
      return tree, None
    if k is _K_DICT:
      keys = _sort_dict_keys(tree)
      return tuple(tree[key] for key in keys), tuple(keys)
    if k is _K_NONE:
      return (), None
    if k is _K_NAMEDTUPLE:
      return list(tree), type(tree)
    if k is _K_DATACLASS:
      return ([getattr(tree, f) for f in e.data_fields],
              tuple(getattr(tree, f) for f in e.meta_fields))
    return e.flatten(tree)

  def flatten_one_level_with_keys(self, tree):
    e = self._entry(type(tree))
    if e is None:
      return None
    children, aux, keys = _node_children_with_keys(e, tree)
    pairs = list(zip(keys, children))
    if e.kind in (_K_TUPLE, _K_LIST, _K_DICT, _K_NONE):
      pairs = tuple(pairs)
    return pairs, _one_level_aux(e, tree, aux)


def _one_level_aux(e, tree, aux):
  k = e.kind
  if k is _K_NAMEDTUPLE:
    return type(tree)
  if k is _K_DICT:
    return tuple(aux)
  return aux


def _node_children(e, x):
  """(children, aux) of node `x` described by entry `e`."""
  k = e.kind
  if k is _K_TUPLE or k is _K_LIST or k is _K_NAMEDTUPLE:
    return x, None
  if k is _K_DICT:
    keys = _sort_dict_keys(x)
    return [x[key] for key in keys], tuple(keys)
  if k is _K_NONE:
    return (), None
  if k is _K_DATACLASS:
    return ([getattr(x, f) for f in e.data_fields],
            tuple(getattr(x, f) for f in e.meta_fields))
  children, aux = e.flatten(x)
  return children, aux


def _node_children_with_keys(e, x):
  """(children, aux, keys) of node `x` described by entry `e`."""
  k = e.kind
  if k is _K_TUPLE or k is _K_LIST:
    return x, None, [SequenceKey(i) for i in range(len(x))]
  if k is _K_DICT:
    keys = _sort_dict_keys(x)
    return [x[key] for key in keys], tuple(keys), [DictKey(key) for key in keys]
  if k is _K_NONE:
    return (), None, ()
  if k is _K_NAMEDTUPLE:
    return x, None, [GetAttrKey(f) for f in type(x)._fields]
  if k is _K_DATACLASS:
    return ([getattr(x, f) for f in e.data_fields],
            tuple(getattr(x, f) for f in e.meta_fields),
            [GetAttrKey(f) for f in e.data_fields])
  if e.flatten_with_keys is not None:
    key_children, aux = e.flatten_with_keys(x)
    keys = []
    children = []
    for key, child in key_children:
      keys.append(key)
      children.append(child)
    return children, aux, keys
  children, aux = e.flatten(x)
  children = list(children)
  return children, aux, [FlattenedIndexKey(i) for i in range(len(children))]


def _flatten_fast(reg, x, leaves):
  """Flatten without a leaf predicate (the hot path)."""
  get = reg._dispatch.get
  e = get(type(x), _MISSING)
  if e is _MISSING:
    e = reg._classify(type(x))
  if e is None:
    leaves.append(x)
    return _LEAF
  k = e.kind
  if k is _K_TUPLE or k is _K_LIST or k is _K_NAMEDTUPLE:
    children = x
    aux = None
  elif k is _K_DICT:
    keys = _sort_dict_keys(x)
    children = [x[key] for key in keys]
    aux = tuple(keys)
  elif k is _K_NONE:
    return _NONE_NODE
  elif k is _K_DATACLASS:
    children = [getattr(x, f) for f in e.data_fields]
    aux = tuple([getattr(x, f) for f in e.meta_fields])
  else:
    children, aux = e.flatten(x)
  n0 = len(leaves)
  append = leaves.append
  kids = []
  kids_append = kids.append
  leafy = True
  for c in children:
    if get(type(c), _MISSING) is None:  # known leaf type: inline
      append(c)
      kids_append(_LEAF)
    else:
      sub = _flatten_fast(reg, c, leaves)
      if sub is not _LEAF:
        leafy = False
      kids_append(sub)
  return (k, e.type, aux, tuple(kids), len(leaves) - n0, leafy)


def _leaves_fast(reg, x, leaves):
  """Collect leaves only, without building any structure."""
  get = reg._dispatch.get
  e = get(type(x), _MISSING)
  if e is _MISSING:
    e = reg._classify(type(x))
  if e is None:
    leaves.append(x)
    return
  k = e.kind
  if k is _K_TUPLE or k is _K_LIST or k is _K_NAMEDTUPLE:
    children = x
  elif k is _K_DICT:
    children = [x[key] for key in _sort_dict_keys(x)]
  elif k is _K_NONE:
    return
  elif k is _K_DATACLASS:
    children = [getattr(x, f) for f in e.data_fields]
  else:
    children = e.flatten(x)[0]
  append = leaves.append
  for c in children:
    if get(type(c), _MISSING) is None:
      append(c)
    else:
      _leaves_fast(reg, c, leaves)


def _flatten_pred(reg, x, leaves, pred):
  r = pred(x)
  if r is True:
    leaves.append(x)
    return _LEAF
  _check_pred_result(r)
  e = reg._entry(type(x))
  if e is None:
    leaves.append(x)
    return _LEAF
  k = e.kind
  if k is _K_NONE:
    return _NONE_NODE
  children, aux = _node_children(e, x)
  return _mk(k, e.type, aux,
             [_flatten_pred(reg, c, leaves, pred) for c in children])


def _flatten_path(reg, x, out, path, pred):
  if pred is not None:
    r = pred(path, x)
    if r is True:
      out.append((path, x))
      return _LEAF
    _check_pred_result(r)
  e = reg._entry(type(x))
  if e is None:
    out.append((path, x))
    return _LEAF
  k = e.kind
  if k is _K_NONE:
    return _NONE_NODE
  children, aux, keys = _node_children_with_keys(e, x)
  return _mk(k, e.type, aux, [_flatten_path(reg, c, out, path + (key,), pred)
                              for key, c in zip(keys, children)])


# ---------------------------------------------------------------------------
# Operations on node records
# ---------------------------------------------------------------------------

def _build(node, it, nxt):
  """Rebuild the Python value for `node`, pulling leaves from iterator `it`."""
  k = node[0]
  if node[5]:
    if k is _K_TUPLE:
      return tuple(_islice(it, len(node[3])))
    kids = list(_islice(it, len(node[3])))
  else:
    kids = [nxt() if c is _LEAF else _build(c, it, nxt) for c in node[3]]
  if k is _K_TUPLE:
    return tuple(kids)
  if k is _K_LIST:
    return kids
  if k is _K_DICT:
    return dict(zip(node[2], kids))
  if k is _K_NONE:
    return None
  if k is _K_NAMEDTUPLE:
    return node[1](*kids)
  entry = _node_entries[node[1]]
  if k is _K_DATACLASS:
    kwargs = dict(zip(entry.meta_fields, node[2]))
    kwargs.update(zip(entry.data_fields, kids))
    return node[1](**kwargs)
  return entry.unflatten(node[2], tuple(kids))


def _from_iterable(node, x):
  if node is _LEAF:
    return x
  kids = [_from_iterable(c, y) for c, y in zip(node[3], x)]
  k = node[0]
  if k is _K_TUPLE:
    return tuple(kids)
  if k is _K_LIST:
    return kids
  if k is _K_DICT:
    return dict(zip(node[2], kids))
  if k is _K_NONE:
    return None
  if k is _K_NAMEDTUPLE:
    return node[1](*kids)
  entry = _node_entries[node[1]]
  if k is _K_DATACLASS:
    kwargs = dict(zip(entry.meta_fields, node[2]))
    kwargs.update(zip(entry.data_fields, kids))
    return node[1](**kwargs)
  return entry.unflatten(node[2], tuple(kids))


def _num_nodes(node):
  if node is _LEAF:
    return 1
  return 1 + sum([_num_nodes(c) for c in node[3]])


def _hash_node_slow(node):
  if node is _LEAF:
    return 0x5EAF
  aux = node[2]
  try:
    h_aux = hash(aux)
  except TypeError:
    h_aux = 0
  return hash((node[0], node[1], h_aux,
               tuple([_hash_node_slow(c) for c in node[3]])))


def _hash_node(node):
  try:
    return hash(node)
  except TypeError:  # some node metadata is unhashable
    return _hash_node_slow(node)


def _repr_node(node):
  if node is _LEAF:
    return "*"
  k = node[0]
  kids = [_repr_node(c) for c in node[3]]
  if k is _K_NONE:
    return "None"
  if k is _K_TUPLE:
    if len(kids) == 1:
      return f"({kids[0]},)"
    return "(" + ", ".join(kids) + ")"
  if k is _K_LIST:
    return "[" + ", ".join(kids) + "]"
  if k is _K_DICT:
    return "{" + ", ".join(f"{key!r}: {c}" for key, c in zip(node[2], kids)) + "}"
  if k is _K_NAMEDTUPLE:
    return f"CustomNode(namedtuple[{node[1].__name__}], [{', '.join(kids)}])"
  return f"CustomNode({node[1].__name__}[{node[2]}], [{', '.join(kids)}])"


def _compose(outer, inner):
  if outer is _LEAF:
    return inner
  return _mk(outer[0], outer[1], outer[2], [_compose(c, inner) for c in outer[3]])


def _intern(node):
  """Re-establish the `_LEAF` identity invariant (e.g. after unpickling)."""
  if node[0] == _K_LEAF:
    return _LEAF
  return _mk(node[0], node[1], node[2], [_intern(c) for c in node[3]])


_NONE_PREFIX_HINT = (
    "\n\nIn previous releases of JAX, flatten-up-to used to consider None to "
    "be a tree-prefix of non-None values. To obtain the previous behavior, "
    "you can usually write:\n"
    "  jax.tree.map(lambda x, y: None if x is None else f(x, y), a, b, "
    "is_leaf=lambda x: x is None)")


def _flatten_up_to(reg, node, x, out):
  if node is _LEAF:
    out.append(x)
    return
  k = node[0]
  kids = node[3]
  e = reg._entry(type(x))
  ek = None if e is None else e.kind
  if k is _K_TUPLE:
    if ek is not _K_TUPLE:
      raise ValueError(f"Expected tuple, got {x!r}.")
    if len(x) != len(kids):
      raise ValueError(
          f"Tuple arity mismatch: {len(x)} != {len(kids)}; tuple: {x!r}.")
    children = x
  elif k is _K_LIST:
    if ek is not _K_LIST:
      raise ValueError(f"Expected list, got {x!r}.")
    if len(x) != len(kids):
      raise ValueError(
          f"List arity mismatch: {len(x)} != {len(kids)}; list: {x!r}.")
    children = x
  elif k is _K_DICT:
    if ek is not _K_DICT:
      raise ValueError(f"Expected dict, got {x!r}.")
    keys = _sort_dict_keys(x)
    if tuple(keys) != node[2]:
      raise ValueError(
          f"Dict key mismatch; expected keys: {list(node[2])!r}; "
          f"present keys: {keys!r}.")
    children = [x[key] for key in keys]
  elif k is _K_NONE:
    if x is not None:
      raise ValueError(f"Expected None, got {x!r}.{_NONE_PREFIX_HINT}")
    return
  elif k is _K_NAMEDTUPLE:
    if ek is not _K_NAMEDTUPLE:
      raise ValueError(f"Expected named tuple, got {x!r}.")
    if len(x) != len(kids):
      raise ValueError(
          f"Named tuple arity mismatch: {len(x)} != {len(kids)}; tuple: {x!r}.")
    if type(x) is not node[1]:
      raise ValueError(
          f"Named tuple type mismatch: expected type: {node[1]!r}, tuple: {x!r}.")
    children = x
  elif k is _K_DATACLASS:
    if e is None or e.type is not node[1]:
      raise ValueError(
          "Custom dataclass node type mismatch: expected type: "
          f"{node[1]!r}, value: {x!r}.")
    children, aux = _node_children(e, x)
    if aux != node[2]:
      raise ValueError(
          f"Mismatch custom dataclass node data: {node[2]!r} != {aux!r}; "
          f"value: {x!r}.")
  else:
    if e is None or e.type is not node[1]:
      raise ValueError(
          f"Custom node type mismatch: expected type: {node[1]!r}, "
          f"value: {x!r}.")
    children, aux = _node_children(e, x)
    if aux != node[2]:
      raise ValueError(
          f"Mismatch custom node data: {node[2]!r} != {aux!r}; value: {x!r}.")
    children = list(children)
    if len(children) != len(kids):
      raise ValueError(
          f"Custom type arity mismatch: {len(children)} != {len(kids)}; "
          f"value: {x!r}.")
  for c, y in zip(kids, children):
    if c is _LEAF:
      out.append(y)
    else:
      _flatten_up_to(reg, c, y, out)


# ---------------------------------------------------------------------------
# PyTreeDef
# ---------------------------------------------------------------------------

def _wrap(node):
  td = PyTreeDef.__new__(PyTreeDef)
  td._node = node
  td._hash = None
  return td


class PyTreeDef:
  """The structure of a pytree: everything except its leaves.

  Obtained from :func:`tree_flatten` / :func:`tree_structure`; not meant to be
  constructed directly.
  """
  __slots__ = ("_node", "_hash", "__weakref__")

  def __init__(self, *args, **kwargs):
    raise TypeError("No constructor defined for PyTreeDef; use "
                    "pyjax.tree_util.tree_structure instead.")

  @property
  def num_leaves(self) -> int:
    return self._node[4]

  @property
  def num_nodes(self) -> int:
    return _num_nodes(self._node)

  def children(self) -> list[PyTreeDef]:
    return [_wrap(c) for c in self._node[3]]

  def node_data(self):
    """None for a leaf, else ``(node type, node metadata)``."""
    node = self._node
    if node is _LEAF:
      return None
    if node[0] is _K_DICT:
      return (dict, list(node[2]))
    return (node[1], node[2])

  def unflatten(self, leaves: Iterable[Any]) -> Any:
    if not isinstance(leaves, (list, tuple)):
      leaves = list(leaves)
    node = self._node
    n = node[4]
    if len(leaves) != n:
      if len(leaves) < n:
        raise ValueError(
            f"Too few leaves for PyTreeDef; expected {n}, got {len(leaves)}")
      raise ValueError(f"Too many leaves for PyTreeDef; expected {n}.")
    if node is _LEAF:
      return leaves[0]
    it = iter(leaves)
    return _build(node, it, it.__next__)

  def flatten_up_to(self, tree: Any) -> list:
    out: list = []
    _flatten_up_to(default_registry, self._node, tree, out)
    return out

  def compose(self, inner: PyTreeDef) -> PyTreeDef:
    """The treedef obtained by replacing every leaf of `self` with `inner`."""
    return _wrap(_compose(self._node, inner._node))

  def from_iterable_tree(self, tree: Any) -> Any:
    """Rebuild a pytree whose nodes are given as plain iterables."""
    return _from_iterable(self._node, tree)

  def walk(self, f_node, f_leaf, leaves):
    """Fold over the tree: ``f_leaf`` at leaves, ``f_node(children, aux)``."""
    it = iter(leaves)

    def go(node):
      if node is _LEAF:
        x = next(it)
        return x if f_leaf is None else f_leaf(x)
      kids = tuple([go(c) for c in node[3]])
      return f_node(kids, node[2])
    return go(self._node)

  @classmethod
  def from_node_data_and_children(cls, registry, node_data, children):
    """Inverse of ``(node_data(), children())``."""
    children = tuple(c._node for c in children)
    if node_data is None:
      if children:
        raise ValueError("A leaf PyTreeDef cannot have children.")
      return _wrap(_LEAF)
    typ, data = node_data
    if registry is None:
      registry = default_registry
    e = registry._entry(typ)
    if e is None:
      raise ValueError(f"Unknown node type {typ!r}.")
    k = e.kind
    if k is _K_DICT:
      data = tuple(data)
      if len(data) != len(children):
        raise ValueError("Number of dict keys and children differ.")
    elif k is _K_NONE and children:
      raise ValueError("None node cannot have children.")
    return _wrap(_mk(k, typ, data, children))

  def __eq__(self, other):
    if not isinstance(other, PyTreeDef):
      return NotImplemented
    return self._node == other._node

  def __ne__(self, other):
    if not isinstance(other, PyTreeDef):
      return NotImplemented
    return self._node != other._node

  def __hash__(self):
    h = self._hash
    if h is None:
      h = self._hash = _hash_node(self._node)
    return h

  def __repr__(self):
    return f"PyTreeDef({_repr_node(self._node)})"

  __str__ = __repr__

  def __reduce__(self):
    return (_unpickle_treedef, (self._node,))


def _unpickle_treedef(node):
  return _wrap(_intern(node))


PyTreeDef.__module__ = _PUBLIC_MODULE

# ---------------------------------------------------------------------------
# Registries
# ---------------------------------------------------------------------------

default_registry = PyTreeRegistry()
# Same as default_registry, except that None is a leaf.
none_leaf_registry = PyTreeRegistry(enable_none=False)
# For internal types that should be unpacked at dispatch boundaries but stay
# leaves everywhere else: register those with `dispatch_registry.register_node`.
dispatch_registry = PyTreeRegistry()
# The public register_* functions register a type in all of these.
_all_registries = [default_registry, none_leaf_registry, dispatch_registry]


# ---------------------------------------------------------------------------
# Key path entries
# ---------------------------------------------------------------------------

class _KeyEntry:
  """One step of a key path: an immutable wrapper around a single value. A subclass names the
  field (`field`), the type it must have (`field_type`, None for any hashable) and how it prints
  in a path (`path_format`)."""
  __slots__ = ("_value",)
  field: str
  field_type: type | None
  path_format: str

  def __init__(self, value):
    if self.field_type is not None and not isinstance(value, self.field_type):
      # Match the wording of JAX's C++ (nanobind) constructors.
      raise TypeError(
          "__init__(): incompatible function arguments. The following argument types are "
          f"supported:\n    1. __init__(self, {self.field}: {self.field_type.__name__}) -> "
          f"None\n\nInvoked with types: {type(self).__name__}, {type(value).__name__}")
    object.__setattr__(self, "_value", value)

  def __setattr__(self, name, value):
    raise AttributeError(f"property of '{type(self).__name__}' object has no setter")

  def __str__(self):
    return self.path_format.format(self._value)

  def __repr__(self):
    return f"{type(self).__name__}({self.field}={self._value!r})"

  def __eq__(self, other):
    return type(other) is type(self) and self._value == other._value

  def __ne__(self, other):
    return not self.__eq__(other)

  def __hash__(self):
    return hash(self._value)

  def __reduce__(self):
    return (type(self), (self._value,))


class SequenceKey(_KeyEntry):
  """Key for the ``idx``-th child of a list or tuple."""
  __slots__ = ()
  __match_args__ = ("idx",)
  field, field_type, path_format = "idx", int, "[{!r}]"
  idx = property(lambda self: self._value)


class DictKey(_KeyEntry):
  """Key for the child of a mapping stored under ``key``."""
  __slots__ = ()
  __match_args__ = ("key",)
  field, field_type, path_format = "key", None, "[{!r}]"
  key = property(lambda self: self._value)


class GetAttrKey(_KeyEntry):
  """Key for the child stored in attribute ``name``."""
  __slots__ = ()
  __match_args__ = ("name",)
  field, field_type, path_format = "name", str, ".{}"
  name = property(lambda self: self._value)


class FlattenedIndexKey(_KeyEntry):
  """Key for the ``key``-th child of a custom node registered without keys."""
  __slots__ = ()
  __match_args__ = ("key",)
  field, field_type, path_format = "key", int, "[<flat index {}>]"
  key = property(lambda self: self._value)


for _cls in (SequenceKey, DictKey, GetAttrKey, FlattenedIndexKey):
  _cls.__module__ = _PUBLIC_MODULE
del _cls


def _key_payload(key):
  if isinstance(key, SequenceKey):
    return key.idx
  if isinstance(key, (DictKey, FlattenedIndexKey)):
    return key.key
  if isinstance(key, GetAttrKey):
    return key.name
  return key


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
  """Render a key path as a string.

  With ``simple=False`` every entry is rendered with ``str`` (``[0]``,
  ``['a']``, ``.x``); with ``simple=True`` only the bare index, key or
  attribute name is used.  Entries are joined with ``separator``.
  """
  if simple:
    return separator.join(str(_key_payload(k)) for k in keys)
  return separator.join(map(str, keys))


# ---------------------------------------------------------------------------
# Public functional API
# ---------------------------------------------------------------------------

def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None
                 ) -> tuple[list[Leaf], PyTreeDef]:
  """Flatten ``tree`` into its leaves (depth first, left to right) and structure."""
  leaves: list = []
  if is_leaf is None:
    node = _flatten_fast(default_registry, tree, leaves)
  else:
    node = _flatten_pred(default_registry, tree, leaves, is_leaf)
  td = PyTreeDef.__new__(PyTreeDef)
  td._node = node
  td._hash = None
  return leaves, td


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Leaf]) -> Any:
  """Rebuild a pytree of structure ``treedef`` from ``leaves``."""
  return treedef.unflatten(leaves)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None
                ) -> list[Leaf]:
  """The leaves of ``tree`` in flattening order."""
  leaves: list = []
  if is_leaf is None:
    _leaves_fast(default_registry, tree, leaves)
  else:
    _flatten_pred(default_registry, tree, leaves, is_leaf)
  return leaves


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None
                   ) -> PyTreeDef:
  """The PyTreeDef of ``tree``."""
  return tree_flatten(tree, is_leaf)[1]


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
  """The treedef of a tuple whose elements have the given structures."""
  kids = tuple(t._node for t in treedefs)
  return _wrap(_mk(_K_TUPLE, tuple, None, kids))


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
  """The treedefs of the immediate children of ``treedef``'s root."""
  return treedef.children()


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
  """True iff ``treedef`` has a single node (a leaf, or an empty node such as None)."""
  return treedef.num_nodes == 1


def treedef_is_strict_leaf(treedef: PyTreeDef) -> bool:
  """True iff ``treedef`` is exactly one leaf."""
  return treedef._node is _LEAF


def all_leaves(iterable: Iterable[Any],
               is_leaf: Callable[[Any], bool] | None = None) -> bool:
  """True iff every element of ``iterable`` is a leaf."""
  if is_leaf is None:
    entry = default_registry._entry
    return all(entry(type(x)) is None for x in iterable)
  items = list(iterable)
  leaves = tree_leaves(items, is_leaf)
  return len(leaves) == len(items) and all(
      a is b for a, b in zip(items, leaves))


def is_tree_node(typ: type) -> bool:
  """True iff instances of ``typ`` are pytree nodes (not leaves)."""
  return default_registry.is_node(typ)


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any,
             is_leaf: Callable[[Any], bool] | None = None) -> Any:
  """Apply ``f`` leafwise; ``rest`` trees must have ``tree``'s structure as a prefix."""
  leaves, treedef = tree_flatten(tree, is_leaf)
  if not rest:
    return treedef.unflatten([f(x) for x in leaves])
  all_leaves_ = [leaves]
  for r in rest:
    all_leaves_.append(_leaves_up_to(treedef, tree, r, is_leaf, "tree_map tree"))
  return treedef.unflatten([f(*xs) for xs in zip(*all_leaves_)])


def _leaves_up_to(treedef, tree, other, is_leaf, name):
  """``treedef.flatten_up_to(other)`` with tree_map-style error reporting."""
  # Fast path: `other` usually has exactly the same structure.
  try:
    other_leaves: list = []
    other_node = _flatten_fast(default_registry, other, other_leaves)
    same = other_node == treedef._node
  except Exception:
    same = False
  if same:
    return other_leaves
  try:
    return treedef.flatten_up_to(other)
  except Exception:
    err = next(_prefix_error((), tree, other, is_leaf), None)
    if err is not None:
      raise err(name) from None
    raise


def tree_transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None,
                   pytree_to_transpose: Any) -> Any:
  """Turn a tree of structure outer∘inner into one of structure inner∘outer."""
  flat, treedef = tree_flatten(pytree_to_transpose)
  if inner_treedef is None:
    inner_treedef = tree_structure(
        outer_treedef.flatten_up_to(pytree_to_transpose)[0])
  inner_size = inner_treedef.num_leaves
  outer_size = outer_treedef.num_leaves
  if treedef.num_leaves != inner_size * outer_size:
    expected = outer_treedef.compose(inner_treedef)
    raise TypeError(f"Mismatch\n{treedef}\n != \n{expected}")
  rows = [flat[i * inner_size:(i + 1) * inner_size] for i in range(outer_size)]
  columns = [outer_treedef.unflatten(col) for col in zip(*rows)]
  if not rows:
    columns = [outer_treedef.unflatten([]) for _ in range(inner_size)]
  return inner_treedef.unflatten(columns)


class _Missing:
  def __repr__(self):
    return "<missing>"


_MISSING_INIT = _Missing()


def tree_reduce(function: Callable[[T, Any], T], tree: Any,
                initializer: Any = _MISSING_INIT,
                is_leaf: Callable[[Any], bool] | None = None) -> T:
  """``functools.reduce`` over the leaves of ``tree``."""
  leaves = tree_leaves(tree, is_leaf=is_leaf)
  if initializer is _MISSING_INIT:
    return functools.reduce(function, leaves)
  return functools.reduce(function, leaves, initializer)


def _tree_reduce_balanced(seq, op, identity):
  n = len(seq)
  if n == 0:
    if identity is _MISSING_INIT:
      raise TypeError(
          "Must specify identity for parallel reduction of empty sequence.")
    return identity
  if n == 1:
    return seq[0]
  mid = n // 2
  return op(_tree_reduce_balanced(seq[:mid], op, identity),
            _tree_reduce_balanced(seq[mid:], op, identity))


def tree_reduce_associative(operation: Callable[[T, T], T], tree: Any, *,
                            identity: Any = _MISSING_INIT,
                            is_leaf: Callable[[Any], bool] | None = None) -> T:
  """Reduce the leaves with an associative ``operation`` as a balanced tree."""
  return _tree_reduce_balanced(tree_leaves(tree, is_leaf=is_leaf), operation,
                               identity)


def tree_all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:
  """``all()`` over the leaves of ``tree``."""
  return all(tree_leaves(tree, is_leaf=is_leaf))


def tree_flatten_with_path(
    tree: Any, is_leaf: Callable[..., bool] | None = None,
    is_leaf_takes_path: bool = False,
) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
  """Like :func:`tree_flatten`, but each leaf comes paired with its key path."""
  pred = is_leaf
  if is_leaf is not None and not is_leaf_takes_path:
    pred = lambda _, x: is_leaf(x)
  return default_registry.flatten_with_path(tree, pred)


def tree_leaves_with_path(
    tree: Any, is_leaf: Callable[..., bool] | None = None,
    is_leaf_takes_path: bool = False,
) -> list[tuple[KeyPath, Any]]:
  """``(key_path, leaf)`` pairs of ``tree``."""
  return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


generate_key_paths = tree_leaves_with_path


def tree_map_with_path(
    f: Callable[..., Any], tree: Any, *rest: Any,
    is_leaf: Callable[..., bool] | None = None,
    is_leaf_takes_path: bool = False,
) -> Any:
  """Like :func:`tree_map`, but ``f`` also receives each leaf's key path first."""
  path_leaves, treedef = tree_flatten_with_path(tree, is_leaf,
                                                is_leaf_takes_path)
  columns = [[p for p, _ in path_leaves], [x for _, x in path_leaves]]
  plain_is_leaf = is_leaf if not is_leaf_takes_path else None
  for r in rest:
    columns.append(_leaves_up_to(treedef, tree, r, plain_is_leaf,
                                 "tree_map_with_path tree"))
  return treedef.unflatten([f(*xs) for xs in zip(*columns)])


def tree_broadcast(prefix_tree: Any, full_tree: Any,
                   is_leaf: Callable[[Any], bool] | None = None) -> Any:
  """Replicate each leaf of ``prefix_tree`` over the matching subtree of ``full_tree``."""
  leaves = broadcast_prefix(prefix_tree, full_tree, is_leaf=is_leaf)
  return tree_structure(full_tree).unflatten(leaves)


def broadcast_prefix(prefix_tree: Any, full_tree: Any,
                     is_leaf: Callable[[Any], bool] | None = None) -> list:
  """The leaves of ``prefix_tree``, each repeated once per leaf of its subtree in ``full_tree``."""
  out: list = []
  prefix_leaves, prefix_def = tree_flatten(prefix_tree, is_leaf)
  try:
    subtrees = prefix_def.flatten_up_to(full_tree)
  except ValueError:
    errs = prefix_errors(prefix_tree, full_tree, is_leaf)
    if errs:
      raise errs[0]("broadcast_prefix prefix_tree") from None
    raise
  for x, sub in zip(prefix_leaves, subtrees):
    out.extend([x] * tree_structure(sub).num_leaves)
  return out


def flatten_one_level(tree: Any) -> tuple[Iterable[Any], Hashable]:
  """Children and metadata of the root node of ``tree``."""
  out = default_registry.flatten_one_level(tree)
  if out is None:
    raise ValueError(f"can't tree-flatten type: {type(tree)}")
  return out


def flatten_one_level_with_keys(tree: Any):
  """``((key, child), ...)`` pairs and metadata of the root node of ``tree``."""
  out = default_registry.flatten_one_level_with_keys(tree)
  if out is None:
    raise ValueError(f"can't tree-flatten type: {type(tree)}")
  return out


# ---------------------------------------------------------------------------
# Structure-mismatch diagnostics
# ---------------------------------------------------------------------------

def _child_keys(tree):
  return tuple(k for k, _ in flatten_one_level_with_keys(tree)[0])


def _is_strict_leaf(tree, is_leaf):
  if is_leaf is not None:
    r = is_leaf(tree)
    if r is True:
      return True
  return default_registry._entry(type(tree)) is None


def prefix_errors(prefix_tree: Any, full_tree: Any,
                  is_leaf: Callable[[Any], bool] | None = None) -> list:
  """Error factories (``name -> ValueError``) describing why ``prefix_tree`` is not a prefix."""
  return list(_prefix_error((), prefix_tree, full_tree, is_leaf))


def _prefix_error(key_path, prefix_tree, full_tree, is_leaf=None):
  if _is_strict_leaf(prefix_tree, is_leaf):
    return

  if type(prefix_tree) is not type(full_tree):
    def different_types(name, p=type(prefix_tree), f=type(full_tree),
                        kp=key_path):
      return ValueError(
          "pytree structure error: different types at key path\n"
          f"    {name}{keystr(kp)}\n"
          f"At that key path, the prefix pytree {name} has a subtree of type\n"
          f"    {p}\n"
          "but at the same key path the full pytree has a subtree of "
          f"different type\n    {f}.")
    yield different_types
    return

  p_children, p_meta = flatten_one_level(prefix_tree)
  f_children, f_meta = flatten_one_level(full_tree)
  p_children = tuple(p_children)
  f_children = tuple(f_children)
  p_keys = _child_keys(prefix_tree)
  f_keys = _child_keys(full_tree)

  if isinstance(prefix_tree, (list, tuple)):
    if len(prefix_tree) != len(full_tree):
      def different_lengths(name, ty=type(prefix_tree), lp=len(prefix_tree),
                            lf=len(full_tree), kp=key_path):
        return ValueError(
            f"pytree structure error: different lengths of {ty.__name__} at "
            f"key path\n    {name}{keystr(kp)}\n"
            f"At that key path, the prefix pytree {name} has a subtree of type "
            f"{ty.__name__} of length {lp}, but the full pytree has a subtree "
            f"of the same type but of length {lf}.")
      yield different_lengths
      return
  elif len(p_children) != len(f_children):
    try:
      diff = set(p_keys).symmetric_difference(set(f_keys))
    except Exception:
      diff = None

    def keys_str(keys):
      return " ".join(str(_key_payload(k)) for k in keys)

    def different_numbers(name, ty=type(prefix_tree), kp=key_path):
      msg = (
          "pytree structure error: different numbers of pytree children at "
          f"key path\n    {name}{keystr(kp)}\n"
          f"At that key path, the prefix pytree {name} has a subtree of type\n"
          f"    {ty}\n"
          f"with {len(p_children)} child keys\n"
          f"    {keys_str(p_keys)}\n"
          "but at the same key path the full pytree has a subtree of the same "
          f"type but with {len(f_children)} child keys\n"
          f"    {keys_str(f_keys)}\n")
      if diff is not None:
        msg += ("so the symmetric difference on key sets is\n"
                f"    {keys_str(diff)}")
      return ValueError(msg)
    yield different_numbers
    return

  if p_meta != f_meta:
    p_str = str(p_meta)
    f_str = str(f_meta)
    ndiff = textwrap.indent(
        "\n".join(difflib.ndiff(p_str.splitlines(), f_str.splitlines())),
        prefix="    ")

    def different_metadata(name, ty=type(prefix_tree), kp=key_path):
      return ValueError(
          "pytree structure error: different pytree metadata at key path\n"
          f"    {name}{keystr(kp)}\n"
          f"At that key path, the prefix pytree {name} has a subtree of type\n"
          f"    {ty}\n"
          "with metadata\n"
          f"    {p_str}\n"
          "but at the same key path the full pytree has a subtree of the same "
          "type but with metadata\n"
          f"    {f_str}\n"
          "so the diff in the metadata at these pytree nodes is\n"
          f"{ndiff}")
    yield different_metadata
    return

  for k, a, b in zip(p_keys, p_children, f_children):
    yield from _prefix_error((*key_path, k), a, b, is_leaf)


def equality_errors(tree1: Any, tree2: Any,
                    is_leaf: Callable[[Any], bool] | None = None):
  """Yield ``(key_path, thing1, thing2, explanation)`` for each structural difference."""
  yield from _equality_errors((), tree1, tree2, is_leaf)


def equality_errors_pytreedef(tree1: PyTreeDef, tree2: PyTreeDef):
  """Like :func:`equality_errors`, for two treedefs."""
  leaf = _PytreeLeafMarker()
  return equality_errors(tree1.unflatten([leaf] * tree1.num_leaves),
                         tree2.unflatten([leaf] * tree2.num_leaves))


class _PytreeLeafMarkerType(type):
  # Errors print `str(type(leaf))`: the marker's *type* reads "pytree leaf", as in JAX.
  def __repr__(cls):
    return "pytree leaf"


class _PytreeLeafMarker(metaclass=_PytreeLeafMarkerType):
  def __repr__(self):
    return "pytree leaf"


def _equality_errors(path, t1, t2, is_leaf):
  if _is_strict_leaf(t1, is_leaf) and _is_strict_leaf(t2, is_leaf):
    return
  if type(t1) is not type(t2):
    yield path, str(type(t1)), str(type(t2)), "their Python types differ"
    return
  if isinstance(t1, (list, tuple)) and len(t1) != len(t2):
    yield (path, f"{type(t1).__name__} of length {len(t1)}",
           f"{type(t2).__name__} of length {len(t2)}",
           "the lengths do not match")
    return
  c1, m1 = flatten_one_level(t1)
  c2, m2 = flatten_one_level(t2)
  c1, c2 = tuple(c1), tuple(c2)
  k1, k2 = _child_keys(t1), _child_keys(t2)
  if len(c1) != len(c2):
    try:
      diff = " ".join(repr(_key_payload(k))
                      for k in set(k1).symmetric_difference(set(k2)))
    except Exception:
      diff = ""
    yield (path,
           f"{type(t1)} with {len(c1)} child{'ren' if len(c1) > 1 else ''}",
           f"{type(t2)} with {len(c2)} child{'ren' if len(c2) > 1 else ''}",
           "the numbers of children do not match"
           + (diff and f", with the symmetric difference of key sets: {{{diff}}}"))
    return
  if m1 != m2:
    yield (path, f"{type(t1)} with pytree metadata {m1}",
           f"{type(t2)} with pytree metadata {m2}",
           "the pytree node metadata does not match")
    return
  for k, a, b in zip(k1, c1, c2):
    yield from _equality_errors((*path, k), a, b, is_leaf)


# ---------------------------------------------------------------------------
# Registration helpers
# ---------------------------------------------------------------------------

def register_pytree_node(
    nodetype: type,
    flatten_func: Callable[[Any], tuple[Iterable[Any], Hashable]],
    unflatten_func: Callable[[Hashable, Iterable[Any]], Any],
    flatten_with_keys_func: Callable[[Any], tuple[Iterable[tuple[Any, Any]], Hashable]] | None = None,
) -> None:
  """Make ``nodetype`` a pytree node type.

  ``flatten_func(x)`` returns ``(children, aux_data)`` where ``aux_data`` is
  hashable static data; ``unflatten_func(aux_data, children)`` rebuilds ``x``.
  """
  for reg in _all_registries:
    reg.register_node(nodetype, flatten_func, unflatten_func,
                      flatten_with_keys_func)


def register_pytree_node_class(cls: Typ) -> Typ:
  """Class decorator: register using ``cls.tree_flatten`` / ``cls.tree_unflatten``."""
  register_pytree_node(cls, operator.methodcaller("tree_flatten"),
                       cls.tree_unflatten)
  return cls


def register_pytree_with_keys(
    nodetype: type,
    flatten_with_keys: Callable[[Any], tuple[Iterable[tuple[Any, Any]], Hashable]],
    unflatten_func: Callable[[Hashable, Iterable[Any]], Any],
    flatten_func: Callable[[Any], tuple[Iterable[Any], Hashable]] | None = None,
) -> None:
  """Like :func:`register_pytree_node`, with a flatten function that also yields keys."""
  if not flatten_func:
    def flatten_func(tree):
      key_children, aux = flatten_with_keys(tree)
      return [c for _, c in key_children], aux
  register_pytree_node(nodetype, flatten_func, unflatten_func,
                       flatten_with_keys)


def register_pytree_with_keys_class(cls: Typ) -> Typ:
  """Class decorator: register using ``tree_flatten_with_keys`` / ``tree_unflatten``."""
  flatten_func = (operator.methodcaller("tree_flatten")
                  if hasattr(cls, "tree_flatten") else None)
  register_pytree_with_keys(cls, operator.methodcaller("tree_flatten_with_keys"),
                            cls.tree_unflatten, flatten_func)
  return cls


def register_dataclass(nodetype: Typ,
                       data_fields: Sequence[str] | None = None,
                       meta_fields: Sequence[str] | None = None,
                       drop_fields: Sequence[str] = ()) -> Typ:
  """Register a dataclass-like type: data fields are children, meta fields are static.

  For a :func:`dataclasses.dataclass`, both field lists may be omitted; fields
  are then data fields unless declared with ``metadata=dict(static=True)``.
  """
  if data_fields is None or meta_fields is None:
    if (data_fields is None) != (meta_fields is None):
      raise TypeError(
          "register_dataclass: data_fields and meta_fields must both be "
          "specified when either is specified. Got "
          f"data_fields={data_fields!r} meta_fields={meta_fields!r}.")
    if not dataclasses.is_dataclass(nodetype):
      raise TypeError(
          "register_dataclass: data_fields and meta_fields are required when "
          f"nodetype is not a dataclass. Got nodetype={nodetype!r}.")
    all_fields = dataclasses.fields(nodetype)
    data_fields = [f.name for f in all_fields
                   if not f.metadata.get("static", False)]
    meta_fields = [f.name for f in all_fields
                   if f.metadata.get("static", False)]

  data_fields = tuple(data_fields)
  meta_fields = tuple(meta_fields)

  if dataclasses.is_dataclass(nodetype):
    init_fields = {f.name for f in dataclasses.fields(nodetype) if f.init}
    init_fields.difference_update(drop_fields)
    given = {*data_fields, *meta_fields}
    if given != init_fields:
      msg = ("data_fields and meta_fields must include all dataclass fields "
             "with ``init=True`` and only them.")
      missing = init_fields - given
      if missing:
        msg += (f" Missing fields: {missing}. Add them to drop_fields to "
                "suppress this error.")
      unexpected = given - init_fields
      if unexpected:
        msg += f" Unexpected fields: {unexpected}."
      raise ValueError(msg)

  overlap = set(data_fields) & set(meta_fields)
  if overlap:
    raise ValueError("data_fields and meta_fields must not overlap. "
                     f"Overlapping fields: {overlap}.")

  for reg in _all_registries:
    reg.register_dataclass_node(nodetype, data_fields, meta_fields)
  return nodetype


def register_static(cls: type[H]) -> type[H]:
  """Register ``cls`` as a node with no children: instances become static metadata."""
  register_pytree_with_keys(cls, lambda obj: ((), obj),
                            lambda obj, _children: obj)
  return cls


# ---------------------------------------------------------------------------
# Built-in extra node types
# ---------------------------------------------------------------------------

register_pytree_with_keys(
    collections.OrderedDict,
    lambda d: (tuple((DictKey(k), v) for k, v in d.items()), tuple(d.keys())),
    lambda keys, values: collections.OrderedDict(zip(keys, values)),
    lambda d: (list(d.values()), tuple(d.keys())),
)


def _defaultdict_flatten_with_keys(d):
  keys = tuple(_sort_dict_keys(d))
  return tuple((DictKey(k), d[k]) for k in keys), (d.default_factory, keys)


def _defaultdict_flatten(d):
  keys = tuple(_sort_dict_keys(d))
  return [d[k] for k in keys], (d.default_factory, keys)


register_pytree_with_keys(
    collections.defaultdict,
    _defaultdict_flatten_with_keys,
    lambda aux, values: collections.defaultdict(aux[0], zip(aux[1], values)),
    _defaultdict_flatten,
)


# ---------------------------------------------------------------------------
# Partial
# ---------------------------------------------------------------------------

class _HashableCallableShim:
  """Callable proxy whose hash/equality are those of the wrapped callable.

  Used by :class:`Partial` to stop ``functools.partial`` from merging a wrapped
  partial's arguments into its own (which would change the pytree children).
  """

  def __init__(self, fun):
    self.fun = fun

  def __call__(self, *args, **kwargs):
    return self.fun(*args, **kwargs)

  def __hash__(self):
    return hash(self.fun)

  def __eq__(self, other):
    if isinstance(other, _HashableCallableShim):
      return self.fun == other.fun
    return self.fun == other

  def __repr__(self):
    return f"_HashableCallableShim({self.fun!r})"


class Partial(functools.partial):
  """``functools.partial`` that is a pytree node.

  The wrapped function is static metadata; the bound positional arguments and
  keyword arguments are the children, so ``Partial`` objects can be passed
  through transformations.
  """

  def __new__(klass, func, *args, **kw):
    if isinstance(func, functools.partial):
      inner = func
      shim = _HashableCallableShim(inner)
      out = super().__new__(klass, shim, *args, **kw)
      # Let the shim look like the partial it wraps.
      shim.func = inner.func
      shim.args = inner.args
      shim.keywords = inner.keywords
      return out
    return super().__new__(klass, func, *args, **kw)


Partial.__module__ = _PUBLIC_MODULE

register_pytree_node(
    Partial,
    lambda p: ((p.args, p.keywords), p.func),
    lambda func, children: Partial(func, *children[0], **children[1]),
)
