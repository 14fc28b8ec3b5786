"""`pyjax.lax.linalg`: factorizations and triangular solves of (batches of) matrices, as
`jax.lax.linalg`."""
from pyjax._src.lax.linalg import (  # noqa: F401
    EigImplementation, EighImplementation, SvdAlgorithm, cholesky, cholesky_p, cholesky_update,
    cholesky_update_p, eig, eig_p, eigh, eigh_p, hessenberg, hessenberg_p, householder_product,
    householder_product_p, lu, lu_p, lu_pivots_to_permutation, lu_pivots_to_permutation_p, ormqr,
    ormqr_p, qr, qr_p, schur, schur_p, svd, svd_p, symmetric_product, symmetric_product_p,
    triangular_solve, triangular_solve_p, tridiagonal, tridiagonal_p, tridiagonal_solve,
    tridiagonal_solve_p)
from pyjax._src.lax.qdwh import qdwh  # noqa: E402,F401
