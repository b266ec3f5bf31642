// Owns jsforce's HTTP: every call it makes to Salesforce (the token endpoint included) goes through the
// framework's vendor client, so the timeout and the retry policy are Tessera's, not jsforce's own.
import { PassThrough } from 'node:stream';
import type { Got } from 'got';
import type { HttpRequest, HttpResponse } from 'jsforce';
import { Transport } from 'jsforce/lib/transport.js';
import { StreamPromise } from 'jsforce/lib/util/promise.js';

export class VendorTransport extends Transport {
  readonly #http: Got;

  constructor(http: Got) {
    super();
    this.#http = http;
  }

  override httpRequest(request: HttpRequest): StreamPromise<HttpResponse> {
    return StreamPromise.create(() => {
      const stream = new PassThrough();
      const promise = this.#http(request.url, {
        method: request.method as 'GET',
        headers: request.headers,
        // jsforce sends strings (JSON, SOAP, form-encoded): nothing here streams.
        body: request.body === null || request.body === undefined ? undefined : String(request.body),
      }).then((response): HttpResponse => {
        stream.end(response.body);
        return {
          statusCode: response.statusCode,
          headers: response.headers as Record<string, string>,
          body: response.body,
        };
      });
      return { stream, promise };
    });
  }
}
