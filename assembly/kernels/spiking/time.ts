// The time axis of a multi-step network, activations laid out [T, n]:
// direct encoding repeats the (static) input over T steps; the classifier's
// output is the mean over T (SpikingJelly's out.mean(0)).

/** y[t·n + i] = x[i] for t < T. */
export function time_repeat(x: usize, y: usize, n: i32, T: i32): void {
  const bytes = <usize>n << 2;
  for (let t = 0; t < T; t++) memory.copy(y + <usize>t * bytes, x, bytes);
}

/** y[i] = (Σ_t x[t·n + i]) / T, summed in t order in f32 (as torch.mean over dim 0). */
export function time_mean(x: usize, y: usize, n: i32, T: i32): void {
  const stride = <usize>n << 2;
  const Tf = <f32>T;
  for (let o: usize = 0; o < stride; o += 4) {
    let a = load<f32>(x + o);
    for (let t = 1, p = o + stride; t < T; t++, p += stride) a += load<f32>(x + p);
    store<f32>(y + o, a / Tf);
  }
}

/** dx[t·n + i] = dy[i] / T: the gradient of time_mean. */
export function time_mean_backward(dy: usize, dx: usize, n: i32, T: i32): void {
  const stride = <usize>n << 2;
  const Tf = <f32>T;
  for (let o: usize = 0; o < stride; o += 4) {
    const g = load<f32>(dy + o) / Tf;
    for (let t = 0, p = o; t < T; t++, p += stride) store<f32>(dx + p, g);
  }
}

/** y[i] = Σ_t x[t·n + i] in t order: the gradient of time_repeat. */
export function time_sum(x: usize, y: usize, n: i32, T: i32): void {
  const stride = <usize>n << 2;
  for (let o: usize = 0; o < stride; o += 4) {
    let a = load<f32>(x + o);
    for (let t = 1, p = o + stride; t < T; t++, p += stride) a += load<f32>(x + p);
    store<f32>(y + o, a);
  }
}
