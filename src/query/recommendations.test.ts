import { describe, expect, it } from "vitest";
import { cosineCandidates, WATCHED_MS } from "./recommendations.ts";

const pairs = (rows: Record<string, readonly string[]>) =>
  Object.entries(rows).flatMap(([user_id, titles]) => titles.map((video_id) => ({ user_id, video_id })));

describe("cosineCandidates", () => {
  /*
   * The user "me" watched A and B. Co-watchers (what each watched):
   *   me: A B   u4: B D   u2: A C   u3: A C D   u5: B E
   * Users per title (everyone, including u6 who watched only E): A 3, B 3, C 2, D 2, E 2.
   *
   * sim(X, Y) = users(X and Y) / sqrt(users(X) * users(Y)):
   *   C: with A 2/sqrt(3*2) = 0.8165                       -> 0.8165 because A
   *   D: with A 1/sqrt(3*2) = 0.4082, with B 1/sqrt(3*2)    -> tie, the smaller source id wins: because A
   *   E: with B 1/sqrt(3*2) = 0.4082                       -> because B
   * A and B are not candidates: "me" already watched them.
   * Order: score descending, then video id ascending (D before E).
   */
  const watched = new Set(["A", "B"]);
  // u4 comes before u3 so that D meets source B first: the tie-break must not depend on arrival order.
  const rows = pairs({ me: ["A", "B"], u4: ["B", "D"], u2: ["A", "C"], u3: ["A", "C", "D"], u5: ["B", "E"] });
  const counts = new Map([
    ["A", 3],
    ["B", 3],
    ["C", 2],
    ["D", 2],
    ["E", 2],
  ]);

  it("scores each candidate by its best cosine similarity to a watched title", () => {
    expect(cosineCandidates(watched, rows, counts)).toEqual([
      { video_id: "C", score: 2 / Math.sqrt(6), because: "A" },
      { video_id: "D", score: 1 / Math.sqrt(6), because: "A" },
      { video_id: "E", score: 1 / Math.sqrt(6), because: "B" },
    ]);
    expect(2 / Math.sqrt(6)).toBeCloseTo(0.8165, 4);
    expect(1 / Math.sqrt(6)).toBeCloseTo(0.4082, 4);
  });

  it("gives the same answer whatever the order of the pairs", () => {
    const reversed = [...rows].reverse();
    expect(cosineCandidates(watched, reversed, counts)).toEqual(cosineCandidates(watched, rows, counts));
  });

  it("ignores users who watched none of the user's titles", () => {
    const extra = [...rows, ...pairs({ u7: ["C", "E", "F"] })];
    expect(cosineCandidates(watched, extra, counts).map((s) => s.video_id)).toEqual(["C", "D", "E"]);
  });

  it("falls back to the co-watch count when a title's user count is unknown (similarity 1)", () => {
    expect(cosineCandidates(new Set(["A"]), pairs({ u1: ["A", "Z"] }), new Map())).toEqual([
      { video_id: "Z", score: 1, because: "A" },
    ]);
  });

  it.each([
    ["nothing watched", new Set<string>(), rows],
    ["no co-watchers", new Set(["A"]), pairs({ me: ["A"] })],
    ["no pairs", new Set(["A"]), []],
  ])("returns nothing with %s", (_name, w, p) => {
    expect(cosineCandidates(w, p, counts)).toEqual([]);
  });

  it("counts a title as watched at 30 s of play", () => {
    expect(WATCHED_MS).toBe(30_000);
  });
});
