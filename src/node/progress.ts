// Progress on stderr: a live bar on a TTY; otherwise (logs, CI) one line per
// epoch plus a progress line each minute, so a long epoch is not silent.
import type { BatchEvent, EpochEvent } from "../train/trainer.js";

export class Progress {
  private readonly tty: boolean;
  private lastDraw = 0;
  private readonly quiet: boolean;

  constructor(quiet = false, stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY) && !quiet;
    this.quiet = quiet;
  }

  private lastLine = performance.now();

  batch(ev: BatchEvent): void {
    const t = performance.now();
    if (!this.tty) {
      if (this.quiet || t - this.lastLine < 60_000 || ev.batch === ev.batches) return;
      this.lastLine = t;
      process.stderr.write(`epoch ${ev.epoch} batch ${ev.batch}/${ev.batches}  loss ${ev.loss.toFixed(4)}  acc ${ev.accuracy.toFixed(4)}  ${Math.round(ev.samplesPerSecond)} samples/s\n`);
      return;
    }
    if (t - this.lastDraw < 80 && ev.batch !== ev.batches) return;
    this.lastDraw = t;
    const width = 24;
    const filled = Math.round((ev.batch / ev.batches) * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const line = `epoch ${ev.epoch} ${bar} ${ev.batch}/${ev.batches}  loss ${ev.loss.toFixed(4)}  acc ${ev.accuracy.toFixed(4)}  lr ${ev.lr.toPrecision(3)}  ${Math.round(ev.samplesPerSecond).toLocaleString("en-US")} samples/s`;
    process.stderr.write(`\r\x1b[2K${line}`);
  }

  epoch(ev: EpochEvent, extra = ""): void {
    if (this.quiet) return;
    if (this.tty) process.stderr.write("\r\x1b[2K");
    const test = (Number.isNaN(ev.testAccuracy) ? "" : `  test loss ${ev.testLoss.toFixed(4)}  test acc ${ev.testAccuracy.toFixed(4)}`)
      + (ev.firingRate === undefined ? "" : `  firing rate ${ev.firingRate.toFixed(4)}`);
    process.stderr.write(
      `epoch ${String(ev.epoch).padStart(String(ev.epochs).length)}/${ev.epochs}  train loss ${ev.trainLoss.toFixed(4)}  acc ${ev.trainAccuracy.toFixed(4)}${test}  lr ${ev.lr.toPrecision(3)}  ${ev.seconds.toFixed(1)} s${extra}\n`,
    );
  }

  line(s: string): void {
    if (!this.quiet) process.stderr.write(s + "\n");
  }
}
