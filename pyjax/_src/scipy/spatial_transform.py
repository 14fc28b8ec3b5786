"""`Rotation` and `Slerp`: 3-D rotations stored as unit quaternions `(x, y, z, w)` (scalar last),
as `jax.scipy.spatial.transform`.

Both are NamedTuples, hence pytrees, as in JAX. A rotation is *single* when its quaternion is one
4-vector and *stacked* when it has a leading batch axis; every conversion works on the last axis
and broadcasts over the others, so the same code serves both and traces under jit, vmap and grad.
"""
from __future__ import annotations

import re
import typing

import numpy as np

from pyjax import numpy as jnp
from pyjax._src.numpy.util import promote_dtypes_inexact

Array = typing.Any


def _norm(v):
  """Euclidean norm over the last axis."""
  return jnp.sqrt(jnp.sum(v * v, axis=-1))


def _components(quat):
  return quat[..., 0], quat[..., 1], quat[..., 2], quat[..., 3]


def _check_last_axis(name: str, x, size: int) -> None:
  if x.ndim < 1 or x.shape[-1] != size:
    raise ValueError(f"Expected `{name}` to have shape (..., {size}), got {x.shape}.")


def _check_seq(seq: str) -> bool:
  """Validates an Euler axis sequence; True for an intrinsic one ("XYZ"), False for extrinsic."""
  intrinsic = re.fullmatch(r"[XYZ]{1,3}", seq) is not None
  extrinsic = re.fullmatch(r"[xyz]{1,3}", seq) is not None
  if not (intrinsic or extrinsic):
    raise ValueError("Expected axes from `seq` to be from ['x', 'y', 'z'] or ['X', 'Y', 'Z'], "
                     f"got {seq}")
  if any(a == b for a, b in zip(seq, seq[1:])):
    raise ValueError(f"Expected consecutive axes to be different, got {seq}")
  return intrinsic


def _normalize(quat):
  return quat / _norm(quat)[..., None]


def _broadcast_stacks(*arrays) -> None:
  """Stacks of rotations (and vectors) combine by broadcasting their leading axes."""
  try:
    np.broadcast_shapes(*(a.shape[:-1] for a in arrays))
  except ValueError:
    shapes = [a.shape[:-1] for a in arrays]
    raise ValueError(f"Incompatible shapes for broadcasting: shapes={shapes}") from None


def _compose(p, q):
  """The Hamilton product p q: the rotation q followed by p."""
  _broadcast_stacks(p, q)
  px, py, pz, pw = _components(p)
  qx, qy, qz, qw = _components(q)
  cross = jnp.cross(p[..., :3], q[..., :3])
  return jnp.stack([pw * qx + qw * px + cross[..., 0],
                    pw * qy + qw * py + cross[..., 1],
                    pw * qz + qw * pz + cross[..., 2],
                    pw * qw - px * qx - py * qy - pz * qz], axis=-1)


def _as_matrix(quat):
  x, y, z, w = _components(quat)
  xx, yy, zz, ww = x * x, y * y, z * z, w * w
  xy, zw, xz, yw, yz, xw = x * y, z * w, x * z, y * w, y * z, x * w
  rows = [[xx - yy - zz + ww, 2 * (xy - zw), 2 * (xz + yw)],
          [2 * (xy + zw), -xx + yy - zz + ww, 2 * (yz - xw)],
          [2 * (xz - yw), 2 * (yz + xw), -xx - yy + zz + ww]]
  return jnp.stack([jnp.stack(row, axis=-1) for row in rows], axis=-2)


def _from_matrix(matrix):
  """The quaternion of a rotation matrix, computed from whichever of the diagonal entries and the
  trace is largest (the best-conditioned of four equivalent formulas)."""
  m = lambda i, j: matrix[..., i, j]  # noqa: E731
  trace = m(0, 0) + m(1, 1) + m(2, 2)
  candidates = []
  for i in range(3):
    j, k = (i + 1) % 3, (i + 2) % 3
    q = [None] * 4
    q[i] = 1 - trace + 2 * m(i, i)
    q[j] = m(j, i) + m(i, j)
    q[k] = m(k, i) + m(i, k)
    q[3] = m(k, j) - m(j, k)
    candidates.append(jnp.stack(q, axis=-1))
  candidates.append(jnp.stack([m(2, 1) - m(1, 2), m(0, 2) - m(2, 0), m(1, 0) - m(0, 1),
                               1 + trace], axis=-1))
  choice = jnp.argmax(jnp.stack([m(0, 0), m(1, 1), m(2, 2), trace], axis=-1), axis=-1)
  candidates = jnp.stack(candidates, axis=-2)
  quat = jnp.take_along_axis(candidates, choice[..., None, None], axis=-2)[..., 0, :]
  return _normalize(quat)


def _from_rotvec(rotvec):
  angle = _norm(rotvec)
  angle2 = angle * angle
  # sin(angle / 2) / angle, by its Taylor series near 0 where the quotient loses precision.
  small = 0.5 - angle2 / 48 + angle2 * angle2 / 3840
  scale = jnp.where(angle <= 1e-3, small, jnp.sin(angle / 2) / angle)
  return jnp.concatenate([scale[..., None] * rotvec, jnp.cos(angle / 2)[..., None]], axis=-1)


def _as_rotvec(quat, degrees: bool):
  quat = jnp.where(quat[..., 3:] < 0, -quat, quat)  # w >= 0 keeps the angle in [0, pi]
  angle = 2. * jnp.arctan2(_norm(quat[..., :3]), quat[..., 3])
  angle2 = angle * angle
  # angle / sin(angle / 2), by its Taylor series near 0.
  small = 2 + angle2 / 12 + 7 * angle2 * angle2 / 2880
  scale = jnp.where(angle <= 1e-3, small, angle / jnp.sin(angle / 2))
  if degrees:
    scale = jnp.rad2deg(scale)
  return scale[..., None] * quat[..., :3]


def _elementary_quat(axis: int, angle):
  """The rotation by `angle` about the coordinate axis `axis`."""
  half = angle / 2.
  zero = jnp.zeros_like(half)
  parts = [zero, zero, zero, jnp.cos(half)]
  parts[axis] = jnp.sin(half)
  return jnp.stack(parts, axis=-1)


def _as_euler(quat, axes: list[int], extrinsic: bool, degrees: bool):
  """Euler angles of unit quaternions for the axis sequence `axes` (a Tait-Bryan sequence like
  xyz, or a proper Euler one like xyx), with the gimbal-lock cases resolved as SciPy does: the
  third angle (the first, for intrinsic sequences) is set to zero."""
  first, third = (0, 2) if extrinsic else (2, 0)
  i, j, k = axes if extrinsic else axes[::-1]
  symmetric = i == k
  if symmetric:
    k = 3 - i - j
  sign = (i - j) * (j - k) * (k - i) // 2  # +1 for an even permutation of (x, y, z), else -1
  q = [quat[..., n] for n in range(4)]
  if symmetric:
    a, b, c, d = q[3], q[i], q[j], q[k] * sign
  else:
    a, b, c, d = q[3] - q[j], q[i] + q[k] * sign, q[j] + q[3], q[k] * sign - q[i]
  middle = 2 * jnp.arctan2(jnp.hypot(c, d), jnp.hypot(a, b))
  eps = 1e-7
  middle_is_zero = jnp.abs(middle) <= eps
  regular = ~middle_is_zero & ~(jnp.abs(middle - np.pi) <= eps)
  half_sum, half_diff = jnp.arctan2(b, a), jnp.arctan2(d, c)
  degenerate = jnp.where(middle_is_zero, 2 * half_sum, 2 * half_diff * (-1 if extrinsic else 1))
  angles = [None] * 3
  angles[1] = middle
  angles[first] = jnp.where(regular, half_sum - half_diff, degenerate if first == 0 else 0.)
  angles[third] = jnp.where(regular, half_sum + half_diff, degenerate if third == 0 else 0.)
  if not symmetric:
    angles[third] = angles[third] * sign
    angles[1] = angles[1] - np.pi / 2
  angles = jnp.stack(angles, axis=-1).astype(quat.dtype)
  angles = (angles + np.pi) % (2 * np.pi) - np.pi  # into [-pi, pi)
  return jnp.rad2deg(angles) if degrees else angles


def _make_canonical(quat):
  """Of q and -q (the same rotation), the one whose first nonzero entry in the order w, x, y, z
  is positive."""
  x, y, z, w = _components(quat)
  negate = ((w < 0) | ((w == 0) & (x < 0)) | ((w == 0) & (x == 0) & (y < 0))
            | ((w == 0) & (x == 0) & (y == 0) & (z < 0)))
  return jnp.where(negate[..., None], -quat, quat)


def _inexact(x):
  return promote_dtypes_inexact(jnp.asarray(x))[0]


class Rotation(typing.NamedTuple):
  """Rotation(s) in 3 dimensions, as quaternions `quat` of shape (4,) or (N, 4), scalar last.
  Build one with the `from_*` constructors, which normalize; `Rotation(quat)` keeps `quat` as
  given."""
  quat: Array

  @classmethod
  def concatenate(cls, rotations: typing.Sequence):
    """The rotations of a sequence of stacked `Rotation`s, in order, as one."""
    return cls(jnp.concatenate([rotation.quat for rotation in rotations]))

  @classmethod
  def from_euler(cls, seq: str, angles: Array, degrees: bool = False):
    """Rotations from Euler angles about the axes `seq`: lower case ("xyz") for rotations about
    the fixed axes (extrinsic), upper case ("XYZ") for the rotating ones (intrinsic); one to
    three axes, one angle per axis on the last axis of `angles`."""
    if not 1 <= len(seq) <= 3:
      raise ValueError("Expected axis specification to be a non-empty string of upto 3 "
                       f"characters, got {seq}")
    intrinsic = _check_seq(seq)
    angles = jnp.atleast_1d(angles)
    if angles.shape[-1] != len(seq):
      raise ValueError(f"Expected `angles` to have {len(seq)} values on its last axis for the "
                       f"axis sequence {seq!r}, got shape {angles.shape}.")
    angles = jnp.deg2rad(angles) if degrees else _inexact(angles)
    angles = angles.astype(angles.dtype)  # a quaternion is never weakly typed, even from 0.5
    quat = None
    for n, axis in enumerate(seq.lower()):
      step = _elementary_quat("xyz".index(axis), angles[..., n])
      if quat is None:
        quat = step
      else:
        # Intrinsic rotations compose on the right (about the already rotated axes).
        quat = _compose(quat, step) if intrinsic else _compose(step, quat)
    return cls(quat)

  @classmethod
  def from_matrix(cls, matrix: Array):
    """Rotations from 3x3 rotation matrices (the nearest rotation if not exactly orthogonal)."""
    matrix = jnp.asarray(matrix)
    if matrix.ndim < 2 or matrix.shape[-2:] != (3, 3):
      raise ValueError(f"Expected `matrix` to have shape (..., 3, 3), got {matrix.shape}.")
    return cls(_from_matrix(matrix))

  @classmethod
  def from_mrp(cls, mrp: Array):
    """Rotations from Modified Rodrigues Parameters: the axis times tan(angle / 4)."""
    mrp = jnp.asarray(mrp)
    _check_last_axis("mrp", mrp, 3)
    squared_plus_one = jnp.sum(mrp * mrp, axis=-1, keepdims=True) + 1
    return cls(jnp.concatenate([2 * mrp, 2 - squared_plus_one], axis=-1) / squared_plus_one)

  @classmethod
  def from_quat(cls, quat: Array):
    """Rotations from quaternions (x, y, z, w), normalized to unit length."""
    quat = jnp.asarray(quat)
    _check_last_axis("quat", quat, 4)
    return cls(_normalize(quat))

  @classmethod
  def from_rotvec(cls, rotvec: Array, degrees: bool = False):
    """Rotations from rotation vectors: the axis times the angle (radians, or degrees)."""
    rotvec = jnp.asarray(rotvec)
    _check_last_axis("rotvec", rotvec, 3)
    return cls(_from_rotvec(jnp.deg2rad(rotvec) if degrees else _inexact(rotvec)))

  @classmethod
  def identity(cls, num: int | None = None, dtype=float):
    """The identity rotation. As in JAX, only a single one: `num` must be None."""
    if num is not None:
      raise AssertionError(f"Rotation.identity supports only num=None, got num={num!r}.")
    return cls(jnp.array([0., 0., 0., 1.], dtype=dtype))

  @classmethod
  def random(cls, random_key: Array, num: int | None = None):
    """Not available, as in JAX (jax 0.10.2 raises NotImplementedError here too)."""
    raise NotImplementedError("Rotation.random is not implemented in JAX; draw quaternions with "
                              "pyjax.random.normal(key, (num, 4)) and use Rotation.from_quat.")

  def __getitem__(self, indexer):
    """The rotation(s) at `indexer` of a stacked rotation."""
    if self.single:
      raise TypeError("Single rotation is not subscriptable.")
    return Rotation(self.quat[indexer])

  def __len__(self):
    """The number of rotations of a stacked rotation."""
    if self.single:
      raise TypeError("Single rotation has no len().")
    return self.quat.shape[0]

  def __mul__(self, other) -> Rotation:
    """The composition: `other` applied first, then `self` (broadcast over stacks)."""
    return Rotation.from_quat(_compose(self.quat, other.quat))

  def apply(self, vectors: Array, inverse: bool = False) -> Array:
    """The rotated 3-vector(s) (by the inverse rotation if `inverse`), broadcast over stacks."""
    vectors = jnp.asarray(vectors)
    _check_last_axis("vectors", vectors, 3)
    _broadcast_stacks(self.quat, vectors)
    matrix = self.as_matrix()
    if inverse:
      matrix = jnp.swapaxes(matrix, -1, -2)
    return jnp.matmul(matrix, vectors[..., None])[..., 0]

  def as_euler(self, seq: str, degrees: bool = False):
    """Euler angles for the three axes `seq` (see `from_euler`), in [-pi, pi)."""
    if len(seq) != 3:
      raise ValueError(f"Expected 3 axes, got {seq}.")
    intrinsic = _check_seq(seq)
    axes = ["xyz".index(axis) for axis in seq.lower()]
    return _as_euler(self.quat, axes, not intrinsic, degrees)

  def as_matrix(self) -> Array:
    """Rotation matrices, shape (..., 3, 3)."""
    return _as_matrix(self.quat)

  def as_mrp(self) -> Array:
    """Modified Rodrigues Parameters, of the quaternion with w >= 0 (angle at most pi)."""
    sign = jnp.where(self.quat[..., 3:] < 0, -1., 1.)
    return sign * self.quat[..., :3] / (1. + sign * self.quat[..., 3:])

  def as_rotvec(self, degrees: bool = False) -> Array:
    """Rotation vectors: the axis times the angle in [0, pi] (radians, or degrees)."""
    return _as_rotvec(self.quat, degrees)

  def as_quat(self, canonical: bool = False, scalar_first: bool = False) -> Array:
    """The quaternions, scalar last (or first); `canonical` picks the sign with w >= 0."""
    quat = _make_canonical(self.quat) if canonical else self.quat
    return jnp.roll(quat, shift=1, axis=-1) if scalar_first else quat

  def inv(self):
    """The inverse rotation(s): the conjugate quaternions."""
    return Rotation(jnp.concatenate([-self.quat[..., :3], self.quat[..., 3:]], axis=-1))

  def magnitude(self) -> Array:
    """The rotation angles, in [0, pi]."""
    return 2. * jnp.arctan2(_norm(self.quat[..., :3]), jnp.abs(self.quat[..., 3]))

  def mean(self, weights: Array | None = None):
    """The (weighted) mean rotation of a stack: the quaternion maximizing the weighted sum of
    squared dot products with the stack's, i.e. the top eigenvector of sum_i w_i q_i q_i^T."""
    if weights is None:
      weights = jnp.ones(self.quat.shape[0], dtype=self.quat.dtype)
    else:
      weights = jnp.asarray(weights, dtype=self.quat.dtype)
    if weights.ndim != 1:
      raise ValueError(f"Expected `weights` to be 1 dimensional, got shape {weights.shape}.")
    if weights.shape[0] != len(self):
      raise ValueError("Expected `weights` to have number of values equal to number of "
                       f"rotations, got {weights.shape[0]} values and {len(self)} rotations.")
    moment = jnp.dot(weights[None, :] * self.quat.T, self.quat)
    _, eigenvectors = jnp.linalg.eigh(moment)
    return Rotation(eigenvectors[:, -1])

  @property
  def single(self) -> bool:
    """Whether this is one rotation (not a stack)."""
    return self.quat.ndim == 1


class Slerp(typing.NamedTuple):
  """Spherical linear interpolation of rotations: constant angular velocity between successive
  key rotations. Build it with `Slerp.init(times, rotations)`; call it with the times to
  interpolate at."""
  times: Array
  timedelta: Array
  rotations: Rotation
  rotvecs: Array

  @classmethod
  def init(cls, times: Array, rotations: Rotation):
    """The interpolator through the key `rotations` (a stack of at least 2) at the increasing
    `times`."""
    if not isinstance(rotations, Rotation):
      raise TypeError("`rotations` must be a `Rotation` instance.")
    if rotations.single or len(rotations) == 1:
      raise ValueError("`rotations` must be a sequence of at least 2 rotations.")
    times = jnp.asarray(times, dtype=rotations.quat.dtype)
    if times.ndim != 1:
      raise ValueError("Expected times to be specified in a 1 dimensional array, got "
                       f"{times.ndim} dimensions.")
    if times.shape[0] != len(rotations):
      raise ValueError("Expected number of rotations to be equal to number of timestamps given, "
                       f"got {len(rotations)} rotations and {times.shape[0]} timestamps.")
    starts = Rotation(rotations.quat[:-1])
    # Each segment as the rotation vector taking its start to its end.
    steps = (starts.inv() * Rotation(rotations.quat[1:])).as_rotvec()
    return cls(times=times, timedelta=jnp.diff(times), rotations=starts, rotvecs=steps)

  def __call__(self, times: Array):
    """The interpolated rotation(s) at `times` (a scalar gives a single rotation). Times outside
    the key times extrapolate the first or last segment."""
    times = jnp.asarray(times, dtype=self.times.dtype)
    if times.ndim > 1:
      raise ValueError("`times` must be at most 1-dimensional.")
    single_time = times.ndim == 0
    times = jnp.atleast_1d(times)
    segment = jnp.maximum(jnp.searchsorted(self.times, times) - 1, 0)
    fraction = (times - self.times[segment]) / self.timedelta[segment]
    result = self.rotations[segment] * Rotation.from_rotvec(
        self.rotvecs[segment] * fraction[:, None])
    return result[0] if single_time else result
