// Scalar math the host needs on values that reach weights or thresholds
// (init bounds, the D search on log D): from AssemblyScript's musl-ported
// Math, so every runtime gets the same bits (a JS engine's Math.exp/log may
// differ in the last place).
export function exp_f64(x: f64): f64 {
  return Math.exp(x);
}
export function log_f64(x: f64): f64 {
  return Math.log(x);
}
export function sqrt_f64(x: f64): f64 {
  return Math.sqrt(x);
}

/** Greatest common divisor of a, b ≥ 0 (kernels splitting work or strides; not a host export). */
export function gcd(a: i32, b: i32): i32 {
  while (b != 0) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}
