// The public, read-only leaderboard site (ARENA_WEB_PORT): Fastify, GET and HEAD only, strict security headers,
// no CORS. Charts use vega, vega-lite and vega-embed served from node_modules (no CDN).
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import helmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import { OVERALL } from "../arena/categories.ts";
import type { Logger } from "../arena/logger.ts";
import { type WebData, WebData as WebDataReader, type WebPolicy, type WebSource } from "./data.ts";
import { leaderboardPage, messagePage, modelPage } from "./page.ts";
import { leaderboardResponseSchema, modelBattlesResponseSchema } from "./schema.ts";

const require = createRequire(import.meta.url);

/** A dependency's folder in node_modules (vega's "exports" hide its browser builds from require.resolve). */
function packageDirectory(name: string): string {
  let directory = dirname(require.resolve(name));
  for (;;) {
    const manifest = join(directory, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === name
    )
      return directory;
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no package folder found for ${name}`);
    directory = parent;
  }
}

const ASSETS = join(dirname(fileURLToPath(import.meta.url)), "assets");
const READ_METHODS = new Set(["GET", "HEAD"]);

export interface WebServerOptions {
  readonly host: string;
  /** 0 picks a free port (see `url`). */
  readonly port: number;
  readonly source: WebSource;
  readonly policy: WebPolicy;
  readonly logger: Logger;
}

export interface WebServer {
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  close(): Promise<void>;
}

const categoryQuery = z.object({
  category: z
    .string({ error: "category must be given once, as text" })
    .min(1)
    .max(100, "category is at most 100 characters")
    .default(OVERALL),
});
const modelQuery = z.object({
  name: z.string({ error: "name must be given once: the model's name" }).min(1),
});

function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? "invalid query";
}

function unknownCategory(category: string, known: readonly string[]): string {
  return `Unknown category "${category}". Categories with a public leaderboard: ${known.join(", ")}.`;
}

/** The site as a Fastify app, not yet listening (tests may `inject` into it). */
export async function buildWebApp(data: WebData, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: "same-origin" },
  });
  // Nothing on this site changes anything: every other method is refused before a body is read.
  app.addHook("onRequest", async (request, reply) => {
    if (READ_METHODS.has(request.method)) return;
    return reply
      .code(405)
      .header("allow", "GET, HEAD")
      .send({ error: `${request.method} is not allowed: this site is read-only (GET and HEAD only).` });
  });

  const assets: [prefix: string, root: string | string[], files?: readonly string[]][] = [
    ["/assets/", ASSETS, ["page.js", "page.css"]],
    ["/assets/vega/", join(packageDirectory("vega"), "build"), ["vega.min.js"]],
    ["/assets/vega-lite/", join(packageDirectory("vega-lite"), "build"), ["vega-lite.min.js"]],
    ["/assets/vega-embed/", join(packageDirectory("vega-embed"), "build"), ["vega-embed.min.js"]],
    [
      "/assets/fonts/",
      [
        dirname(require.resolve("@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf")),
        dirname(require.resolve("@expo-google-fonts/inter/700Bold/Inter_700Bold.ttf")),
      ],
      ["Inter_400Regular.ttf", "Inter_700Bold.ttf"],
    ],
  ];
  assets.forEach(([prefix, root, files], index) => {
    void app.register(fastifyStatic, {
      root,
      prefix,
      decorateReply: index === 0,
      index: false,
      list: false,
      wildcard: false,
      allowedPath: (path) => files?.includes(path.replace(/^\//, "")) ?? true,
    });
  });

  const html = (reply: FastifyReply, code: number, page: string) =>
    reply.code(code).type("text/html; charset=utf-8").header("cache-control", "no-cache").send(page);
  const json = (reply: FastifyReply, code: number, body: unknown) =>
    reply.code(code).type("application/json; charset=utf-8").header("cache-control", "no-cache").send(body);

  app.get("/", async (request, reply) => {
    const query = categoryQuery.safeParse(request.query);
    if (!query.success) return html(reply, 400, messagePage("Bad request", firstIssue(query.error)));
    const board = await data.board(query.data.category);
    if (!board) {
      const known = (await data.categories()).map((entry) => entry.key);
      return html(reply, 404, messagePage("Unknown category", unknownCategory(query.data.category, known)));
    }
    return html(reply, 200, leaderboardPage(board));
  });

  app.get("/model", async (request, reply) => {
    const query = modelQuery.safeParse(request.query);
    if (!query.success) return html(reply, 400, messagePage("Bad request", firstIssue(query.error)));
    const battles = await data.modelBattles(query.data.name);
    if (!battles)
      return html(
        reply,
        404,
        messagePage("Unknown model", `No closed battle of a model named "${query.data.name}".`),
      );
    return html(reply, 200, modelPage(battles));
  });

  app.get("/api/leaderboard", async (request, reply) => {
    const query = categoryQuery.safeParse(request.query);
    if (!query.success) return json(reply, 400, { error: firstIssue(query.error) });
    const board = await data.board(query.data.category);
    if (!board) {
      const known = (await data.categories()).map((entry) => entry.key);
      return json(reply, 404, { error: unknownCategory(query.data.category, known) });
    }
    return json(reply, 200, leaderboardResponseSchema.parse(board.json));
  });

  app.get("/api/model", async (request, reply) => {
    const query = modelQuery.safeParse(request.query);
    if (!query.success) return json(reply, 400, { error: firstIssue(query.error) });
    const battles = await data.modelBattles(query.data.name);
    if (!battles)
      return json(reply, 404, { error: `No closed battle of a model named "${query.data.name}".` });
    return json(reply, 200, modelBattlesResponseSchema.parse(battles));
  });

  app.get("/api/battles.json", async (_request, reply) => json(reply, 200, await data.fastChatExport()));

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const message = `Nothing at ${request.url.split("?")[0]}.`;
    return request.url.startsWith("/api/")
      ? json(reply, 404, { error: message })
      : html(reply, 404, messagePage("Not found", message));
  });
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500)
      return json(reply, status, { error: error instanceof Error ? error.message : "bad request" });
    logger.error({ err: String(error), url: request.url }, "web request failed");
    return json(reply, 500, { error: "Something went wrong on the server; try again later." });
  });
  return app;
}

/** Starts the site on host:port; the arena and store stay open after `close`. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const app = await buildWebApp(new WebDataReader(options.source, options.policy), options.logger);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  options.logger.info({ url }, "web page listening");
  return {
    url,
    close: () => app.close(),
  };
}
