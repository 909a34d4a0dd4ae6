// fetch with the API's bearer token and bounded retries of what the API asks to retry: 503 and
// 429 answers (honouring Retry-After) and failed connections, for requests that are safe to
// repeat: GET, PATCH, DELETE, and a POST that carries an Idempotency-Key.
export interface RetryOptions {
  /** Attempts after the first (default 3). */
  retries?: number;
  /** Longest wait between attempts, ms (default 10 000); Retry-After above it is cut to it. */
  maxDelayMs?: number;
  /** Wait when the answer names none, ms, doubled each attempt (default 250). */
  baseDelayMs?: number;
}

export type TokenProvider = string | (() => string | Promise<string>);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function repeatable(request: Request): boolean {
  return ['GET', 'HEAD', 'PATCH', 'DELETE', 'PUT'].includes(request.method) || request.headers.has('idempotency-key');
}

export function retryAfterSeconds(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, (date - Date.now()) / 1000) : undefined;
}

export function createRetryingFetch(token: TokenProvider, options: RetryOptions = {}, base: typeof fetch = fetch): typeof fetch {
  const retries = options.retries ?? 3;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const baseDelayMs = options.baseDelayMs ?? 250;
  return async function retryingFetch(input, init) {
    const template = new Request(input, init);
    const bearer = typeof token === 'function' ? await token() : token;
    const body = template.body ? await template.arrayBuffer() : undefined;
    for (let attempt = 0; ; attempt += 1) {
      const request = new Request(template, { body });
      request.headers.set('authorization', `Bearer ${bearer}`);
      let response: Response;
      try {
        response = await base(request);
      } catch (error) {
        if (attempt >= retries || !repeatable(request)) throw error;
        await sleep(Math.min(baseDelayMs * 2 ** attempt, maxDelayMs));
        continue;
      }
      if ((response.status !== 503 && response.status !== 429) || attempt >= retries || !repeatable(request)) return response;
      const wait = retryAfterSeconds(response);
      await response.body?.cancel();
      await sleep(Math.min(wait !== undefined ? wait * 1000 : baseDelayMs * 2 ** attempt, maxDelayMs));
    }
  };
}
