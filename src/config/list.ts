/** An error that lists every problem of one input at once (a definition, a rule). */
export interface ProblemList {
  problems: string[];
}

const hasProblems = (err: unknown): err is Error & ProblemList =>
  err instanceof Error && Array.isArray((err as Partial<ProblemList>).problems);

/**
 * Parses a configured JSON array item by item with `parse` (which throws an error carrying
 * `problems`), prefixing each problem with `name[i]`, and refuses duplicate ids. Throws
 * `makeError(problems)` with every problem of every item at once.
 *
 * @example
 * const rules = parseConfigList("PLAYPULSE_ALERT_RULES", raw, (x) => parseRule(x, "config"), (p) => new RuleError(p));
 */
export function parseConfigList<T extends { id: string }>(
  name: string,
  raw: readonly unknown[],
  parse: (item: unknown) => T,
  makeError: (problems: string[]) => Error,
): T[] {
  const problems: string[] = [];
  const out: T[] = [];
  raw.forEach((item, i) => {
    try {
      out.push(parse(item));
    } catch (err) {
      if (!hasProblems(err)) throw err;
      problems.push(...err.problems.map((p) => `${name}[${i}].${p}`));
    }
  });
  const ids = out.map((d) => d.id);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length > 0) problems.push(`${name}: duplicate ids ${[...new Set(dup)].join(", ")}`);
  if (problems.length > 0) throw makeError(problems);
  return out;
}
