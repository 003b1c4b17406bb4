// The ranking core's public surface: pure maths over comparisons, no I/O, no project imports.
export { aggregate, battlesPerModel, tableFromCounts, totalBattles } from "./aggregate.ts";
export { quantile } from "./bootstrap.ts";
export { BASE_RATING, ELO_PER_THETA, fitBradleyTerry, SEPARATION_PRIOR_PRECISION } from "./bt.ts";
export { type EloOptions, onlineElo, onlineEloByIndex } from "./elo.ts";
export {
  type FastChatBattles,
  type FastChatOptions,
  FastChatParseError,
  fastChatComparisons,
  fastChatComparisonsInTimeOrder,
  fastChatCounts,
  fastChatElo,
  parseFastChat,
  timeOrder,
} from "./fastchat.ts";
export { battleCountMatrix, predictedWinRateMatrix, winFractionMatrix } from "./matrices.ts";
export { rankModels } from "./rank.ts";
export type * from "./types.ts";
export { warmBootstrapWorkers } from "./workers.ts";
