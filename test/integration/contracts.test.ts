/**
 * The machine-readable contracts as the edge serves them (docs/api.md, "Contracts"): the JSON
 * Schemas under /schemas/, checked against what the edge then accepts and refuses; the OpenAPI
 * document against the routes the app really serves and the answers it really gives; /docs.
 */
import { Parser } from "@asyncapi/parser";
import { validate } from "@readme/openapi-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openApiPath } from "../../src/contracts/index.ts";
import { SCHEMAS } from "../../src/events/index.ts";
import { expectMatchesOpenApi, startPipeline, type Pipeline } from "../helpers/index.ts";

describe("contracts served by the edge", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({
      natsUrl: inject("natsUrl"),
      clickhouseUrl: inject("clickhouseUrl"),
      roles: ["ingest", "query"],
    });
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

  it("serves a valid OpenAPI 3.1 document describing exactly the routes the app serves", async () => {
    const res = await fetch(`${p.baseUrl}/openapi.json`);
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "application/json"]);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.1.0");
    expect(await validate(structuredClone(doc) as never)).toMatchObject({ valid: true, warnings: [] });
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const served = (p.running?.routes ?? []).map((r) => `${r.method} ${openApiPath(r.path)}`);
    expect(served.length).toBeGreaterThan(40);
    expect(documented.sort()).toEqual(served.sort());
  });

  it("serves the reference page and Swagger UI from the edge, same origin only", async () => {
    const page = await fetch(`${p.baseUrl}/docs`);
    expect([page.status, page.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'self';/);
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url);
    expect(refs).toEqual(["data:,", "/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/init.js"]);
    expect(html).not.toMatch(/<script>|<style>|https?:\/\//);
    const bundle = await fetch(`${p.baseUrl}/docs/swagger-ui-bundle.js`);
    expect([bundle.status, bundle.headers.get("content-type")]).toEqual([200, "text/javascript; charset=utf-8"]);
    expect(await bundle.text()).toContain("SwaggerUIBundle");
    const init = await (await fetch(`${p.baseUrl}/docs/init.js`)).text();
    expect(init).toContain('url: "/openapi.json"');
    const css = await fetch(`${p.baseUrl}/docs/swagger-ui.css`);
    expect([css.status, css.headers.get("content-type")]).toEqual([200, "text/css; charset=utf-8"]);
  });

  it("real answers match the OpenAPI document: 202 and 400 with per-event results, 401, a query route", async () => {
    const doc = await (await fetch(`${p.baseUrl}/openapi.json`)).json();
    const id = `openapi-${Date.now()}`;
    const good = {
      id,
      type: "user.video.paused",
      timestamp: new Date(Date.now() - 1000).toISOString(),
      user_id: "u1",
      view_id: "v1",
      video_id: "m1",
      position_ms: 10,
    };
    const mixed = await p.send([good, { ...good, id: `${id}-bad`, position_ms: -1 }]);
    expect([mixed.status, mixed.body]).toMatchObject([202, { accepted: 1, rejected: 1 }]);
    expectMatchesOpenApi(doc, "POST", "/v1/events", mixed.status, mixed.body);
    const refused = await p.send([{ ...good, id: `${id}-bad2`, video_id: "" }]);
    expect([refused.status, refused.body]).toMatchObject([400, { accepted: 0, rejected: 1 }]);
    expectMatchesOpenApi(doc, "POST", "/v1/events", refused.status, refused.body);
    const noKey = await p.send([good], { key: null });
    expect([noKey.status, noKey.body]).toMatchObject([401, { error: { code: "unauthorized" } }]);
    expectMatchesOpenApi(doc, "POST", "/v1/events", noKey.status, noKey.body);
    const lag = await p.get("/v1/lag");
    expect(lag.status).toBe(200);
    expectMatchesOpenApi(doc, "GET", "/v1/lag", lag.status, lag.body);
    const missing = await p.get("/v1/events/openapi-none");
    expect(missing.status).toBe(404);
    expectMatchesOpenApi(doc, "GET", "/v1/events/{id}", missing.status, missing.body);
  });

  it("the answer-checking helper refuses a body the document does not allow", async () => {
    const doc = await (await fetch(`${p.baseUrl}/openapi.json`)).json();
    expect(() => expectMatchesOpenApi(doc, "POST", "/v1/events", 202, { accepted: 1, results: "no" })).toThrow();
    expect(() => expectMatchesOpenApi(doc, "POST", "/v1/events", 418, {})).toThrow();
  });
});
