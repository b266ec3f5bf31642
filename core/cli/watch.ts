// Watches the live feed from a terminal: `npm run watch -- [channels]` prints each event as one line,
// with TESSERA_KEY as the API key and TESSERA_URL (default http://127.0.0.1:8080) as the server.
import WebSocket from 'ws';
import { CHANNEL_NAMES } from '../live/channels.ts';

const url = (process.env.TESSERA_URL ?? 'http://127.0.0.1:8080').replace(/^http/, 'ws').replace(/\/$/, '');
const key = process.env.TESSERA_KEY;
const channels = (process.argv[2] ?? CHANNEL_NAMES.join(',')).split(',');

if (!key) {
  process.stderr.write('Set TESSERA_KEY to an API key first: export TESSERA_KEY=tsk_...\n');
  process.exit(2);
}

const ws = new WebSocket(`${url}/v1/live`, { headers: { authorization: `Bearer ${key}` } });
ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', channels })));
ws.on('message', (raw) => {
  const message = JSON.parse(raw.toString());
  if (message.type === 'subscribed') process.stderr.write(`Watching ${channels.join(', ')} on ${url}\n`);
  else if (message.type === 'event')
    process.stdout.write(`${message.event.type} ${JSON.stringify(message.event.data)}\n`);
  else if (message.type === 'error') process.stderr.write(`${message.code}: ${message.message}\n`);
});
ws.on('close', (code, reason) => {
  process.stderr.write(`The live feed closed (${code} ${reason.toString() || 'no reason'})\n`);
  process.exit(code === 1000 ? 0 : 1);
});
ws.on('error', (error) => {
  process.stderr.write(`Cannot reach the live feed at ${url}: ${error.message}\n`);
  process.exit(1);
});
