// Owns the tests' and benchmarks' HTTP client for Tessera's API: JSON in, JSON (or text) out.

export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
  body: any;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

export function apiClient(url: string, defaultKey: string | null) {
  return async (method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> => {
    const key = options.key === undefined ? defaultKey : options.key;
    const headers: Record<string, string> = { ...options.headers };
    if (key) headers.authorization = `Bearer ${key}`;
    if (options.body !== undefined || options.raw !== undefined)
      headers['content-type'] ??= 'application/json';
    const response = await fetch(url + path, {
      method,
      headers,
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Non-JSON answers (metrics, docs) are returned as text.
    }
    return { status: response.status, headers: response.headers, body };
  };
}
