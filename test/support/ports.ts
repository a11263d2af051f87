// A free TCP port, from the kernel: bind 127.0.0.1:0, read the port, let it go. Only for what cannot bind port 0
// itself and report the address it got; agents and sinks do (see processes.ts). The port is free when returned
// but not reserved: something else may take it before it is used, so prefer metrics_listen 127.0.0.1:0.
import net from 'node:net';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
