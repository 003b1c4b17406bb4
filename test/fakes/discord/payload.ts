// Request bodies as Discord reads them: JSON, or multipart/form-data with `payload_json` and `files[n]`;
// and the message limits Discord enforces server-side (answered as 400 Invalid Form Body, code 50035).
import type { IncomingHttpHeaders } from "node:http";
import { type FakeAttachment, newSnowflake } from "./world.ts";

export interface ParsedBody {
  json: Record<string, unknown>;
  /** files[n] parts by n */
  files: Map<string, { filename: string; contentType: string | null; data: Buffer }>;
  /** false when the body was not valid JSON / multipart */
  ok: boolean;
}

export async function parseBody(raw: Buffer, headers: IncomingHttpHeaders): Promise<ParsedBody> {
  const files: ParsedBody["files"] = new Map();
  const contentType = headers["content-type"] ?? "";
  if (raw.length === 0) return { json: {}, files, ok: true };
  try {
    if (contentType.startsWith("multipart/form-data")) {
      // The platform's own multipart parser (undici, behind Request.formData).
      const form = await new Request("http://fake.invalid/", {
        method: "POST",
        headers: { "content-type": contentType },
        body: new Uint8Array(raw),
      }).formData();
      let json: Record<string, unknown> = {};
      for (const [name, value] of form.entries()) {
        if (name === "payload_json" && typeof value === "string") {
          json = JSON.parse(value) as Record<string, unknown>;
          continue;
        }
        const index = /^files\[(\d+)\]$/.exec(name)?.[1];
        if (index !== undefined && typeof value !== "string") {
          files.set(index, {
            filename: value.name,
            contentType: value.type || null,
            data: Buffer.from(await value.arrayBuffer()),
          });
        }
      }
      return { json, files, ok: true };
    }
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    if (parsed === null || typeof parsed !== "object") return { json: {}, files, ok: false };
    return { json: parsed as Record<string, unknown>, files, ok: true };
  } catch {
    return { json: {}, files, ok: false };
  }
}

/** The attachments of a message body: `attachments: [{ id: n, filename, description }]` pointing at files[n]. */
export function attachmentsFrom(body: ParsedBody, existing: FakeAttachment[] = []): FakeAttachment[] {
  const described = Array.isArray(body.json.attachments)
    ? (body.json.attachments as Array<Record<string, unknown>>)
    : undefined;
  const result: FakeAttachment[] = [];
  const used = new Set<string>();
  for (const entry of described ?? []) {
    const id = String(entry.id);
    const file = body.files.get(id);
    if (file) {
      used.add(id);
      result.push({
        id: newSnowflake(),
        filename: typeof entry.filename === "string" ? entry.filename : file.filename,
        description: typeof entry.description === "string" ? entry.description : null,
        contentType: file.contentType,
        data: file.data,
      });
    } else {
      // An id of an attachment already on the message keeps it (how edits keep files).
      const kept = existing.find((a) => a.id === id);
      if (kept) result.push(kept);
    }
  }
  for (const [index, file] of body.files) {
    if (used.has(index)) continue;
    result.push({
      id: newSnowflake(),
      filename: file.filename,
      description: null,
      contentType: file.contentType,
      data: file.data,
    });
  }
  // Without an `attachments` field, an edit keeps the files already there.
  if (!described && body.files.size === 0) return existing;
  return result;
}

type FieldErrors = Record<string, unknown>;

function addError(errors: FieldErrors, path: string[], code: string, message: string): void {
  let node = errors;
  for (const key of path) {
    node[key] ??= {};
    node = node[key] as FieldErrors;
  }
  const list = Array.isArray(node._errors) ? (node._errors as Array<{ code: string; message: string }>) : [];
  list.push({ code, message });
  node._errors = list;
}

function checkLength(errors: FieldErrors, path: string[], value: unknown, max: number): number {
  if (typeof value !== "string") return 0;
  if (value.length > max)
    addError(errors, path, "BASE_TYPE_MAX_LENGTH", `Must be ${max} or fewer in length.`);
  return value.length;
}

/**
 * Checks a message body against Discord's documented limits. Returns the `errors` object of a 50035 answer,
 * or null when the body is valid.
 */
export function messageErrors(json: Record<string, unknown>): FieldErrors | null {
  const errors: FieldErrors = {};
  checkLength(errors, ["content"], json.content, 2000);
  if (Array.isArray(json.embeds)) {
    if (json.embeds.length > 10)
      addError(errors, ["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.");
    let total = 0;
    json.embeds.forEach((raw, i) => {
      const embed = (raw ?? {}) as Record<string, unknown>;
      const at = ["embeds", String(i)];
      total += checkLength(errors, [...at, "title"], embed.title, 256);
      total += checkLength(errors, [...at, "description"], embed.description, 4096);
      const footer = (embed.footer ?? {}) as Record<string, unknown>;
      total += checkLength(errors, [...at, "footer", "text"], footer.text, 2048);
      const author = (embed.author ?? {}) as Record<string, unknown>;
      total += checkLength(errors, [...at, "author", "name"], author.name, 256);
      const fields = Array.isArray(embed.fields) ? (embed.fields as Array<Record<string, unknown>>) : [];
      if (fields.length > 25) {
        addError(errors, [...at, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
      }
      fields.forEach((field, j) => {
        total += checkLength(errors, [...at, "fields", String(j), "name"], field.name, 256);
        total += checkLength(errors, [...at, "fields", String(j), "value"], field.value, 1024);
      });
    });
    if (total > 6000) {
      addError(errors, ["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000");
    }
  }
  if (Array.isArray(json.components)) {
    if (json.components.length > 5) {
      addError(errors, ["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.");
    }
    json.components.forEach((raw, i) => {
      const row = (raw ?? {}) as Record<string, unknown>;
      const children = Array.isArray(row.components)
        ? (row.components as Array<Record<string, unknown>>)
        : [];
      if (row.type === 1 && children.length > 5) {
        addError(
          errors,
          ["components", String(i), "components"],
          "BASE_TYPE_MAX_LENGTH",
          "Must be 5 or fewer in length.",
        );
      }
      children.forEach((child, j) => {
        const at = ["components", String(i), "components", String(j)];
        checkLength(errors, [...at, "custom_id"], child.custom_id, 100);
        checkLength(errors, [...at, "label"], child.label, 80);
      });
    });
  }
  return Object.keys(errors).length > 0 ? errors : null;
}

/** True when a message body would create an empty message (Discord: 50006). */
export function isEmptyMessage(json: Record<string, unknown>, attachmentCount: number): boolean {
  const hasContent = typeof json.content === "string" && json.content.length > 0;
  const hasEmbeds = Array.isArray(json.embeds) && json.embeds.length > 0;
  const hasComponents = Array.isArray(json.components) && json.components.length > 0;
  const hasStickers = Array.isArray(json.sticker_ids) && json.sticker_ids.length > 0;
  return !hasContent && !hasEmbeds && !hasComponents && !hasStickers && !json.poll && attachmentCount === 0;
}
