// The thread pool's wasm side. The threaded build (asconfig target "threads")
// runs one instance per thread on one shared memory: the host's main instance
// runs the program; each worker instance sits in par_worker and runs the tasks
// the main instance posts. Work is split by output (each element computed by
// one thread, in the order one thread would), so results are the same bits for
// any thread count. In the default build (no threads feature) parallel() is a
// plain call.
//
// Worker instances never run the module's start function and never allocate:
// everything they read lives at static addresses (the control block and the
// per-thread scratch table below) or was allocated by the main instance.
// @ts-nocheck

/** A task: run part `tid` of `nt` parts of the work described at `args`. */
export type Task = (tid: i32, nt: i32, args: usize) => void;

export const MAX_THREADS: i32 = 64;
// Busy-wait this many polls before sleeping on Atomics.wait: a wake-up costs
// tens of microseconds and a training step posts a task every few dozen, so a
// spin catches most tasks awake. Measured on the first 2-core machine (MLP
// step, 2 threads): 2^13 polls 1.82–1.88×, 2^11 1.45–1.68× (sleeps too soon),
// 2^16–2^20 1.6× (the spinning thread slows its sibling). On the AVX-512
// machines a wake-up costs 45–65 µs and 2^15 polls last 30–50 µs, which a
// step's serial stretches (the loss, bias gradients, the host's layer code)
// outlast: a 2-thread region after a gap of 50 µs took 64 µs against 3 µs.
// 2^17 polls (100–200 µs) against 2^15, with the workers asleep before each
// trial: MLP step medians 1.04–1.05×, MobileNet-V1 1.01×, cnn 1.02× (2^19
// gained 0–2% more on the MLP, for four times the spinning).
const SPIN: i32 = 1 << 17;

// Control block (i32 words): 0 generation, 1 parts done by workers, 2 task,
// 3 args, 4 part count of the task, 5 set when a worker's part trapped, 6 set
// while a region runs (still set on entry: this thread trapped in a part),
// 7 parts of the region the main thread took from the workers.
function ctrl(): usize {
  return memory.data(64, 64);
}
/** Where a task's arguments go (one parallel region at a time). */
export function taskArgs(): usize {
  return memory.data(32 * 8, 64);
}
/** Per-thread scratch: 8 usize words per thread, owned by the kernel that uses them (GEMM's packs). */
export function threadScratch(tid: i32): usize {
  return memory.data(MAX_THREADS * 8 * 4, 64) + (<usize>tid << 5);
}

let threads: i32 = 1;
/** Set on worker instances: they must not allocate (their allocator is not the main one). */
export let isWorker = false;

/** The main instance's thread count (1 until the host has started its workers). */
export function par_threads(): i32 {
  return threads;
}

/** Called by the host once its n - 1 workers sit in par_worker. */
export function par_set_threads(n: i32): void {
  threads = ASC_FEATURE_THREADS ? max(1, min(n, MAX_THREADS)) : 1;
}

/**
 * Runs `task` over min(nt, threads) parts, this thread taking part 0, and
 * returns when all are done. A task's parts run serial code only (the
 * kernels' serial bodies): a part never calls parallel. On a worker that
 * holds by construction (its thread count stays 1).
 */
export function parallel(task: Task, args: usize, nt: i32): void {
  if (ASC_FEATURE_THREADS) {
    const n = min(nt, threads);
    if (n > 1) {
      const c = ctrl();
      // Still marked running: the last region was cut short by a trap in this
      // thread's part. Take its parts no worker has started, let the workers
      // finish theirs before this one reuses the control block (and forget a
      // failure it left).
      if (load<i32>(c + 24)) {
        const old = atomic.load<i32>(c), on = load<i32>(c + 16);
        let taken = 0;
        for (let t = 1; t < on; t++) if (claim(t, old)) taken++;
        waitDone(c, on - 1 - taken - load<i32>(c + 28));
        atomic.store<i32>(c + 20, 0);
      }
      store<i32>(c + 24, 1);
      store<usize>(c + 8, changetype<usize>(task));
      store<usize>(c + 12, args);
      store<i32>(c + 16, n);
      store<i32>(c + 28, 0);
      atomic.store<i32>(c + 4, 0);
      const g = load<i32>(c) + 1;
      for (let t = 1; t < n; t++) atomic.store<i32>(claims() + (<usize>t << 2), (g << 1) | 1);
      atomic.store<i32>(c, g);
      atomic.notify(c, threads - 1);
      task(0, n, args);
      // Run the parts no worker has started: one asleep takes tens of
      // microseconds to wake (and a VM's second core may be away for longer),
      // more than a small region's whole part. A part is claimed once, by its
      // worker or by this thread, and computes the same outputs in the same
      // order whoever runs it (parts index their scratch by part), so the
      // bits do not change.
      let stolen = 0;
      for (let t = n - 1; t >= 1; t--) {
        if (!claim(t, g)) continue;
        store<i32>(c + 28, ++stolen); // counted before it runs: a trap in it must not leave it awaited
        task(t, n, args);
      }
      waitDone(c, n - 1 - stolen);
      store<i32>(c + 24, 0);
      // A worker's part trapped (its host counted it done through par_fail): trap here too, not return half a result.
      if (atomic.load<i32>(c + 20)) {
        atomic.store<i32>(c + 20, 0);
        unreachable();
      }
      return;
    }
  }
  task(0, 1, args);
}

// Part t's claim word: 2g + 1 while part t of region g is open, 2g once
// claimed. Only an open part of the region a thread saw can be claimed: a
// worker that wakes late, after its part was taken or the region ended, or
// whose part number the region does not have, claims nothing.
function claims(): usize {
  return memory.data(MAX_THREADS * 4, 64);
}

// Claims part t of region g for the caller: false when it is not open.
function claim(t: i32, g: i32): bool {
  return atomic.cmpxchg<i32>(claims() + (<usize>t << 2), (g << 1) | 1, g << 1) == ((g << 1) | 1);
}

function waitDone(c: usize, parts: i32): void {
  let d = atomic.load<i32>(c + 4);
  for (let i = 0; d < parts && i < SPIN; i++) d = atomic.load<i32>(c + 4);
  while (d < parts) {
    atomic.wait<i32>(c + 4, d, -1);
    d = atomic.load<i32>(c + 4);
  }
}

/** A worker's loop: wait for a task, run its part, count it done; returns on the stop task. */
export function par_worker(tid: i32): void {
  if (!ASC_FEATURE_THREADS) return;
  isWorker = true;
  const c = ctrl();
  // The last generation this thread took, kept in memory: not the one current
  // at entry, which may already be a region the main thread posted after the
  // host said ready but before this call (that region would be skipped and
  // the main thread would wait forever), or, on re-entry after a trapped
  // part, a region posted since.
  const mine = workerSeen(tid);
  let seen = atomic.load<i32>(mine);
  while (true) {
    let g = atomic.load<i32>(c);
    for (let i = 0; g == seen && i < SPIN; i++) g = atomic.load<i32>(c);
    while (g == seen) {
      atomic.wait<i32>(c, seen, -1);
      g = atomic.load<i32>(c);
    }
    seen = g;
    atomic.store<i32>(mine, g);
    if (load<usize>(c + 8) == 0) return;
    // Once this part is claimed for region g, the main thread waits for it,
    // so the region's arguments read below are g's.
    if (!claim(tid, g)) continue;
    changetype<Task>(load<usize>(c + 8))(tid, load<i32>(c + 16), load<usize>(c + 12));
    atomic.add<i32>(c + 4, 1);
    atomic.notify(c + 4, 1);
  }
}

// Per thread: the generation of the control block its worker last took (0 before any region); a line each.
function workerSeen(tid: i32): usize {
  return memory.data(MAX_THREADS * LINE, LINE) + (<usize>tid << 6);
}

/** Called by a worker's host when its part trapped: marks the task failed and counts the part done, so the main thread does not wait forever. */
export function par_fail(): void {
  if (!ASC_FEATURE_THREADS) return;
  const c = ctrl();
  atomic.store<i32>(c + 20, 1);
  atomic.add<i32>(c + 4, 1);
  atomic.notify(c + 4, 1);
}

/** Ends every worker's loop (the host then terminates their threads). */
export function par_stop(): void {
  if (!ASC_FEATURE_THREADS) return;
  const c = ctrl();
  store<usize>(c + 8, 0);
  atomic.add<i32>(c, 1);
  atomic.notify(c, MAX_THREADS);
  threads = 1;
}

/** The [lo, hi) share of part `tid` of `nt` over `units` units (units split as evenly as integers allow). */
@inline export function shareLo(units: i32, tid: i32, nt: i32): i32 {
  return <i32>(<i64>units * tid / nt);
}

/**
 * Main thread only: makes the work buffers of threads 0…nt−1 (words 5 and 6
 * of their scratch records: pointer and capacity) hold at least `bytes`.
 * Kernels call it before a parallel region; their parts read threadBuffer(tid).
 */
export function ensureThreadBuffers(nt: i32, bytes: usize): void {
  for (let t = 0; t < nt; t++) {
    const rec = threadScratch(t);
    if (load<usize>(rec + 24) >= bytes) continue;
    const old = load<usize>(rec + 20);
    if (old) heap.free(old);
    store<usize>(rec + 20, heap.alloc(bytes));
    store<usize>(rec + 24, bytes);
  }
}

/** Thread `tid`'s work buffer (see ensureThreadBuffers). */
export function threadBuffer(tid: i32): usize {
  return load<usize>(threadScratch(tid) + 20);
}

// Per-thread slots that a thread writes in its inner loops get a cache line
// each: with 8-byte slots side by side, two threads writing theirs fought over
// one line (batch norm's backward on MobileNet's 4×4 maps, one write per
// 16-float plane, ran 1.6× slower on 2 threads than on 1).
const LINE: i32 = 64;

/** An 8-byte out-parameter of thread `tid`'s own (kernels that return a second f64 through memory); one cache line per thread. */
export function threadTmp(tid: i32): usize {
  return memory.data(MAX_THREADS * LINE, LINE) + (<usize>tid << 6);
}

/** A per-thread result slot (8 bytes, one cache line per thread), for partial counts the main thread adds up in thread order. */
export function threadResult(tid: i32): usize {
  return memory.data(MAX_THREADS * LINE, LINE) + (<usize>tid << 6);
}

/** The threads worth using for `units` units of work when each thread should get at least `minPerThread`. */
export function threadsFor(units: i32, minPerThread: i32): i32 {
  if (!ASC_FEATURE_THREADS || threads <= 1) return 1;
  return max(1, min(threads, units / max(minPerThread, 1)));
}

/** A body over the index range [lo, hi) of a kernel whose arguments are at `args`, run by thread `tid`. */
export type RangeBody = (lo: i32, hi: i32, args: usize, tid: i32) => void;

function rangeMeta(): usize {
  return memory.data(16, 16);
}

/**
 * body over [0, n) in nt contiguous shares whose bounds are multiples of
 * `align` (so an element falls in a SIMD body or a scalar tail exactly as
 * with one thread): elementwise kernels and kernels with independent rows.
 */
export function parallelRange(body: RangeBody, n: i32, align: i32, nt: i32, args: usize): void {
  if (nt <= 1) {
    body(0, n, args, 0);
    return;
  }
  const m = rangeMeta();
  store<usize>(m, changetype<usize>(body));
  store<i32>(m + 4, n);
  store<i32>(m + 8, align);
  store<usize>(m + 12, args);
  parallel(range_task, m, nt);
}

function range_task(tid: i32, nt: i32, m: usize): void {
  const n = load<i32>(m + 4), align = load<i32>(m + 8);
  const units = (n + align - 1) / align;
  const lo = shareLo(units, tid, nt) * align, hi = min(n, shareLo(units, tid + 1, nt) * align);
  if (lo < hi) changetype<RangeBody>(load<usize>(m))(lo, hi, load<usize>(m + 12), tid);
}
