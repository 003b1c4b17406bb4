// An endpoint an attacker controls, on 127.0.0.1: it records every request it gets and answers 500.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface AttackerEndpoint {
  /** A base URL ending in /v1, as a model's baseUrl would be. */
  readonly url: string;
  readonly hits: IncomingMessage[];
  close(): Promise<void>;
}

export async function startAttackerEndpoint(): Promise<AttackerEndpoint> {
  const hits: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    hits.push(request);
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
