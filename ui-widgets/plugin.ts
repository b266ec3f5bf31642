// Owns serving the widgets: the one ES module at /widgets/tessera-widgets.js (bundled from src/ by
// esbuild on first request, then kept) and the /dashboard page that composes them.
import path from 'node:path';
import type { Plugin, Request } from '@hapi/hapi';
import { build } from 'esbuild';
import { dashboardPage } from './dashboard.ts';

const ENTRY = path.join(import.meta.dirname, 'src', 'index.ts');
let bundle: Promise<string> | undefined;

function widgetsModule(): Promise<string> {
  bundle ??= build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
  }).then((result) => result.outputFiles[0].text);
  return bundle;
}

const param = (request: Request, name: string) => {
  const value = request.query[name];
  return typeof value === 'string' ? value : '';
};

export const widgets: Plugin<void> = {
  name: 'tessera-widgets',
  register: (server) => {
    server.route([
      {
        method: 'GET',
        path: '/widgets/tessera-widgets.js',
        options: { auth: false, description: 'The embeddable web components, one ES module' },
        handler: async (_request, h) =>
          h
            .response(await widgetsModule())
            .type('text/javascript; charset=utf-8')
            .header('cache-control', 'public, max-age=300')
            .header('access-control-allow-origin', '*'),
      },
      {
        method: 'GET',
        path: '/dashboard',
        options: {
          auth: false,
          description: 'A live dashboard of the widgets (token from ?token= or a form)',
        },
        handler: (request, h) =>
          h
            .response(
              dashboardPage({
                token: param(request, 'token'),
                member: param(request, 'member'),
                campaign: param(request, 'campaign'),
              }),
            )
            .type('text/html; charset=utf-8'),
      },
    ]);
  },
};
