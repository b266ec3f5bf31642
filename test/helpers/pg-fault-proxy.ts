// Owns a TCP proxy between Tessera and PostgreSQL that makes the database's faults on demand: the answer
// to a COMMIT lost (the database commits, the connection drops before Tessera hears so), a database
// that is down (every connection cut), or one that is frozen (nothing moves until it thaws).
import net from 'node:net';

// knex ends a transaction with the simple query `COMMIT;`: message 'Q', length 12, the text, NUL.
const COMMIT = Buffer.concat([Buffer.from('Q'), Buffer.from([0, 0, 0, 12]), Buffer.from('COMMIT;\0')]);

export interface FaultProxy {
  url: string;
  // Lose the answer to the next `count` COMMITs.
  loseNextCommits: (count?: number) => void;
  // Lose this share (0..1) of COMMIT answers from now on.
  loseCommitRate: (rate: number) => void;
  lost: () => number;
  // Down: every connection is cut and new ones are closed at once, as when PostgreSQL is stopped.
  setDown: (down: boolean) => void;
  // Frozen: connections open but nothing passes either way, as when PostgreSQL is stopped with SIGSTOP.
  setFrozen: (frozen: boolean) => void;
  close: () => Promise<void>;
}

export async function startFaultProxy(databaseUrl: string): Promise<FaultProxy> {
  const target = new URL(databaseUrl);
  let armed = 0;
  let rate = 0;
  let lost = 0;
  let down = false;
  let frozen = false;
  const held: Array<() => void> = [];
  // While frozen, every chunk waits for the thaw, in order.
  const pass = (send: () => void) => (frozen ? held.push(send) : send());
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (down) return client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    let losing = false;
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.on('data', (chunk: Buffer) => {
      if (chunk.includes(COMMIT) && (armed > 0 || Math.random() < rate)) {
        armed = Math.max(0, armed - 1);
        losing = true;
      }
      pass(() => upstream.write(chunk));
    });
    // The database's answer arrives only once it has committed: dropping it then loses the answer only.
    upstream.on('data', (chunk: Buffer) => {
      if (!losing) return pass(() => client.write(chunk));
      lost++;
      client.destroy();
      upstream.destroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    url: url.toString(),
    loseNextCommits: (count = 1) => {
      armed += count;
    },
    loseCommitRate: (share) => {
      rate = share;
    },
    lost: () => lost,
    setDown: (value) => {
      down = value;
      if (down) for (const socket of sockets) socket.destroy();
    },
    setFrozen: (value) => {
      frozen = value;
      if (!frozen) for (const send of held.splice(0)) send();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
