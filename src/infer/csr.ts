// A dense row-major matrix in compressed sparse rows, built in wasm
// (assembly/kernels/sparse/csr.ts): what the sparse inference layers multiply.
import type { Engine } from "../engine/engine.js";

export class Csr {
  readonly rows: number;
  readonly cols: number;
  readonly nnz: number;
  readonly rowptr: number;
  readonly colidx: number;
  readonly values: number;
  private readonly e: Engine;

  constructor(e: Engine, dense: number, rows: number, cols: number) {
    this.e = e;
    this.rows = rows;
    this.cols = cols;
    this.nnz = e.k.csr_nnz(dense, rows * cols);
    this.rowptr = e.alloc(rows + 1, "i32");
    this.colidx = e.alloc(Math.max(1, this.nnz), "i32");
    this.values = e.alloc(Math.max(1, this.nnz));
    e.k.csr_from_dense(dense, rows, cols, this.rowptr, this.colidx, this.values);
  }

  /** Fraction of entries stored. */
  get density(): number {
    return this.nnz / (this.rows * this.cols);
  }

  free(): void {
    this.e.free(this.rowptr);
    this.e.free(this.colidx);
    this.e.free(this.values);
  }
}
