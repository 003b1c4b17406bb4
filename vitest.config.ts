import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { reachablePostgresUrl } from "./test/store/databases.ts";

/** The suites that run on both databases (test/store/databases.ts): the store's and the engine's. */
const BOTH_DATABASES = ["test/store/**/*.test.ts", "test/arena/engine.test.ts", "test/arena/judge.test.ts"];
/**
 * Several bot processes serving one platform on one database: PostgreSQL's deployment model (on SQLite, one
 * process per platform).
 */
const POSTGRES_ONLY = ["test/multi-process/**/*.test.ts"];
/** Tests of the SQLite file itself (paths, pragmas, WAL). */
const SQLITE_ONLY = ["test/store/index.test.ts"];

const config = async () => {
  const postgres = await reachablePostgresUrl();
  if (!postgres) {
    console.info("PostgreSQL suite skipped: TEST_DATABASE_URL is not set or no server answers there");
  }
  const projects: TestProjectInlineConfiguration[] = [
    { extends: true, test: { name: "sqlite", include: ["test/**/*.test.ts"], exclude: POSTGRES_ONLY } },
  ];
  if (postgres) {
    projects.push({
      extends: true,
      test: {
        name: "postgres",
        include: [...BOTH_DATABASES, ...POSTGRES_ONLY],
        exclude: SQLITE_ONLY,
        env: { ARENA_TEST_STORE: "postgres" },
      },
    });
  }
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 30_000,
      // Tests start real servers on 127.0.0.1 (ephemeral ports) and real SQLite files; two cores here.
      pool: "forks" as const,
      projects,
    },
  };
};

export default defineConfig(config);
