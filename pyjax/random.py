"""Pseudo-random numbers with explicit keys: threefry2x32, bit-identical to JAX's `jax.random` in
both settings of `jax_threefry_partitionable`.

    key = random.key(0)                 # a typed key (dtype key<fry>); PRNGKey(0) gives uint32[2]
    k1, k2 = random.split(key)
    x = random.normal(k1, (3,))
"""
from pyjax._src.random.keys import (  # noqa: F401
    PRNGKey, bits, clone, fold_in, key, key_data, key_dtype, key_impl, split, wrap_key_data)
from pyjax._src.random.rejection import random_gamma_p  # noqa: F401
from pyjax._src.random.samplers import (  # noqa: F401
    ball, bernoulli, beta, binomial, categorical, cauchy, chisquare, choice, dirichlet,
    double_sided_maxwell, exponential, f, gamma, generalized_normal, geometric, gumbel, laplace,
    loggamma, logistic, lognormal, maxwell, multinomial, multivariate_normal, normal, orthogonal,
    pareto, permutation, poisson, rademacher, randint, rayleigh, t, triangular, truncated_normal,
    uniform, wald, weibull_min)
