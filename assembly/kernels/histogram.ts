// A histogram of |x| for displays (the studio's weight-magnitude chart): bins
// equal-width bins over [0, maxAbs]; |x| ≥ maxAbs lands in the last bin;
// exact zeros are counted apart (pruned weights), NaN nowhere. Counts are
// written as i32 to out[0..bins) and out[bins] (the zeros).
export function abs_histogram(x: usize, n: i32, bins: i32, maxAbs: f32, out: usize): void {
  for (let b = 0; b <= bins; b++) store<i32>(out + (<usize>b << 2), 0);
  if (bins <= 0 || !(maxAbs > 0)) return;
  const scale = <f32>bins / maxAbs;
  const last = bins - 1;
  const zeros = out + (<usize>bins << 2);
  for (let i = 0; i < n; i++) {
    const a = Mathf.abs(load<f32>(x + (<usize>i << 2)));
    if (a == 0) { store<i32>(zeros, load<i32>(zeros) + 1); continue; }
    if (a != a) continue;
    let b = <i32>(a * scale);
    if (b > last) b = last;
    const p = out + (<usize>b << 2);
    store<i32>(p, load<i32>(p) + 1);
  }
}
