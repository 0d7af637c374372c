// --log FILE: one JSON object per line, appended as the run goes, so a crash
// leaves every finished epoch on disk. Written to a temp file beside FILE
// (./temp-files.ts) and renamed into place when the run ends, also when it
// ends in an error or an interrupt, so FILE itself is never half-written.
import { open, rename, type FileHandle } from "node:fs/promises";
import { tempPathFor, removeStaleTemps, trackTemp, untrackTemp } from "./temp-files";

export class JsonlLog {
  private constructor(private fh: FileHandle, private readonly path: string, private readonly tmp: string) {}

  static async open(path: string): Promise<JsonlLog> {
    removeStaleTemps(path);
    const tmp = tempPathFor(path);
    trackTemp(tmp);
    return new JsonlLog(await open(tmp, "wx"), path, tmp);
  }

  async write(obj: unknown): Promise<void> {
    await this.fh.write(JSON.stringify(obj) + "\n");
  }

  async close(): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
    await rename(this.tmp, this.path);
    untrackTemp(this.tmp);
  }
}
