// Timing helpers. This machine is a shared VM whose speed wanders by ±20% from
// one moment to the next, so a figure is the best of many short trials (the
// run least disturbed), after a warm-up that lets V8 tier up to TurboFan.
export function bestSeconds(fn: () => void, trialSeconds = 0.02, trials = 15): number {
  for (let i = 0; i < 3; i++) fn();
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) fn();
    if ((performance.now() - t) / 1000 >= trialSeconds) break;
    reps *= 2;
  }
  let best = Infinity;
  for (let t = 0; t < trials; t++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    best = Math.min(best, (performance.now() - t0) / 1000 / reps);
  }
  return best;
}
