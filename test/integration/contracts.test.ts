/**
 * The machine-readable contracts as the edge serves them (docs/api.md, "Contracts"): the JSON
 * Schemas under /schemas/, checked against what the edge then accepts and refuses.
 */
import { Parser } from "@asyncapi/parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SCHEMAS } from "../../src/events/index.ts";
import { startPipeline, type Pipeline } from "../helpers/index.ts";

describe("contracts served by the edge", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ natsUrl: inject("natsUrl"), clickhouseUrl: inject("clickhouseUrl"), roles: ["ingest"] });
  });
  afterAll(async () => {
    await p?.stop();
  });

  it("lists every event type and version at /schemas/index.json and serves each schema", async () => {
    const res = await fetch(`${p.baseUrl}/schemas/index.json`);
    expect(res.status).toBe(200);
    const index = (await res.json()) as { type: string; version: number; latest: boolean; url: string }[];
    expect(index.map((e) => `${e.type}@${e.version}`).sort()).toEqual(
      SCHEMAS.map((s) => `${s.type}@${s.version}`).sort(),
    );
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    addFormats.default(ajv);
    for (const entry of index) {
      const r = await fetch(`${p.baseUrl}${entry.url}`);
      expect([entry.url, r.status, r.headers.get("content-type")]).toEqual([entry.url, 200, "application/schema+json"]);
      const schema = (await r.json()) as { $id: string; title: string };
      expect([schema.$id, schema.title]).toEqual([entry.url, `${entry.type} v${entry.version}`]);
      ajv.addSchema(schema);
    }
    expect((await fetch(`${p.baseUrl}/schemas/user.video.nope/v1.json`)).status).toBe(404);
  });

  it("serves the AsyncAPI document with this deployment's subjects, valid for @asyncapi/parser", async () => {
    const res = await fetch(`${p.baseUrl}/asyncapi.json`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const { document, diagnostics } = await new Parser().parse(text);
    expect(diagnostics.filter((d) => Number(d.severity) === 0)).toEqual([]);
    expect(document?.channels().get("user_video_played")?.address()).toBe(`${p.ns}.user.video.played`);
  });

  it("a body the served schema accepts is accepted by the edge; one it refuses is refused with the same field", async () => {
    const schema = (await (await fetch(`${p.baseUrl}/schemas/user.video.seeked/v1.json`)).json()) as object;
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    addFormats.default(ajv);
    const check = ajv.compile(schema);
    const id = `contracts-${Date.now()}`;
    const good = {
      id,
      type: "user.video.seeked",
      timestamp: new Date(Date.now() - 1000).toISOString(),
      user_id: "u1",
      view_id: "v1",
      video_id: "m1",
      position_ms: 10,
      from_ms: 10,
      to_ms: 5000,
    };
    const bad = { ...good, id: `${id}-bad`, to_ms: -1 };
    expect([check(good), check(bad)]).toEqual([true, false]);
    expect(check.errors?.[0]?.instancePath).toBe("/to_ms");
    const res = await p.send([good, bad]);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      results: [
        { index: 0, id, status: "accepted" },
        { index: 1, id: `${id}-bad`, status: "rejected", error: expect.stringMatching(/^to_ms: /) as unknown },
      ],
    });
  });
});
