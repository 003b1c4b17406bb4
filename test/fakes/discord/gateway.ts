// The fake gateway: Discord's WebSocket protocol (v10, JSON encoding, optional zlib-stream / identify
// compression). HELLO → IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME with replay, op 9 invalid session.
// Sharding as Discord does it: IDENTIFY's `shard: [id, count]` gets the guilds with (guild_id >> 22) % count ==
// id, their events and interactions; DMs (no guild) go to shard 0.
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import zlib from "node:zlib";
import { GatewayCloseCodes, GatewayIntentBits, GatewayOpcodes } from "discord.js";
import { type WebSocket, WebSocketServer } from "ws";
import type { World } from "./world.ts";

export interface GatewayEvent {
  type: "connect" | "identify" | "ready" | "resume" | "resumed" | "invalidSession" | "close" | "heartbeat";
  sessionId?: string;
  /** "identify": the [shard id, shard count] the session was opened for */
  shard?: readonly [number, number];
  code?: number;
  /** "resumed": how many dispatches the client had missed and got again */
  replayed?: number;
}

interface Dispatch {
  s: number;
  t: string;
  d: unknown;
  /** the intent a session needs to receive it; null: always sent */
  intent: number | null;
}

interface Session {
  id: string;
  intents: number;
  shard: readonly [number, number];
  seq: number;
  connection: Connection | null;
  resumable: boolean;
  /** every dispatch of the session, replayed after a RESUME from the client's last sequence */
  sent: Dispatch[];
}

interface Connection {
  socket: WebSocket;
  session: Session | null;
  compression: "zlib-stream" | "identify" | null;
  deflate: zlib.Deflate | null;
  /** sends are chained so compressed frames keep their order */
  queue: Promise<void>;
}

const REPLAY_LIMIT = 1000;

export interface GatewayOptions {
  world: World;
  token: string;
  heartbeatIntervalMs: number;
  /** the ws:// URL clients use; READY's resume_gateway_url points at it too */
  url: () => string;
  /** The guild payloads (GUILD_CREATE) to send after READY (each session gets those of its shard). */
  guildPayloads: () => Array<{ id: string }>;
  readyPayload: (sessionId: string, shard: readonly [number, number]) => Record<string, unknown>;
  /** Fewer shards than this are refused with 4011 Sharding Required, as Discord does for a large bot. */
  requiredShards: number;
}

/** The shard that receives a guild's events: (guild_id >> 22) % shard count, as Discord documents. */
export function shardOf(guildId: string | undefined, shardCount: number): number {
  if (guildId === undefined) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

export class FakeGateway {
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Set<Connection>();

  constructor(private readonly options: GatewayOptions) {
    this.server.on("connection", (socket, request) => this.onConnection(socket, request));
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.server.handleUpgrade(request, socket, head, (ws) => this.server.emit("connection", ws, request));
  }

  /** Number of live, identified (or resumed) connections. */
  get readyConnections(): number {
    return [...this.connections].filter((c) => c.session?.connection === c).length;
  }

  /**
   * Sends an event to every session of the shard its guild (`d.guild_id`) belongs to (buffered for a session whose
   * connection is down, replayed on RESUME).
   */
  dispatch(t: string, d: unknown, intent: number | null = GatewayIntentBits.Guilds): void {
    const guildId = (d as { guild_id?: unknown } | null)?.guild_id;
    for (const session of this.sessions.values()) {
      if (!session.resumable && !session.connection) continue;
      const [shardId, shardCount] = session.shard;
      if (shardOf(typeof guildId === "string" ? guildId : undefined, shardCount) !== shardId) continue;
      this.dispatchTo(session, t, d, intent);
    }
  }

  /** The [id, count] of each live session's shard, in the order they identified. */
  get shards(): Array<readonly [number, number]> {
    return [...this.sessions.values()].filter((s) => s.connection).map((s) => s.shard);
  }

  /**
   * Drops every live connection: with a close code (default 4000, which discord.js resumes after) or by
   * destroying the TCP socket (`destroy: true`). With `resumable: false` the next RESUME is refused (op 9).
   */
  drop(options: { code?: number; destroy?: boolean; resumable?: boolean } = {}): void {
    for (const connection of this.connections) {
      if (connection.session && options.resumable === false) connection.session.resumable = false;
      if (options.destroy) connection.socket.terminate();
      else connection.socket.close(options.code ?? 4000, "Dropped by the fake");
    }
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private emit(event: GatewayEvent): void {
    this.options.world.emit("gateway", event);
    this.options.world.changed();
  }

  private onConnection(socket: WebSocket, request: IncomingMessage): void {
    const query = new URL(request.url ?? "/", "http://fake.invalid").searchParams;
    const compress = query.get("compress");
    const connection: Connection = {
      socket,
      session: null,
      compression: compress === "zlib-stream" ? "zlib-stream" : null,
      deflate: compress === "zlib-stream" ? zlib.createDeflate() : null,
      queue: Promise.resolve(),
    };
    this.connections.add(connection);
    socket.on("close", (code) => {
      this.connections.delete(connection);
      connection.deflate?.close();
      const session = connection.session;
      if (session?.connection === connection) session.connection = null;
      // A client closing normally (1000/1001) ends its session; other codes (4200, 1006…) keep it resumable.
      if (session && (code === 1000 || code === 1001)) this.sessions.delete(session.id);
      this.emit({ type: "close", code, ...(connection.session ? { sessionId: connection.session.id } : {}) });
    });
    socket.on("error", () => socket.terminate());
    if (query.get("v") !== "10") {
      socket.close(GatewayCloseCodes.InvalidAPIVersion, "Invalid API version");
      return;
    }
    if ((query.get("encoding") ?? "json") !== "json") {
      socket.close(GatewayCloseCodes.DecodeError, "Only JSON encoding is supported by the fake");
      return;
    }
    socket.on("message", (data, isBinary) => this.onMessage(connection, data.toString(), isBinary));
    this.emit({ type: "connect" });
    this.send(connection, {
      op: GatewayOpcodes.Hello,
      d: { heartbeat_interval: this.options.heartbeatIntervalMs },
      s: null,
      t: null,
    });
  }

  private onMessage(connection: Connection, text: string, isBinary: boolean): void {
    let payload: { op?: unknown; d?: unknown };
    try {
      payload = JSON.parse(text) as { op?: unknown; d?: unknown };
    } catch {
      connection.socket.close(GatewayCloseCodes.DecodeError, "Error while decoding payload.");
      return;
    }
    if (isBinary) {
      connection.socket.close(GatewayCloseCodes.DecodeError, "Error while decoding payload.");
      return;
    }
    const d = (payload.d ?? {}) as Record<string, unknown>;
    switch (payload.op) {
      case GatewayOpcodes.Heartbeat:
        this.emit({ type: "heartbeat" });
        this.send(connection, { op: GatewayOpcodes.HeartbeatAck, d: null, s: null, t: null });
        return;
      case GatewayOpcodes.Identify:
        this.identify(connection, d);
        return;
      case GatewayOpcodes.Resume:
        this.resume(connection, d);
        return;
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.VoiceStateUpdate:
      case GatewayOpcodes.RequestGuildMembers:
        if (!connection.session)
          connection.socket.close(GatewayCloseCodes.NotAuthenticated, "Not authenticated.");
        return;
      default:
        connection.socket.close(GatewayCloseCodes.UnknownOpcode, "Unknown opcode.");
    }
  }

  private identify(connection: Connection, d: Record<string, unknown>): void {
    if (connection.session) {
      connection.socket.close(GatewayCloseCodes.AlreadyAuthenticated, "Already authenticated.");
      return;
    }
    if (d.token !== this.options.token) {
      connection.socket.close(GatewayCloseCodes.AuthenticationFailed, "Authentication failed.");
      return;
    }
    const shard = d.shard === undefined ? ([0, 1] as const) : d.shard;
    if (
      !Array.isArray(shard) ||
      shard.length !== 2 ||
      !shard.every((n) => Number.isInteger(n)) ||
      shard[1] < 1 ||
      shard[0] < 0 ||
      shard[0] >= shard[1]
    ) {
      connection.socket.close(GatewayCloseCodes.InvalidShard, "Invalid shard.");
      return;
    }
    const [shardId, shardCount] = shard as [number, number];
    if (shardCount < this.options.requiredShards) {
      connection.socket.close(GatewayCloseCodes.ShardingRequired, "Sharding required.");
      return;
    }
    if (d.compress === true && !connection.compression) connection.compression = "identify";
    const session: Session = {
      id: randomBytes(16).toString("hex"),
      intents: typeof d.intents === "number" ? d.intents : 0,
      shard: [shardId, shardCount],
      seq: 0,
      connection,
      resumable: true,
      sent: [],
    };
    this.sessions.set(session.id, session);
    connection.session = session;
    this.emit({ type: "identify", sessionId: session.id, shard: session.shard });
    this.dispatchTo(session, "READY", this.options.readyPayload(session.id, session.shard), null);
    for (const guild of this.options.guildPayloads()) {
      if (shardOf(guild.id, shardCount) === shardId) this.dispatchTo(session, "GUILD_CREATE", guild);
    }
    this.emit({ type: "ready", sessionId: session.id });
  }

  private resume(connection: Connection, d: Record<string, unknown>): void {
    if (d.token !== this.options.token) {
      connection.socket.close(GatewayCloseCodes.AuthenticationFailed, "Authentication failed.");
      return;
    }
    const session = typeof d.session_id === "string" ? this.sessions.get(d.session_id) : undefined;
    this.emit({ type: "resume", ...(session ? { sessionId: session.id } : {}) });
    if (!session?.resumable) {
      if (session) this.sessions.delete(session.id);
      this.emit({ type: "invalidSession" });
      this.send(connection, { op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
      return;
    }
    session.connection?.socket.terminate();
    session.connection = connection;
    connection.session = session;
    const from = typeof d.seq === "number" ? d.seq : 0;
    const missed = session.sent.filter((event) => event.s > from);
    for (const event of missed)
      this.send(connection, { op: GatewayOpcodes.Dispatch, s: event.s, t: event.t, d: event.d });
    this.dispatchTo(session, "RESUMED", {}, null);
    this.emit({ type: "resumed", sessionId: session.id, replayed: missed.length });
  }

  private dispatchTo(
    session: Session,
    t: string,
    d: unknown,
    intent: number | null = GatewayIntentBits.Guilds,
  ) {
    if (intent !== null && (session.intents & intent) === 0) return;
    session.seq += 1;
    const event: Dispatch = { s: session.seq, t, d, intent };
    session.sent.push(event);
    if (session.sent.length > REPLAY_LIMIT) session.sent.shift();
    if (session.connection) this.send(session.connection, { op: GatewayOpcodes.Dispatch, s: event.s, t, d });
  }

  private send(
    connection: Connection,
    payload: { op: number; d: unknown; s: number | null; t: string | null },
  ) {
    const text = JSON.stringify(payload);
    const { socket } = connection;
    if (connection.compression === "identify") {
      socket.send(zlib.deflateSync(text));
      return;
    }
    const deflate = connection.deflate;
    if (!deflate) {
      socket.send(text);
      return;
    }
    // zlib-stream: one shared deflate context, each payload ends with a sync flush (00 00 ff ff).
    connection.queue = connection.queue.then(
      () =>
        new Promise<void>((resolve) => {
          const chunks: Buffer[] = [];
          const onData = (chunk: Buffer) => chunks.push(chunk);
          deflate.on("data", onData);
          deflate.write(text);
          deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            deflate.off("data", onData);
            if (socket.readyState === socket.OPEN) socket.send(Buffer.concat(chunks));
            resolve();
          });
        }),
    );
  }
}
