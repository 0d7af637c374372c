// Timing helpers: the one best-of-trials timer, shared with `shrink bench`.
export { bestSeconds } from "../src/node/timing";
