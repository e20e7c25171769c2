import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "./migrations.ts";

describe("MIGRATIONS", () => {
  it("gives every migration its own id: migrate() skips an id it has recorded, so a repeated id would never run", () => {
    const ids = MIGRATIONS.map((m) => m.id);
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(repeated).toEqual([]);
  });
});
