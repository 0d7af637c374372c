// --log FILE: one JSON object per line, appended as the run goes, so a crash
// leaves every finished epoch on disk. Written to FILE.tmp and renamed into
// place when the run ends, so FILE itself is never half-written.
import { open, rename, type FileHandle } from "node:fs/promises";

export class JsonlLog {
  private constructor(private fh: FileHandle, private readonly path: string) {}

  static async open(path: string): Promise<JsonlLog> {
    return new JsonlLog(await open(`${path}.tmp`, "w"), path);
  }

  async write(obj: unknown): Promise<void> {
    await this.fh.write(JSON.stringify(obj) + "\n");
  }

  async close(): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
    await rename(`${this.path}.tmp`, this.path);
  }
}
