// What updates the weights after each backward pass: SGD, or a pruning method
// wrapping it. The trainer calls step once per batch at the scheduled rate.
export interface Optimizer {
  step(lr: number, t: number): void;
}
