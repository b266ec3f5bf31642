// Owns a TCP proxy between Tessera and PostgreSQL that can lose the answer to a COMMIT: the database
// commits, the connection drops before Tessera hears so. Faults are armed one at a time, or at a rate.
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
  close: () => Promise<void>;
}

export async function startFaultProxy(databaseUrl: string): Promise<FaultProxy> {
  const target = new URL(databaseUrl);
  let armed = 0;
  let rate = 0;
  let lost = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
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
      upstream.write(chunk);
    });
    // The database's answer arrives only once it has committed: dropping it then loses the answer only.
    upstream.on('data', (chunk: Buffer) => {
      if (!losing) return client.write(chunk);
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
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
