/** The read API from the page: same origin, the key in a header, never in a URL. */
const KEY = "playpulse.readKey";

export const keyStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** GET a read route as JSON; a non-2xx answer becomes an ApiFailure with the server's reason. */
export async function api<T>(path: string, key: string | null = keyStore.get()): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: key ? { authorization: `Bearer ${key}` } : {}, cache: "no-store" });
  } catch {
    throw new ApiFailure(0, "network", "Playpulse did not answer: is the query role running?");
  }
  if (!res.ok) {
    let code = "http_error";
    let message = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // not JSON: keep the status
    }
    throw new ApiFailure(res.status, code, message);
  }
  return (await res.json()) as T;
}

/** `?a=1&b=2` from the defined entries. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : "";
}
