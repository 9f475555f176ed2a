/**
 * The floor under any fan-out on this machine: the cost of writing one small frame to each of `n` loopback TCP
 * sockets with plain `net` (no WebSocket framing, no confpush), the receiving ends in another process that discards
 * what it reads. Wall and CPU time (user + system of this process) per round of `n` writes. Section 8's analysis
 * (docs/benchmarks.md) compares the relay's fan-out with it. Not part of `npm run bench`.
 *
 *   node --import tsx bench/loopback-writes.ts [sockets=1000] [bytes=300] [rounds=300]
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { quantile, sorted } from './lib/stats.js';

if (process.argv[2] === '--sink') {
  const server = net.createServer((socket) => socket.on('data', () => undefined));
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as net.AddressInfo).port));
} else {
  const [n = 1000, bytes = 300, rounds = 300] = process.argv.slice(2).map(Number);
  const sink = fork(fileURLToPath(import.meta.url), ['--sink'], { execArgv: process.execArgv });
  const port = await new Promise<number>((resolve) => sink.once('message', (m) => resolve(Number(m))));
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Socket>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
          socket.setNoDelay(true);
        }),
    ),
  );
  const frame = Buffer.alloc(bytes, 120);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (const socket of sockets) socket.write(frame);
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
    // Let the kernel and the sink drain between rounds, as between two commits.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const fmt = (values: number[]) => {
    const asc = sorted(values);
    return `p50 ${quantile(asc, 0.5).toFixed(2)} ms, p99 ${quantile(asc, 0.99).toFixed(2)} ms`;
  };
  console.log(`${bytes} B to each of ${n} loopback sockets: wall ${fmt(wall)}; CPU ${fmt(cpu)}`);
  for (const socket of sockets) socket.destroy();
  sink.kill();
}
