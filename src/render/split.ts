// Splits a long answer into messages that fit a platform's limit, at line boundaries where it can, without
// breaking code fences: a fence open at a cut is closed at the end of one part and reopened (same language) in
// the next, so each part renders on its own.

import { safeCut } from "./graphemes.ts";

const FENCE = /^\s{0,3}(`{3,}|~{3,})(.*)$/;

/** Splits `text` into parts of at most `limit` characters (UTF-16 units, as Discord and Telegram count). */
export function splitMessage(text: string, limit: number): string[] {
  if (limit < 40) throw new Error(`a message limit of ${limit} is too small to split code fences safely`);
  if (text.length <= limit) return [text];
  const parts: string[] = [];
  let current = "";
  let openFence: { marker: string; opening: string } | null = null;

  const closing = () => (openFence ? `\n${openFence.marker}` : "");
  const flush = () => {
    if (current.trim() !== "" && current !== openFence?.opening) parts.push(current + closing());
    current = openFence ? openFence.opening : "";
  };
  const append = (line: string) => {
    current = current === "" ? line : `${current}\n${line}`;
  };

  for (const line of text.split("\n")) {
    for (const piece of cutLongLine(line, limit - 2 * fenceReserve(openFence) - 1)) {
      const fence = FENCE.exec(piece);
      const nextFence: { marker: string; opening: string } | null = fence
        ? openFence
          ? piece.trim().startsWith(openFence.marker) && fence[2]?.trim() === ""
            ? null
            : openFence
          : { marker: fence[1] ?? "```", opening: piece.trim() }
        : openFence;
      const candidate = current === "" ? piece : `${current}\n${piece}`;
      // Room to close the fence that will be open after this line; a line that opens one also needs room
      // for some of the block, or the part would end in an empty block.
      const opensFence = nextFence !== null && nextFence !== openFence;
      const reserve = fenceReserve(nextFence) + (opensFence ? Math.min(80, Math.floor(limit / 10)) : 0);
      if (candidate.length + reserve > limit && current !== "") flush();
      append(piece);
      openFence = nextFence;
    }
  }
  if (current.trim() !== "" && current !== openFence?.opening) parts.push(current + closing());
  return parts;
}

function fenceReserve(fence: { marker: string; opening: string } | null): number {
  return fence ? fence.marker.length + fence.opening.length + 2 : 0;
}

/** A line longer than the room left: cut at the last space before the limit, else between graphemes. */
function cutLongLine(line: string, room: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > room) {
    const space = rest.lastIndexOf(" ", room);
    const cut = space > room / 2 ? space : Math.max(1, safeCut(rest, room));
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^ /, "");
  }
  pieces.push(rest);
  return pieces;
}
