// A small client for the bridge's API as a portal backend or CI job would call it. Every answer
// is checked against the app's published contract (contract.ts) before the test sees it.
import { expectConforms } from './contract.ts';

export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export function apiClient(baseUrl: string, token: string) {
  async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && typeof body !== 'string' && { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const received = { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
    await expectConforms(baseUrl, method, path, received);
    return received;
  }
  return {
    authorization: `Bearer ${token}`,
    request,
    get: (path: string) => request('GET', path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => request('POST', path, body, headers),
    patch: (path: string, body: unknown) => request('PATCH', path, body),
    delete: (path: string) => request('DELETE', path),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;
