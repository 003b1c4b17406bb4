// Reading a battle record: its sides, turns and the history each side sees, and its vote buttons.
import type { ChatMessage, ModelEndpoint } from "./model-client.ts";
import { encodePayload } from "./payloads.ts";
import type { BattleRecord, ModelRecord } from "./store.ts";
import type { BattleNames, ButtonSpec, Side } from "./types.ts";

export function battleButtons(battleId: string): ButtonSpec[][] {
  return [
    [
      {
        id: encodePayload({ action: "vote", battleId, choice: "a" }),
        label: "👈 A is better",
        style: "primary",
      },
      {
        id: encodePayload({ action: "vote", battleId, choice: "b" }),
        label: "👉 B is better",
        style: "primary",
      },
      { id: encodePayload({ action: "vote", battleId, choice: "tie" }), label: "🤝 Tie", style: "secondary" },
      {
        id: encodePayload({ action: "vote", battleId, choice: "bad" }),
        label: "👎 Both are bad",
        style: "secondary",
      },
    ],
    [
      { id: encodePayload({ action: "continue", battleId }), label: "💬 Continue", style: "secondary" },
      { id: encodePayload({ action: "close", battleId }), label: "🔒 Close voting", style: "danger" },
    ],
  ];
}

export function namesOf(battle: BattleRecord): BattleNames {
  return { a: battle.modelA, b: battle.modelB };
}

export function userTurnOf(battle: BattleRecord, turn: number): string {
  return battle.turns.find((record) => record.turn === turn)?.userContent ?? "";
}

export function answerOf(battle: BattleRecord, turn: number, side: Side): string {
  return battle.turns.find((record) => record.turn === turn && record.side === side)?.content ?? "";
}

/** The history one side sees: every earlier user turn with that side's own answers, then the new user turn. */
export function conversationFor(battle: BattleRecord, side: Side, turn: number): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (let index = 1; index <= turn; index++) {
    messages.push({ role: "user", content: userTurnOf(battle, index) });
    if (index < turn) messages.push({ role: "assistant", content: answerOf(battle, index, side) });
  }
  return messages;
}

export function endpointOf(model: ModelRecord): ModelEndpoint {
  return {
    name: model.name,
    baseUrl: model.baseUrl,
    model: model.model,
    apiKeyEnv: model.apiKeyEnv,
    maxTokens: model.maxTokens,
    temperature: model.temperature,
    systemPrompt: model.systemPrompt,
  };
}
