export type { BoardData, WebPolicy, WebSource } from "./data.ts";
export { MODEL_BATTLES_SHOWN, WebData } from "./data.ts";
export { isPrivateChat, promptVisible } from "./privacy.ts";
export type {
  LeaderboardResponse,
  ModelBattle,
  ModelBattlesResponse,
  WebCategory,
  WebRankedModel,
} from "./schema.ts";
export {
  leaderboardResponseSchema,
  modelBattleSchema,
  modelBattlesResponseSchema,
  webCategorySchema,
} from "./schema.ts";
export type { WebServer, WebServerOptions } from "./server.ts";
export { buildWebApp, startWebServer } from "./server.ts";
