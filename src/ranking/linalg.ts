// Dense symmetric positive-definite algebra on row-major Float64Arrays; sizes are the number of models.

/** In-place Cholesky factorisation A = L·Lᵀ (lower triangle of `matrix` becomes L). False if not SPD. */
export function choleskyInPlace(matrix: Float64Array, size: number): boolean {
  for (let j = 0; j < size; j++) {
    const rowJ = j * size;
    let diagonal = matrix[rowJ + j] ?? 0;
    for (let k = 0; k < j; k++) {
      const value = matrix[rowJ + k] ?? 0;
      diagonal -= value * value;
    }
    if (!(diagonal > 0)) return false;
    const pivot = Math.sqrt(diagonal);
    matrix[rowJ + j] = pivot;
    for (let i = j + 1; i < size; i++) {
      const rowI = i * size;
      let sum = matrix[rowI + j] ?? 0;
      for (let k = 0; k < j; k++) sum -= (matrix[rowI + k] ?? 0) * (matrix[rowJ + k] ?? 0);
      matrix[rowI + j] = sum / pivot;
    }
  }
  return true;
}

/** Solves L·Lᵀ·x = rhs in place, L from choleskyInPlace. */
export function choleskySolveInPlace(factor: Float64Array, size: number, rhs: Float64Array): void {
  for (let i = 0; i < size; i++) {
    const row = i * size;
    let sum = rhs[i] ?? 0;
    for (let k = 0; k < i; k++) sum -= (factor[row + k] ?? 0) * (rhs[k] ?? 0);
    rhs[i] = sum / (factor[row + i] ?? 1);
  }
  for (let i = size - 1; i >= 0; i--) {
    let sum = rhs[i] ?? 0;
    for (let k = i + 1; k < size; k++) sum -= (factor[k * size + i] ?? 0) * (rhs[k] ?? 0);
    rhs[i] = sum / (factor[i * size + i] ?? 1);
  }
}

/**
 * Factorises a symmetric matrix that should be SPD; on failure (rounding on a nearly singular matrix) adds
 * a growing multiple of the identity scaled to the diagonal, so a Newton step is always defined.
 */
export function robustCholesky(matrix: Float64Array, size: number): Float64Array {
  let factor = matrix.slice();
  if (choleskyInPlace(factor, size)) return factor;
  let largestDiagonal = 0;
  for (let i = 0; i < size; i++)
    largestDiagonal = Math.max(largestDiagonal, Math.abs(matrix[i * size + i] ?? 0));
  let jitter = Math.max(largestDiagonal, 1) * 1e-12;
  for (let attempt = 0; attempt < 20; attempt++) {
    factor = matrix.slice();
    for (let i = 0; i < size; i++) factor[i * size + i] = (factor[i * size + i] ?? 0) + jitter;
    if (choleskyInPlace(factor, size)) return factor;
    jitter *= 100;
  }
  throw new Error("the Hessian is not a finite symmetric matrix");
}

/** The inverse of an SPD matrix given its Cholesky factor. */
export function inverseFromCholesky(factor: Float64Array, size: number): Float64Array {
  const inverse = new Float64Array(size * size);
  const column = new Float64Array(size);
  for (let j = 0; j < size; j++) {
    column.fill(0);
    column[j] = 1;
    choleskySolveInPlace(factor, size, column);
    for (let i = 0; i < size; i++) inverse[i * size + j] = column[i] ?? 0;
  }
  return inverse;
}
