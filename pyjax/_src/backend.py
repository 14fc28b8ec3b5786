"""The eager engine and the device model.

`xp` is the array namespace every eager primitive implementation is written against (NumPy
today; a CuPy-backed namespace can take its place for a GPU backend). pyjax runs on one CPU
device, which is what `devices()` reports.
"""
from __future__ import annotations

import numpy as xp  # noqa: F401  (the array namespace of the eager implementations)


class Device:
  """A device arrays live on. pyjax has exactly one: the host CPU."""
  platform = "cpu"
  device_kind = "cpu"
  client = None

  def __init__(self, id: int = 0):
    self.id = id
    self.process_index = 0
    self.host_id = 0

  def __repr__(self):
    return f"CpuDevice(id={self.id})"

  def __str__(self):
    return f"{self.platform}:{self.id}"


class SingleDeviceSharding:
  """The placement of an array that lives whole on one device."""

  def __init__(self, device: Device, memory_kind: str = "device"):
    self._device = device
    self.memory_kind = memory_kind

  @property
  def device_set(self) -> set:
    return {self._device}

  def __repr__(self):
    return f"SingleDeviceSharding(device={self._device!r}, memory_kind={self.memory_kind})"

  def __eq__(self, other):
    return isinstance(other, SingleDeviceSharding) and other._device is self._device

  def __hash__(self):
    return hash(self._device)


cpu_device = Device(0)


def _check_backend(backend):
  if backend not in (None, "cpu"):
    raise RuntimeError(f"Unknown backend {backend}. Available backends are ['cpu'].")


def devices(backend=None) -> list:
  """The devices of `backend` (pyjax has one CPU device)."""
  _check_backend(backend)
  return [cpu_device]


def local_devices(process_index=None, backend=None) -> list:
  _check_backend(backend)
  return [cpu_device]


def device_count(backend=None) -> int:
  _check_backend(backend)
  return 1


def local_device_count(backend=None) -> int:
  _check_backend(backend)
  return 1


def default_backend() -> str:
  return "cpu"


def process_index(backend=None) -> int:
  return 0


def process_count(backend=None) -> int:
  return 1
