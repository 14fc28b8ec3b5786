"""Cumulative reductions: cumsum, cumprod, cummax, cummin, cumlogsumexp."""
__all__: list[str] = []
