// --log FILE: one JSON object per line, appended as the run goes, so a crash
// leaves every finished epoch on disk. Written to a temp file beside FILE
// (./temp-files.ts) and renamed into place when the run ends, also when it
// ends in an error or an interrupt, so FILE itself is never half-written.
import { open, rename, type FileHandle } from "node:fs/promises";
import { tempPathFor, removeStaleTemps, trackTemp, untrackTemp } from "./temp-files.js";

export class JsonlLog {
  /** Every line written (a checkpoint keeps them, so a resumed run's log has each record once). */
  readonly lines: string[] = [];

  private constructor(private fh: FileHandle, private readonly path: string, private readonly tmp: string) {}

  /** `previous`: the lines of the run so far (from its checkpoint), written first. */
  static async open(path: string, previous: string[] = []): Promise<JsonlLog> {
    removeStaleTemps(path);
    const tmp = tempPathFor(path);
    trackTemp(tmp);
    const log = new JsonlLog(await open(tmp, "wx"), path, tmp);
    for (const line of previous) await log.writeLine(line);
    return log;
  }

  async write(obj: unknown): Promise<void> {
    await this.writeLine(JSON.stringify(obj));
  }

  private async writeLine(line: string): Promise<void> {
    this.lines.push(line);
    await this.fh.write(line + "\n");
  }

  async close(): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
    await rename(this.tmp, this.path);
    untrackTemp(this.tmp);
  }
}
