"""Tests for pyjax.tree_util / pyjax.tree, checked against JAX (the oracle)."""
import collections
import dataclasses
import functools
import operator
import pickle

import pytest

jax = pytest.importorskip("jax")
import jax.tree as jtree  # noqa: E402
import jax.tree_util as jtu  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402

from pyjax import tree as ptree  # noqa: E402
from pyjax import tree_util as ptu  # noqa: E402

LIBS = (jtu, ptu)

# ---------------------------------------------------------------------------
# Node types registered identically in both libraries
# ---------------------------------------------------------------------------

NT = collections.namedtuple("NT", ["x", "y"])
NT2 = collections.namedtuple("NT2", ["x", "y"])
Empty = collections.namedtuple("Empty", [])


class Point:
  """Custom node registered without keys."""

  def __init__(self, x, y, tag="p"):
    self.x, self.y, self.tag = x, y, tag

  def __eq__(self, other):
    return (type(other) is Point and (self.x, self.y, self.tag)
            == (other.x, other.y, other.tag))

  def __repr__(self):
    return f"Point({self.x!r}, {self.y!r}, tag={self.tag!r})"


def _point_flatten(p):
  return (p.x, p.y), p.tag


def _point_unflatten(tag, children):
  return Point(*children, tag=tag)


for _lib in LIBS:
  _lib.register_pytree_node(Point, _point_flatten, _point_unflatten)


class Box:
  """Custom node registered with keys (GetAttrKey of the matching library)."""

  def __init__(self, a, b):
    self.a, self.b = a, b

  def __eq__(self, other):
    return type(other) is Box and (self.a, self.b) == (other.a, other.b)

  def __repr__(self):
    return f"Box({self.a!r}, {self.b!r})"


def _make_box_flatten_with_keys(lib):
  def flatten_with_keys(box):
    return [(lib.GetAttrKey("a"), box.a), (lib.GetAttrKey("b"), box.b)], None
  return flatten_with_keys


for _lib in LIBS:
  _lib.register_pytree_with_keys(Box, _make_box_flatten_with_keys(_lib),
                                 lambda aux, ch: Box(*ch))


class Pair:
  """Registered via register_pytree_node_class."""

  def __init__(self, first, second):
    self.first, self.second = first, second

  def tree_flatten(self):
    return (self.first, self.second), ("pair", 2)

  @classmethod
  def tree_unflatten(cls, aux, children):
    return cls(*children)

  def __eq__(self, other):
    return type(other) is Pair and (self.first, self.second) == (
        other.first, other.second)

  def __repr__(self):
    return f"Pair({self.first!r}, {self.second!r})"


for _lib in LIBS:
  _lib.register_pytree_node_class(Pair)


class StrKeyed:
  """Registered via register_pytree_with_keys_class with plain string keys."""

  def __init__(self, u, v):
    self.u, self.v = u, v

  def tree_flatten_with_keys(self):
    return (("u", self.u), ("v", self.v)), None

  @classmethod
  def tree_unflatten(cls, aux, children):
    return cls(*children)

  def __eq__(self, other):
    return type(other) is StrKeyed and (self.u, self.v) == (other.u, other.v)

  def __repr__(self):
    return f"StrKeyed({self.u!r}, {self.v!r})"


for _lib in LIBS:
  _lib.register_pytree_with_keys_class(StrKeyed)


@dataclasses.dataclass
class DC:
  x: object
  y: object
  op: str = dataclasses.field(default="add", metadata=dict(static=True))


for _lib in LIBS:
  _lib.register_dataclass(DC)


@dataclasses.dataclass
class DCExplicit:
  a: object
  b: object
  name: str = "n"


for _lib in LIBS:
  _lib.register_dataclass(DCExplicit, data_fields=["b", "a"],
                          meta_fields=["name"])


@dataclasses.dataclass(frozen=True)
class StaticThing:
  v: int


for _lib in LIBS:
  _lib.register_static(StaticThing)


class Opaque:
  """Never registered: always a leaf."""

  def __init__(self, v):
    self.v = v

  def __eq__(self, other):
    return type(other) is Opaque and other.v == self.v

  def __hash__(self):
    return hash(self.v)

  def __repr__(self):
    return f"Opaque({self.v})"


class Aux:
  """Metadata object whose str and repr differ."""

  def __str__(self):
    return "AUX-STR"

  def __repr__(self):
    return "AUX-REPR"

  def __eq__(self, other):
    return isinstance(other, Aux)

  def __hash__(self):
    return 7


def _dd(factory, **kw):
  d = collections.defaultdict(factory)
  d.update(kw)
  return d


def tree_cases(lib):
  """Trees covering every node kind; built per library (Partial differs)."""
  return [
      1,
      "string leaf",
      None,
      (),
      [],
      {},
      (1,),
      ((1,),),
      [1, None],
      [None, [None]],
      {"b": 1, "a": (2, 3)},
      {"x": None},
      {"a": {"b": {}}},
      {3: "c", 1: "a", 2: "b"},
      {(1, 2): 1, (0, 3): 2},
      NT(1, (2, 3)),
      NT(None, []),
      Empty(),
      [NT(1, 2), NT2(3, 4)],
      collections.OrderedDict([("b", 1), ("a", 2)]),
      collections.OrderedDict(),
      _dd(list, b=1, a=2),
      _dd(None, a=[1, 2]),
      Point(1, [2, 3]),
      Point(None, None, tag=("t", 1)),
      Point(1, 2, tag=Aux()),
      Box({"q": 1}, (2,)),
      Pair(1, [2]),
      StrKeyed(1, {"k": 2}),
      DC(1, [2, 3]),
      DC(x={"a": 1}, y=None, op="sub"),
      DCExplicit(1, 2),
      [StaticThing(3), 4],
      lib.Partial(max, 1, key=2),
      lib.Partial(max),
      {"params": [{"w": 1.0, "b": 2.0}, {"w": 3.0, "b": None}], "step": 7},
      (Opaque(1), [Opaque(2), {"o": Opaque(3)}]),
      [1, (2, [3, {"a": 4, "b": (5, None)}]), NT(6, Point(7, 8))],
  ]


CASE_IDS = [f"case{i}" for i in range(len(tree_cases(ptu)))]


def _node_data_key(nd):
  """node_data with the library-specific Partial class normalised."""
  if nd is None:
    return None
  typ, data = nd
  if typ in (jtu.Partial, ptu.Partial):
    return ("Partial", data)
  return (typ, data)


# ---------------------------------------------------------------------------
# Flatten / unflatten / treedef against the oracle
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("idx", range(len(CASE_IDS)), ids=CASE_IDS)
def test_flatten_matches_oracle(idx):
  jt = tree_cases(jtu)[idx]
  pt = tree_cases(ptu)[idx]
  jleaves, jdef = jtu.tree_flatten(jt)
  pleaves, pdef = ptu.tree_flatten(pt)
  assert pleaves == jleaves
  assert repr(pdef) == repr(jdef)
  assert str(pdef) == str(jdef)
  assert pdef.num_leaves == jdef.num_leaves
  assert pdef.num_nodes == jdef.num_nodes
  assert _node_data_key(pdef.node_data()) == _node_data_key(jdef.node_data())
  assert [repr(c) for c in pdef.children()] == [repr(c) for c in jdef.children()]
  assert ptu.treedef_is_leaf(pdef) == jtu.treedef_is_leaf(jdef)
  assert ptu.tree_leaves(pt) == jtu.tree_leaves(jt)
  assert repr(ptu.tree_structure(pt)) == repr(jtu.tree_structure(jt))


@pytest.mark.parametrize("idx", range(len(CASE_IDS)), ids=CASE_IDS)
def test_unflatten_roundtrip(idx):
  pt = tree_cases(ptu)[idx]
  leaves, treedef = ptu.tree_flatten(pt)
  rebuilt = ptu.tree_unflatten(treedef, leaves)
  if isinstance(pt, functools.partial):
    assert (rebuilt.func, rebuilt.args, rebuilt.keywords) == (
        pt.func, pt.args, pt.keywords)
  else:
    assert_same_tree(rebuilt, pt)
  # Unflatten with new leaves, compared to the oracle.
  jt = tree_cases(jtu)[idx]
  jleaves, jdef = jtu.tree_flatten(jt)
  new = [f"leaf{i}" for i in range(len(leaves))]
  assert repr(ptu.tree_unflatten(treedef, new)) == repr(
      jtu.tree_unflatten(jdef, new)).replace("jax.tree_util", "pyjax.tree_util")


@pytest.mark.parametrize("idx", range(len(CASE_IDS)), ids=CASE_IDS)
def test_paths_match_oracle(idx):
  jt = tree_cases(jtu)[idx]
  pt = tree_cases(ptu)[idx]
  jpaths, jdef = jtu.tree_flatten_with_path(jt)
  ppaths, pdef = ptu.tree_flatten_with_path(pt)
  assert repr(pdef) == repr(jdef)
  assert [(repr(p), x) for p, x in ppaths] == [(repr(p), x) for p, x in jpaths]
  assert [ptu.keystr(p) for p, _ in ppaths] == [jtu.keystr(p) for p, _ in jpaths]
  assert [ptu.keystr(p, simple=True, separator="/") for p, _ in ppaths] == [
      jtu.keystr(p, simple=True, separator="/") for p, _ in jpaths]
  assert [x for _, x in ptu.tree_leaves_with_path(pt)] == ptu.tree_leaves(pt)


def assert_same_tree(a, b):
  """Structural equality that also checks container types and OrderedDict order."""
  assert type(a) is type(b), (a, b)
  if isinstance(a, dict):
    if isinstance(a, collections.OrderedDict):
      assert list(a.keys()) == list(b.keys())
    assert set(a.keys()) == set(b.keys())
    if isinstance(a, collections.defaultdict):
      assert a.default_factory is b.default_factory
    for k in a:
      assert_same_tree(a[k], b[k])
  elif isinstance(a, (list, tuple)):
    assert len(a) == len(b)
    for x, y in zip(a, b):
      assert_same_tree(x, y)
  else:
    assert a == b


def test_dict_flatten_order_and_rebuild_order():
  d = {"b": 1, "c": 2, "a": 3}
  pleaves, pdef = ptu.tree_flatten(d)
  jleaves, jdef = jtu.tree_flatten(d)
  assert pleaves == jleaves == [3, 1, 2]
  # Rebuilt dicts come back in sorted-key order, as JAX does.
  assert list(pdef.unflatten(pleaves)) == list(jdef.unflatten(jleaves)) == [
      "a", "b", "c"]
  assert list(ptu.tree_map(lambda x: x, d)) == list(jtu.tree_map(lambda x: x, d))
  od = collections.OrderedDict([("b", 1), ("a", 2)])
  assert list(ptu.tree_map(lambda x: x, od)) == ["b", "a"]
  dd = _dd(list, b=1, a=2)
  out = ptu.tree_map(lambda x: x * 10, dd)
  assert type(out) is collections.defaultdict and out.default_factory is list
  assert dict(out) == {"a": 20, "b": 10}


def test_unsortable_dict_keys():
  bad = {1: "a", "b": 2}
  for lib in LIBS:
    with pytest.raises(ValueError, match="Comparator raised exception"):
      lib.tree_flatten(bad)


def test_is_leaf_call_order_and_results():
  tree = [1, (2, None), {"a": [3], "b": NT(4, 5)}, Point(6, 7)]
  calls = {lib: [] for lib in LIBS}
  results = {}
  for lib in LIBS:
    def pred(x, lib=lib):
      calls[lib].append(repr(x))
      return False
    results[lib] = lib.tree_leaves(tree, is_leaf=pred)
  assert calls[ptu] == calls[jtu]
  assert results[ptu] == results[jtu]

  stop_tuples = lambda x: isinstance(x, tuple)
  for t in (tree, [(1, 2), [3, (4,)]], None, [None, 1]):
    jl, jd = jtu.tree_flatten(t, is_leaf=stop_tuples)
    pl, pd = ptu.tree_flatten(t, is_leaf=stop_tuples)
    assert pl == jl and repr(pd) == repr(jd)
  none_leaf = lambda x: x is None
  for t in (None, [None, 1], {"a": None}):
    assert repr(ptu.tree_structure(t, is_leaf=none_leaf)) == repr(
        jtu.tree_structure(t, is_leaf=none_leaf))
    assert ptu.tree_leaves(t, is_leaf=none_leaf) == jtu.tree_leaves(
        t, is_leaf=none_leaf)


@pytest.mark.parametrize("bad", [0, 1, "yes", [1]])
def test_is_leaf_non_boolean(bad):
  msgs = []
  for lib in LIBS:
    with pytest.raises(ValueError) as info:
      lib.tree_leaves([1, (2, 3)], is_leaf=lambda x: bad)
    msgs.append(str(info.value))
  assert msgs[0] == msgs[1]


def test_is_leaf_none_result_means_false():
  for lib in LIBS:
    assert lib.tree_leaves([1, (2, 3)], is_leaf=lambda x: None) == [1, 2, 3]


# ---------------------------------------------------------------------------
# PyTreeDef API
# ---------------------------------------------------------------------------

EQ_TREES = [
    (1, {"a": 2}), (1, {"b": 2}), [1, {"a": 2}], (1, {"a": (2,)}), (None, 1),
    (1, 1), NT(1, 2), NT2(1, 2), (1, 2), Point(1, 2), Point(1, 2, tag="q"),
    Point(1, [2]), collections.OrderedDict(a=1), {"a": 1},
    _dd(list, a=1), _dd(dict, a=1), DC(1, 2), DC(1, 2, op="mul"), 5, None,
    [StaticThing(1)], [StaticThing(2)],
]


def test_treedef_equality_and_hash_match_oracle():
  pdefs = [ptu.tree_structure(t) for t in EQ_TREES]
  jdefs = [jtu.tree_structure(t) for t in EQ_TREES]
  for i in range(len(EQ_TREES)):
    for j in range(len(EQ_TREES)):
      assert (pdefs[i] == pdefs[j]) == (jdefs[i] == jdefs[j]), (i, j)
      assert (pdefs[i] != pdefs[j]) == (jdefs[i] != jdefs[j]), (i, j)
  # Equal treedefs from different trees hash equally and work as dict keys.
  a = ptu.tree_structure({"a": 1, "b": [2, 3]})
  b = ptu.tree_structure({"b": ["x", "y"], "a": None})
  c = ptu.tree_structure({"b": ["x", "y"], "a": 0})
  assert a != b and a == c and hash(a) == hash(c)
  assert len({a, b, c}) == 2
  assert (a == 1) is False and (a != 1) is True
  # Custom nodes with unhashable metadata are still hashable.
  unhashable = ptu.tree_structure(Point(1, 2, tag=[1, 2]))
  assert hash(unhashable) == hash(ptu.tree_structure(Point(3, 4, tag=[1, 2])))


def test_treedef_pickle():
  for t in tree_cases(ptu):
    leaves, treedef = ptu.tree_flatten(t)
    clone = pickle.loads(pickle.dumps(treedef))
    assert clone == treedef and hash(clone) == hash(treedef)
    assert repr(clone) == repr(treedef)
    rebuilt = clone.unflatten(leaves)
    assert repr(rebuilt) == repr(treedef.unflatten(leaves))


def test_treedef_tuple_children_compose():
  x_p = ptu.tree_structure([1, 2])
  y_p = ptu.tree_structure({"a": 1, "b": (2, None)})
  x_j = jtu.tree_structure([1, 2])
  y_j = jtu.tree_structure({"a": 1, "b": (2, None)})
  tp = ptu.treedef_tuple([x_p, y_p])
  tj = jtu.treedef_tuple([x_j, y_j])
  assert repr(tp) == repr(tj)
  assert tp == ptu.tree_structure(([0, 0], {"a": 0, "b": (0, None)}))
  assert [repr(c) for c in ptu.treedef_children(tp)] == [
      repr(c) for c in jtu.treedef_children(tj)]
  assert repr(x_p.compose(y_p)) == repr(x_j.compose(y_j))
  assert x_p.compose(y_p).num_leaves == 4
  assert repr(ptu.treedef_tuple([])) == repr(jtu.treedef_tuple([])) == "PyTreeDef(())"


def test_from_node_data_and_children_roundtrip():
  for t in tree_cases(ptu):
    td = ptu.tree_structure(t)
    rebuilt = td.from_node_data_and_children(
        ptu.default_registry, td.node_data(), td.children())
    assert rebuilt == td


def test_from_iterable_tree_and_walk():
  td_p = ptu.tree_structure({"b": 1, "a": (2, 3)})
  td_j = jtu.tree_structure({"b": 1, "a": (2, 3)})
  assert td_p.from_iterable_tree([[5, 6], 7]) == td_j.from_iterable_tree([[5, 6], 7])
  f_node = lambda kids, data: ("node", kids, data)
  f_leaf = lambda x: ("leaf", x)
  td_p = ptu.tree_structure((1, [2, None]))
  td_j = jtu.tree_structure((1, [2, None]))
  assert td_p.walk(f_node, f_leaf, [7, 8]) == td_j.walk(f_node, f_leaf, [7, 8])


def test_unflatten_leaf_count_errors():
  cases = [((1, {"a": 2}), [1]), ((1, {"a": 2}), [1, 2, 3]), (5, []),
           (None, [1]), ([1, 2], (x for x in [1]))]
  for tree, leaves in cases:
    msgs = []
    leaves = list(leaves) if isinstance(leaves, list) else tuple(leaves)
    for lib in LIBS:
      td = lib.tree_structure(tree)
      lv = leaves if isinstance(leaves, list) else iter(leaves)
      with pytest.raises(ValueError) as info:
        td.unflatten(lv)
      msgs.append(str(info.value))
    assert msgs[0] == msgs[1]
  for lib in LIBS:
    assert lib.tree_structure((1, 2)).unflatten(iter([3, 4])) == (3, 4)
    assert lib.tree_unflatten(lib.tree_structure(1), ["x"]) == "x"
    assert lib.tree_unflatten(lib.tree_structure(None), []) is None


FLATTEN_UP_TO_CASES = [
    ((1, {"a": 2}), (1, {"a": 2, "b": 3})),
    ((1, {"a": 2}), (1, {"b": 2})),
    ((1, {"a": 2}), (1, 2)),
    ((1, {"a": 2}), [1, {"a": 2}]),
    ((1, {"a": 2}), (1, {"a": 2}, 3)),
    ((1, {"a": 2}), 5),
    ((None, 1), (1, 1)),
    ([1, 2], [1]),
    (NT(1, 2), NT2(1, 2)),
    (NT(1, 2), (1, 2)),
    ((1, 2), NT(1, 2)),
    (collections.OrderedDict(a=1), collections.OrderedDict(b=1)),
    (collections.OrderedDict(a=1), {"a": 1}),
    ({"a": 1}, collections.OrderedDict(a=1)),
    (_dd(list, a=1), _dd(dict, a=1)),
    (Point(1, 2), Point(1, 2, tag="other")),
    (Point(1, 2), Opaque(1)),
    (DC(1, [2]), DC(1, [2], op="sub")),
    (DC(1, [2]), 5),
    ({1: 1}, {"1": 1}),
]


@pytest.mark.parametrize("prefix,full", FLATTEN_UP_TO_CASES)
def test_flatten_up_to_errors_match_oracle(prefix, full):
  results = []
  for lib in LIBS:
    td = lib.tree_structure(prefix)
    with pytest.raises(Exception) as info:
      td.flatten_up_to(full)
    results.append((type(info.value), str(info.value)))
  assert results[0] == results[1]


def test_flatten_up_to_success():
  for prefix, full in [((None, {"a": 1}), (None, {"a": [2, 3]})),
                       ([1, 2], [(1, 2), {"x": 3}]),
                       (Point(1, 2), Point([1], (2,))),
                       (5, {"anything": [1]})]:
    assert ptu.tree_structure(prefix).flatten_up_to(full) == jtu.tree_structure(
        prefix).flatten_up_to(full)


# ---------------------------------------------------------------------------
# tree_map and friends
# ---------------------------------------------------------------------------

def test_tree_map_multiple_trees_and_prefix():
  f = lambda x, y, z: (x, y, z)
  a = {"b": 1, "a": [2, 3], "n": None}
  b = {"a": [20, (30, 31)], "b": {"deep": 10}, "n": None}
  c = {"a": [200, 300], "b": 100, "n": None}
  assert ptu.tree_map(f, a, b, c) == jtu.tree_map(f, a, b, c)
  assert ptree.map(f, a, b, c) == jtree.map(f, a, b, c)
  g = lambda x, y: [x] + y
  assert ptu.tree_map(g, [5, 6], [[7, 9], [1, 2]]) == [[5, 7, 9], [6, 1, 2]]
  assert ptu.tree_map(lambda x: x + 1, [1, None, NT(2, 3)]) == [2, None, NT(3, 4)]
  assert ptu.tree_map(lambda x: x + 1, Point(1, 2, tag="t")) == Point(2, 3, tag="t")
  assert ptu.tree_map(lambda x: x * 2, DC(1, [2], op="m")) == DC(2, [4], op="m")


def test_tree_map_is_leaf():
  tree = [1, (2, 3), [4, (5,)]]
  f = lambda x: ("L", x)
  stop = lambda x: isinstance(x, tuple)
  assert ptu.tree_map(f, tree, is_leaf=stop) == jtu.tree_map(f, tree, is_leaf=stop)
  f2 = lambda x, y: (x, y)
  other = [10, [20, 30], [40, [50, 60]]]
  assert ptu.tree_map(f2, tree, other, is_leaf=stop) == jtu.tree_map(
      f2, tree, other, is_leaf=stop)
  f3 = lambda x: "none" if x is None else x
  nl = lambda x: x is None
  assert ptu.tree_map(f3, [None, 1, {"a": None}], is_leaf=nl) == jtu.tree_map(
      f3, [None, 1, {"a": None}], is_leaf=nl)


TREE_MAP_MISMATCHES = [
    ((1, {"a": 2}), (1, {"b": 2})),
    ((1, {"a": 2}), (1, 2)),
    ((1, {"a": 2}), (1, {"a": 2}, 3)),
    ([1, 2], [1]),
    ((1, {"a": 2}), [1, {"a": 2}]),
    ((1, None), (2, 3)),
    ([1, [2]], [1, [2, 3]]),
    ({"a": 1, "b": 2}, {"a": 1, "c": 2}),
    ({"a": 1, "b": 2}, {"a": 1}),
    ([{"a": 1, "b": 2}], [{"a": 1}]),
    ({"a": [1, (2, 3)]}, {"a": [1, (2, 4, 5)]}),
    ({"a": [1, {"x": 1}]}, {"a": [1, {"y": 1}]}),
    ([None], [1]),
    (Point(1, 2), Opaque(3)),
    (Point(1, 2), Point(1, 2, tag="zz")),
    (NT(1, 2), NT2(1, 2)),
    (NT(1, 2), (1, 2)),
    (collections.OrderedDict(a=1), collections.OrderedDict(a=1, b=2)),
    (_dd(list, a=1), _dd(dict, a=1)),
    (DC(1, [2]), DC(1, [2], op="sub")),
]


@pytest.mark.parametrize("tree,other", TREE_MAP_MISMATCHES)
def test_tree_map_mismatch_errors_match_oracle(tree, other):
  results = []
  for lib in LIBS:
    with pytest.raises(Exception) as info:
      lib.tree_map(lambda x, y: (x, y), tree, other)
    results.append((type(info.value), str(info.value)))
  assert results[0] == results[1]
  results = []
  for lib in LIBS:
    with pytest.raises(Exception) as info:
      lib.tree_map_with_path(lambda p, x, y: (x, y), tree, other)
    results.append((type(info.value), str(info.value)))
  assert results[0] == results[1]


def test_tree_map_with_path():
  tree = {"a": [1, NT(2, 3)], "b": Box(4, (5,)), "c": StrKeyed(6, 7)}
  f = lambda p, x: (jtu.keystr(p), x)
  g = lambda p, x: (ptu.keystr(p), x)
  assert ptu.tree_map_with_path(g, tree) == jtu.tree_map_with_path(f, tree)
  f2 = lambda p, x, y: (jtu.keystr(p, simple=True, separator="/"), x, y)
  g2 = lambda p, x, y: (ptu.keystr(p, simple=True, separator="/"), x, y)
  other = {"a": [10, NT(20, [30])], "b": Box(40, (50,)), "c": StrKeyed(6, 7)}
  assert ptree.map_with_path(g2, tree, other) == jtree.map_with_path(f2, tree, other)
  # is_leaf, with and without the key path argument.
  t = [1, (2, 3), [(4,)]]
  jl = jtu.tree_leaves_with_path(t, is_leaf=lambda x: isinstance(x, tuple))
  pl = ptu.tree_leaves_with_path(t, is_leaf=lambda x: isinstance(x, tuple))
  assert repr(pl) == repr(jl)
  jl = jtu.tree_leaves_with_path(t, is_leaf=lambda p, x: len(p) == 1,
                                 is_leaf_takes_path=True)
  pl = ptu.tree_leaves_with_path(t, is_leaf=lambda p, x: len(p) == 1,
                                 is_leaf_takes_path=True)
  assert repr(pl) == repr(jl)
  assert repr(ptree.flatten_with_path(5)) == repr(jtree.flatten_with_path(5))
  assert repr(ptree.leaves_with_path(None)) == repr(jtree.leaves_with_path(None))


# ---------------------------------------------------------------------------
# Keys and keystr
# ---------------------------------------------------------------------------

def test_key_classes():
  def keys(lib):
    return [lib.SequenceKey(0), lib.DictKey("a"), lib.DictKey(1),
            lib.GetAttrKey("x"), lib.FlattenedIndexKey(3), lib.DictKey(None),
            lib.DictKey((1, "a"))]
  jk, pk = keys(jtu), keys(ptu)
  assert [repr(k) for k in pk] == [repr(k) for k in jk]
  assert [str(k) for k in pk] == [str(k) for k in jk]
  assert ptu.keystr(tuple(pk)) == jtu.keystr(tuple(jk))
  assert ptu.keystr(tuple(pk), simple=True, separator="/") == jtu.keystr(
      tuple(jk), simple=True, separator="/")
  assert ptu.keystr(("a", 1)) == jtu.keystr(("a", 1)) == "a1"
  assert ptu.keystr([ptu.DictKey("a"), "b"]) == "['a']b"
  with pytest.raises(TypeError):
    ptu.keystr((ptu.DictKey("a"),), False)  # simple is keyword-only
  assert ptu.SequenceKey(0) == ptu.SequenceKey(0)
  assert ptu.SequenceKey(0) != ptu.SequenceKey(1)
  assert ptu.SequenceKey(0) != ptu.FlattenedIndexKey(0)
  assert ptu.DictKey(0) != ptu.SequenceKey(0)
  assert ptu.SequenceKey(0) != 0
  assert hash(ptu.DictKey("a")) == hash(ptu.DictKey("a"))
  assert len({ptu.GetAttrKey("x"), ptu.GetAttrKey("x"), ptu.GetAttrKey("y")}) == 2
  for k in pk:
    assert pickle.loads(pickle.dumps(k)) == k
  for bad in (lambda: ptu.SequenceKey("a"), lambda: ptu.GetAttrKey(1),
              lambda: ptu.FlattenedIndexKey("a")):
    with pytest.raises(TypeError):
      bad()
  with pytest.raises(AttributeError):
    ptu.SequenceKey(0).idx = 3
  with pytest.raises(TypeError):
    hash(ptu.DictKey([1]))


def test_key_pattern_matching():
  def describe(k, lib):
    match k:
      case lib.SequenceKey(idx=i):
        return ("seq", i)
      case lib.DictKey(key=kk):
        return ("dict", kk)
      case lib.GetAttrKey(name=n):
        return ("attr", n)
      case lib.FlattenedIndexKey(key=kk):
        return ("flat", kk)
    return None
  tree = {"a": [1, NT(2, 3)], "p": Point(4, 5)}
  jd = [tuple(describe(k, jtu) for k in p) for p, _ in jtu.tree_leaves_with_path(tree)]
  pd = [tuple(describe(k, ptu) for k in p) for p, _ in ptu.tree_leaves_with_path(tree)]
  assert pd == jd


# ---------------------------------------------------------------------------
# transpose / reduce / all / broadcast
# ---------------------------------------------------------------------------

def test_tree_transpose():
  cases = [
      ([0, 0], (0, 0, 0), [(1, 2, 3), (4, 5, 6)]),
      ({"a": 0, "b": 0}, [0, 0], {"a": [1, 2], "b": [3, 4]}),
      ([0, 0], None, [(1, 2, 3), (4, 5, 6)]),
      ([0, 0], (0, 0, 0), [(1, 2, 3), [4, 5, 6]]),
      ([0, 0], [0, 0], [[1, [2]], [3, [4]]]),
      ((0,), {"x": 0, "y": (0, 0)}, ({"x": 1, "y": (2, 3)},)),
  ]
  for outer, inner, tree in cases:
    results = []
    for lib in LIBS:
      o = lib.tree_structure(outer)
      i = None if inner is None else lib.tree_structure(inner)
      results.append(lib.tree_transpose(o, i, tree))
    assert results[0] == results[1]
    o = ptu.tree_structure(outer)
    i = None if inner is None else ptu.tree_structure(inner)
    assert ptree.transpose(o, i, tree) == results[0]
  msgs = []
  for lib in LIBS:
    with pytest.raises(TypeError) as info:
      lib.tree_transpose(lib.tree_structure([0, 0]), lib.tree_structure((0, 0)),
                         [(1, 2, 3), (4, 5, 6)])
    msgs.append(str(info.value))
  assert msgs[0] == msgs[1]


def test_tree_reduce_all_associative():
  add = operator.add
  t = [1, {"a": 2, "b": (3, None)}, NT(4, 5)]
  assert ptu.tree_reduce(add, t) == jtu.tree_reduce(add, t) == 15
  assert ptree.reduce(add, t, 100) == jtree.reduce(add, t, 100) == 115
  assert ptu.tree_reduce(add, [], 0) == 0
  for lib in LIBS:
    with pytest.raises(TypeError):
      lib.tree_reduce(add, [None])
  pair = lambda a, b: (a, b)
  assert ptu.tree_reduce_associative(pair, [1, 2, 3, 4, 5]) == \
      jtu.tree_reduce_associative(pair, [1, 2, 3, 4, 5])
  assert ptree.reduce_associative(add, [], identity=0) == 0
  for lib in LIBS:
    with pytest.raises(TypeError, match="Must specify identity"):
      lib.tree_reduce_associative(add, [])
  for t in ([1, None, [True]], [1, 0, [True]], []):
    assert ptu.tree_all(t) == jtu.tree_all(t)
    assert ptree.all(t) == jtree.all(t)
  nl = lambda x: x is None
  assert ptu.tree_all([None, 1], is_leaf=nl) is jtu.tree_all([None, 1], is_leaf=nl) is False
  one = lambda x: isinstance(x, list) and len(x) == 1
  app = lambda acc, x: acc + [x]
  assert ptu.tree_reduce(app, [[1, 2], [3]], [], is_leaf=one) == jtu.tree_reduce(
      app, [[1, 2], [3]], [], is_leaf=one) == [1, 2, [3]]


def test_tree_broadcast():
  cases = [
      ((1, 2, 3), (0, {"a": 0, "b": 0}, (0, 0))),
      (1, None),
      (5, {"x": [1, 2], "y": NT(3, 4)}),
      ({"a": 1, "b": 2}, {"a": [0, 0], "b": (0, {"c": 0})}),
  ]
  for prefix, full in cases:
    assert ptu.tree_broadcast(prefix, full) == jtu.tree_broadcast(prefix, full)
    assert ptree.broadcast(prefix, full) == jtree.broadcast(prefix, full)
  stop = lambda x: isinstance(x, tuple)
  args = ([1, (2, 3)], [[4], (5, [6])])
  assert ptu.tree_broadcast(*args, is_leaf=stop) == jtu.tree_broadcast(*args, is_leaf=stop)
  for prefix, full in [((1, 2), (0, {"a": 0}, (0, 0))), ([1, None], [0, [3]]),
                       ([1, [2, 3]], [0, [3]]), (None, [0, [3]])]:
    results = []
    for lib in LIBS:
      with pytest.raises(ValueError) as info:
        lib.tree_broadcast(prefix, full)
      results.append(str(info.value))
    assert results[0] == results[1]


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------

def test_duplicate_registration():
  for lib in LIBS:
    for typ in (list, Point, collections.OrderedDict):
      with pytest.raises(ValueError, match="Duplicate custom PyTreeDef"):
        lib.register_pytree_node(typ, lambda x: ((), None), lambda a, c: None)


def test_registration_after_use_as_leaf():
  class Late:
    def __init__(self, v):
      self.v = v
  x = Late(1)
  assert ptu.tree_leaves([x]) == [x]           # a leaf (and cached as such)
  assert repr(ptu.tree_structure([x])) == "PyTreeDef([*])"
  ptu.register_pytree_node(Late, lambda o: ((o.v,), None),
                           lambda a, c: Late(*c))
  assert ptu.tree_leaves([x]) == [1]
  assert repr(ptu.tree_structure([x])) == "PyTreeDef([CustomNode(Late[None], [*])])"


def test_register_dataclass_errors_match_oracle():
  @dataclasses.dataclass
  class E:
    a: int
    b: int

  @dataclasses.dataclass
  class WithNonInit:
    a: int
    z: int = dataclasses.field(default=0, init=False)

  class NotDC:
    pass

  calls = [
      lambda lib: lib.register_dataclass(E, data_fields=["a"]),
      lambda lib: lib.register_dataclass(E, data_fields=["a"], meta_fields=[]),
      lambda lib: lib.register_dataclass(E, data_fields=["a", "b"], meta_fields=["b"]),
      lambda lib: lib.register_dataclass(E, data_fields=["a", "b", "c"], meta_fields=[]),
      lambda lib: lib.register_dataclass(NotDC),
      # Field inference includes init=False fields, which then fail the check.
      lambda lib: lib.register_dataclass(WithNonInit),
  ]
  for call in calls:
    results = []
    for lib in LIBS:
      with pytest.raises(Exception) as info:
        call(lib)
      results.append((type(info.value), str(info.value)))
    assert results[0] == results[1]


def test_register_dataclass_non_dataclass_and_drop_fields():
  class Plain:
    def __init__(self, a, b):
      self.a, self.b = a, b

    def __eq__(self, other):
      return type(other) is Plain and (self.a, self.b) == (other.a, other.b)

  @dataclasses.dataclass
  class WithDrop:
    a: int
    cache: int = 0

  for lib in LIBS:
    lib.register_dataclass(Plain, data_fields=["a"], meta_fields=["b"])
    lib.register_dataclass(WithDrop, data_fields=["a"], meta_fields=[],
                           drop_fields=["cache"])
  assert repr(ptu.tree_structure(Plain(1, 2))) == repr(jtu.tree_structure(Plain(1, 2)))
  assert ptu.tree_map(lambda x: x + 1, Plain(1, 2)) == Plain(2, 2)
  assert repr(ptu.tree_leaves_with_path(Plain(1, 2))) == repr(
      jtu.tree_leaves_with_path(Plain(1, 2)))
  assert ptu.tree_leaves(WithDrop(1, 5)) == [1]
  assert ptu.tree_map(lambda x: x, WithDrop(1, 5)) == WithDrop(1, 0)


def test_tree_static_field_helper():
  @dataclasses.dataclass
  class Op:
    x: object
    op: str = ptree.static(default="add")

  ptu.register_dataclass(Op)
  leaves, td = ptu.tree_flatten(Op(1))
  assert leaves == [1] and repr(td) == "PyTreeDef(CustomNode(Op[('add',)], [*]))"


def test_register_static():
  t = [StaticThing(1), 2]
  assert ptu.tree_leaves(t) == [2]
  assert ptu.tree_map(lambda x: x * 3, t) == [StaticThing(1), 6]
  assert ptu.tree_structure(t) == ptu.tree_structure([StaticThing(1), 0])
  assert ptu.tree_structure(t) != ptu.tree_structure([StaticThing(2), 0])


def test_is_tree_node_and_all_leaves():
  for typ in (type(None), tuple, list, dict, NT, Point, int, Opaque,
              collections.OrderedDict, collections.Counter, DC):
    assert ptu.is_tree_node(typ) == jtu.is_tree_node(typ), typ
  for items in ([1, 2], [None], [[1]], [], [Opaque(1)], [NT(1, 2)]):
    assert ptu.all_leaves(items) == jtu.all_leaves(items)
    nl = lambda x: x is None
    assert ptu.all_leaves(items, is_leaf=nl) == jtu.all_leaves(items, is_leaf=nl)


def test_flatten_one_level():
  trees = [{"b": 1, "a": 2}, [1, 2], (1, 2), None, NT(1, 2), Point(1, 2),
           collections.OrderedDict(b=1, a=2), _dd(list, a=1), DC(1, 2)]
  for t in trees:
    assert repr(ptu.flatten_one_level(t)) == repr(jtu.flatten_one_level(t))
  for t in [{"b": 1, "a": 2}, [1, 2], None, Point(1, 2), Box(1, 2), DC(1, 2)]:
    assert repr(ptu.flatten_one_level_with_keys(t)) == repr(
        jtu.flatten_one_level_with_keys(t))
  for lib in LIBS:
    with pytest.raises(ValueError, match="can't tree-flatten type"):
      lib.flatten_one_level(1)


def test_subclasses_are_leaves_but_namedtuple_like_are_nodes():
  class L(list):
    pass

  class D(dict):
    pass

  class Sub(NT):
    pass

  class FakeNT(tuple):
    _fields = ("a",)

  for t in (L([1, 2]), D(a=1), collections.Counter(a=1), Sub(1, 2),
            FakeNT((1,)), [Sub(1, [2])]):
    jl, jd = jtu.tree_flatten(t)
    pl, pd = ptu.tree_flatten(t)
    assert pl == jl and repr(pd) == repr(jd)


# ---------------------------------------------------------------------------
# Partial
# ---------------------------------------------------------------------------

def test_partial():
  p = ptu.Partial(max, 1, key=None)
  assert isinstance(p, functools.partial)
  assert p(3) == 3
  assert repr(p) == "Partial(<built-in function max>, 1, key=None)"
  leaves, td = ptu.tree_flatten(p)
  assert leaves == [1]  # None is an empty node, not a leaf
  jleaves, jtd = jtu.tree_flatten(jtu.Partial(max, 1, key=None))
  assert leaves == jleaves and repr(td) == repr(jtd)
  q = ptu.tree_map(lambda x: x * 10, ptu.Partial(max, 1, 2))
  assert type(q) is ptu.Partial and q.args == (10, 20) and q() == 20
  # Same function -> same treedef; different function -> different treedef.
  assert ptu.tree_structure(ptu.Partial(max, 1)) == ptu.tree_structure(ptu.Partial(max, 2))
  assert ptu.tree_structure(ptu.Partial(max, 1)) != ptu.tree_structure(ptu.Partial(min, 1))
  # Wrapping a partial keeps the inner partial's args static (in the aux data).
  for lib in LIBS:
    inner = lib.Partial(max, 1)
    outer = lib.Partial(inner, 2)
    assert outer.args == (2,) and outer(0) == 2 and outer(5) == 5
    assert lib.tree_leaves(outer) == [2]
    outer2 = lib.Partial(functools.partial(max, 7), 2)
    assert outer2.args == (2,) and outer2() == 7 and lib.tree_leaves(outer2) == [2]
  assert repr(ptu.tree_structure(ptu.Partial(ptu.Partial(max, 1), 2))) == repr(
      jtu.tree_structure(jtu.Partial(jtu.Partial(max, 1), 2)))
  assert repr(ptu.Partial(ptu.Partial(max, 1), 2)) == repr(
      jtu.Partial(jtu.Partial(max, 1), 2))
  with pytest.raises(TypeError):
    ptu.Partial(1)
  with pytest.raises(TypeError):
    ptu.Partial()


# ---------------------------------------------------------------------------
# Public surface
# ---------------------------------------------------------------------------

def test_public_names():
  jnames = {n for n in dir(jtu) if not n.startswith("_")}
  pnames = {n for n in dir(ptu) if not n.startswith("_")}
  assert jnames <= pnames, jnames - pnames
  jnames = {n for n in dir(jtree) if not n.startswith("_")}
  pnames = {n for n in dir(ptree) if not n.startswith("_")}
  assert jnames <= pnames, jnames - pnames


def test_tree_namespace():
  t = {"a": [1, 2], "b": (3, None)}
  assert ptree.leaves(t) == jtree.leaves(t)
  assert repr(ptree.structure(t)) == repr(jtree.structure(t))
  leaves, td = ptree.flatten(t)
  assert ptree.unflatten(td, leaves) == t
  assert ptree.map(lambda x: x + 1, t) == jtree.map(lambda x: x + 1, t)


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------

_leaf_st = st.one_of(st.integers(-5, 5), st.text(max_size=3), st.booleans(),
                     st.floats(allow_nan=False, width=32))
_key_st = st.text(max_size=3)


def _containers(children):
  return st.one_of(
      st.lists(children, max_size=4),
      st.lists(children, max_size=4).map(tuple),
      st.dictionaries(_key_st, children, max_size=4),
      st.just(None),
      st.tuples(children, children).map(lambda xy: NT(*xy)),
      st.lists(st.tuples(_key_st, children), max_size=4).map(
          collections.OrderedDict),
      st.dictionaries(_key_st, children, max_size=3).map(
          lambda d: _dd(list, **d) if d else collections.defaultdict(list)),
      st.tuples(children, children, st.sampled_from(["t", "u"])).map(
          lambda a: Point(*a)),
      st.tuples(children, children).map(lambda a: DC(*a)),
      st.tuples(children, children).map(lambda a: Box(*a)),
  )


_tree_st = st.recursive(_leaf_st, _containers, max_leaves=25)


@settings(max_examples=200, deadline=None)
@given(_tree_st)
def test_roundtrip_property(tree):
  leaves, td = ptu.tree_flatten(tree)
  assert_same_tree(ptu.tree_unflatten(td, leaves), tree)
  assert td.num_leaves == len(leaves)
  assert ptu.tree_leaves(tree) == leaves
  # Agrees with the oracle on leaves, structure, paths and node count.
  jleaves, jtd = jtu.tree_flatten(tree)
  assert leaves == jleaves
  assert repr(td) == repr(jtd)
  assert td.num_nodes == jtd.num_nodes
  assert [ptu.keystr(p) for p, _ in ptu.tree_leaves_with_path(tree)] == [
      jtu.keystr(p) for p, _ in jtu.tree_leaves_with_path(tree)]
  # Rebuilding via the structure of an equal tree gives an equal treedef.
  td2 = ptu.tree_structure(ptu.tree_unflatten(td, list(range(len(leaves)))))
  assert td2 == td and hash(td2) == hash(td)
  assert td.flatten_up_to(tree) == leaves
  assert pickle.loads(pickle.dumps(td)) == td


@settings(max_examples=100, deadline=None)
@given(_tree_st, _tree_st)
def test_equality_property(a, b):
  pa, pb = ptu.tree_structure(a), ptu.tree_structure(b)
  ja, jb = jtu.tree_structure(a), jtu.tree_structure(b)
  assert (pa == pb) == (ja == jb)
  if pa == pb:
    assert hash(pa) == hash(pb)
